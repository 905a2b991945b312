#include "core/base/text_rules.hpp"

#include <cstdint>
#include <cstring>

namespace chatd {

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  if (n == 2 && c < 0xc2) return 0;  // overlong
  if (n == 3) {
    unsigned char c1 = byte(i + 1);
    if (c == 0xe0 && c1 < 0xa0) return 0;  // overlong
    if (c == 0xed && c1 >= 0xa0) return 0;  // UTF-16 surrogates
  }
  if (n == 4) {
    unsigned char c1 = byte(i + 1);
    if (c == 0xf0 && c1 < 0x90) return 0;                 // overlong
    if (c > 0xf4 || (c == 0xf4 && c1 >= 0x90)) return 0;  // past U+10FFFF
  }
  return n;
}

long utf8_length(std::string_view text) {
  long count = 0;
  for (std::size_t i = 0; i < text.size(); ++count) {
    // Fast path: ASCII is most text; skip it eight bytes at a time.
    while (i + 8 <= text.size()) {
      std::uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
      count += 8;
    }
    if (i >= text.size()) break;
    std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) return -1;
    i += n;
  }
  return count;
}

namespace {

// C0 controls, DEL and C1 controls (U+0080..U+009F, encoded as C2 80..C2 9F).
bool has_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f) return true;
  }
  return false;
}

}  // namespace

const char* describe(NameProblem problem) {
  switch (problem) {
    case NameProblem::kNone: return "ok";
    case NameProblem::kEmpty: return "the name is empty";
    case NameProblem::kTooLong: return "the name is longer than 50 characters";
    case NameProblem::kNotUtf8: return "the name is not valid UTF-8";
    case NameProblem::kControlCharacter: return "the name contains a control character";
    case NameProblem::kBlank: return "the name is only spaces";
  }
  return "?";
}

NameProblem check_name(std::string_view name) {
  if (name.empty()) return NameProblem::kEmpty;
  long chars = utf8_length(name);
  if (chars < 0) return NameProblem::kNotUtf8;
  if (static_cast<std::size_t>(chars) > kMaxNameChars) return NameProblem::kTooLong;
  if (has_control_character(name)) return NameProblem::kControlCharacter;
  if (name.find_first_not_of(' ') == std::string_view::npos) return NameProblem::kBlank;
  return NameProblem::kNone;
}

const char* describe(MessageProblem problem) {
  switch (problem) {
    case MessageProblem::kNone: return "ok";
    case MessageProblem::kEmpty: return "the message is empty";
    case MessageProblem::kTooLong: return "the message is longer than the server allows";
    case MessageProblem::kNotUtf8: return "the message is not valid UTF-8";
  }
  return "?";
}

MessageProblem check_message(std::string_view text, std::size_t max_bytes) {
  if (text.empty()) return MessageProblem::kEmpty;
  if (text.size() > max_bytes) return MessageProblem::kTooLong;
  if (utf8_length(text) < 0) return MessageProblem::kNotUtf8;
  return MessageProblem::kNone;
}

}  // namespace chatd
