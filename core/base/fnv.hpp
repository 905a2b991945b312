// FNV-1a (64 bit): the one stable hash of the project, for World hashes, snapshot checksums and
// event digests. Not cryptographic; it only has to be the same on every machine and in every run.
// Thread-safety: a value type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace chatd {

class Fnv1a {
 public:
  void bytes(const void* data, std::size_t n) {
    auto p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h_ = (h_ ^ p[i]) * 0x100000001b3ULL;
  }
  // Little-endian, so the hash does not depend on the machine's byte order.
  void u64(std::uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    bytes(b, 8);
  }
  // Length-prefixed, so that ("ab","c") and ("a","bc") differ.
  void str(std::string_view s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  std::uint64_t value() const { return h_; }

  static std::uint64_t of(std::string_view s) {
    Fnv1a h;
    h.bytes(s.data(), s.size());
    return h.value();
  }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace chatd
