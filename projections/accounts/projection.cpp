// How the accounts domain follows the log: its own events, the end of a client's login when it goes
// away (and of every login at a restart), who hears what, and the purges' deadline.
#include <algorithm>

#include "events/session/events.hpp"
#include "projections/accounts/social.hpp"
#include "projections/accounts/state.hpp"
#include "projections/domain.hpp"
#include "projections/session/state.hpp"

namespace chatd::projections {
namespace {

using namespace chatd::events;

// ---- the domain's own events ----

Status apply_created(World& w, const Event& e, const AccountCreated& p) {
  AccountsState& s = w.get<AccountsState>();
  if (p.account != s.last_account + 1) return impossible(e, "account ids are handed out in order");
  if (p.username_index.empty() || p.email_index.empty()) return impossible(e, "an account is found by its indexes");
  if (s.by_username.count(p.username_index)) return impossible(e, "the username is taken");
  s.last_account = p.account;
  s.accounts.emplace(p.account, Account{p.username_index, p.email_index, p.username, p.email, p.display_name, p.password,
                                        1, e.time, {}});
  s.by_username.emplace(p.username_index, p.account);
  s.by_email[p.email_index].push_back(p.account);
  return Status::Ok();
}

Status apply_device_added(World& w, const Event& e, const DeviceAdded& p) {
  AccountsState& s = w.get<AccountsState>();
  auto account = s.accounts.find(p.account);
  if (account == s.accounts.end()) return impossible(e, "no such account");
  if (p.device != s.last_device + 1) return impossible(e, "device ids are handed out in order");
  if (p.token_hash.empty() || s.by_token.count(p.token_hash)) return impossible(e, "a token's hash names one device");
  s.last_device = p.device;
  account->second.devices.emplace(p.device, Device{p.token_hash, p.name, e.time, 0});
  s.by_token.emplace(p.token_hash, TokenOwner{p.account, p.device});
  return Status::Ok();
}

Status apply_logged_in(World& w, const Event& e, const LoggedIn& p) {
  AccountsState& s = w.get<AccountsState>();
  if (!w.get<SessionState>().find(p.client)) return impossible(e, "the client is not connected");
  if (s.logins.count(p.client)) return impossible(e, "the client is logged in already");
  auto account = s.accounts.find(p.account);
  if (account == s.accounts.end()) return impossible(e, "no such account");
  if (account->second.purge_at) return impossible(e, "a deactivated account logs in only once the purge is called off");
  auto device = account->second.devices.find(p.device);
  if (device == account->second.devices.end()) return impossible(e, "no such device of that account");
  device->second.last_login = e.time;
  s.logins.emplace(p.client, AccountLogin{p.account, p.device});
  return Status::Ok();
}

// Removes a device and its token; the clients logged in through it are logged out.
void remove_device(AccountsState& s, Account& account, DeviceId device) {
  auto it = account.devices.find(device);
  s.by_token.erase(it->second.token_hash);
  account.devices.erase(it);
  std::erase_if(s.logins, [&](const auto& login) { return login.second.device == device; });
}

Status apply_logged_out(World& w, const Event& e, const LoggedOut& p) {
  AccountsState& s = w.get<AccountsState>();
  const AccountLogin* login = s.login_of(p.client);
  if (!login || login->account != p.account || login->device != p.device) return impossible(e, "not logged in so");
  remove_device(s, s.accounts.at(p.account), p.device);
  return Status::Ok();
}

Status apply_device_revoked(World& w, const Event& e, const DeviceRevoked& p) {
  AccountsState& s = w.get<AccountsState>();
  const AccountLogin* login = s.login_of(p.by);
  if (!login || login->account != p.account) return impossible(e, "only the account's own client revokes its devices");
  Account& account = s.accounts.at(p.account);
  if (!account.devices.count(p.device)) return impossible(e, "no such device of that account");
  remove_device(s, account, p.device);
  return Status::Ok();
}

// Every device but `kept` (kNoDevice: every one) removed, with the logins through them.
void remove_devices_but(AccountsState& s, AccountId id, Account& account, DeviceId kept) {
  for (auto it = account.devices.begin(); it != account.devices.end();) {
    if (it->first == kept) {
      ++it;
      continue;
    }
    s.by_token.erase(it->second.token_hash);
    it = account.devices.erase(it);
  }
  std::erase_if(s.logins, [&](const auto& login) { return login.second.account == id && login.second.device != kept; });
}

Status apply_password_changed(World& w, const Event& e, const PasswordChanged& p) {
  AccountsState& s = w.get<AccountsState>();
  const AccountLogin* login = s.login_of(p.by);
  if (!login || login->account != p.account) return impossible(e, "only the account's own client changes its password");
  Account& account = s.accounts.at(p.account);
  if (p.credential != account.credential + 1) return impossible(e, "credential versions go up by one");
  if (p.password.empty()) return impossible(e, "a password has a hash");
  account.credential = p.credential;
  account.password = p.password;
  remove_devices_but(s, p.account, account, login->device);
  return Status::Ok();
}

Status apply_display_name_changed(World& w, const Event& e, const DisplayNameChanged& p) {
  Account* account = w.get<AccountsState>().logged_in_as(p.by, p.account);
  if (!account) return impossible(e, "only the account's own client changes its display name");
  if (p.display_name.empty()) return impossible(e, "a display name is sealed, never empty");
  account->display_name = p.display_name;
  return Status::Ok();
}

Status apply_username_changed(World& w, const Event& e, const UsernameChanged& p) {
  AccountsState& s = w.get<AccountsState>();
  Account* account = s.logged_in_as(p.by, p.account);
  if (!account) return impossible(e, "only the account's own client changes its username");
  if (p.username_index.empty() || p.username.empty()) return impossible(e, "a username has its index and its sealed value");
  if (s.by_username.count(p.username_index)) return impossible(e, "the username is taken");
  s.by_username.erase(account->username_index);
  s.by_username.emplace(p.username_index, p.account);
  account->username_index = p.username_index;
  account->username = p.username;
  return Status::Ok();
}

// Removes `account` from the accounts sharing the email of blind index `index`.
void unshare_email(AccountsState& s, const std::string& index, AccountId account) {
  auto shared = s.by_email.find(index);
  std::erase(shared->second, account);
  if (shared->second.empty()) s.by_email.erase(shared);
}

Status apply_email_changed(World& w, const Event& e, const EmailChanged& p) {
  AccountsState& s = w.get<AccountsState>();
  Account* account = s.logged_in_as(p.by, p.account);
  if (!account) return impossible(e, "only the account's own client changes its email");
  if (p.email_index.empty() || p.email.empty()) return impossible(e, "an email has its index and its sealed value");
  unshare_email(s, account->email_index, p.account);
  s.by_email[p.email_index].push_back(p.account);
  account->email_index = p.email_index;
  account->email = p.email;
  return Status::Ok();
}

void erase_purge(AccountsState& s, TimeMs at, AccountId id) {
  auto [begin, end] = s.purges.equal_range(at);
  for (auto it = begin; it != end; ++it)
    if (it->second == id) {
      s.purges.erase(it);
      return;
    }
}

Status apply_deactivation_scheduled(World& w, const Event& e, const DeactivationScheduled& p) {
  AccountsState& s = w.get<AccountsState>();
  const AccountLogin* login = s.login_of(p.by);
  if (!login || login->account != p.account) return impossible(e, "only the account's own client deactivates it");
  if (p.purge_at < e.time) return impossible(e, "a purge is not scheduled in the past");
  Account& account = s.accounts.at(p.account);
  account.purge_at = p.purge_at;
  s.purges.emplace(p.purge_at, p.account);
  remove_devices_but(s, p.account, account, kNoDevice);
  return Status::Ok();
}

Status apply_deactivation_cancelled(World& w, const Event& e, const DeactivationCancelled& p) {
  AccountsState& s = w.get<AccountsState>();
  auto account = s.accounts.find(p.account);
  if (account == s.accounts.end() || !account->second.purge_at) return impossible(e, "no purge of that account is pending");
  if (!w.get<SessionState>().find(p.client) || s.logins.count(p.client)) return impossible(e, "a connected client not logged in calls it off");
  erase_purge(s, account->second.purge_at, p.account);
  account->second.purge_at = 0;
  return Status::Ok();
}

Status apply_purged(World& w, const Event& e, const AccountPurged& p) {
  AccountsState& s = w.get<AccountsState>();
  auto account = s.accounts.find(p.account);
  if (account == s.accounts.end() || !account->second.purge_at) return impossible(e, "no purge of that account is pending");
  if (e.time < account->second.purge_at) return impossible(e, "an account is purged at its deadline, not before");
  // Deactivation revoked every device and a login calls the purge off: nothing else refers to it.
  if (!account->second.devices.empty()) return impossible(e, "a deactivated account has no devices");
  erase_purge(s, account->second.purge_at, p.account);
  s.by_username.erase(account->second.username_index);
  unshare_email(s, account->second.email_index, p.account);
  erase_social(s, p.account, account->second);
  s.accounts.erase(account);
  return Status::Ok();
}

// ---- clients going away: their logins end (the devices stay) ----

void react_started(World& w, const Event&, const ServerStarted&) { w.get<AccountsState>().logins.clear(); }

void react_disconnected(World& w, const Event&, const ClientDisconnected& p) { w.get<AccountsState>().logins.erase(p.client); }

// ---- who hears what: derived from the World before the event ----

// Tells the clients logged in as `account` (but `by`, who has its reply) through a device other
// than `kept` that they are logged out, one push per device.
void push_logged_out(const World& w, AccountId account, ClientId by, DeviceId only, DeviceId kept, LogoutCause why, PushSink& out) {
  std::map<DeviceId, std::vector<Recipient>> to;
  for (const auto& [client, login] : w.get<AccountsState>().logins)
    if (login.account == account && client != by && login.device != kept && (only == kNoDevice || login.device == only))
      to[login.device].push_back(Recipient{client});
  for (const auto& [device, clients] : to) out.push(Push{.body = LoggedOutPush{account, device, why}}, clients);
}

void notify_device_revoked(const World& w, const Event&, const DeviceRevoked& p, PushSink& out) {
  push_logged_out(w, p.account, p.by, p.device, kNoDevice, LogoutCause::kRevoked, out);
}

void notify_password_changed(const World& w, const Event&, const PasswordChanged& p, PushSink& out) {
  const AccountLogin* login = w.get<AccountsState>().login_of(p.by);
  push_logged_out(w, p.account, p.by, kNoDevice, login ? login->device : kNoDevice, LogoutCause::kPasswordChanged, out);
}

void notify_deactivation(const World& w, const Event&, const DeactivationScheduled& p, PushSink& out) {
  push_logged_out(w, p.account, p.by, kNoDevice, kNoDevice, LogoutCause::kDeactivated, out);
}

TimeMs accounts_deadline(const World& w) {
  const auto& purges = w.get<AccountsState>().purges;
  return purges.empty() ? kNoDeadline : purges.begin()->first;
}

}  // namespace

void add_accounts_projection(Projections& p) {
  p.add_state<AccountsState>("accounts");
  p.add_push<LoggedOutPush>("accounts");

  p.apply<&apply_created>();
  p.apply<&apply_device_added>();
  p.apply<&apply_logged_in>();
  p.apply<&apply_logged_out>();
  p.apply<&apply_device_revoked>();
  p.apply<&apply_password_changed>();
  p.apply<&apply_deactivation_scheduled>();
  p.apply<&apply_deactivation_cancelled>();
  p.apply<&apply_purged>();
  p.apply<&apply_display_name_changed>();
  p.apply<&apply_username_changed>();
  p.apply<&apply_email_changed>();
  p.react<&react_started>();
  p.react<&react_disconnected>();

  p.notify<&notify_device_revoked>();
  p.notify<&notify_password_changed>();
  p.notify<&notify_deactivation>();
  p.deadline(&accounts_deadline);
  add_social_projection(p);
}

}  // namespace chatd::projections
