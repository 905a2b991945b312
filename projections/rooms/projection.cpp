// How the rooms domain follows the log: its own events, its reactions to clients going away and to
// restarts (presence ends, rooms stay), who hears what, and the rooms' expiry deadline.
#include <algorithm>
#include <cassert>
#include <limits>

#include "core/base/text_rules.hpp"
#include "events/session/events.hpp"
#include "projections/accounts/state.hpp"
#include "projections/domain.hpp"
#include "projections/rooms/state.hpp"
#include "projections/stranger/state.hpp"

namespace chatd::projections {

TimeMs Room::expires_at() const {
  if (expire_idle_ms <= 0 || !members.empty()) return std::numeric_limits<TimeMs>::max();
  return last_activity > std::numeric_limits<TimeMs>::max() - expire_idle_ms ? std::numeric_limits<TimeMs>::max()
                                                                            : last_activity + expire_idle_ms;
}

const Room* RoomsState::find_by_key(const std::string& key, RoomId* id) const {
  auto it = by_key.find(key);
  if (it == by_key.end()) return nullptr;
  if (id) *id = it->second;
  return find(it->second);
}

std::size_t RoomsState::owned_by(ClientId c) const {
  std::size_t n = 0;
  for (const auto& [id, room] : rooms) n += room.owner == c && c != kNoClient;
  return n;
}

namespace {

using namespace chatd::events;

constexpr const char* kDomain = "rooms";

Room* find(RoomsState& s, RoomId id) {
  auto it = s.rooms.find(id);
  return it == s.rooms.end() ? nullptr : &it->second;
}

void remove_joined(RoomsState& s, ClientId c, RoomId room) {
  auto it = s.joined.find(c);
  if (it == s.joined.end()) return;
  std::erase(it->second, room);
  if (it->second.empty()) s.joined.erase(it);
}

// ---- the domain's own events ----

Status apply_created(World& w, const Event& e, const RoomCreated& p) {
  RoomsState& s = w.get<RoomsState>();
  if (p.room <= s.last_room) return impossible(e, "room id already handed out");
  if (check_room_name(p.name) != RoomNameProblem::kNone) return impossible(e, "not a room name");
  std::string key = room_name_key(p.name);
  if (s.by_key.count(key)) return impossible(e, "room name in use");
  if (p.history > 100'000) return impossible(e, "history bound out of range");
  Room r;
  r.name = p.name;
  r.owner = p.owner;
  r.topic = p.topic;
  r.settings = p.settings();
  r.password_hash = p.password;
  r.history_limit = p.history;
  r.expire_idle_ms = p.expire_idle_ms;
  r.created = e.time;
  r.last_activity = e.time;
  if (const AccountLogin* login = w.get<AccountsState>().login_of(p.owner)) {
    r.owner_account = login->account;
    s.by_owner_account[login->account].insert(p.room);
  }
  s.last_room = p.room;
  s.rooms.emplace(p.room, std::move(r));
  s.by_key.emplace(std::move(key), p.room);
  return Status::Ok();
}

Status apply_updated(World& w, const Event& e, const RoomUpdated& p) {
  Room* r = find(w.get<RoomsState>(), p.room);
  if (!r) return impossible(e, "unknown room");
  if (r->owner != p.by) return impossible(e, "only the owner updates a room");
  r->settings = p.settings();
  if (r->password_hash != p.password) {
    r->password_hash = p.password;
    ++r->password_version;
  }
  return Status::Ok();
}

Status apply_deleted(World& w, const Event& e, const RoomDeleted& p) {
  RoomsState& s = w.get<RoomsState>();
  Room* r = find(s, p.room);
  if (!r) return impossible(e, "unknown room");
  if (p.why == RoomEnd::kOwner && (r->owner == kNoClient || r->owner != p.by)) return impossible(e, "only the owner deletes a room");
  if (p.why == RoomEnd::kExpired && e.time < r->expires_at()) return impossible(e, "the room has not expired");
  if (p.why == RoomEnd::kConfig && (r->owner != kNoClient || p.by != kNoClient)) return impossible(e, "not a configured room");
  for (const auto& [member, since] : r->members) remove_joined(s, member, p.room);
  if (auto owned = s.by_owner_account.find(r->owner_account); owned != s.by_owner_account.end()) {
    owned->second.erase(p.room);
    if (owned->second.empty()) s.by_owner_account.erase(owned);
  }
  s.by_key.erase(room_name_key(r->name));
  s.rooms.erase(p.room);
  return Status::Ok();
}

Status apply_password_failed(World& w, const Event& e, const RoomPasswordFailed& p) {
  RoomsState& s = w.get<RoomsState>();
  if (!find(s, p.room)) return impossible(e, "unknown room");
  if (!w.get<StrangerState>().find(p.client)) return impossible(e, "unknown client");
  ++s.password_failures;
  return Status::Ok();
}

Status apply_joined(World& w, const Event& e, const RoomJoined& p) {
  RoomsState& s = w.get<RoomsState>();
  Room* r = find(s, p.room);
  if (!r) return impossible(e, "unknown room");
  if (!w.get<StrangerState>().find(p.client)) return impossible(e, "unknown client");
  if (r->is_member(p.client)) return impossible(e, "already a member");
  if (r->full()) return impossible(e, "the room is full");
  r->members.emplace(p.client, e.time);
  r->last_activity = e.time;
  s.joined[p.client].push_back(p.room);
  return Status::Ok();
}

Status apply_left(World& w, const Event& e, const RoomLeft& p) {
  RoomsState& s = w.get<RoomsState>();
  Room* r = find(s, p.room);
  if (!r || !r->is_member(p.client)) return impossible(e, "not a member of that room");
  r->members.erase(p.client);
  r->last_activity = e.time;
  remove_joined(s, p.client, p.room);
  return Status::Ok();
}

Status apply_posted(World& w, const Event& e, const RoomPosted& p) {
  RoomsState& s = w.get<RoomsState>();
  Room* r = find(s, p.room);
  if (!r || !r->is_member(p.from)) return impossible(e, "the sender is not in that room");
  if (p.number != r->last_number + 1) return impossible(e, "messages of a room are numbered in order");
  r->last_number = p.number;
  r->last_activity = e.time;
  ++s.posts;
  if (r->history_limit == 0) return Status::Ok();
  if (r->history.size() >= r->history_limit) r->history.pop_front();
  r->history.push_back(RoomMessage{p.number, e.time, p.from, std::string(w.get<StrangerState>().name_of(p.from)), p.kind, p.text, p.url,
                                   p.media_type, p.bytes});
  return Status::Ok();
}

// ---- clients going away: their presence ends (the session domain checked these events) ----

void react_started(World& w, const Event& e, const ServerStarted&) {
  RoomsState& s = w.get<RoomsState>();
  for (auto& [id, room] : s.rooms)
    if (!room.members.empty()) {
      room.members.clear();
      room.last_activity = e.time;  // an expiry runs from the end of the last presence
    }
  s.joined.clear();
}

// A purged account leaves no tie behind: its rooms live on, nobody's.
void react_purged(World& w, const Event&, const AccountPurged& p) {
  RoomsState& s = w.get<RoomsState>();
  auto owned = s.by_owner_account.find(p.account);
  if (owned == s.by_owner_account.end()) return;
  for (RoomId id : owned->second)
    if (Room* r = find(s, id)) r->owner_account = events::kNoAccount;
  s.by_owner_account.erase(owned);
}

void react_disconnected(World& w, const Event& e, const ClientDisconnected& p) {
  RoomsState& s = w.get<RoomsState>();
  auto it = s.joined.find(p.client);
  if (it == s.joined.end()) return;
  for (RoomId id : it->second)
    if (Room* r = find(s, id)) {
      r->members.erase(p.client);
      r->last_activity = e.time;
    }
  s.joined.erase(it);
}

// ---- who hears what: derived from the World before the event ----

// Every member of `r` but `except`, then `except` itself marked as its own.
std::vector<Recipient> members_of(const Room& r, ClientId own = kNoClient) {
  std::vector<Recipient> to;
  to.reserve(r.members.size());
  for (const auto& [member, since] : r.members) to.push_back(Recipient{member, member == own});
  return to;
}

std::vector<Recipient> others_of(const Room& r, ClientId except) {
  std::vector<Recipient> to;
  to.reserve(r.members.size());
  for (const auto& [member, since] : r.members)
    if (member != except) to.push_back(Recipient{member});
  return to;
}

// The client's own mark: in a room is active; in none is idle as a connected client is.
IdleMark presence_mark(std::size_t rooms_after) { return rooms_after > 0 ? IdleMark::active(kDomain) : IdleMark::idle("connected", kDomain); }

std::size_t rooms_count(const RoomsState& s, ClientId c) {
  const std::vector<RoomId>* rooms = s.rooms_of(c);
  return rooms ? rooms->size() : 0;
}

void notify_joined(const World& w, const Event&, const RoomJoined& p, PushSink& out) {
  const RoomsState& s = w.get<RoomsState>();
  const Room* r = s.find(p.room);
  if (!r) return;
  MemberJoinedPush body{p.room, r->name, std::string(w.get<StrangerState>().name_of(p.client))};
  std::vector<Recipient> to = others_of(*r, p.client);
  if (!to.empty()) out.push(Push{.body = body}, to);
  // The joiner's own copy: no dialect says it (the reply does), but it carries the idle mark.
  out.push(Push{.body = std::move(body), .idle = presence_mark(rooms_count(s, p.client) + 1)}, {Recipient{p.client, true}});
}

void notify_left(const World& w, const Event&, const RoomLeft& p, PushSink& out) {
  const RoomsState& s = w.get<RoomsState>();
  const Room* r = s.find(p.room);
  if (!r) return;
  MemberLeftPush body{p.room, r->name, std::string(w.get<StrangerState>().name_of(p.client))};
  std::vector<Recipient> to = others_of(*r, p.client);
  if (!to.empty()) out.push(Push{.body = body}, to);
  const std::size_t before = rooms_count(s, p.client);
  out.push(Push{.body = std::move(body), .idle = presence_mark(before > 0 ? before - 1 : 0)}, {Recipient{p.client, true}});
}

void notify_posted(const World& w, const Event& e, const RoomPosted& p, PushSink& out) {
  const Room* r = w.get<RoomsState>().find(p.room);
  if (!r) return;
  const std::string from(w.get<StrangerState>().name_of(p.from));
  out.push(Push{.body = RoomMessagePush{p.room, r->name,
                                        RoomMessage{p.number, e.time, p.from, from, p.kind, p.text, p.url, p.media_type, p.bytes}}},
           members_of(*r, p.from));
}

// A public room created by a client logged in to an account: its followers' clients hear of it
// (never of a hidden one). notify() sees the World before the event: the login is the creator's.
void notify_created(const World& w, const Event&, const RoomCreated& p, PushSink& out) {
  if (p.visibility != Visibility::kPublic) return;
  const AccountsState& accounts = w.get<AccountsState>();
  const AccountLogin* login = accounts.login_of(p.owner);
  if (!login) return;
  auto followers = accounts.followers.find(login->account);
  if (followers == accounts.followers.end()) return;
  std::vector<Recipient> to;
  for (const auto& [client, follower_login] : accounts.logins)
    if (followers->second.count(follower_login.account)) to.push_back(Recipient{client});
  if (!to.empty()) out.push(Push{.body = FollowedRoomCreatedPush{login->account, p.room, p.name}}, std::move(to));
}

void notify_updated(const World& w, const Event&, const RoomUpdated& p, PushSink& out) {
  const Room* r = w.get<RoomsState>().find(p.room);
  if (!r || r->members.empty()) return;
  out.push(Push{.body = RoomUpdatedPush{p.room, r->name, p.settings()}}, members_of(*r, p.by));
}

void notify_deleted(const World& w, const Event&, const RoomDeleted& p, PushSink& out) {
  const RoomsState& s = w.get<RoomsState>();
  const Room* r = s.find(p.room);
  if (!r) return;
  // Each member hears it with its own mark: in no room any more is idle.
  for (const auto& [member, since] : r->members) {
    const std::size_t before = rooms_count(s, member);
    out.push(Push{.body = RoomDeletedPush{p.room, r->name, p.why}, .idle = presence_mark(before > 0 ? before - 1 : 0)},
             {Recipient{member, member == p.by}});
  }
}

void notify_disconnected(const World& w, const Event&, const ClientDisconnected& p, PushSink& out) {
  const RoomsState& s = w.get<RoomsState>();
  const std::vector<RoomId>* rooms = s.rooms_of(p.client);
  if (!rooms) return;
  const std::string name(w.get<StrangerState>().name_of(p.client));
  for (RoomId id : *rooms)
    if (const Room* r = s.find(id)) {
      std::vector<Recipient> to = others_of(*r, p.client);
      if (!to.empty()) out.push(Push{.body = MemberLeftPush{id, r->name, name}}, to);
    }
}

// ---- whom else an event concerns: the rooms a departing client was in ----

void relate_disconnected(const World& w, const Event&, const ClientDisconnected& p, Subjects& out) {
  if (const std::vector<RoomId>* rooms = w.get<RoomsState>().rooms_of(p.client))
    out.rooms.insert(out.rooms.end(), rooms->begin(), rooms->end());
}

TimeMs rooms_deadline(const World& w) {
  TimeMs next = kNoDeadline;
  for (const auto& [id, room] : w.get<RoomsState>().rooms) next = std::min(next, room.expires_at());
  return next;
}

}  // namespace

void add_rooms_projection(Projections& p) {
  p.add_state<RoomsState>("rooms");
  p.add_push<RoomMessagePush>("rooms");
  p.add_push<MemberJoinedPush>("rooms");
  p.add_push<MemberLeftPush>("rooms");
  p.add_push<RoomUpdatedPush>("rooms");
  p.add_push<RoomDeletedPush>("rooms");
  p.add_push<FollowedRoomCreatedPush>("rooms");

  p.apply<&apply_created>();
  p.apply<&apply_updated>();
  p.apply<&apply_deleted>();
  p.apply<&apply_joined>();
  p.apply<&apply_left>();
  p.apply<&apply_posted>();
  p.apply<&apply_password_failed>();
  p.react<&react_started>();
  p.react<&react_disconnected>();
  p.react<&react_purged>();

  p.notify<&notify_created>();
  p.notify<&notify_joined>();
  p.notify<&notify_left>();
  p.notify<&notify_posted>();
  p.notify<&notify_updated>();
  p.notify<&notify_deleted>();
  p.notify<&notify_disconnected>();

  p.relate<&relate_disconnected>();
  p.deadline(&rooms_deadline);
}

}  // namespace chatd::projections
