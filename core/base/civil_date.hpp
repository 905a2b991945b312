// Dates of the proleptic Gregorian calendar as day numbers since 1970-01-01 (Howard Hinnant's
// algorithms): what a birth date, an age, chatreplay's UTC times and chatd's log times are computed with.
// Thread-safety: pure functions.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace chatd {

struct CivilDate {
  std::int64_t year = 1970;
  unsigned month = 1;  // 1-12
  unsigned day = 1;    // 1-31
  bool operator==(const CivilDate&) const = default;
  auto operator<=>(const CivilDate&) const = default;
};

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
CivilDate civil_from_days(std::int64_t days);
bool leap_year(std::int64_t y);
unsigned days_in_month(std::int64_t y, unsigned m);
// The UTC date of a time in ms since 1970.
CivilDate civil_date_of(std::int64_t ms);
// A time in ms since 1970 as YYYY-MM-DDThh:mm:ss.fffZ.
std::string format_utc_time(std::int64_t ms);

}  // namespace chatd
