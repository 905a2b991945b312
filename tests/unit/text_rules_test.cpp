// Text rules (UTF-8, names, messages) and the JSON string writer every encoder uses.
#include <catch2/catch.hpp>

#include <string>

#include "core/base/ids.hpp"
#include "core/base/json_text.hpp"
#include "core/base/text_rules.hpp"

using namespace chatd;

namespace {

// The obvious, slow JSON string writer: the fast one must agree with it on every input.
std::string reference_json_string(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_sequence_length(text, i);
      if (n == 0) {
        out += "\xef\xbf\xbd";
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(static_cast<char>(c));
    }
    ++i;
  }
  return out + "\"";
}

std::string json(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

}  // namespace

TEST_CASE("JSON strings: escapes and invalid UTF-8", "[json]") {
  CHECK(json("") == R"("")");
  CHECK(json("plain text") == R"("plain text")");
  CHECK(json("a\"b\\c") == R"("a\"b\\c")");
  CHECK(json("line\nnext\ttab\r") == R"("line\nnext\ttab\r")");
  CHECK(json(std::string("nul\0bell\x07" "del\x7f", 13)) == R"("nul\u0000bell\u0007del\u007f")");
  CHECK(json("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80\"");
  CHECK(json("bad \xff byte") == "\"bad \xef\xbf\xbd byte\"");
  CHECK(json("\xed\xa0\x80") == "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // a surrogate is not UTF-8
}

TEST_CASE("JSON strings: the fast writer agrees with the reference on random bytes", "[json]") {
  SeededRandom random(2024);
  const char alphabet[] = {'a', ' ', '"', '\\', '\n', '\x01', '\x7f', '\x80', '\xc3', '\xa9', '\xe2', '\x9c', '\x93', '\xff', '~', '}'};
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    std::size_t len = random.uniform(40);
    bool mostly_ascii = random.uniform(2) == 0;
    for (std::size_t i = 0; i < len; ++i) {
      if (mostly_ascii && random.uniform(8) != 0)
        s.push_back(static_cast<char>(0x20 + random.uniform(95)));
      else
        s.push_back(alphabet[random.uniform(sizeof alphabet)]);
    }
    INFO("input bytes: " << s.size());
    REQUIRE(json(s) == reference_json_string(s));
  }
}

TEST_CASE("UTF-8 length counts code points and rejects invalid sequences", "[text]") {
  CHECK(utf8_length("") == 0);
  CHECK(utf8_length("abcdefghijklmnopq") == 17);
  CHECK(utf8_length("abcdefgh\xc3\xa9ijklmnop") == 17);
  CHECK(utf8_length("\xf0\x9f\x98\x80") == 1);
  CHECK(utf8_length("abcdefgh\xc0\xaf") == -1);          // overlong
  CHECK(utf8_length("abcdefgh\xe0\x80\xaf") == -1);      // overlong
  CHECK(utf8_length("\xf4\x90\x80\x80") == -1);          // past U+10FFFF
  CHECK(utf8_length("abcdefghijklmno\xc3") == -1);       // truncated
}

TEST_CASE("name rules: lengths, controls, bidirectional controls, invisible-only names", "[text]") {
  CHECK(check_name("Alice") == NameProblem::kNone);
  CHECK(check_name("caf\xc3\xa9 \xe4\xb8\xad") == NameProblem::kNone);
  CHECK(check_name("") == NameProblem::kEmpty);
  CHECK(check_name(std::string(50, 'a')) == NameProblem::kNone);
  CHECK(check_name(std::string(51, 'a')) == NameProblem::kTooLong);
  CHECK(check_name("\xff") == NameProblem::kNotUtf8);
  CHECK(check_name("a\nb") == NameProblem::kControlCharacter);
  CHECK(check_name("a\xc2\x85") == NameProblem::kControlCharacter);  // NEL, a C1 control
  // U+202E RIGHT-TO-LEFT OVERRIDE: "\u202Eecila" prints as "alice" reversed; every other bidi control too.
  CHECK(check_name("\xe2\x80\xae" "ecilA") == NameProblem::kBidiControl);
  for (const char* bidi : {"\xd8\x9c", "\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac",
                           "\xe2\x80\xad", "\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9"})
    CHECK(check_name(std::string("Bob") + bidi) == NameProblem::kBidiControl);
  CHECK(check_name("   ") == NameProblem::kBlank);
  CHECK(check_name("\xe2\x80\x8b\xe2\x80\x8b") == NameProblem::kBlank);          // zero-width spaces
  CHECK(check_name("\xe3\x85\xa4") == NameProblem::kBlank);                          // HANGUL FILLER
  CHECK(check_name("\xc2\xa0\xe2\x80\x83\xef\xbb\xbf") == NameProblem::kBlank);  // no-break, em space, BOM
  CHECK(check_name("\xe2\xa0\x80") == NameProblem::kBlank);                          // BRAILLE PATTERN BLANK
  CHECK(check_name("\xf3\xa0\x80\x81") == NameProblem::kBlank);                     // a tag character
  CHECK(check_name("\xe2\x80\x8b" "Al" "\xe2\x80\x8d" "ice") == NameProblem::kNone);  // visible characters among them
  CHECK(check_name("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x92\xbb") == NameProblem::kNone);  // an emoji with a joiner
}

TEST_CASE("UTF-8 code points are decoded from every sequence length", "[text]") {
  const std::string s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  CHECK(utf8_code_point(s, 0, 1) == U'a');
  CHECK(utf8_code_point(s, 1, 2) == U'\u00e9');
  CHECK(utf8_code_point(s, 3, 3) == U'\u20ac');
  CHECK(utf8_code_point(s, 6, 4) == U'\U0001f600');
}

TEST_CASE("message rules", "[text]") {
  CHECK(check_message("hi", 10) == MessageProblem::kNone);
  CHECK(check_message("", 10) == MessageProblem::kEmpty);
  CHECK(check_message("0123456789a", 10) == MessageProblem::kTooLong);
  CHECK(check_message("0123456789", 10) == MessageProblem::kNone);
  CHECK(check_message("\xff", 10) == MessageProblem::kNotUtf8);
  CHECK(check_message("multi\nline\ttext", 100) == MessageProblem::kNone);
}

TEST_CASE("pair ids print and parse as UUIDs", "[ids]") {
  SeededRandom random(1);
  PairId id = draw_pair_id(random);
  std::string text = id.to_string();
  CHECK(text.size() == 36);
  CHECK(text[8] == '-');
  CHECK(text[14] == '4');
  CHECK((text[19] == '8' || text[19] == '9' || text[19] == 'a' || text[19] == 'b'));
  CHECK(PairId::parse(text) == id);
  CHECK_FALSE(PairId::parse("not-a-uuid"));
  CHECK_FALSE(PairId::parse("6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8g"));
}

TEST_CASE("random draws are uniform enough and deterministic", "[ids]") {
  SeededRandom a(9), b(9);
  for (int i = 0; i < 100; ++i) REQUIRE(a.next_u64() == b.next_u64());
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 30000; ++i) ++counts[a.uniform(3)];
  for (int c : counts) CHECK((c > 9000 && c < 11000));
}
