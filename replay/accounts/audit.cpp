#include "replay/accounts/audit.hpp"

#include <optional>

#include "core/base/sealing.hpp"
#include "events/session/events.hpp"
#include "projections/accounts/state.hpp"
#include "replay/args.hpp"
#include "replay/cli.hpp"
#include "replay/render.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {

using namespace chatd::events;
using projections::Account;
using projections::AccountsState;
using projections::World;

namespace {

// A token's hash as the audit shows it: enough to tell devices apart, and only ever a hash.
std::string short_hash(const std::string& hash) { return hash.substr(0, 16); }

std::string state_at_end(const World& w, AccountId account) {
  const AccountsState& s = w.get<AccountsState>();
  const Account* a = s.find(account);
  if (!a) return account <= s.last_account ? "purged" : "not created";
  std::string out = std::to_string(a->devices.size()) + " devices, password version " + std::to_string(a->credential);
  std::size_t logged_in = 0;
  for (const auto& [client, login] : s.logins) logged_in += login.account == account;
  out += ", " + std::to_string(logged_in) + " clients logged in";
  out += ", " + std::to_string(a->profile.size()) + " profile fields";
  auto count = [&](const auto& edges) {
    auto it = edges.find(account);
    return std::to_string(it == edges.end() ? 0 : it->second.size());
  };
  out += ", follows " + count(s.following) + ", followed by " + count(s.followers);
  if (a->purge_at) out += ", deactivated: purged at " + format_utc_time(a->purge_at);
  return out;
}

}  // namespace

Status build_account_audit(History& history, const EventLog& log, AccountId account, Seq from, Seq to, AccountAudit& out) {
  Status st = check_range(log, from, to);
  if (!st.ok()) return st;
  World world;
  st = history.world_at(from - 1, world);
  if (!st.ok()) return st;
  AccountAudit a;
  a.account = account;
  a.erased = ViewContext::of(log).erased(account_key_subject(account));
  if (const Account* known = world.get<AccountsState>().find(account))
    a.created = format_utc_time(known->created) + " (before the range)";
  auto line = [&](const Event& e, const std::string& what) { a.lines.push_back(at(e.seq, e.time) + what); };
  auto client = [&](ClientId c) { return describe_client(c, world); };
  History::Observer observe = [&](const Event& e, std::string_view) {
    if (const auto* c = e.payload.get_if<AccountCreated>(); c && c->account == account) {
      a.created = at(e.seq, e.time) + "by " + client(c->by);
      line(e, "signed up by " + client(c->by) + " (username, email, display name and password hash sealed)");
    } else if (const auto* d = e.payload.get_if<DeviceAdded>(); d && d->account == account) {
      line(e, "device " + std::to_string(d->device) + " added by " + client(d->client) + ", token hash " + short_hash(d->token_hash));
    } else if (const auto* i = e.payload.get_if<LoggedIn>(); i && i->account == account) {
      line(e, client(i->client) + " logged in through device " + std::to_string(i->device));
    } else if (const auto* o = e.payload.get_if<LoggedOut>(); o && o->account == account) {
      line(e, client(o->client) + " logged out: device " + std::to_string(o->device) + " revoked");
    } else if (const auto* r = e.payload.get_if<DeviceRevoked>(); r && r->account == account) {
      line(e, "device " + std::to_string(r->device) + " revoked by " + client(r->by));
    } else if (const auto* p = e.payload.get_if<PasswordChanged>(); p && p->account == account) {
      line(e, "password changed by " + client(p->by) + " (version " + std::to_string(p->credential) +
                  "): every other device revoked");
    } else if (const auto* s = e.payload.get_if<DeactivationScheduled>(); s && s->account == account) {
      line(e, "deactivated by " + client(s->by) + ": every device revoked, purge due " + format_utc_time(s->purge_at));
    } else if (const auto* x = e.payload.get_if<DeactivationCancelled>(); x && x->account == account) {
      line(e, "deactivation called off by the login of " + client(x->client));
    } else if (const auto* n = e.payload.get_if<DisplayNameChanged>(); n && n->account == account) {
      line(e, "display name changed by " + client(n->by) + " (sealed)");
    } else if (const auto* u = e.payload.get_if<UsernameChanged>(); u && u->account == account) {
      line(e, "username changed by " + client(u->by) + " (sealed; the old one freed)");
    } else if (const auto* m = e.payload.get_if<EmailChanged>(); m && m->account == account) {
      line(e, "email changed by " + client(m->by) + " (sealed)");
    } else if (const auto* f = e.payload.get_if<ProfileFieldSet>(); f && f->account == account) {
      line(e, "profile field " + f->name + " set by " + client(f->by) + " (sealed), visible to " +
                  to_string(f->visibility) + (f->terms.empty() ? "" : ", searchable"));
    } else if (const auto* cl = e.payload.get_if<ProfileFieldCleared>(); cl && cl->account == account) {
      line(e, "profile field " + cl->name + " cleared by " + client(cl->by));
    } else if (const auto* fo = e.payload.get_if<Followed>(); fo && (fo->follower == account || fo->followee == account)) {
      line(e, fo->follower == account ? "follows account " + std::to_string(fo->followee)
                                      : "followed by account " + std::to_string(fo->follower));
    } else if (const auto* un = e.payload.get_if<Unfollowed>(); un && (un->follower == account || un->followee == account)) {
      const std::string who = " (by " + client(un->by) + ")";
      line(e, un->follower == account ? "no longer follows account " + std::to_string(un->followee) + who
                                      : "no longer followed by account " + std::to_string(un->follower) + who);
    } else if (const auto* g = e.payload.get_if<AccountPurged>(); g && g->account == account) {
      line(e, "purged: its key deleted, its personal data erased, its username free");
    }
    return true;
  };
  st = history.replay(world, to, &observe);
  if (!st.ok()) return st;
  if (account == kNoAccount || account > world.get<AccountsState>().last_account)
    return Status::NotFound("account " + std::to_string(account) + " was not created up to seq " + std::to_string(to));
  a.at_end = state_at_end(world, account);
  out = std::move(a);
  return Status::Ok();
}

Status find_account_by_username(const EventLog& log, const std::string& username, Seq to, AccountId& out) {
  std::optional<SealKey> index;
  Status st = log.read_keys([&](std::string_view subject, const SealKey& key) {
    if (subject == kIndexKeySubject) index = key;
  });
  if (!st.ok()) return st;
  out = kNoAccount;
  if (!index) return Status::Ok();
  const std::string wanted = blind_index(*index, "username", username);
  return log.scan(1, [&](const Event& e) {
    if (e.seq > to) return false;
    if (const auto* c = e.payload.get_if<AccountCreated>(); c && c->username_index == wanted) out = c->account;
    if (const auto* u = e.payload.get_if<UsernameChanged>(); u && u->username_index == wanted) out = u->account;
    return true;
  });
}

std::string account_audit_text(const AccountAudit& a) {
  std::string out = "account " + std::to_string(a.account) + ": created " + (a.created.empty() ? "(unknown)" : a.created) + "\n";
  out += a.erased ? "personal data: erased (its key deleted at the purge)\n" : "personal data: sealed\n";
  out += "at the end of the range: " + a.at_end + "\n";
  for (const std::string& line : a.lines) out += line + "\n";
  return out;
}

namespace {

int run_account(const AuditRequest& r, History& history, const EventLog& log, std::string& out, std::string& error) {
  if (r.positional.size() != 1) {
    error = "usage: chatreplay audit account ID|USERNAME --data DIR [range]";
    return kExitUsage;
  }
  AccountId account = kNoAccount;
  Status st;
  if (const auto id = parse_count(r.positional[0])) {
    account = *id;
  } else {
    st = find_account_by_username(log, r.positional[0], r.to, account);
    if (st.ok() && account == kNoAccount) st = Status::NotFound("no account had that username up to seq " + std::to_string(r.to));
  }
  AccountAudit a;
  if (st.ok()) st = build_account_audit(history, log, account, r.from, r.to, a);
  if (!st.ok()) {
    error = st.ToString();
    return exit_code_of(st);
  }
  out = account_audit_text(a);
  return kExitOk;
}

}  // namespace

std::vector<Audit> accounts_audits() {
  return {Audit{"account", "ID|USERNAME --data DIR [range]",
                "account  one account, by its id or by a username (the account that took it last up to\n"
                "         the range's end, found by its blind index: no clear text is read): its signup,\n"
                "         devices (their tokens' hashes), logins and logouts, revocations, changes of its\n"
                "         password, display name, username and email, its profile fields (names and\n"
                "         audiences only), its follows either way, deactivation and purge over the\n"
                "         range, its state at the end, and whether its personal data is\n"
                "         sealed or erased (the key store as it is now: erased at every point once purged).\n",
                {}, {}, &run_account}};
}

}  // namespace chatd::replay
