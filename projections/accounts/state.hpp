// The accounts domain's part of the World: the accounts with their fields as stored (sealed; the
// World never holds a clear value, so its hash does not change when a key is erased), the blind
// indexes that find them, the devices with the hashes of their tokens, which client is logged in
// as which account, and the deactivated accounts' purge deadlines. A login lasts as long as the client's connection (a restart ends
// every one); a device lasts until it is revoked. Its pushes are below; notify (projection.cpp)
// says who gets them.
// Thread-safety: plain values, owned by their World.
#pragma once

#include <cstdint>
#include <map>
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

struct Account {
  std::string username_index, email_index;
  std::string username, email, display_name, password;  // sealed
  std::uint64_t credential = 1;  // the password's version: a login proven against an older one is stale
  TimeMs created = 0;
  TimeMs purge_at = 0;  // deactivated: purged then unless it logs in before (0: not deactivated)
  std::map<DeviceId, Device> devices;
  static constexpr auto fields() {
    return std::tuple{events::field<&Account::username_index>("username_index"),
                      events::field<&Account::email_index>("email_index"), events::field<&Account::username>("username"),
                      events::field<&Account::email>("email"), events::field<&Account::display_name>("display_name"),
                      events::field<&Account::password>("password"), events::field<&Account::credential>("credential"),
                      events::field<&Account::created>("created"), events::field<&Account::purge_at>("purge_at"),
                      events::field<&Account::devices>("devices")};
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
  AccountId by_username_index(const std::string& index) const {
    auto it = by_username.find(index);
    return it == by_username.end() ? events::kNoAccount : it->second;
  }

  static constexpr auto fields() {
    return std::tuple{events::field<&AccountsState::last_account>("last_account"),
                      events::field<&AccountsState::last_device>("last_device"),
                      events::field<&AccountsState::accounts>("accounts"), events::field<&AccountsState::by_username>("by_username"),
                      events::field<&AccountsState::by_email>("by_email"), events::field<&AccountsState::by_token>("by_token"),
                      events::field<&AccountsState::logins>("logins"), events::field<&AccountsState::purges>("purges")};
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
