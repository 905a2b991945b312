#include "core/base/ids.hpp"

#include <array>

namespace chatd {

bool PairId::empty() const {
  for (auto b : bytes)
    if (b != 0) return false;
  return true;
}

void PairId::append_to(std::string& out) const {
  static constexpr char kHex[] = "0123456789abcdef";
  char text[36];
  std::size_t at = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text[at++] = '-';
    text[at++] = kHex[bytes[i] >> 4];
    text[at++] = kHex[bytes[i] & 0xf];
  }
  out.append(text, sizeof text);
}

std::string PairId::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

namespace {

// Hex digit values, -1 for any other byte: a table instead of branches, because the replay of a
// long log parses one pair id per message and random hex digits defeat branch prediction.
constexpr std::array<std::int8_t, 256> kHexValue = [] {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - 'A' + 10);
  return t;
}();

// Where each byte's two hex digits start in the 8-4-4-4-12 form.
constexpr std::array<std::uint8_t, 16> kHexAt = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};

}  // namespace

std::optional<PairId> PairId::parse(std::string_view text) {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') return std::nullopt;
  PairId id;
  int bad = 0;  // any digit's -1 makes it negative
  for (std::size_t i = 0; i < 16; ++i) {
    const int hi = kHexValue[static_cast<unsigned char>(text[kHexAt[i]])];
    const int lo = kHexValue[static_cast<unsigned char>(text[kHexAt[i] + 1u])];
    bad |= hi | lo;
    id.bytes[i] = static_cast<std::uint8_t>((hi << 4) | (lo & 0xf));
  }
  if (bad < 0) return std::nullopt;
  return id;
}

std::uint64_t Random::uniform(std::uint64_t bound) {
  // Lemire's rejection: unbiased and cheap.
  std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    std::uint64_t r = next_u64();
    if (r >= threshold) return r % bound;
  }
}

std::uint64_t SeededRandom::next_u64() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

PairId draw_pair_id(Random& random) {
  PairId id;
  std::uint64_t hi = random.next_u64(), lo = random.next_u64();
  for (int i = 0; i < 8; ++i) {
    id.bytes[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    id.bytes[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  }
  id.bytes[6] = static_cast<std::uint8_t>((id.bytes[6] & 0x0f) | 0x40);  // version 4
  id.bytes[8] = static_cast<std::uint8_t>((id.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return id;
}

}  // namespace chatd
