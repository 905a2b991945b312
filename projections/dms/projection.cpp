// How the dms domain follows the log: its own events, the end of a client's DMs when it goes away
// (and of every DM at a restart), and who hears what.
#include <algorithm>

#include "events/session/events.hpp"
#include "projections/dms/state.hpp"
#include "projections/domain.hpp"
#include "projections/stranger/state.hpp"

namespace chatd::projections {

DmId DmsState::between(ClientId a, ClientId b) const {
  if (const std::vector<DmId>* mine = dms_of(a))
    for (DmId id : *mine)
      if (const Dm* dm = find(id); dm && dm->other(a) == b) return id;
  return events::kNoDm;
}

namespace {

using namespace chatd::events;

constexpr const char* kDomain = "dms";

void forget(DmsState& s, ClientId c, DmId dm) {
  auto it = s.of_client.find(c);
  if (it == s.of_client.end()) return;
  std::erase(it->second, dm);
  if (it->second.empty()) s.of_client.erase(it);
}

// ---- the domain's own events ----

Status apply_opened(World& w, const Event& e, const DmOpened& p) {
  DmsState& s = w.get<DmsState>();
  if (p.dm <= s.last_dm) return impossible(e, "DM id already handed out");
  const StrangerState& clients = w.get<StrangerState>();
  if (!clients.find(p.from) || !clients.find(p.to)) return impossible(e, "unknown client");
  if (p.from == p.to) return impossible(e, "a DM is between two clients");
  if (s.between(p.from, p.to) != kNoDm) return impossible(e, "a DM between them is open");
  s.last_dm = p.dm;
  s.dms.emplace(p.dm, Dm{p.from, p.to, e.time, 0});
  s.of_client[p.from].push_back(p.dm);
  s.of_client[p.to].push_back(p.dm);
  return Status::Ok();
}

Status apply_sent(World& w, const Event& e, const DmSent& p) {
  DmsState& s = w.get<DmsState>();
  auto it = s.dms.find(p.dm);
  if (it == s.dms.end() || !it->second.has(p.from)) return impossible(e, "the sender is not in that DM");
  if (it->second.other(p.from) != p.to) return impossible(e, "the DM's other side is not the recipient");
  if (p.number != it->second.last_number + 1) return impossible(e, "messages of a DM are numbered in order");
  it->second.last_number = p.number;
  ++s.messages;
  return Status::Ok();
}

Status apply_closed(World& w, const Event& e, const DmClosed& p) {
  DmsState& s = w.get<DmsState>();
  auto it = s.dms.find(p.dm);
  if (it == s.dms.end() || !it->second.has(p.by)) return impossible(e, "not a side of that open DM");
  forget(s, it->second.opener, p.dm);
  forget(s, it->second.peer, p.dm);
  s.dms.erase(it);
  return Status::Ok();
}

// ---- clients going away: their DMs end (the session domain checked these events) ----

void react_started(World& w, const Event&, const ServerStarted&) {
  DmsState& s = w.get<DmsState>();
  s.dms.clear();
  s.of_client.clear();
}

void react_disconnected(World& w, const Event&, const ClientDisconnected& p) {
  DmsState& s = w.get<DmsState>();
  auto it = s.of_client.find(p.client);
  if (it == s.of_client.end()) return;
  const std::vector<DmId> ending = std::move(it->second);
  s.of_client.erase(it);
  for (DmId id : ending) {
    auto dm = s.dms.find(id);
    if (dm == s.dms.end()) continue;
    forget(s, dm->second.other(p.client), id);
    s.dms.erase(dm);
  }
}

// ---- who hears what: derived from the World before the event ----

// A client's own mark: in a DM is active; in none is idle as a connected client is.
IdleMark dm_mark(std::size_t dms_after) { return dms_after > 0 ? IdleMark::active(kDomain) : IdleMark::idle("connected", kDomain); }

std::size_t dms_count(const DmsState& s, ClientId c) {
  const std::vector<DmId>* dms = s.dms_of(c);
  return dms ? dms->size() : 0;
}

void notify_opened(const World& w, const Event&, const DmOpened& p, PushSink& out) {
  const DmsState& s = w.get<DmsState>();
  DmOpenedPush body{p.dm, std::string(w.get<StrangerState>().name_of(p.from)), std::string(w.get<StrangerState>().name_of(p.to))};
  out.push(Push{.body = body, .idle = dm_mark(dms_count(s, p.to) + 1)}, {Recipient{p.to}});
  out.push(Push{.body = std::move(body), .idle = dm_mark(dms_count(s, p.from) + 1)}, {Recipient{p.from, true}});
}

void notify_sent(const World& w, const Event& e, const DmSent& p, PushSink& out) {
  out.push(Push{.body = DmMessagePush{p.dm, p.number, e.time, std::string(w.get<StrangerState>().name_of(p.from)), p.text}},
           {Recipient{p.to}, Recipient{p.from, true}});
}

void notify_closed(const World& w, const Event&, const DmClosed& p, PushSink& out) {
  const DmsState& s = w.get<DmsState>();
  const Dm* dm = s.find(p.dm);
  if (!dm) return;
  const ClientId other = dm->other(p.by);
  DmClosedPush body{p.dm, std::string(w.get<StrangerState>().name_of(p.by)), false};
  out.push(Push{.body = body, .idle = dm_mark(dms_count(s, other) - 1)}, {Recipient{other}});
  out.push(Push{.body = std::move(body), .idle = dm_mark(dms_count(s, p.by) - 1)}, {Recipient{p.by, true}});
}

void notify_disconnected(const World& w, const Event&, const ClientDisconnected& p, PushSink& out) {
  const DmsState& s = w.get<DmsState>();
  const std::vector<DmId>* dms = s.dms_of(p.client);
  if (!dms) return;
  const std::string name(w.get<StrangerState>().name_of(p.client));
  for (DmId id : *dms)
    if (const Dm* dm = s.find(id)) {
      const ClientId other = dm->other(p.client);
      out.push(Push{.body = DmClosedPush{id, name, true}, .idle = dm_mark(dms_count(s, other) - 1)}, {Recipient{other}});
    }
}

}  // namespace

void add_dms_projection(Projections& p) {
  p.add_state<DmsState>("dms");
  p.add_push<DmOpenedPush>("dms");
  p.add_push<DmMessagePush>("dms");
  p.add_push<DmClosedPush>("dms");

  p.apply<&apply_opened>();
  p.apply<&apply_sent>();
  p.apply<&apply_closed>();
  p.react<&react_started>();
  p.react<&react_disconnected>();

  p.notify<&notify_opened>();
  p.notify<&notify_sent>();
  p.notify<&notify_closed>();
  p.notify<&notify_disconnected>();
}

}  // namespace chatd::projections
