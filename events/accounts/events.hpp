// The accounts domain's events: signing up, devices (a login's token: only its hash is recorded),
// logging in and out, changing the password, the display name, the username and the email,
// deactivation and the purge that ends it. An account is optional: stranger chat and rooms need none.
//
// Personal data is sealed (core/base/sealing.hpp): the username, the email, the display name, the
// password's argon2id hash and a device's name are stored sealed under the account's key
// (subject "account:<id>", in the key store beside the log), each bound to its account and field
// (seal_context below). The username and the email are also stored as blind indexes under the
// server's index key (subject "index"), so that uniqueness and lookups need no clear text. Deleting
// the account's key erases all of it; the events stay as they are.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include "events/accounts/social.hpp"
#include "events/event.hpp"

namespace chatd::events {

// An account's id: handed out by the World in order (1, 2, ...), never reused.
using AccountId = std::uint64_t;
inline constexpr AccountId kNoAccount = 0;
// A device's id: one per login that issued a token, in order over all accounts, never reused.
using DeviceId = std::uint64_t;
inline constexpr DeviceId kNoDevice = 0;

// The key store's subjects and the associated data each sealed field is bound to.
inline std::string account_key_subject(AccountId account) { return "account:" + std::to_string(account); }
inline std::string seal_context(AccountId account, std::string_view field) {
  return account_key_subject(account) + "/" + std::string(field);
}
inline constexpr std::string_view kIndexKeySubject = "index";

// Client `by` signed up: account `account`, its first credential (version 1).
struct AccountCreated {
  static constexpr std::string_view kType = "account_created";
  AccountId account = kNoAccount;
  ClientId by = kNoClient;
  std::string username_index;  // blind indexes (64 hex digits)
  std::string email_index;
  std::string username;  // sealed
  std::string email;
  std::string display_name;
  std::string password;  // sealed: the argon2id hash
  static constexpr auto fields() {
    return std::tuple{field<&AccountCreated::account>("account"), field<&AccountCreated::by>("by", Role::kClient),
                      field<&AccountCreated::username_index>("username_index"),
                      field<&AccountCreated::email_index>("email_index"), field<&AccountCreated::username>("username"),
                      field<&AccountCreated::email>("email"), field<&AccountCreated::display_name>("display_name"),
                      field<&AccountCreated::password>("password")};
  }
  bool operator==(const AccountCreated&) const = default;
};

// A login by `client` issued device `device` of `account`: a token whose BLAKE2b-256 is
// `token_hash` (the token itself went to the client only). `name` is sealed.
struct DeviceAdded {
  static constexpr std::string_view kType = "device_added";
  AccountId account = kNoAccount;
  DeviceId device = kNoDevice;
  ClientId client = kNoClient;
  std::string token_hash;
  std::string name;
  static constexpr auto fields() {
    return std::tuple{field<&DeviceAdded::account>("account"), field<&DeviceAdded::device>("device"),
                      field<&DeviceAdded::client>("client", Role::kClient), field<&DeviceAdded::token_hash>("token_hash"),
                      field<&DeviceAdded::name>("name")};
  }
  bool operator==(const DeviceAdded&) const = default;
};

// `client` is logged in as `account` through `device` (a password login's new device, or a token's).
struct LoggedIn {
  static constexpr std::string_view kType = "logged_in";
  ClientId client = kNoClient;
  AccountId account = kNoAccount;
  DeviceId device = kNoDevice;
  static constexpr auto fields() {
    return std::tuple{field<&LoggedIn::client>("client", Role::kClient), field<&LoggedIn::account>("account"),
                      field<&LoggedIn::device>("device")};
  }
  bool operator==(const LoggedIn&) const = default;
};

// `client` logged out: its device's token is revoked with it.
struct LoggedOut {
  static constexpr std::string_view kType = "logged_out";
  ClientId client = kNoClient;
  AccountId account = kNoAccount;
  DeviceId device = kNoDevice;
  static constexpr auto fields() {
    return std::tuple{field<&LoggedOut::client>("client", Role::kClient), field<&LoggedOut::account>("account"),
                      field<&LoggedOut::device>("device")};
  }
  bool operator==(const LoggedOut&) const = default;
};

// `by`, logged in as `account`, revoked another of its devices: its token never logs in again,
// and a client logged in through it is logged out.
struct DeviceRevoked {
  static constexpr std::string_view kType = "device_revoked";
  AccountId account = kNoAccount;
  DeviceId device = kNoDevice;
  ClientId by = kNoClient;
  static constexpr auto fields() {
    return std::tuple{field<&DeviceRevoked::account>("account"), field<&DeviceRevoked::device>("device"),
                      field<&DeviceRevoked::by>("by", Role::kClient)};
  }
  bool operator==(const DeviceRevoked&) const = default;
};

// `by`, logged in as `account` and proven with the old password, set a new one: credential
// version `credential` (the previous one + 1), `password` its sealed argon2id hash. Every other
// device of the account is revoked with it (and its clients logged out).
struct PasswordChanged {
  static constexpr std::string_view kType = "password_changed";
  AccountId account = kNoAccount;
  ClientId by = kNoClient;
  std::uint64_t credential = 0;
  std::string password;  // sealed
  static constexpr auto fields() {
    return std::tuple{field<&PasswordChanged::account>("account"), field<&PasswordChanged::by>("by", Role::kClient),
                      field<&PasswordChanged::credential>("credential"), field<&PasswordChanged::password>("password")};
  }
  bool operator==(const PasswordChanged&) const = default;
};

// `by`, logged in as `account` and proven with its password, asked for the account to be deleted.
// It is purged at `purge_at` (the grace period the server was configured with, recorded here so
// that a replay needs no configuration) unless someone logs in with its password before. Every
// device is revoked and every client logged in as it logged out.
struct DeactivationScheduled {
  static constexpr std::string_view kType = "deactivation_scheduled";
  AccountId account = kNoAccount;
  ClientId by = kNoClient;
  TimeMs purge_at = 0;
  static constexpr auto fields() {
    return std::tuple{field<&DeactivationScheduled::account>("account"), field<&DeactivationScheduled::by>("by", Role::kClient),
                      field<&DeactivationScheduled::purge_at>("purge_at")};
  }
  bool operator==(const DeactivationScheduled&) const = default;
};

// `client` logged in as `account` during its grace period: the purge is called off (the login's
// own events follow).
struct DeactivationCancelled {
  static constexpr std::string_view kType = "deactivation_cancelled";
  AccountId account = kNoAccount;
  ClientId client = kNoClient;
  static constexpr auto fields() {
    return std::tuple{field<&DeactivationCancelled::account>("account"),
                      field<&DeactivationCancelled::client>("client", Role::kClient)};
  }
  bool operator==(const DeactivationCancelled&) const = default;
};

// `by`, logged in as `account`, set its display name (sealed) to a new one.
struct DisplayNameChanged {
  static constexpr std::string_view kType = "display_name_changed";
  AccountId account = kNoAccount;
  ClientId by = kNoClient;
  std::string display_name;  // sealed
  static constexpr auto fields() {
    return std::tuple{field<&DisplayNameChanged::account>("account"), field<&DisplayNameChanged::by>("by", Role::kClient),
                      field<&DisplayNameChanged::display_name>("display_name")};
  }
  bool operator==(const DisplayNameChanged&) const = default;
};

// `by`, logged in as `account` and proven with its password, took a new username: the old one is
// free for anyone from this event on.
struct UsernameChanged {
  static constexpr std::string_view kType = "username_changed";
  AccountId account = kNoAccount;
  ClientId by = kNoClient;
  std::string username_index;  // the new one's blind index
  std::string username;        // sealed
  static constexpr auto fields() {
    return std::tuple{field<&UsernameChanged::account>("account"), field<&UsernameChanged::by>("by", Role::kClient),
                      field<&UsernameChanged::username_index>("username_index"), field<&UsernameChanged::username>("username")};
  }
  bool operator==(const UsernameChanged&) const = default;
};

// `by`, logged in as `account` and proven with its password, set a new email address.
struct EmailChanged {
  static constexpr std::string_view kType = "email_changed";
  AccountId account = kNoAccount;
  ClientId by = kNoClient;
  std::string email_index;  // the new one's blind index (of its lowercase form)
  std::string email;        // sealed
  static constexpr auto fields() {
    return std::tuple{field<&EmailChanged::account>("account"), field<&EmailChanged::by>("by", Role::kClient),
                      field<&EmailChanged::email_index>("email_index"), field<&EmailChanged::email>("email")};
  }
  bool operator==(const EmailChanged&) const = default;
};

// The grace period of `account` ended: its key is erased in this event's transaction, so that
// everything sealed under it (username, email, display name, password hashes, device names) is
// unreadable in every event that holds it; its username and email are free again.
struct AccountPurged {
  static constexpr std::string_view kType = "account_purged";
  AccountId account = kNoAccount;
  static constexpr auto fields() { return std::tuple{field<&AccountPurged::account>("account")}; }
  bool operator==(const AccountPurged&) const = default;
};

using AccountsEvents = EventList<AccountCreated, DeviceAdded, LoggedIn, LoggedOut, DeviceRevoked, PasswordChanged,
                                 DeactivationScheduled, DeactivationCancelled, AccountPurged, DisplayNameChanged,
                                 UsernameChanged, EmailChanged, ProfileFieldSet, ProfileFieldCleared, Followed, Unfollowed>;

}  // namespace chatd::events
