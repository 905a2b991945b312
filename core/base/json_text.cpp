#include "core/base/json_text.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "core/base/text_rules.hpp"

namespace chatd {

namespace {

// Bytes that JSON strings can carry as they are: printable ASCII but the quote and the backslash.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7f; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    // Fast path: copy a run of plain ASCII in one append.
    std::size_t run = i;
    // Eight bytes at a time while none needs escaping (SWAR: no byte < 0x20, >= 0x7f, '"' or '\\').
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    while (run + 8 <= text.size()) {
      std::uint64_t w;
      std::memcpy(&w, bytes + run, 8);
      std::uint64_t control = (w - kOnes * 0x20) & ~w;              // some byte < 0x20
      std::uint64_t del_or_high = (w + kOnes * 0x01) | w;           // some byte >= 0x7f
      std::uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
      std::uint64_t zero = ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash);
      if ((control | del_or_high | zero) & kHigh) break;
      run += 8;
    }
    while (run < text.size() && kPlain[bytes[run]]) ++run;
    if (run > i) {
      out.append(text.data() + i, run - i);
      i = run;
      if (i == text.size()) break;
    }
    unsigned char c = bytes[i];
    if (c >= 0x80) {
      std::size_t n = utf8_sequence_length(text, i);
      if (n == 0) {
        out += "\xef\xbf\xbd";  // U+FFFD for a byte that is not UTF-8
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:  // the other control characters and DEL
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
    ++i;
  }
  out.push_back('"');
}

void append_json_uint(std::string& out, std::uint64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

void append_json_int(std::string& out, std::int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

}  // namespace chatd
