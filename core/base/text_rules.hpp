// Rules for the text people type: names and messages. Every dialect calls these; none has its own.
// Thread-safety: reentrant functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chatd {

inline constexpr std::size_t kMaxNameChars = 50;  // lowf's limit, counted in characters

// Length in bytes of the valid UTF-8 sequence starting at text[i], or 0 if it is not valid UTF-8
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// Number of code points if `text` is valid UTF-8, otherwise -1.
long utf8_length(std::string_view text);

// The code point of the valid UTF-8 sequence of `length` bytes (utf8_sequence_length) at text[i].
char32_t utf8_code_point(std::string_view text, std::size_t i, std::size_t length);

// Characters a terminal acts on rather than shows: C0 controls, DEL and C1 controls (U+0080-U+009F,
// CSI among them); and the bidirectional formatting characters, which reorder what follows them.
bool is_control_character(char32_t c);
bool is_bidi_control(char32_t c);

// Appends `text` (valid UTF-8 or not) with every byte kept but each control or bidirectional
// control character (above) replaced by `escape(code point, out)`; invalid bytes are passed on.
template <class Escape>
void append_with_controls_escaped(std::string& out, std::string_view text, Escape escape);

// Appends a control or bidirectional control character (all in the BMP) as \uXXXX: how every
// output a terminal may show (chatreplay, the palette) writes them.
void append_u_escape(char32_t c, std::string& out);

enum class NameProblem { kNone, kEmpty, kTooLong, kNotUtf8, kControlCharacter, kBidiControl, kBlank };
const char* describe(NameProblem problem);

// A name is 1-50 characters of valid UTF-8, with no control characters, no bidirectional controls
// (U+202E would make "Alice" print as another name and reverse the line it stands in), and at least
// one visible character (not only spaces, zero-width characters, fillers and the like).
NameProblem check_name(std::string_view name);

// The same rules for any one-line text people read as a label (a room's title), at most
// `max_chars` characters; and its description for an error message ("the title is empty").
NameProblem check_label(std::string_view text, std::size_t max_chars);
std::string describe_label(NameProblem problem, std::string_view what, std::size_t max_chars);

// A room's name: 1-32 ASCII letters, digits, '_', '-' and '.', starting with a letter or a digit,
// so that it is the same on every terminal, in a telnet prompt and in a URL, and so that its
// case-insensitive key is exact (room_name_key: ASCII lower case).
inline constexpr std::size_t kMaxRoomNameBytes = 32;
enum class RoomNameProblem { kNone, kEmpty, kTooLong, kBadCharacter };
const char* describe(RoomNameProblem problem);
RoomNameProblem check_room_name(std::string_view name);
std::string room_name_key(std::string_view name);
// `text` with A-Z lowered and every other byte as it is (an email's blind-index form).
std::string ascii_lower(std::string_view text);

// A reference to media elsewhere: an https URL of at most 2,048 bytes of visible ASCII with a host;
// and a media type "type/subtype" (RFC 6838 token characters, at most 100 bytes) whose type is
// `expected_type` ("image", "video").
inline constexpr std::size_t kMaxUrlBytes = 2048;
bool valid_https_url(std::string_view url);
bool valid_media_type(std::string_view media_type, std::string_view expected_type);

enum class MessageProblem { kNone, kEmpty, kTooLong, kNotUtf8 };
const char* describe(MessageProblem problem);

// A message is 1..max_bytes bytes of valid UTF-8 (newlines and tabs allowed).
MessageProblem check_message(std::string_view text, std::size_t max_bytes);

template <class Escape>
void append_with_controls_escaped(std::string& out, std::string_view text, Escape escape) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) {  // not UTF-8: passed on as it is
      out.push_back(text[i++]);
      continue;
    }
    const char32_t c = utf8_code_point(text, i, n);
    if (is_control_character(c) || is_bidi_control(c))
      escape(c, out);
    else
      out.append(text.substr(i, n));
    i += n;
  }
}

}  // namespace chatd
