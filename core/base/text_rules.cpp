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

void append_u_escape(char32_t c, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(c >> shift) & 0xf];
}

std::string describe_label(NameProblem problem, std::string_view what, std::size_t max_chars) {
  const std::string the = "the " + std::string(what);
  switch (problem) {
    case NameProblem::kNone: return "ok";
    case NameProblem::kEmpty: return the + " is empty";
    case NameProblem::kTooLong: return the + " is longer than " + std::to_string(max_chars) + " characters";
    case NameProblem::kNotUtf8: return the + " is not valid UTF-8";
    case NameProblem::kControlCharacter: return the + " contains a control character";
    case NameProblem::kBidiControl: return the + " contains a bidirectional control character";
    case NameProblem::kBlank: return the + " has no visible character";
  }
  return "?";
}

const char* describe(NameProblem problem) {
  static const std::string kTexts[] = {
      describe_label(NameProblem::kNone, "name", kMaxNameChars), describe_label(NameProblem::kEmpty, "name", kMaxNameChars),
      describe_label(NameProblem::kTooLong, "name", kMaxNameChars), describe_label(NameProblem::kNotUtf8, "name", kMaxNameChars),
      describe_label(NameProblem::kControlCharacter, "name", kMaxNameChars),
      describe_label(NameProblem::kBidiControl, "name", kMaxNameChars), describe_label(NameProblem::kBlank, "name", kMaxNameChars)};
  return kTexts[static_cast<int>(problem)].c_str();
}

NameProblem check_name(std::string_view name) { return check_label(name, kMaxNameChars); }

NameProblem check_label(std::string_view name, std::size_t max_chars) {
  if (name.empty()) return NameProblem::kEmpty;
  long chars = utf8_length(name);
  if (chars < 0) return NameProblem::kNotUtf8;
  if (static_cast<std::size_t>(chars) > max_chars) return NameProblem::kTooLong;
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

const char* describe(RoomNameProblem problem) {
  switch (problem) {
    case RoomNameProblem::kNone: return "ok";
    case RoomNameProblem::kEmpty: return "the room name is empty";
    case RoomNameProblem::kTooLong: return "the room name is longer than 32 characters";
    case RoomNameProblem::kBadCharacter:
      return "a room name is ASCII letters, digits, '_', '-' and '.', and starts with a letter or a digit";
  }
  return "?";
}

namespace {
bool ascii_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
// RFC 6838's restricted-name characters.
bool media_token_char(char c) { return ascii_alnum(c) || std::string_view("!#$&-^_.+").find(c) != std::string_view::npos; }
}  // namespace

RoomNameProblem check_room_name(std::string_view name) {
  if (name.empty()) return RoomNameProblem::kEmpty;
  if (name.size() > kMaxRoomNameBytes) return RoomNameProblem::kTooLong;
  if (!ascii_alnum(name[0])) return RoomNameProblem::kBadCharacter;
  for (char c : name)
    if (!ascii_alnum(c) && c != '_' && c != '-' && c != '.') return RoomNameProblem::kBadCharacter;
  return RoomNameProblem::kNone;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string room_name_key(std::string_view name) { return ascii_lower(name); }

bool valid_https_url(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() > kMaxUrlBytes || url.substr(0, kScheme.size()) != kScheme) return false;
  for (char c : url)
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`') return false;
  const std::string_view rest = url.substr(kScheme.size());
  const std::size_t host_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, host_end);
  // A host, and no credentials in the URL (they would be shown to every reader).
  return !authority.empty() && authority.find('@') == std::string_view::npos && authority[0] != ':';
}

bool valid_media_type(std::string_view media_type, std::string_view expected_type) {
  if (media_type.size() > 100) return false;
  const std::size_t slash = media_type.find('/');
  if (slash == std::string_view::npos || room_name_key(media_type.substr(0, slash)) != expected_type) return false;
  const std::string_view sub = media_type.substr(slash + 1);
  if (sub.empty() || !ascii_alnum(sub[0])) return false;
  for (char c : sub)
    if (!media_token_char(c)) return false;
  return true;
}

MessageProblem check_message(std::string_view text, std::size_t max_bytes) {
  if (text.empty()) return MessageProblem::kEmpty;
  if (text.size() > max_bytes) return MessageProblem::kTooLong;
  if (utf8_length(text) < 0) return MessageProblem::kNotUtf8;
  return MessageProblem::kNone;
}

}  // namespace chatd
