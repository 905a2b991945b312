// The stranger domain's error codes (see core/base/errors.hpp for the shared ones).
// Thread-safety: constants.
#pragma once

#include "core/base/errors.hpp"

namespace chatd::errors {
inline constexpr ErrorCode kInvalidMessage{"invalid_message"};     // message rules: empty, too long, not UTF-8
inline constexpr ErrorCode kNoPreviousPair{"no_previous_pair"};    // a report without a previous partner
inline constexpr ErrorCode kAlreadyReported{"already_reported"};   // a report of a pair already reported
inline constexpr ErrorCode kInvalidReason{"invalid_reason"};       // a report reason too long or not UTF-8
inline constexpr ErrorCode kNameTaken{"name_taken"};               // a unique name another client online has
}  // namespace chatd::errors
