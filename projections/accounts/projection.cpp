// How the accounts domain follows the log: its own events, the end of a client's login when it goes
// away (and of every login at a restart), and who hears what.
#include <algorithm>

#include "events/session/events.hpp"
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

// ---- clients going away: their logins end (the devices stay) ----

void react_started(World& w, const Event&, const ServerStarted&) { w.get<AccountsState>().logins.clear(); }

void react_disconnected(World& w, const Event&, const ClientDisconnected& p) { w.get<AccountsState>().logins.erase(p.client); }

// ---- who hears what: derived from the World before the event ----

void notify_device_revoked(const World& w, const Event&, const DeviceRevoked& p, PushSink& out) {
  std::vector<Recipient> to;
  for (const auto& [client, login] : w.get<AccountsState>().logins)
    if (login.device == p.device && client != p.by) to.push_back(Recipient{client});
  if (!to.empty()) out.push(Push{.body = LoggedOutPush{p.account, p.device, true}}, to);
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
  p.react<&react_started>();
  p.react<&react_disconnected>();

  p.notify<&notify_device_revoked>();
}

}  // namespace chatd::projections
