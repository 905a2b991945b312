// OperatorTokens: the bearer tokens that make a request an operator's (`--operator-token-file`),
// for the commands whose traits say operators_only (today `info`: the global seq and the World
// hash tell about everyone, and the hash costs a pass over the World). Only the SHA-256 of each
// token is kept, and a candidate is hashed before it is compared in constant time, so neither its
// length nor its bytes leak through timing. The roles of issue "Moderation" replace this with
// accounts; the gate stays the session's.
// Thread-safety: immutable once built; shared by every session.
#pragma once

#include <sodium.h>

#include <array>
#include <string_view>
#include <vector>

namespace chatd {

class OperatorTokens {
 public:
  // The shortest token accepted: shorter ones could be guessed.
  static constexpr std::size_t kMinLength = 16;

  void add(std::string_view token) { digests_.push_back(digest(token)); }
  bool empty() const { return digests_.empty(); }
  std::size_t size() const { return digests_.size(); }

  bool admits(std::string_view token) const {
    if (token.empty()) return false;
    const Digest candidate = digest(token);
    bool found = false;
    for (const Digest& d : digests_) found |= sodium_memcmp(d.data(), candidate.data(), d.size()) == 0;
    return found;
  }

 private:
  using Digest = std::array<unsigned char, crypto_hash_sha256_BYTES>;
  static Digest digest(std::string_view token) {
    Digest d;
    crypto_hash_sha256(d.data(), reinterpret_cast<const unsigned char*>(token.data()), token.size());
    return d;
  }
  std::vector<Digest> digests_;
};

}  // namespace chatd
