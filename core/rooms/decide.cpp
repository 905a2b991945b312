// The rooms domain's rules.
#include <algorithm>
#include <set>

#include "core/base/text_rules.hpp"
#include "core/accounts/errors.hpp"
#include "core/lifecycle.hpp"
#include "core/rooms/commands.hpp"
#include "core/rooms/errors.hpp"
#include "core/stranger/errors.hpp"
#include "projections/accounts/state.hpp"
#include "projections/rooms/state.hpp"
#include "projections/stranger/state.hpp"

namespace chatd {
namespace {

using namespace chatd::events;
using projections::Room;
using projections::RoomMessage;
using projections::RoomsState;
using projections::StrangerState;

constexpr std::size_t kMaxTitleChars = 100;
constexpr std::size_t kMaxDescriptionChars = 500;
constexpr std::uint64_t kMaxRoomLimit = 100'000;

Reply no_such_room() { return Reply::failure(errors::kNoSuchRoom, "there is no room with that name"); }

const projections::Stranger* client_of(const projections::World& w, ClientId actor) {
  return w.get<StrangerState>().find(actor);
}

// The live room named `name` as `actor` may know of it: a hidden room only to its members (and to
// a join, which is how one gets in: pass `for_join`).
const Room* room_for(const RoomsState& s, std::string_view name, ClientId actor, RoomId& id, bool for_join = false) {
  if (check_room_name(name) != RoomNameProblem::kNone) return nullptr;
  const Room* r = s.find_by_key(room_name_key(name), &id);
  if (!r) return nullptr;
  if (!for_join && r->settings.visibility == Visibility::kHidden && !r->is_member(actor) && r->owner != actor) return nullptr;
  return r;
}

Reply check_settings(const RoomSettings& s) {
  if (!s.title.empty())
    if (auto p = check_label(s.title, kMaxTitleChars); p != NameProblem::kNone)
      return Reply::failure(errors::kInvalidRoom, describe_label(p, "title", kMaxTitleChars));
  if (!s.description.empty())
    if (auto p = check_label(s.description, kMaxDescriptionChars); p != NameProblem::kNone)
      return Reply::failure(errors::kInvalidRoom, describe_label(p, "description", kMaxDescriptionChars));
  if (s.limit > kMaxRoomLimit)
    return Reply::failure(errors::kInvalidRoom, "the user limit is at most " + std::to_string(kMaxRoomLimit) + " (0: none)");
  return Reply{};
}

// The join reply for `actor` in room `id` (as the World will be once the join, if any, applied).
Reply join_reply(const Room& r, RoomId id, ClientId actor, const JoinRoom* resume, bool joining) {
  JoinReply body;
  body.room = id;
  body.name = r.name;
  body.topic = r.topic;
  body.settings = r.settings;
  body.owner = r.owner == actor && actor != kNoClient;
  body.members = r.members.size() + (joining ? 1 : 0);
  body.last_number = r.last_number;
  std::uint64_t after = 0;  // the messages wanted are those numbered after it
  if (resume && resume->since) {
    if (resume->room_id && *resume->room_id != id) {
      body.gap = true;  // another room of that name: everything it kept is new, and what was missed is gone
    } else {
      after = std::min(*resume->since, r.last_number);
      body.gap = after + 1 < r.first_kept();
    }
  }  // (a plain join gets all that is kept: no gap, unless the reply's bound cuts it below)
  // The newest messages after `after` that fit in one reply, oldest first.
  std::size_t bytes = 0, begin = r.history.size();
  while (begin > 0) {
    const RoomMessage& m = r.history[begin - 1];
    if (m.number <= after) break;
    const std::size_t size = m.text.size() + m.url.size() + m.from_name.size() + m.media_type.size();
    if (bytes + size > kMaxHistoryReplyBytes) {
      body.gap = true;  // kept messages left out of this reply
      break;
    }
    bytes += size;
    --begin;
  }
  body.history.assign(r.history.begin() + static_cast<std::ptrdiff_t>(begin), r.history.end());
  Reply reply;
  reply.body = std::move(body);
  return reply;
}

void expire_rooms(const projections::World& w, const Context& ctx, Decided& out) {
  for (const auto& [id, room] : w.get<RoomsState>().rooms)
    if (room.expires_at() <= ctx.now) out.push_back(RoomDeleted{id, kNoClient, RoomEnd::kExpired});
}

}  // namespace

void add_rooms_rules(Lifecycle& lifecycle) { lifecycle.on_tick(&expire_rooms); }

Reply CreateRoom::decide(const projections::World& w, ClientId actor, const CreateRoom& c, const Context& ctx, Decided& out) {
  const projections::Stranger* client = client_of(w, actor);
  if (!client) return not_connected();
  if (client->name.empty()) return Reply::failure(errors::kNameRequired, "set a name before creating a room");
  if (auto p = check_room_name(c.name); p != RoomNameProblem::kNone) return Reply::failure(errors::kInvalidRoomName, describe(p));
  const RoomSettings settings{c.title, c.description, c.visibility, c.limit};
  if (Reply bad = check_settings(settings); !bad.ok()) return bad;
  const std::uint64_t history = c.history.value_or(ctx.limits.room_history);
  if (history > ctx.limits.max_room_history)
    return Reply::failure(errors::kInvalidRoom, "the history is at most " + std::to_string(ctx.limits.max_room_history) + " messages");
  const RoomsState& s = w.get<RoomsState>();
  if (s.by_key.count(room_name_key(c.name))) return Reply::failure(errors::kRoomExists, "a room with that name exists");
  if (s.rooms.size() >= ctx.limits.max_rooms) return Reply::failure(errors::kTooManyRooms, "the server holds as many rooms as it may");
  if (s.owned_by(actor) >= ctx.limits.max_rooms_per_client)
    return Reply::failure(errors::kTooManyRooms, "a client may own at most " + std::to_string(ctx.limits.max_rooms_per_client) + " rooms");
  const RoomId id = s.last_room + 1;
  RoomCreated created{id,      c.name,  actor,   c.topic, c.title, c.description, c.visibility,
                      c.limit, history, ctx.limits.room_expire_idle_ms, c.password_hash};
  Room room;  // as it will be: the reply is the creator's join
  room.name = c.name;
  room.owner = actor;
  room.topic = c.topic;
  room.settings = settings;
  out.push_back(std::move(created));
  out.push_back(RoomJoined{id, actor});
  return join_reply(room, id, actor, nullptr, true);
}

Reply UpdateRoom::decide(const projections::World& w, ClientId actor, const UpdateRoom& c, const Context&, Decided& out) {
  if (!client_of(w, actor)) return not_connected();
  RoomId id = kNoRoom;
  const Room* r = room_for(w.get<RoomsState>(), c.room, actor, id);
  if (!r) return no_such_room();
  if (r->owner != actor) return Reply::failure(errors::kNotOwner, "only the room's owner may change it");
  RoomSettings next = r->settings;
  if (c.title) next.title = *c.title;
  if (c.description) next.description = *c.description;
  if (c.visibility) next.visibility = *c.visibility;
  if (c.limit) next.limit = *c.limit;
  const std::string& password = c.password_hash ? *c.password_hash : r->password_hash;
  if (Reply bad = check_settings(next); !bad.ok()) return bad;
  // Nobody is put out by a new limit: it may not be below the members present.
  if (next.limit > 0 && next.limit < r->members.size())
    return Reply::failure(errors::kInvalidRoom, "the room has " + std::to_string(r->members.size()) + " members, more than that limit");
  if (next == r->settings && password == r->password_hash) return Reply{};  // already so: nothing to record
  return accept(out, RoomUpdated{id, actor, next.title, next.description, next.visibility, next.limit, password});
}

Reply DeleteRoom::decide(const projections::World& w, ClientId actor, const DeleteRoom& c, const Context&, Decided& out) {
  if (!client_of(w, actor)) return not_connected();
  RoomId id = kNoRoom;
  const Room* r = room_for(w.get<RoomsState>(), c.room, actor, id);
  if (!r) return no_such_room();
  if (r->owner != actor) return Reply::failure(errors::kNotOwner, "only the room's owner may delete it");
  return accept(out, RoomDeleted{id, actor, RoomEnd::kOwner});
}

Reply JoinRoom::decide(const projections::World& w, ClientId actor, const JoinRoom& c, const Context&, Decided& out) {
  const projections::Stranger* client = client_of(w, actor);
  if (!client) return not_connected();
  if (client->name.empty()) return Reply::failure(errors::kNameRequired, "set a name before joining a room");
  RoomId id = kNoRoom;
  const Room* r = room_for(w.get<RoomsState>(), c.room, actor, id, true);
  if (!r) return no_such_room();
  if (r->is_member(actor)) return join_reply(*r, id, actor, &c, false);  // harmless: the history again
  if (r->full()) return Reply::failure(errors::kRoomFull, "the room has as many members as its limit");
  if (!r->password_hash.empty() && r->owner != actor && c.proven != CredentialProof{id, r->password_version}) {
    // The session checks the client's password against the hash, off the engine, and asks again.
    Reply challenge = Reply::failure(errors::kCredentialNeeded, "the room needs its password");
    challenge.body = CredentialChallenge{r->password_hash, id, r->password_version,
                                         std::make_shared<const Command>(RecordWrongPassword{id}, actor)};
    return challenge;
  }
  out.push_back(RoomJoined{id, actor});
  return join_reply(*r, id, actor, &c, true);
}

Reply ConfigureRooms::decide(const projections::World& w, ClientId, const ConfigureRooms& c, const Context& ctx, Decided& out) {
  const RoomsState& s = w.get<RoomsState>();
  ConfigureReport report;
  std::set<std::string> configured;
  RoomId next_id = s.last_room;
  for (const ConfiguredRoom& cr : c.rooms) {
    std::string key = room_name_key(cr.name);
    if (check_room_name(cr.name) != RoomNameProblem::kNone || !configured.insert(key).second) {
      report.conflicts.push_back(cr.name + ": not a room name, or named twice");
      continue;
    }
    const RoomSettings settings{cr.title, cr.description, cr.visibility, cr.limit};
    if (Reply bad = check_settings(settings); !bad.ok()) {
      report.conflicts.push_back(cr.name + ": " + bad.message);
      continue;
    }
    RoomId id = kNoRoom;
    const Room* r = s.find_by_key(key, &id);
    if (!r) {
      const std::uint64_t history = std::min(cr.history.value_or(ctx.limits.room_history), ctx.limits.max_room_history);
      out.push_back(RoomCreated{++next_id, cr.name, kNoClient, cr.topic, cr.title, cr.description, cr.visibility, cr.limit, history,
                                0, cr.password_hash});
      ++report.created;
    } else if (r->owner != kNoClient) {
      report.conflicts.push_back(cr.name + ": a client's room has that name");
    } else {
      if (r->topic != cr.topic || (cr.history && *cr.history != r->history_limit))
        report.conflicts.push_back(cr.name + ": its topic and history were fixed when it was created (remove the room from the "
                                             "configuration for a run to end it, then add it again)");
      if (r->settings == settings && r->password_hash == cr.password_hash) continue;
      out.push_back(RoomUpdated{id, kNoClient, cr.title, cr.description, cr.visibility, cr.limit, cr.password_hash});
      ++report.updated;
    }
  }
  for (const auto& [id, room] : s.rooms)
    if (room.owner == kNoClient && !configured.count(room_name_key(room.name))) {
      out.push_back(RoomDeleted{id, kNoClient, RoomEnd::kConfig});
      ++report.deleted;
    }
  Reply reply;
  reply.body = std::move(report);
  return reply;
}

Reply RecordWrongPassword::decide(const projections::World& w, ClientId actor, const RecordWrongPassword& c, const Context&,
                                  Decided& out) {
  if (!client_of(w, actor)) return not_connected();
  if (!w.get<RoomsState>().find(c.room)) return no_such_room();
  return accept(out, RoomPasswordFailed{c.room, actor});
}

Reply LeaveRoom::decide(const projections::World& w, ClientId actor, const LeaveRoom& c, const Context&, Decided& out) {
  if (!client_of(w, actor)) return not_connected();
  RoomId id = kNoRoom;
  const Room* r = room_for(w.get<RoomsState>(), c.room, actor, id);
  if (!r) return no_such_room();
  if (!r->is_member(actor)) return Reply::failure(errors::kNotAMember, "the client is not in that room");
  return accept(out, RoomLeft{id, actor});
}

Reply PostRoom::decide(const projections::World& w, ClientId actor, const PostRoom& c, const Context& ctx, Decided& out) {
  if (!client_of(w, actor)) return not_connected();
  RoomId id = kNoRoom;
  const Room* r = room_for(w.get<RoomsState>(), c.room, actor, id);
  if (!r) return no_such_room();
  if (!r->is_member(actor)) return Reply::failure(errors::kNotAMember, "join the room to post in it");
  if (c.kind == MediaKind::kText) {
    if (auto problem = check_message(c.text, ctx.limits.max_message_bytes); problem != MessageProblem::kNone)
      return Reply::failure(errors::kInvalidMessage, describe(problem));
    if (!c.url.empty() || !c.media_type.empty() || c.bytes != 0)
      return Reply::failure(errors::kInvalidMedia, "a text post carries no url, media_type or bytes");
  } else {
    if (!c.text.empty())
      if (auto problem = check_message(c.text, ctx.limits.max_message_bytes); problem != MessageProblem::kNone)
        return Reply::failure(errors::kInvalidMessage, std::string("caption: ") + describe(problem));
    if (!valid_https_url(c.url)) return Reply::failure(errors::kInvalidMedia, "the url must be an https URL of at most 2048 visible ASCII characters");
    if (!valid_media_type(c.media_type, to_string(c.kind)))
      return Reply::failure(errors::kInvalidMedia, std::string("the media_type must be ") + to_string(c.kind) + "/<subtype>");
    if (c.bytes == 0 || c.bytes > ctx.limits.max_media_bytes)
      return Reply::failure(errors::kInvalidMedia, "bytes must be 1 to " + std::to_string(ctx.limits.max_media_bytes));
  }
  return accept(out, RoomPosted{id, r->last_number + 1, actor, c.kind, c.text, c.url, c.media_type, c.bytes});
}

Reply ListRooms::decide(const projections::World& w, ClientId actor, const ListRooms& c, const Context&, Decided&) {
  if (!client_of(w, actor)) return not_connected();
  const RoomsState& s = w.get<RoomsState>();
  RoomsReply body;
  for (auto it = s.by_key.upper_bound(room_name_key(c.after)); it != s.by_key.end(); ++it) {
    const Room* r = s.find(it->second);
    if (!r || r->settings.visibility != Visibility::kPublic) continue;
    if (body.rooms.size() == kRoomsPerPage) {
      body.next = body.rooms.back().name;
      break;
    }
    body.rooms.push_back(RoomListing{r->name, r->topic, r->settings, r->members.size()});
  }
  Reply reply;
  reply.body = std::move(body);
  return reply;
}

Reply FollowedRooms::decide(const projections::World& w, ClientId actor, const FollowedRooms& c, const Context& ctx, Decided&) {
  if (!client_of(w, actor)) return not_connected();
  const projections::AccountsState& accounts = w.get<projections::AccountsState>();
  const projections::AccountLogin* login = accounts.login_of(actor);
  if (!login) return Reply::failure(errors::kNotLoggedIn, "log in first");
  const RoomsState& s = w.get<RoomsState>();
  std::map<RoomId, events::AccountId> found;  // by id, after `after`
  if (auto following = accounts.following.find(login->account); following != accounts.following.end())
    for (events::AccountId followed : following->second) {
      auto owned = s.by_owner_account.find(followed);
      if (owned == s.by_owner_account.end() || !account_shown(w, followed, ctx)) continue;
      for (auto it = owned->second.upper_bound(c.after); it != owned->second.end(); ++it) found.emplace(*it, followed);
    }
  FollowedRoomsReply body;
  RoomId last = kNoRoom;
  for (const auto& [id, account] : found) {
    const Room* r = s.find(id);
    if (!r || r->settings.visibility != Visibility::kPublic) continue;  // hidden since: no longer shown
    if (body.rooms.size() == kRoomsPerPage) {
      body.next_after = last;
      break;
    }
    body.rooms.emplace_back(account, RoomListing{r->name, r->topic, r->settings, r->members.size()});
    last = id;
  }
  Reply reply;
  reply.body = std::move(body);
  return reply;
}

Reply ListMembers::decide(const projections::World& w, ClientId actor, const ListMembers& c, const Context& ctx, Decided&) {
  if (!client_of(w, actor)) return not_connected();
  RoomId id = kNoRoom;
  const Room* r = room_for(w.get<RoomsState>(), c.room, actor, id);
  if (!r) return no_such_room();
  if (!r->is_member(actor)) return Reply::failure(errors::kNotAMember, "join the room to see who is in it");
  const StrangerState& strangers = w.get<StrangerState>();
  MembersReply body;
  body.total = r->members.size();
  for (const auto& [member, since] : r->members) {
    if (body.names.size() == kMaxListedNames) break;
    const projections::Stranger* m = strangers.find(member);
    if (std::optional<AccountCard> card = card_of_client(w, member, actor, ctx))
      body.accounts.emplace_back(static_cast<std::uint32_t>(body.names.size()), std::move(*card));
    body.names.push_back(m ? m->name : std::string());
  }
  Reply reply;
  reply.body = std::move(body);
  return reply;
}

Reply MyRooms::decide(const projections::World& w, ClientId actor, const MyRooms&, const Context&, Decided&) {
  if (!client_of(w, actor)) return not_connected();
  const RoomsState& s = w.get<RoomsState>();
  NamesReply body;
  if (const std::vector<RoomId>* rooms = s.rooms_of(actor))
    for (RoomId id : *rooms)
      if (const Room* r = s.find(id)) body.names.push_back(r->name);
  body.total = body.names.size();
  Reply reply;
  reply.body = std::move(body);
  return reply;
}

Reply ListOnline::decide(const projections::World& w, ClientId actor, const ListOnline&, const Context&, Decided&) {
  if (!client_of(w, actor)) return not_connected();
  const StrangerState& s = w.get<StrangerState>();
  NamesReply body;
  for (const auto& [id, c] : s.clients) {
    if (c.name.empty()) continue;  // a client without a name is nobody to list
    ++body.total;
    if (body.names.size() < kMaxListedNames) body.names.push_back(c.name);
  }
  Reply reply;
  reply.body = std::move(body);
  return reply;
}

}  // namespace chatd
