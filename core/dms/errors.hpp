// The dms domain's error codes (see core/base/errors.hpp for the shared ones).
// Thread-safety: constants.
#pragma once

#include "core/base/errors.hpp"

namespace chatd::errors {
inline constexpr ErrorCode kNoSuchUser{"no_such_user"};      // nobody online has that name
inline constexpr ErrorCode kAmbiguousName{"ambiguous_name"};  // several clients online have that name
inline constexpr ErrorCode kSelfDm{"self_dm"};                // a DM is with someone else
inline constexpr ErrorCode kNoSuchDm{"no_such_dm"};           // the client has no open DM of that id
inline constexpr ErrorCode kTooManyDms{"too_many_dms"};       // the client (or the one asked) has as many DMs open as it may
}  // namespace chatd::errors
