// Sealing personal data (DESIGN.md "Personal data is sealed"): what must be erasable (an
// account's email, display name, password hash, profile) is stored in events encrypted with a key
// of its subject, which lives in a key store beside the log (events/log.hpp) and never in the log.
// Deleting the key erases the data everywhere at once, the log staying append-only. Uniqueness and
// lookups go through blind indexes: keyed hashes under a server-wide index key, so that equal
// values can be found without the log holding them in clear.
//
// XChaCha20-Poly1305 (libsodium's IETF construction): its 192-bit nonces may be drawn at random
// without a counter. The nonce is passed in (the engine's secret random source), so sealing stays
// pure and the simulator reproduces it from a seed. The subject and the field's purpose are bound
// as associated data, so a sealed value moved to another account or field does not open.
// Purity: no clock, no RNG, no I/O; these libsodium calls work before sodium_init() (on portable code).
// Thread-safety: pure functions; SealKey, KeyChange and KeyRing are values (a KeyRing is used by one
// thread at a time: the engine's).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace chatd {

inline constexpr std::size_t kSealKeyBytes = 32;
inline constexpr std::size_t kSealNonceBytes = 24;
inline constexpr std::size_t kSealTagBytes = 16;
using SealKey = std::array<std::uint8_t, kSealKeyBytes>;
using SealNonce = std::array<std::uint8_t, kSealNonceBytes>;

// `plain` sealed under `key`, bound to `context` (the subject and purpose, e.g. "account:7/email"):
// the text "s1:" then base64url(nonce, ciphertext, tag) without padding, so it sits in a JSON
// string as it is. 4/3 of 40 + the text's length, plus 3.
std::string seal(const SealKey& key, const SealNonce& nonce, std::string_view context, std::string_view plain);

// The plain text of `sealed`, or nothing if it is not sealed text, was sealed under another key or
// context, or was altered.
std::optional<std::string> unseal(const SealKey& key, std::string_view context, std::string_view sealed);

// A blind index of `value` for `purpose` (e.g. "username"): keyed BLAKE2b-256 under the index key,
// as 64 lowercase hex digits. The same value and purpose give the same index; without the key
// nothing links the index to the value. The caller normalizes the value first (case-folding).
std::string blind_index(const SealKey& index_key, std::string_view purpose, std::string_view value);

// Bytes as base64url without padding (a device token's text: 43 characters for 32 bytes).
std::string base64url(const std::uint8_t* bytes, std::size_t size);
// What is stored of a token: its BLAKE2b-256, as 64 hex digits. Unkeyed: a token has 256 random
// bits, so its hash needs no key and no slow hashing to resist guessing.
std::string token_hash(std::string_view token);

// N bytes from random draws: a key or a nonce from the engine's secret source (a CSPRNG in
// production, a seeded generator in the simulator).
template <std::size_t N, class Draw>
std::array<std::uint8_t, N> random_bytes(Draw&& next_u64) {
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; i += 8) {
    const std::uint64_t v = next_u64();
    for (std::size_t b = 0; b < 8 && i + b < N; ++b) out[i + b] = static_cast<std::uint8_t>(v >> (8 * b));
  }
  return out;
}

// The sealing keys the engine holds, by subject ("index" for the blind-index key, "account:7" for
// an account's): the key store's contents (events/log.hpp), loaded at start and changed with each
// batch's KeyChanges. Decide reads it through its Context and never writes it.
class KeyRing {
 public:
  const SealKey* find(std::string_view subject) const {
    auto it = keys_.find(subject);
    return it == keys_.end() ? nullptr : &it->second;
  }
  void put(std::string subject, const SealKey& key) { keys_.insert_or_assign(std::move(subject), key); }
  void erase(std::string_view subject) {
    auto it = keys_.find(subject);
    if (it != keys_.end()) keys_.erase(it);
  }
  std::size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, SealKey, std::less<>> keys_;
};

// A change a decision makes to the key store, committed in the transaction of its events: a
// subject's key created, or (no key) erased.
struct KeyChange {
  std::string subject;
  std::optional<SealKey> key;
  bool operator==(const KeyChange&) const = default;
};

}  // namespace chatd
