#include "replay/time_text.hpp"

#include "core/base/civil_date.hpp"

namespace chatd::replay {
namespace {

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, int n, unsigned& out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  out = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos++];
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<TimeMs> parse_utc_time(std::string_view s) {
  if (!s.empty() && s.size() <= 15 && s.find_first_not_of("0123456789") == std::string_view::npos) {
    TimeMs v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
  }
  std::size_t pos = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) || !expect(s, pos, '-') ||
      !digits(s, pos, 2, day))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    ++pos;
    if (!digits(s, pos, 2, hour) || !expect(s, pos, ':') || !digits(s, pos, 2, minute)) return std::nullopt;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!digits(s, pos, 2, second)) return std::nullopt;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int n = 0;
        unsigned scale = 100;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          if (++n > 3) return std::nullopt;  // finer than the log's milliseconds
          millis += static_cast<unsigned>(s[pos++] - '0') * scale;
          scale /= 10;
        }
        if (n == 0) return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  }
  if (pos < s.size() && s[pos] == 'Z') ++pos;
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(year, month, day);
  return ((days * 24 + hour) * 60 + minute) * 60'000 + second * 1000 + millis;
}

}  // namespace chatd::replay
