// UTC times as operators type and read them: "2026-11-22T14:02:00Z", "2026-11-22T14:02:00.250Z".
// Event times are milliseconds since the Unix epoch (core/ids.hpp); no time zones are involved.
// Thread-safety: reentrant functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/base/civil_date.hpp"
#include "core/base/ids.hpp"

namespace chatd::replay {

// Accepts YYYY-MM-DD[(T| )hh:mm[:ss[.fff]]][Z] (UTC; a missing time is midnight), or a plain
// integer of milliseconds since the epoch. Anything else, or an impossible date, is nullopt.
std::optional<TimeMs> parse_utc_time(std::string_view text);

// Formats as YYYY-MM-DDThh:mm:ss.fffZ (core/base/civil_date.hpp's, shared with chatd's log).
using chatd::format_utc_time;

}  // namespace chatd::replay
