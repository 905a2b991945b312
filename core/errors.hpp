// Error codes of replies. The strings are part of the wire protocol: clients switch on them, so
// they never change meaning (docs/protocol.md lists them).
#pragma once

#include <cstdint>

namespace chatd {

enum class ErrorCode : std::uint8_t {
  kNone = 0,
  kBadRequest,         // the request is not well formed (missing or ill-typed field)
  kUnknownOp,          // the op is not one the server knows
  kInvalidName,        // name rules (core/text_rules.hpp)
  kInvalidMessage,     // message rules: empty, too long, not UTF-8
  kInvalidState,       // the command is not allowed in the client's state
  kNoPreviousPair,     // report without a previous pair
  kAlreadyReported,    // report of a pair already reported
  kInvalidReason,      // report reason too long or not UTF-8
  kNotConnected,       // the session is not (yet) a client
  kCaptchaRequired,    // the captcha must be solved first
  kCaptchaInvalid,     // the captcha solution was rejected (detail in the message)
  kRateLimited,        // too many commands too fast
  kBusy,               // too many commands in flight, or the engine queue is full
};

const char* to_string(ErrorCode code);

}  // namespace chatd
