#include "replay/rooms/audit.hpp"

#include "core/base/text_rules.hpp"
#include "events/session/events.hpp"
#include "projections/rooms/state.hpp"
#include "replay/args.hpp"
#include "replay/cli.hpp"
#include "replay/render.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {
namespace {

using namespace chatd::events;
using projections::Room;
using projections::RoomsState;
using projections::World;

std::string who(ClientId c, const World& w) { return describe_client(c, w); }

std::string settings_line(const RoomSettings& s) {
  std::string line = std::string(to_string(s.visibility)) + (s.limit ? ", limit " + std::to_string(s.limit) : ", no limit");
  if (!s.title.empty()) line += ", title " + json_quoted(s.title);
  if (!s.description.empty()) line += ", description " + json_quoted(s.description);
  return line;
}

}  // namespace

Status find_room(const EventLog& log, const std::string& name_or_id, Seq to, RoomId& out) {
  out = kNoRoom;
  if (auto id = parse_count(name_or_id)) {
    out = *id;
    return *id ? Status::Ok() : Status::NotFound("room ids start at 1");
  }
  if (check_room_name(name_or_id) != RoomNameProblem::kNone)
    return Status::InvalidArgument("'" + name_or_id + "' is neither a room id nor a room name");
  const std::string key = room_name_key(name_or_id);
  Event event;
  // The stored bytes hold the name as it was written; its case may differ, so match on the type.
  Status st = for_each_candidate(log, 1, to, "\"room_created\"", event, [&](const Event& e) {
    if (const auto* c = e.payload.get_if<RoomCreated>(); c && room_name_key(c->name) == key) out = c->room;
    return true;
  });
  if (!st.ok()) return st;
  if (out == kNoRoom) return Status::NotFound("no room named '" + name_or_id + "' was created up to seq " + std::to_string(to));
  return Status::Ok();
}

Status build_room_audit(History& history, const EventLog& log, RoomId room, Seq from, Seq to, RoomAudit& out) {
  Status st = check_range(log, from, to);
  if (!st.ok()) return st;
  World world;
  st = history.world_at(from - 1, world);
  if (!st.ok()) return st;
  RoomAudit a;
  a.room = room;
  if (const Room* r = world.get<RoomsState>().find(room)) a.name = r->name;
  auto line = [&](const Event& e, const std::string& what) { a.lines.push_back(at(e.seq, e.time) + what); };
  auto member = [&](ClientId c) {
    const Room* r = world.get<RoomsState>().find(room);
    return r && r->is_member(c);
  };
  History::Observer observe = [&](const Event& e, std::string_view) {
    if (const auto* c = e.payload.get_if<RoomCreated>(); c && c->room == room) {
      a.name = c->name;
      a.created_seq = e.seq;
      line(e, "created " + json_quoted(c->name) + " by " + who(c->owner, world) + ": " + to_string(c->topic) + ", " +
                  settings_line(c->settings()) + ", history " + std::to_string(c->history));
    } else if (const auto* u = e.payload.get_if<RoomUpdated>(); u && u->room == room) {
      line(e, "settings changed by " + who(u->by, world) + ": " + settings_line(u->settings()));
    } else if (const auto* j = e.payload.get_if<RoomJoined>(); j && j->room == room) {
      line(e, who(j->client, world) + " joined");
    } else if (const auto* l = e.payload.get_if<RoomLeft>(); l && l->room == room) {
      line(e, who(l->client, world) + " left");
    } else if (const auto* p = e.payload.get_if<RoomPosted>(); p && p->room == room) {
      std::string what = "[" + std::to_string(p->number) + "] " + who(p->from, world) + ": ";
      if (p->kind != MediaKind::kText)
        what += std::string(to_string(p->kind)) + " " + json_quoted(p->url) + " " + json_quoted(p->media_type) + " " +
                std::to_string(p->bytes) + " bytes" + (p->text.empty() ? "" : " ");
      if (!p->text.empty() || p->kind == MediaKind::kText) what += json_quoted(p->text);
      line(e, what);
    } else if (const auto* d = e.payload.get_if<RoomDeleted>(); d && d->room == room) {
      line(e, d->why == RoomEnd::kExpired  ? std::string("expired: nobody in it and no post for its expiry")
              : d->why == RoomEnd::kConfig ? std::string("ended: the configuration no longer has it")
                                           : "deleted by its owner " + who(d->by, world));
    } else if (const auto* x = e.payload.get_if<ClientDisconnected>(); x && member(x->client)) {
      line(e, who(x->client, world) + " disconnected (" + to_string(x->reason) + ")");
    } else if (e.payload.is<ServerStarted>()) {
      const Room* r = world.get<RoomsState>().find(room);
      if (r && !r->members.empty())
        line(e, "the server restarted: the presence of " + std::to_string(r->members.size()) + " members ended");
    }
    return true;
  };
  st = history.replay(world, to, &observe);
  if (!st.ok()) return st;
  const Room* r = world.get<RoomsState>().find(room);
  a.live_at_end = r != nullptr;
  if (r)
    for (const auto& [c, since] : r->members) a.members.push_back(who(c, world) + " since " + format_utc_time(since));
  if (a.name.empty() && a.lines.empty())
    return Status::NotFound("room " + std::to_string(room) + " has no event up to seq " + std::to_string(to));
  out = std::move(a);
  return Status::Ok();
}

std::string room_audit_text(const RoomAudit& a, Seq to, TimeMs to_time) {
  std::string out = "room " + std::to_string(a.room) + " " + json_quoted(a.name) + "\n";
  if (a.live_at_end) {
    out += "members at " + at(to, to_time) + "(" + std::to_string(a.members.size()) + "):\n";
    for (const std::string& m : a.members) out += "  " + m + "\n";
  } else {
    out += "(no longer a room at seq " + std::to_string(to) + ")\n";
  }
  for (const std::string& line : a.lines) out += line + "\n";
  return out;
}

namespace {

int run_room(const AuditRequest& r, History& history, const EventLog& log, std::string& out, std::string& error) {
  if (r.positional.size() != 1) {
    error = "usage: chatreplay audit room NAME|ID --data DIR [range]";
    return kExitUsage;
  }
  RoomId room = kNoRoom;
  Status st = find_room(log, r.positional[0], r.to, room);
  if (st.ok()) {
    RoomAudit a;
    st = build_room_audit(history, log, room, r.from, r.to, a);
    if (st.ok()) {
      Event last;
      st = log.read(r.to, last);
      if (st.ok()) out = room_audit_text(a, r.to, last.time);
    }
  }
  if (!st.ok()) {
    error = st.ToString();
    return exit_code_of(st);
  }
  return kExitOk;
}

}  // namespace

std::vector<Audit> rooms_audits() {
  return {Audit{"room", "NAME|ID --data DIR [range]",
                "room     the room's members at the end of the range (--to: \"who was in it at 14:02\") and\n"
                "         what happened in it over the range: its creation and settings, joins, leaves,\n"
                "         every post, members' disconnects, restarts that ended presence, its end. A name\n"
                "         is the latest room created with it up to the range's end.\n",
                {}, {}, &run_room}};
}

}  // namespace chatd::replay
