#include "core/base/sealing.hpp"

#include <sodium.h>

#include <algorithm>
#include <cassert>

namespace chatd {
namespace {

constexpr std::string_view kSealedPrefix = "s1:";
constexpr int kBase64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

static_assert(kSealKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kSealNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kSealTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

std::string seal(const SealKey& key, const SealNonce& nonce, std::string_view context, std::string_view plain) {
  std::string raw(kSealNonceBytes + plain.size() + kSealTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  std::copy(nonce.begin(), nonce.end(), out);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out + kSealNonceBytes, &written, bytes(plain), plain.size(), bytes(context),
                                             context.size(), nullptr, nonce.data(), key.data());
  assert(written == plain.size() + kSealTagBytes);
  return std::string(kSealedPrefix) + base64url(out, raw.size());
}

std::optional<std::string> unseal(const SealKey& key, std::string_view context, std::string_view sealed) {
  if (!sealed.starts_with(kSealedPrefix)) return std::nullopt;
  sealed.remove_prefix(kSealedPrefix.size());
  std::string raw(sealed.size(), '\0');  // base64 is longer than its bytes
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), sealed.data(), sealed.size(), nullptr,
                        &length, &end, kBase64) != 0 ||
      end != sealed.data() + sealed.size() || length < kSealNonceBytes + kSealTagBytes)
    return std::nullopt;
  const auto* in = bytes(raw);
  std::string plain(length - kSealNonceBytes - kSealTagBytes, '\0');
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &written, nullptr,
                                                 in + kSealNonceBytes, length - kSealNonceBytes, bytes(context),
                                                 context.size(), in, key.data()) != 0)
    return std::nullopt;
  plain.resize(written);
  return plain;
}

std::string base64url(const std::uint8_t* data, std::size_t size) {
  std::string text(sodium_base64_encoded_len(size, kBase64), '\0');
  sodium_bin2base64(text.data(), text.size(), data, size, kBase64);
  text.resize(text.size() - 1);  // the NUL
  return text;
}

std::string token_hash(std::string_view token) {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, bytes(token), token.size(), nullptr, 0);
  char hex[2 * sizeof digest + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex, 2 * sizeof digest);
}

std::string blind_index(const SealKey& index_key, std::string_view purpose, std::string_view value) {
  // The purpose and a separator first, so that ("ab", "c") and ("a", "bc") never collide.
  crypto_generichash_state state;
  crypto_generichash_init(&state, index_key.data(), index_key.size(), 32);
  crypto_generichash_update(&state, bytes(purpose), purpose.size());
  const unsigned char separator = 0;
  crypto_generichash_update(&state, &separator, 1);
  crypto_generichash_update(&state, bytes(value), value.size());
  unsigned char digest[32];
  crypto_generichash_final(&state, digest, sizeof digest);
  char hex[2 * sizeof digest + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex, 2 * sizeof digest);
}

}  // namespace chatd
