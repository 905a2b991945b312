// How the stranger domain follows the log: its own events, its reactions to clients coming and
// going (session events), who hears what, and whom its events concern.
#include "projections/stranger/state.hpp"

#include <algorithm>
#include <cassert>

#include "events/session/events.hpp"
#include "projections/domain.hpp"

namespace chatd::projections {
namespace {

using namespace chatd::events;

Stranger* find(StrangerState& s, ClientId id) {
  auto it = s.clients.find(id);
  return it == s.clients.end() ? nullptr : &it->second;
}

void remove_waiting(StrangerState& s, ClientId c) {
  auto it = std::find(s.waiting.begin(), s.waiting.end(), c);
  if (it != s.waiting.end()) s.waiting.erase(it);
}

void set_state(Stranger& c, ClientState state, TimeMs t) {
  c.state = state;
  c.state_since = t;
}

// Ends the pair `c` is in: both sides become DISCONNECTED and remember it as their last pair.
void end_pair(StrangerState& s, const Stranger& c, TimeMs t) {
  auto pit = s.pairs.find(c.pair);
  if (pit == s.pairs.end()) return;
  for (ClientId id : {pit->second.seeker, pit->second.waiter}) {
    Stranger* side = find(s, id);
    if (!side) continue;
    side->last_pair = side->pair;
    side->last_partner = side->partner;
    side->last_pair_reported = false;
    side->pair = PairId{};
    side->partner = kNoClient;
    set_state(*side, ClientState::kDisconnected, t);
  }
  s.pairs.erase(pit);
}

// ---- the domain's own events ----

Status apply_name_changed(World& w, const Event& e, const NameChanged& p) {
  Stranger* c = find(w.get<StrangerState>(), p.client);
  if (!c) return impossible(e, "unknown client");
  c->name = p.name;
  return Status::Ok();
}

Status apply_search_started(World& w, const Event& e, const SearchStarted& p) {
  StrangerState& s = w.get<StrangerState>();
  Stranger* c = find(s, p.client);
  if (!c) return impossible(e, "unknown client");
  if (c->state != ClientState::kConnected && c->state != ClientState::kDisconnected)
    return impossible(e, "client cannot search in its state");
  set_state(*c, ClientState::kLooking, e.time);
  s.waiting.push_back(p.client);
  return Status::Ok();
}

Status apply_search_cancelled(World& w, const Event& e, const SearchCancelled& p) {
  StrangerState& s = w.get<StrangerState>();
  Stranger* c = find(s, p.client);
  if (!c || c->state != ClientState::kLooking) return impossible(e, "client is not looking");
  remove_waiting(s, p.client);
  set_state(*c, ClientState::kDisconnected, e.time);
  return Status::Ok();
}

Status apply_paired(World& w, const Event& e, const Paired& p) {
  StrangerState& s = w.get<StrangerState>();
  Stranger* seeker = find(s, p.seeker);
  Stranger* waiter = find(s, p.waiter);
  if (!seeker || !waiter || seeker == waiter) return impossible(e, "unknown or identical clients");
  const bool seeker_free = seeker->state == ClientState::kConnected || seeker->state == ClientState::kDisconnected;
  if (!seeker_free || waiter->state != ClientState::kLooking) return impossible(e, "seeker must be free and waiter looking");
  if (s.pairs.count(p.pair)) return impossible(e, "pair id already in use");
  remove_waiting(s, p.waiter);
  for (Stranger* side : {seeker, waiter}) {
    side->pair = p.pair;
    side->partner = side == seeker ? p.waiter : p.seeker;
    side->last_pair = PairId{};
    side->last_partner = kNoClient;
    side->last_pair_reported = false;
    set_state(*side, ClientState::kPaired, e.time);
  }
  s.pairs.emplace(p.pair, Pair{p.seeker, p.waiter, e.time, 0});
  return Status::Ok();
}

Status apply_message_sent(World& w, const Event& e, const MessageSent& p) {
  StrangerState& s = w.get<StrangerState>();
  Stranger* c = find(s, p.from);
  auto pit = s.pairs.find(p.pair);
  if (!c || pit == s.pairs.end() || c->pair != p.pair) return impossible(e, "sender is not in that pair");
  ++pit->second.messages;
  ++s.messages;
  return Status::Ok();
}

Status apply_pair_left(World& w, const Event& e, const PairLeft& p) {
  StrangerState& s = w.get<StrangerState>();
  Stranger* c = find(s, p.by);
  if (!c || c->state != ClientState::kPaired || c->pair != p.pair) return impossible(e, "client is not in that pair");
  end_pair(s, *c, e.time);
  return Status::Ok();
}

Status apply_reported(World& w, const Event& e, const Reported& p) {
  StrangerState& s = w.get<StrangerState>();
  Stranger* c = find(s, p.reporter);
  if (!c || c->last_pair != p.pair || c->last_partner != p.reported || c->last_pair_reported)
    return impossible(e, "reporter has no such unreported previous pair");
  c->last_pair_reported = true;
  ++s.reports;
  return Status::Ok();
}

// ---- clients coming and going (the session domain checked these events) ----

void react_started(World& w, const Event&, const ServerStarted&) {
  StrangerState& s = w.get<StrangerState>();
  s.clients.clear();
  s.pairs.clear();
  s.waiting.clear();
}

void react_connected(World& w, const Event& e, const ClientConnected& p) {
  Stranger c;
  c.name = p.name;
  c.state_since = e.time;
  w.get<StrangerState>().clients.emplace(p.client, std::move(c));
}

void react_disconnected(World& w, const Event& e, const ClientDisconnected& p) {
  StrangerState& s = w.get<StrangerState>();
  Stranger* c = find(s, p.client);
  assert(c && "a connected client is in stranger chat");
  if (!c) return;
  if (c->state == ClientState::kPaired) end_pair(s, *c, e.time);
  if (c->state == ClientState::kLooking) remove_waiting(s, p.client);
  s.clients.erase(p.client);
}

// ---- who hears what: derived from the World before the event ----

IdleMark idle_mark(ClientState state) {
  return state == ClientState::kLooking || state == ClientState::kDisconnected ? IdleMark::idle(to_string(state), "stranger")
                                                                               : IdleMark::active("stranger");
}

void state_push(PushSink& out, ClientId to, ClientState state, const PairId& pair) {
  out.push(Push{.body = StatePush{state, pair}, .idle = idle_mark(state)}, {Recipient{to}});
}

void notify_search_started(const World&, const Event&, const SearchStarted& p, PushSink& out) {
  state_push(out, p.client, ClientState::kLooking, PairId{});
}

void notify_search_cancelled(const World&, const Event&, const SearchCancelled& p, PushSink& out) {
  state_push(out, p.client, ClientState::kDisconnected, PairId{});
}

void notify_paired(const World& w, const Event&, const Paired& p, PushSink& out) {
  const StrangerState& s = w.get<StrangerState>();
  const Stranger* seeker = s.find(p.seeker);
  const Stranger* waiter = s.find(p.waiter);
  if (!seeker || !waiter) return;
  // A seeker that was not LOOKING searched and was paired at once: it passes through LOOKING.
  if (seeker->state != ClientState::kLooking)
    out.push(Push{.body = StatePush{ClientState::kLooking, PairId{}, true}}, {Recipient{p.seeker}});
  // The seeker hears first, as lowf sends user1 first.
  out.push(Push{.body = PairedPush{p.pair, waiter->name}, .idle = IdleMark::active("stranger")}, {Recipient{p.seeker}});
  out.push(Push{.body = PairedPush{p.pair, seeker->name}, .idle = IdleMark::active("stranger")}, {Recipient{p.waiter}});
}

void notify_message_sent(const World& w, const Event&, const MessageSent& p, PushSink& out) {
  const Stranger* from = w.get<StrangerState>().find(p.from);
  if (!from) return;
  out.push(Push{.body = MessagePush{p.pair, from->name, p.text}}, {Recipient{p.from, true}, Recipient{from->partner}});
}

void notify_pair_left(const World& w, const Event&, const PairLeft& p, PushSink& out) {
  const Stranger* by = w.get<StrangerState>().find(p.by);
  if (!by) return;
  state_push(out, p.by, ClientState::kDisconnected, p.pair);
  out.push(Push{.body = PartnerLeftPush{p.pair}, .idle = idle_mark(ClientState::kDisconnected)}, {Recipient{by->partner}});
}

void notify_name_changed(const World& w, const Event&, const NameChanged& p, PushSink& out) {
  const Stranger* c = w.get<StrangerState>().find(p.client);
  if (!c || c->state != ClientState::kPaired) return;
  out.push(Push{.body = RenamedPush{c->name, p.name}}, {Recipient{p.client, true}, Recipient{c->partner}});
}

void notify_disconnected(const World& w, const Event&, const ClientDisconnected& p, PushSink& out) {
  const Stranger* c = w.get<StrangerState>().find(p.client);
  if (!c || c->state != ClientState::kPaired) return;
  out.push(Push{.body = PartnerLeftPush{c->pair}, .idle = idle_mark(ClientState::kDisconnected)}, {Recipient{c->partner}});
}

// ---- whom else an event concerns: the other side of the pair ----

void relate_message(const World& w, const Event&, const MessageSent& p, Subjects& out) {
  out.clients.push_back(w.get<StrangerState>().partner_of(p.from));
}

void relate_left(const World& w, const Event&, const PairLeft& p, Subjects& out) {
  out.clients.push_back(w.get<StrangerState>().partner_of(p.by));
}

void relate_disconnected(const World& w, const Event&, const ClientDisconnected& p, Subjects& out) {
  const Stranger* c = w.get<StrangerState>().find(p.client);
  if (!c || c->state != ClientState::kPaired) return;
  out.clients.push_back(c->partner);
  out.pairs.push_back(c->pair);
}

void stranger_facts(const World& w, ClientId id, ClientFacts& facts) {
  if (const Stranger* c = w.get<StrangerState>().find(id)) facts.name = c->name;
}

}  // namespace

void add_stranger_projection(Projections& p) {
  p.add_state<StrangerState>("stranger");
  p.add_push<StatePush>("stranger");
  p.add_push<PairedPush>("stranger");
  p.add_push<MessagePush>("stranger");
  p.add_push<PartnerLeftPush>("stranger");
  p.add_push<RenamedPush>("stranger");

  p.apply<&apply_name_changed>();
  p.apply<&apply_search_started>();
  p.apply<&apply_search_cancelled>();
  p.apply<&apply_paired>();
  p.apply<&apply_message_sent>();
  p.apply<&apply_pair_left>();
  p.apply<&apply_reported>();
  p.react<&react_started>();
  p.react<&react_connected>();
  p.react<&react_disconnected>();

  p.notify<&notify_search_started>();
  p.notify<&notify_search_cancelled>();
  p.notify<&notify_paired>();
  p.notify<&notify_message_sent>();
  p.notify<&notify_pair_left>();
  p.notify<&notify_name_changed>();
  p.notify<&notify_disconnected>();

  p.relate<&relate_message>();
  p.relate<&relate_left>();
  p.relate<&relate_disconnected>();
  p.facts(&stranger_facts);
}

}  // namespace chatd::projections
