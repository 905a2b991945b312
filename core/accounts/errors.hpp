// The accounts domain's error codes (see core/base/errors.hpp for the shared ones).
// Thread-safety: constants.
#pragma once

#include "core/base/errors.hpp"

namespace chatd::errors {
inline constexpr ErrorCode kInvalidUsername{"invalid_username"};  // not 5+ of a-z, 0-9, _ (or too long)
inline constexpr ErrorCode kInvalidEmail{"invalid_email"};        // not an address (core/accounts/decide.cpp's rule)
inline constexpr ErrorCode kInvalidDisplayName{"invalid_display_name"};
inline constexpr ErrorCode kUsernameTaken{"username_taken"};
inline constexpr ErrorCode kInvalidToken{"invalid_token"};        // no device has that token (revoked, or never issued)
inline constexpr ErrorCode kLoggedIn{"logged_in"};                // the client is logged in already: log out first
inline constexpr ErrorCode kNotLoggedIn{"not_logged_in"};
inline constexpr ErrorCode kNoSuchDevice{"no_such_device"};       // the account has no device of that id
inline constexpr ErrorCode kTooManyDevices{"too_many_devices"};   // revoke one first
inline constexpr ErrorCode kChooseAccount{"choose_account"};      // the email's password opened several: name one
inline constexpr ErrorCode kUnchanged{"unchanged"};                // the new value is the current one
inline constexpr ErrorCode kNoSuchAccount{"no_such_account"};    // no account has that username or id (or it is deactivated)
inline constexpr ErrorCode kInvalidProfileField{"invalid_profile_field"};  // not a field of the profile table
inline constexpr ErrorCode kInvalidProfileValue{"invalid_profile_value"};  // the value breaks its field's rule
inline constexpr ErrorCode kNotSet{"not_set"};                    // the profile field has no value to keep or clear
inline constexpr ErrorCode kSelfFollow{"self_follow"};            // an account does not follow itself
inline constexpr ErrorCode kAlreadyFollowing{"already_following"};
inline constexpr ErrorCode kNotFollowing{"not_following"};
inline constexpr ErrorCode kTooManyFollows{"too_many_follows"};   // Limits::max_following reached
inline constexpr ErrorCode kInvalidSearch{"invalid_search"};      // no criterion, or one no search knows
inline constexpr ErrorCode kAccountsUnavailable{"accounts_unavailable"};  // the server has no index key (never in chatd)
}  // namespace chatd::errors
