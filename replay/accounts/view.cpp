#include "replay/accounts/view.hpp"

#include <map>
#include <vector>

#include "core/base/json_text.hpp"
#include "projections/accounts/state.hpp"
#include "replay/render.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {
namespace {

using projections::Account;
using projections::AccountsState;
using projections::World;

std::size_t devices_of(const AccountsState& s) {
  std::size_t n = 0;
  for (const auto& [id, account] : s.accounts) n += account.devices.size();
  return n;
}

void totals(const World& w, std::vector<Total>& out) {
  const AccountsState& s = w.get<AccountsState>();
  out.push_back({"accounts", s.accounts.size()});
  out.push_back({"devices", devices_of(s)});
  out.push_back({"logged_in", s.logins.size()});
}

// Each account's logged-in clients, in client order: one walk of the logins for a whole view.
std::map<events::AccountId, std::vector<std::pair<ClientId, events::DeviceId>>> logins_by_account(const AccountsState& s) {
  std::map<events::AccountId, std::vector<std::pair<ClientId, events::DeviceId>>> out;
  for (const auto& [client, login] : s.logins) out[login.account].emplace_back(client, login.device);
  return out;
}

// The clients logged in as `account`, as `3 "alice" on device 1, 9 "bob" on device 2`.
std::string logged_in_as(const World& w, const std::vector<std::pair<ClientId, events::DeviceId>>* logins) {
  std::string out;
  if (logins)
    for (const auto& [client, device] : *logins)
      out += (out.empty() ? "" : ", ") + describe_client(client, w) + " on device " + std::to_string(device);
  return out;
}

template <class Map>
const typename Map::mapped_type* find_in(const Map& map, const typename Map::key_type& key) {
  auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

// Sealed: unreadable here, readable by chatd. Erased: unreadable by anyone, its key deleted at
// the account's purge (shown so at every point in time, before the purge too).
const char* sealing_of(const ViewContext& context, events::AccountId id) {
  return context.erased(events::account_key_subject(id)) ? "erased (its key deleted at the purge)" : "username and profile sealed";
}

void text(const World& w, const ViewContext& context, std::string& out) {
  const AccountsState& s = w.get<AccountsState>();
  out += "accounts (" + std::to_string(s.accounts.size()) + ", " + std::to_string(s.logins.size()) + " logged in):\n";
  const auto logins = logins_by_account(s);
  for (const auto& [id, a] : s.accounts) {
    out += "  " + std::to_string(id) + " created " + format_utc_time(a.created) + ", " + sealing_of(context, id) + ", " +
           std::to_string(a.devices.size()) + " devices";
    out += a.purge_at ? ", deactivated: purged at " + format_utc_time(a.purge_at) + "\n" : "\n";
    for (const auto& [device, d] : a.devices)
      out += "    device " + std::to_string(device) + " added " + format_utc_time(d.created) + ", last login " +
             (d.last_login ? format_utc_time(d.last_login) : std::string("never")) + "\n";
    if (const std::string in = logged_in_as(w, find_in(logins, id)); !in.empty()) out += "    logged in: " + in + "\n";
  }
  if (const std::size_t purged = s.last_account - s.accounts.size())
    out += "  " + std::to_string(purged) + " purged: their personal data erased\n";
}

void json(const World& w, const ViewContext& context, std::string& out) {
  const AccountsState& s = w.get<AccountsState>();
  out += ",\"accounts\":[";
  const auto logins = logins_by_account(s);
  bool first = true;
  for (const auto& [id, a] : s.accounts) {
    out += first ? "{\"id\":" : ",{\"id\":";
    first = false;
    append_json_uint(out, id);
    out += ",\"created\":";
    append_json_int(out, a.created);
    out += context.erased(events::account_key_subject(id)) ? ",\"erased\":true" : ",\"erased\":false";
    if (a.purge_at) {
      out += ",\"purge_at\":";
      append_json_int(out, a.purge_at);
    }
    out += ",\"devices\":[";
    bool first_device = true;
    for (const auto& [device, d] : a.devices) {
      out += first_device ? "{\"id\":" : ",{\"id\":";
      first_device = false;
      append_json_uint(out, device);
      out += ",\"created\":";
      append_json_int(out, d.created);
      out += ",\"last_login\":";
      append_json_int(out, d.last_login);
      out += '}';
    }
    out += "],\"logged_in\":[";
    if (const auto* mine = find_in(logins, id))
      for (std::size_t i = 0; i < mine->size(); ++i) {
        if (i) out += ',';
        append_json_uint(out, (*mine)[i].first);
      }
    out += "]}";
  }
  out += ']';
}

std::string summary(const Account& a) { return std::to_string(a.devices.size()) + " devices"; }

void diff(const World& a, const World& b, std::vector<Change>& out) {
  const auto logins_a = logins_by_account(a.get<AccountsState>()), logins_b = logins_by_account(b.get<AccountsState>());
  merge_walk(
      a.get<AccountsState>().accounts, b.get<AccountsState>().accounts,
      [&](events::AccountId id, const Account& x) { out.push_back({Change::Kind::kRemoved, "account " + std::to_string(id), "", summary(x), ""}); },
      [&](events::AccountId id, const Account& y) { out.push_back({Change::Kind::kAdded, "account " + std::to_string(id), "", "", summary(y)}); },
      [&](events::AccountId id, const Account& x, const Account& y) {
        add_if_changed(out, "account " + std::to_string(id), "devices", std::to_string(x.devices.size()), std::to_string(y.devices.size()));
        add_if_changed(out, "account " + std::to_string(id), "logged in", logged_in_as(a, find_in(logins_a, id)),
                       logged_in_as(b, find_in(logins_b, id)));
      });
}

}  // namespace

DomainView accounts_view() { return DomainView{"accounts", &totals, &text, &json, &diff}; }

}  // namespace chatd::replay
