// Error codes of replies. A code is a stable snake_case string that clients switch on, so it never
// changes meaning (docs/protocol.md lists every one). The codes every domain may answer with are
// below; a domain's own codes sit in its core/<domain>/errors.hpp, one table per domain, so that a
// new rule never edits a central list.
// Thread-safety: plain values.
#pragma once

#include <string_view>

namespace chatd {

class ErrorCode {
 public:
  constexpr ErrorCode() = default;  // no error
  constexpr explicit ErrorCode(std::string_view code) : code_(code) {}

  constexpr bool ok() const { return code_.empty(); }
  // The wire string; "ok" for no error.
  constexpr std::string_view code() const { return ok() ? std::string_view("ok") : code_; }
  constexpr bool operator==(const ErrorCode&) const = default;

 private:
  std::string_view code_;
};

namespace errors {
inline constexpr ErrorCode kNone{};
inline constexpr ErrorCode kBadRequest{"bad_request"};         // the request is not well formed (a missing or ill-typed field)
inline constexpr ErrorCode kUnknownOp{"unknown_op"};           // the op is not one the server knows
inline constexpr ErrorCode kInvalidState{"invalid_state"};     // the command is not allowed in the client's state
inline constexpr ErrorCode kInvalidName{"invalid_name"};       // name rules (core/base/text_rules.hpp)
inline constexpr ErrorCode kNameRequired{"name_required"};     // rooms and DMs show who speaks: set a name first
inline constexpr ErrorCode kNotConnected{"not_connected"};     // the session is not (yet, or any more) a client
inline constexpr ErrorCode kCaptchaRequired{"captcha_required"};  // the captcha must be solved first
inline constexpr ErrorCode kCaptchaInvalid{"captcha_invalid"};    // the solution was rejected (detail in the message)
inline constexpr ErrorCode kRateLimited{"rate_limited"};       // too many commands too fast
inline constexpr ErrorCode kForbidden{"forbidden"};            // for operators only, and no valid operator token came
inline constexpr ErrorCode kBusy{"busy"};                      // too many commands in flight, or the engine queue is full
inline constexpr ErrorCode kWrongPassword{"wrong_password"};   // the password (or a needed one) did not match
inline constexpr ErrorCode kWeakPassword{"weak_password"};     // a new password breaks the rules (or is the old one)
// Between the engine and the session only, never sent: the command needs a password checked
// against the stored hash in the reply's body (a CredentialChallenge, core/command.hpp).
inline constexpr ErrorCode kCredentialNeeded{"credential_needed"};
}  // namespace errors

}  // namespace chatd
