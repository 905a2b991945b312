// The accounts domain's commands: sign up, log in with a password or a device's token, log out,
// list and revoke one's devices, change the password, the display name, the username or the
// email, deactivate (and be purged). Each acts for its actor, the session's client. A password never
// reaches the engine: signup's is hashed on the session's credential pool (kHashed) and checked
// against its rules there first (check_secret); login's is verified there against the hash the
// engine answers with (kProven). An unknown username is answered with a dummy hash, so that the
// work, and the time it takes, do not tell which usernames exist.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/command.hpp"
#include "core/decide.hpp"
#include "events/accounts/events.hpp"

namespace chatd {

// Creates an account and logs the client in as it, through a first device (the reply's token).
// Its password is the client's, or (issue_secret) one the server makes: kIssuedSecretChars random
// letters and digits, shown once in the reply, then logged in with as a password.
struct Signup {
  static constexpr std::string_view kName = "signup";
  static constexpr CommandTraits kTraits{.credential = CredentialUse::kHashed};
  std::string username;
  std::string email;
  std::string display_name;
  std::string device;         // a name for the device the client is on ("" : "unnamed")
  std::string password_hash;  // set by the session only: the argon2id hash of the password
  bool issue_secret = false;
  std::string issued_secret;  // set by the session only: the secret it made (for the reply)
  static Reply check_secret(const Signup& c, std::string_view password);
  static void with_credential(Signup& c, std::string hash, std::uint64_t, std::uint64_t) { c.password_hash = std::move(hash); }
  static bool wants_issued_secret(const Signup& c) { return c.issue_secret; }
  static void with_issued_secret(Signup& c, std::string secret) { c.issued_secret = std::move(secret); }
  static Reply decide(const projections::World& w, ClientId actor, const Signup& c, const Context& ctx, Decided& out);
  bool operator==(const Signup&) const = default;
};

// Logs in by username (or by email) and password, issuing a new device (the reply's token). By
// email, the password is verified against every account of that email (Limits::max_accounts_per_email
// of them, padded: the work tells no count): one match logs in; several are answered
// `choose_account` with those accounts, and the client sends the login again naming one.
struct Login {
  static constexpr std::string_view kName = "login";
  static constexpr CommandTraits kTraits{.credential = CredentialUse::kProven};
  std::string username;  // or, when empty, `email`
  std::string device;
  std::string email;
  events::AccountId account = events::kNoAccount;  // by email: the one chosen (kNoAccount: not yet)
  // Set by the session only, once the password is verified: whose, which credential version (one
  // per account it matched).
  std::vector<CredentialProof> proven;
  static void with_credential(Login& c, std::string, std::uint64_t account, std::uint64_t version) {
    c.proven.push_back(CredentialProof{account, version});
  }
  static Reply decide(const projections::World& w, ClientId actor, const Login& c, const Context& ctx, Decided& out);
  bool operator==(const Login&) const = default;
};

// Logs in with the token an earlier login issued (no password: the token is 256 random bits).
struct LoginToken {
  static constexpr std::string_view kName = "login_token";
  static constexpr CommandTraits kTraits{};
  std::string token;
  static Reply decide(const projections::World& w, ClientId actor, const LoginToken& c, const Context& ctx, Decided& out);
  bool operator==(const LoginToken&) const = default;
};

// Logs out; the device's token is revoked with it.
struct Logout {
  static constexpr std::string_view kName = "logout";
  static constexpr CommandTraits kTraits{};
  static Reply decide(const projections::World& w, ClientId actor, const Logout& c, const Context& ctx, Decided& out);
  bool operator==(const Logout&) const = default;
};

struct MyDevices {
  static constexpr std::string_view kName = "devices";
  static constexpr CommandTraits kTraits{};
  static Reply decide(const projections::World& w, ClientId actor, const MyDevices& c, const Context& ctx, Decided& out);
  bool operator==(const MyDevices&) const = default;
};

// Revokes another device of the account (one's own: logout).
struct RevokeDevice {
  static constexpr std::string_view kName = "revoke_device";
  static constexpr CommandTraits kTraits{};
  events::DeviceId device = events::kNoDevice;
  static Reply decide(const projections::World& w, ClientId actor, const RevokeDevice& c, const Context& ctx, Decided& out);
  bool operator==(const RevokeDevice&) const = default;
};

// Sets a new password, proven with the old one (kReplaced: the request's secret is the old one, its
// new_secret the new one, checked by check_secret and hashed by the session). Every other device
// is revoked: whoever had the old password is out.
struct ChangePassword {
  static constexpr std::string_view kName = "change_password";
  static constexpr CommandTraits kTraits{.credential = CredentialUse::kReplaced};
  // Set by the session only: the new password's hash, and the proof of the old one.
  std::string password_hash;
  std::optional<CredentialProof> proven;
  static Reply check_secret(const ChangePassword& c, std::string_view new_password);
  static void with_credential(ChangePassword& c, std::string hash, std::uint64_t account, std::uint64_t version) {
    c.password_hash = std::move(hash);
    c.proven = CredentialProof{account, version};
  }
  static Reply decide(const projections::World& w, ClientId actor, const ChangePassword& c, const Context& ctx, Decided& out);
  bool operator==(const ChangePassword&) const = default;
};

// Schedules the account's purge after the configured grace period (Limits::deactivation_grace_ms),
// proven with its password; logging in with the password before then calls it off. Every device
// is revoked and every client logged in as it logged out.
struct Deactivate {
  static constexpr std::string_view kName = "deactivate";
  static constexpr CommandTraits kTraits{.credential = CredentialUse::kProven};
  std::optional<CredentialProof> proven;  // set by the session only, once the password is verified
  static void with_credential(Deactivate& c, std::string, std::uint64_t account, std::uint64_t version) {
    c.proven = CredentialProof{account, version};
  }
  static Reply decide(const projections::World& w, ClientId actor, const Deactivate& c, const Context& ctx, Decided& out);
  bool operator==(const Deactivate&) const = default;
};

// Sets the account's display name (the signup's rules). No password: it names, it does not identify.
struct SetDisplayName {
  static constexpr std::string_view kName = "set_display_name";
  static constexpr CommandTraits kTraits{};
  std::string display_name;
  static Reply decide(const projections::World& w, ClientId actor, const SetDisplayName& c, const Context& ctx, Decided& out);
  bool operator==(const SetDisplayName&) const = default;
};

// Takes a new username (the signup's rules, unique), proven with the password: a username logs in,
// so a device left open must not be able to change it. The old one is free from then on.
struct ChangeUsername {
  static constexpr std::string_view kName = "change_username";
  static constexpr CommandTraits kTraits{.credential = CredentialUse::kProven};
  std::string username;
  std::optional<CredentialProof> proven;  // set by the session only, once the password is verified
  static void with_credential(ChangeUsername& c, std::string, std::uint64_t account, std::uint64_t version) {
    c.proven = CredentialProof{account, version};
  }
  static Reply decide(const projections::World& w, ClientId actor, const ChangeUsername& c, const Context& ctx, Decided& out);
  bool operator==(const ChangeUsername&) const = default;
};

// Sets a new email address (the signup's rule), proven with the password, as for the username.
struct ChangeEmail {
  static constexpr std::string_view kName = "change_email";
  static constexpr CommandTraits kTraits{.credential = CredentialUse::kProven};
  std::string email;
  std::optional<CredentialProof> proven;  // set by the session only, once the password is verified
  static void with_credential(ChangeEmail& c, std::string, std::uint64_t account, std::uint64_t version) {
    c.proven = CredentialProof{account, version};
  }
  static Reply decide(const projections::World& w, ClientId actor, const ChangeEmail& c, const Context& ctx, Decided& out);
  bool operator==(const ChangeEmail&) const = default;
};

// ---- reply bodies ------------------------------------------------------------------------------

// Signup's and the logins' reply: who the client is now. `token` (a password login's and signup's
// only) is the new device's, shown this once: the server keeps its hash.
struct LoginReply {
  events::AccountId account = events::kNoAccount;
  std::string username;
  std::string display_name;
  events::DeviceId device = events::kNoDevice;
  std::string token;
  TimeMs deactivation_cancelled = 0;  // the purge this login called off (when it was due), 0: none
  std::string secret;                 // a signup's the server made (Signup::issue_secret), shown this once
  bool operator==(const LoginReply&) const = default;
};

// A login by email whose password opened several accounts: the client picks one (Login::account).
struct AccountChoice {
  events::AccountId account = events::kNoAccount;
  std::string username;
  std::string display_name;
  bool operator==(const AccountChoice&) const = default;
};
struct ChooseAccountReply {
  std::vector<AccountChoice> accounts;  // by id
  bool operator==(const ChooseAccountReply&) const = default;
};

struct DeactivationReply {
  TimeMs purge_at = 0;
  bool operator==(const DeactivationReply&) const = default;
};

struct DeviceListing {
  events::DeviceId device = events::kNoDevice;
  std::string name;
  TimeMs created = 0;
  TimeMs last_login = 0;
  bool current = false;  // the device this client logged in through
  bool operator==(const DeviceListing&) const = default;
};

struct DevicesReply {
  std::vector<DeviceListing> devices;  // in the order they were added
  bool operator==(const DevicesReply&) const = default;
};

// The rules of the fields, for the dialects' and the tests' use. Usernames: 5 to `max_chars`
// characters of a-z, 0-9 and '_' (so they fold to themselves: an uppercase letter is refused, not
// lowered). Emails: see accounts/decide.cpp. Passwords: 8 characters or more, not the username.
inline constexpr std::size_t kMinUsernameChars = 5;
inline constexpr std::size_t kMinPasswordChars = 8;
inline constexpr std::size_t kMaxPasswordBytes = 1024;
inline constexpr std::size_t kMaxEmailBytes = 254;  // RFC 5321's path limit
inline constexpr std::size_t kMaxDeviceNameChars = 64;
std::optional<std::string> username_problem(std::string_view username, std::size_t max_chars);
std::optional<std::string> email_problem(std::string_view email);

class Lifecycle;
void add_accounts_rules(Lifecycle& lifecycle);

}  // namespace chatd
