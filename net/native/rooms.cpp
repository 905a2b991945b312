// The rooms domain in the native dialect: its ops, their replies and its pushes (docs/protocol.md,
// "Rooms"). A room is named by its name ("room") in requests and pushes; its id ("room_id") tells
// a room from a later one of the same name, for resumes.
#include "core/base/json_text.hpp"
#include "core/rooms/commands.hpp"
#include "core/rooms/errors.hpp"
#include "net/native/dialect.hpp"
#include "projections/rooms/state.hpp"

namespace chatd {
namespace {

using namespace chatd::projections;
using events::MediaKind;
using events::RoomSettings;
using events::Visibility;

std::string take(NativeDialect::Fields& f, std::string_view name) {
  std::string* s = f.text(name);
  return s ? std::move(*s) : std::string();
}

// An enum field's value by its wire name; a bad one rejects the request (false).
template <class E>
bool read_enum(NativeDialect::Fields& f, std::string_view name, E& value, Decoded& out) {
  const std::string* s = f.text(name);
  if (!s) return true;
  if (auto v = events::enum_from<E>(*s)) {
    value = *v;
    return true;
  }
  std::string names;
  for (const auto& [e, n] : events::EnumNames<E>::kNames) names += (names.empty() ? "" : ", ") + std::string(n);
  NativeDialect::reject(out, errors::kBadRequest, "'" + std::string(name) + "' is one of " + names);
  return false;
}

// A room's password: at most 128 bytes (argon2id reads them all), and not empty where one is set.
bool take_password(NativeDialect::Fields& f, Decoded& out) {
  std::string* p = f.text("password");
  if (!p) return true;
  if (p->size() > 128) {
    NativeDialect::reject(out, errors::kBadRequest, "a room password is at most 128 bytes");
    return false;
  }
  out.request.secret = std::move(*p);
  return true;
}

void build_create(NativeDialect::Fields& f, Decoded& out) {
  if (!take_password(f, out)) return;
  CreateRoom c;
  c.name = take(f, "room");
  c.title = take(f, "title");
  c.description = take(f, "description");
  if (!read_enum(f, "topic", c.topic, out) || !read_enum(f, "visibility", c.visibility, out)) return;
  c.limit = f.number("limit").value_or(0);
  if (auto h = f.number("history")) c.history = *h;
  out.request.command = std::move(c);
}

void build_update(NativeDialect::Fields& f, Decoded& out) {
  UpdateRoom c;
  if (const std::string* p = f.text("password"); p && p->empty()) c.password_hash = std::string();  // removes it
  else if (!take_password(f, out)) return;
  c.room = take(f, "room");
  if (f.has("title")) c.title = take(f, "title");
  if (f.has("description")) c.description = take(f, "description");
  if (f.has("visibility")) {
    Visibility v{};
    if (!read_enum(f, "visibility", v, out)) return;
    c.visibility = v;
  }
  if (auto l = f.number("limit")) c.limit = *l;
  out.request.command = std::move(c);
}

void build_delete(NativeDialect::Fields& f, Decoded& out) { out.request.command = DeleteRoom{take(f, "room")}; }

void build_join(NativeDialect::Fields& f, Decoded& out) {
  if (!take_password(f, out)) return;
  JoinRoom c;
  c.room = take(f, "room");
  if (auto n = f.number("since")) c.since = *n;
  if (auto id = f.number("room_id")) c.room_id = *id;
  out.request.command = std::move(c);
}

void build_leave(NativeDialect::Fields& f, Decoded& out) { out.request.command = LeaveRoom{take(f, "room")}; }

void build_post(NativeDialect::Fields& f, Decoded& out) {
  PostRoom c;
  c.room = take(f, "room");
  if (!read_enum(f, "kind", c.kind, out)) return;
  c.text = take(f, "text");
  c.url = take(f, "url");
  c.media_type = take(f, "media_type");
  c.bytes = f.number("bytes").value_or(0);
  out.request.command = std::move(c);
}

void build_rooms(NativeDialect::Fields& f, Decoded& out) { out.request.command = ListRooms{take(f, "cursor")}; }
void build_members(NativeDialect::Fields& f, Decoded& out) { out.request.command = ListMembers{take(f, "room")}; }
void build_my_rooms(NativeDialect::Fields&, Decoded& out) { out.request.command = MyRooms{}; }
void build_followed_rooms(NativeDialect::Fields& f, Decoded& out) { out.request.command = FollowedRooms{f.number("after").value_or(0)}; }
void build_online(NativeDialect::Fields&, Decoded& out) { out.request.command = ListOnline{}; }

// ---- rendering ----

void key(std::string& out, const char* name) {
  out += ",\"";
  out += name;
  out += "\":";
}

void settings_members(const RoomSettings& s, std::string& out) {
  key(out, "title");
  append_json_string(out, s.title);
  key(out, "description");
  append_json_string(out, s.description);
  key(out, "visibility");
  append_json_string(out, events::to_string(s.visibility));
  key(out, "limit");
  append_json_uint(out, s.limit);
}

// ,"room":"general","room_id":3
void room_members(std::string_view name, events::RoomId id, std::string& out) {
  key(out, "room");
  append_json_string(out, name);
  key(out, "room_id");
  append_json_uint(out, id);
}

// "number":..,"time":..,"from":..,"kind":.. and the post's content (without braces).
void message_members(const RoomMessage& m, std::string& out) {
  out += "\"number\":";
  append_json_uint(out, m.number);
  key(out, "time");
  append_json_int(out, m.time);
  key(out, "from");
  append_json_string(out, m.from_name);
  key(out, "kind");
  append_json_string(out, events::to_string(m.kind));
  if (!m.text.empty() || m.kind == MediaKind::kText) {
    key(out, "text");
    append_json_string(out, m.text);
  }
  if (m.kind != MediaKind::kText) {
    key(out, "url");
    append_json_string(out, m.url);
    key(out, "media_type");
    append_json_string(out, m.media_type);
    key(out, "bytes");
    append_json_uint(out, m.bytes);
  }
}

void reply_join(const Reply& reply, std::string& out) {
  const JoinReply& j = reply.body.as<JoinReply>();
  room_members(j.name, j.room, out);
  key(out, "topic");
  append_json_string(out, events::to_string(j.topic));
  settings_members(j.settings, out);
  key(out, "owner");
  out += j.owner ? "true" : "false";
  key(out, "members");
  append_json_uint(out, j.members);
  key(out, "last_number");
  append_json_uint(out, j.last_number);
  key(out, "gap");
  out += j.gap ? "true" : "false";
  key(out, "history");
  out += '[';
  for (std::size_t i = 0; i < j.history.size(); ++i) {
    out += i ? ",{" : "{";
    message_members(j.history[i], out);
    out += '}';
  }
  out += ']';
}

// A listed room's fields after its '{' ("room":..., "topic", the settings, "members").
void listing_members(const RoomListing& l, std::string& out) {
  out += "\"room\":";
  append_json_string(out, l.name);
  key(out, "topic");
  append_json_string(out, events::to_string(l.topic));
  settings_members(l.settings, out);
  key(out, "members");
  append_json_uint(out, l.members);
}

void reply_rooms(const Reply& reply, std::string& out) {
  const RoomsReply& r = reply.body.as<RoomsReply>();
  key(out, "rooms");
  out += '[';
  for (std::size_t i = 0; i < r.rooms.size(); ++i) {
    out += i ? ",{" : "{";
    listing_members(r.rooms[i], out);
    out += '}';
  }
  out += ']';
  if (!r.next.empty()) {
    key(out, "next");
    append_json_string(out, r.next);
  }
}

void reply_followed_rooms(const Reply& reply, std::string& out) {
  const FollowedRoomsReply& r = reply.body.as<FollowedRoomsReply>();
  key(out, "rooms");
  out += '[';
  for (std::size_t i = 0; i < r.rooms.size(); ++i) {
    out += i ? ",{" : "{";
    listing_members(r.rooms[i].second, out);
    key(out, "account");
    append_json_uint(out, r.rooms[i].first);
    out += '}';
  }
  out += ']';
  if (r.next_after != events::kNoRoom) {
    key(out, "next_after");
    append_json_uint(out, r.next_after);
  }
}

bool render_followed_room(const FollowedRoomCreatedPush& p, bool, std::string& out) {
  out += "{\"type\":\"followed_room_created\"";
  room_members(p.room_name, p.room, out);
  key(out, "account");
  append_json_uint(out, p.account);
  out += '}';
  return true;
}

// ,"list":["a","b"],"total":N
void names_list(const char* list, const std::vector<std::string>& names, std::uint64_t total, std::string& out) {
  key(out, list);
  out += '[';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, names[i]);
  }
  out += ']';
  key(out, "total");
  append_json_uint(out, total);
}

// The names, and an "accounts" list of the members logged in to one: the index of the member's
// name and its card, as the reader may see it.
void reply_members(const Reply& reply, std::string& out) {
  const MembersReply& m = reply.body.as<MembersReply>();
  names_list("members", m.names, m.total, out);
  if (m.accounts.empty()) return;
  key(out, "accounts");
  out += '[';
  for (std::size_t i = 0; i < m.accounts.size(); ++i) {
    if (i) out += ',';
    out += "{\"member\":";
    append_json_uint(out, m.accounts[i].first);
    out += ',';
    append_account_card_fields(m.accounts[i].second, out);
    out += '}';
  }
  out += ']';
}

void reply_names(const char* list, const Reply& reply, std::string& out) {
  const NamesReply& n = reply.body.as<NamesReply>();
  names_list(list, n.names, n.total, out);
}

bool render_message(const RoomMessagePush& p, bool own, std::string& out) {
  out += "{\"type\":\"room_message\"";
  room_members(p.room_name, p.room, out);
  out += ',';
  message_members(p.message, out);
  if (own) out += ",\"own\":true";
  out += '}';
  return true;
}

bool render_joined(const MemberJoinedPush& p, bool own, std::string& out) {
  if (own) return false;  // the joiner has its reply
  out += "{\"type\":\"member_joined\"";
  room_members(p.room_name, p.room, out);
  key(out, "name");
  append_json_string(out, p.name);
  out += '}';
  return true;
}

bool render_left(const MemberLeftPush& p, bool own, std::string& out) {
  if (own) return false;
  out += "{\"type\":\"member_left\"";
  room_members(p.room_name, p.room, out);
  key(out, "name");
  append_json_string(out, p.name);
  out += '}';
  return true;
}

bool render_updated(const RoomUpdatedPush& p, bool own, std::string& out) {
  if (own) return false;
  out += "{\"type\":\"room_updated\"";
  room_members(p.room_name, p.room, out);
  settings_members(p.settings, out);
  out += '}';
  return true;
}

bool render_deleted(const RoomDeletedPush& p, bool own, std::string& out) {
  if (own) return false;
  out += "{\"type\":\"room_deleted\"";
  room_members(p.room_name, p.room, out);
  key(out, "why");
  append_json_string(out, events::to_string(p.why));
  out += '}';
  return true;
}

}  // namespace

void add_native_rooms(NativeDialect& d) {
  using Type = NativeDialect::FieldType;
  d.add_op("create_room",
           {{"room", Type::kString, true}, {"title", Type::kString}, {"description", Type::kString}, {"topic", Type::kString},
            {"visibility", Type::kString}, {"limit", Type::kUint}, {"history", Type::kUint}, {"password", Type::kString}},
           &build_create);
  d.add_op("update_room",
           {{"room", Type::kString, true}, {"title", Type::kString}, {"description", Type::kString},
            {"visibility", Type::kString}, {"limit", Type::kUint}, {"password", Type::kString}},
           &build_update);
  d.add_op("delete_room", {{"room", Type::kString, true}}, &build_delete);
  d.add_op("join", {{"room", Type::kString, true}, {"since", Type::kUint}, {"room_id", Type::kUint}, {"password", Type::kString}},
           &build_join);
  d.add_op("leave_room", {{"room", Type::kString, true}}, &build_leave);
  d.add_op("post",
           {{"room", Type::kString, true}, {"kind", Type::kString}, {"text", Type::kString}, {"url", Type::kString},
            {"media_type", Type::kString}, {"bytes", Type::kUint}},
           &build_post);
  d.add_op("rooms", {{"cursor", Type::kString}}, &build_rooms);
  d.add_op("followed_rooms", {{"after", Type::kUint}}, &build_followed_rooms);
  d.add_op("members", {{"room", Type::kString, true}}, &build_members);
  d.add_op("my_rooms", {}, &build_my_rooms);
  d.add_op("online", {}, &build_online);
  d.add_reply<CreateRoom>(&reply_join);
  d.add_reply<JoinRoom>(&reply_join);
  d.add_reply<ListRooms>(&reply_rooms);
  d.add_reply<FollowedRooms>(&reply_followed_rooms);
  d.add_reply<ListMembers>(&reply_members);
  d.add_reply<MyRooms>([](const Reply& r, std::string& out) { reply_names("rooms", r, out); });
  d.add_reply<ListOnline>([](const Reply& r, std::string& out) { reply_names("names", r, out); });
  d.pushes().add<&render_message>();
  d.pushes().add<&render_joined>();
  d.pushes().add<&render_left>();
  d.pushes().add<&render_updated>();
  d.pushes().add<&render_deleted>();
  d.pushes().add<&render_followed_room>();
}

}  // namespace chatd
