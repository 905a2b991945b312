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

// The Unicode bidirectional formatting characters: marks (ALM, LRM, RLM), embeddings and overrides
// (LRE..RLO, PDF) and isolates (LRI..PDI).
bool is_bidi_control(char32_t c) {
  return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

bool is_control_character(char32_t c) { return c < 0x20 || (c >= 0x7f && c <= 0x9f); }

char32_t utf8_code_point(std::string_view text, std::size_t i, std::size_t length) {
  auto byte = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(text[i + k])); };
  if (length == 1) return byte(0);
  char32_t c = byte(0) & (0x7f >> length);
  for (std::size_t k = 1; k < length; ++k) c = (c << 6) | (byte(k) & 0x3f);
  return c;
}

namespace {

// Characters that print as nothing or as blank space: spaces, zero-width and joining characters,
// invisible operators, fillers, variation selectors and tags. A name made only of these reads as
// no name (or as another client's, padded).
bool is_invisible(char32_t c) {
  return c == 0x20 || c == 0xa0 || c == 0xad || c == 0x034f || c == 0x115f || c == 0x1160 || c == 0x1680 ||
         c == 0x180e || (c >= 0x2000 && c <= 0x200d) || c == 0x202f || c == 0x205f || (c >= 0x2060 && c <= 0x2064) ||
         c == 0x2800 || c == 0x3000 || c == 0x3164 || (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff || c == 0xffa0 ||
         (c >= 0xe0000 && c <= 0xe007f) || (c >= 0xe0100 && c <= 0xe01ef);
}

}  // namespace

const char* describe(NameProblem problem) {
  switch (problem) {
    case NameProblem::kNone: return "ok";
    case NameProblem::kEmpty: return "the name is empty";
    case NameProblem::kTooLong: return "the name is longer than 50 characters";
    case NameProblem::kNotUtf8: return "the name is not valid UTF-8";
    case NameProblem::kControlCharacter: return "the name contains a control character";
    case NameProblem::kBidiControl: return "the name contains a bidirectional control character";
    case NameProblem::kBlank: return "the name has no visible character";
  }
  return "?";
}

NameProblem check_name(std::string_view name) {
  if (name.empty()) return NameProblem::kEmpty;
  long chars = utf8_length(name);
  if (chars < 0) return NameProblem::kNotUtf8;
  if (static_cast<std::size_t>(chars) > kMaxNameChars) return NameProblem::kTooLong;
  bool control = false, bidi = false, visible = false;
  for (std::size_t i = 0; i < name.size();) {
    const std::size_t n = utf8_sequence_length(name, i);  // valid: checked above
    const char32_t c = utf8_code_point(name, i, n);
    control = control || is_control_character(c);
    bidi = bidi || is_bidi_control(c);
    visible = visible || !is_invisible(c);
    i += n;
  }
  if (control) return NameProblem::kControlCharacter;
  if (bidi) return NameProblem::kBidiControl;
  return visible ? NameProblem::kNone : NameProblem::kBlank;
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
