// Fixed-layout binary writing and bounds-checked reading (little-endian u64, length-prefixed
// strings, raw 16-byte pair ids): the World's encoding and the snapshot files are built from these.
// Thread-safety: each object is used by one thread; they only reference the caller's buffers.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/base/ids.hpp"

namespace chatd {

class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void pair(const PairId& p) { out_.append(reinterpret_cast<const char*>(p.bytes.data()), p.bytes.size()); }

 private:
  std::string& out_;
};

// Every read checks the bounds; after the first failure all reads fail and ok() stays false.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  std::uint64_t u64() {
    if (!need(8)) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<unsigned char>(in_[pos_ + i])} << (8 * i);
    pos_ += 8;
    return v;
  }
  std::uint8_t u8() {
    if (!need(1)) return 0;
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::string str() {
    std::uint64_t n = u64();
    if (!need(n)) return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  PairId pair() {
    PairId p;
    if (!need(p.bytes.size())) return p;
    std::memcpy(p.bytes.data(), in_.data() + pos_, p.bytes.size());
    pos_ += p.bytes.size();
    return p;
  }
  // A count of items of at least `min_item` bytes each: bounded by what is left, so a damaged
  // count cannot make the decoder allocate without limit.
  std::uint64_t count(std::size_t min_item) {
    std::uint64_t n = u64();
    if (ok_ && n > (in_.size() - pos_) / min_item) ok_ = false;
    return ok_ ? n : 0;
  }

 private:
  bool need(std::uint64_t n) {
    if (ok_ && n <= in_.size() - pos_) return true;
    ok_ = false;
    return false;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace chatd
