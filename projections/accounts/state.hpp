// The accounts domain's part of the World: the accounts with their fields and profiles as stored (sealed; the
// World never holds a clear value, so its hash does not change when a key is erased), the blind
// indexes that find them, the devices with the hashes of their tokens, which client is logged in
// as which account, the deactivated accounts' purge deadlines, who follows whom, and the search
// terms of public profile fields. A login lasts as long as the client's connection (a restart ends
// every one); a device lasts until it is revoked. Its pushes are below; notify (projection.cpp)
// says who gets them.
// Thread-safety: plain values, owned by their World.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "events/accounts/events.hpp"
#include "projections/push.hpp"

namespace chatd::projections {

using events::AccountId;
using events::DeviceId;

struct Device {
  std::string token_hash;
  std::string name;  // sealed
  TimeMs created = 0;
  TimeMs last_login = 0;
  static constexpr auto fields() {
    return std::tuple{events::field<&Device::token_hash>("token_hash"), events::field<&Device::name>("name"),
                      events::field<&Device::created>("created"), events::field<&Device::last_login>("last_login")};
  }
  bool operator==(const Device&) const = default;
};

// A profile field of an account (core/accounts/profile.hpp names them and their rules).
struct ProfileField {
  std::string value;  // sealed
  events::Audience visibility = events::Audience::kPrivate;
  std::string terms;  // its search terms' blind indexes, space-separated: public searchable fields only
  static constexpr auto fields() {
    return std::tuple{events::field<&ProfileField::value>("value"), events::field<&ProfileField::visibility>("visibility"),
                      events::field<&ProfileField::terms>("terms")};
  }
  bool operator==(const ProfileField&) const = default;
};

struct Account {
  std::string username_index, email_index;
  std::string username, email, display_name, password;  // sealed
  std::uint64_t credential = 1;  // the password's version: a login proven against an older one is stale
  TimeMs created = 0;
  TimeMs purge_at = 0;  // deactivated: purged then unless it logs in before (0: not deactivated)
  std::map<DeviceId, Device> devices;
  std::map<std::string, ProfileField> profile;  // by the field's name
  static constexpr auto fields() {
    return std::tuple{events::field<&Account::username_index>("username_index"),
                      events::field<&Account::email_index>("email_index"), events::field<&Account::username>("username"),
                      events::field<&Account::email>("email"), events::field<&Account::display_name>("display_name"),
                      events::field<&Account::password>("password"), events::field<&Account::credential>("credential"),
                      events::field<&Account::created>("created"), events::field<&Account::purge_at>("purge_at"),
                      events::field<&Account::devices>("devices"), events::field<&Account::profile>("profile")};
  }
  bool operator==(const Account&) const = default;
};

// A client logged in: as which account, through which device.
struct AccountLogin {
  AccountId account = events::kNoAccount;
  DeviceId device = events::kNoDevice;
  static constexpr auto fields() {
    return std::tuple{events::field<&AccountLogin::account>("account"), events::field<&AccountLogin::device>("device")};
  }
  bool operator==(const AccountLogin&) const = default;
};

// Where a token's hash leads.
struct TokenOwner {
  AccountId account = events::kNoAccount;
  DeviceId device = events::kNoDevice;
  static constexpr auto fields() {
    return std::tuple{events::field<&TokenOwner::account>("account"), events::field<&TokenOwner::device>("device")};
  }
  bool operator==(const TokenOwner&) const = default;
};

struct AccountsState {
  std::map<AccountId, Account> accounts;
  std::map<std::string, AccountId> by_username;             // blind index -> account (unique)
  std::map<std::string, std::vector<AccountId>> by_email;   // blind index -> accounts (shared emails)
  std::map<std::string, TokenOwner> by_token;               // token hash -> device
  std::map<ClientId, AccountLogin> logins;                  // the clients logged in now
  std::multimap<TimeMs, AccountId> purges;                  // the deactivated accounts, by when they are purged
  std::map<AccountId, std::set<AccountId>> following;       // follower -> whom it follows
  std::map<AccountId, std::set<AccountId>> followers;       // followee -> who follows it
  std::map<std::string, std::set<AccountId>> by_term;       // a search term's blind index -> accounts
  AccountId last_account = events::kNoAccount;              // ids are handed out after these
  DeviceId last_device = events::kNoDevice;

  const Account* find(AccountId id) const {
    auto it = accounts.find(id);
    return it == accounts.end() ? nullptr : &it->second;
  }
  const AccountLogin* login_of(ClientId c) const {
    auto it = logins.find(c);
    return it == logins.end() ? nullptr : &it->second;
  }
  // The account client `by` is logged in as, if that is `account`; null otherwise.
  Account* logged_in_as(ClientId by, AccountId account) {
    const AccountLogin* login = login_of(by);
    return login && login->account == account ? &accounts.at(account) : nullptr;
  }
  AccountId by_username_index(const std::string& index) const {
    auto it = by_username.find(index);
    return it == by_username.end() ? events::kNoAccount : it->second;
  }

  bool follows(AccountId follower, AccountId followee) const {
    auto it = following.find(follower);
    return it != following.end() && it->second.count(followee);
  }
  // Whether `reader` (kNoAccount: a client without an account) may read a field of `owner`'s seen by `audience`.
  bool may_see(AccountId owner, AccountId reader, events::Audience audience) const {
    switch (audience) {
      case events::Audience::kPublic: return true;
      case events::Audience::kFollowers: return reader != events::kNoAccount && (reader == owner || follows(reader, owner));
      case events::Audience::kPrivate: return reader != events::kNoAccount && reader == owner;
    }
    return false;
  }

  static constexpr auto fields() {
    return std::tuple{events::field<&AccountsState::last_account>("last_account"),
                      events::field<&AccountsState::last_device>("last_device"),
                      events::field<&AccountsState::accounts>("accounts"), events::field<&AccountsState::by_username>("by_username"),
                      events::field<&AccountsState::by_email>("by_email"), events::field<&AccountsState::by_token>("by_token"),
                      events::field<&AccountsState::logins>("logins"), events::field<&AccountsState::purges>("purges"),
                      events::field<&AccountsState::following>("following"), events::field<&AccountsState::followers>("followers"),
                      events::field<&AccountsState::by_term>("by_term")};
  }
};

// ---- pushes ----------------------------------------------------------------------------------

// The client is no longer logged in, and why: its own logout (the reply says so too), its device
// revoked from another one, the password changed on another one, or the account deactivated.
enum class LogoutCause : std::uint8_t { kLogout, kRevoked, kPasswordChanged, kDeactivated };
struct LoggedOutPush {
  static constexpr std::string_view kName = "logged_out";
  AccountId account = events::kNoAccount;
  DeviceId device = events::kNoDevice;
  LogoutCause why = LogoutCause::kLogout;
  bool operator==(const LoggedOutPush&) const = default;
};

class Projections;
void add_accounts_projection(Projections& p);

}  // namespace chatd::projections
