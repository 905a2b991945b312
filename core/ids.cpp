#include "core/ids.hpp"

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

std::optional<PairId> PairId::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  PairId id;
  std::size_t byte = 0;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes[byte++] = static_cast<std::uint8_t>(hi << 4 | lo);
    i += 2;
  }
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
