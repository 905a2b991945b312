#include "replay/rooms/view.hpp"

#include "core/base/json_text.hpp"
#include "projections/rooms/state.hpp"
#include "replay/render.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {
namespace {

using projections::Room;
using projections::RoomsState;
using projections::World;

void totals(const World& w, std::vector<Total>& out) {
  const RoomsState& s = w.get<RoomsState>();
  out.push_back({"rooms", s.rooms.size()});
  out.push_back({"room_posts", s.posts});
}

std::string kept(const Room& r) {
  return r.history.empty() ? "none kept" : "kept " + std::to_string(r.first_kept()) + "-" + std::to_string(r.last_number);
}

std::string settings_text(const Room& r) {
  std::string s = std::string(events::to_string(r.settings.visibility)) + " " + events::to_string(r.topic);
  s += r.settings.limit ? " limit " + std::to_string(r.settings.limit) : " no limit";
  return s;
}

std::string members_text(const Room& r) {
  std::string s;
  for (const auto& [member, since] : r.members) s += (s.empty() ? "" : " ") + std::to_string(member);
  return s.empty() ? "(none)" : s;
}

void text(const World& w, const ViewContext&, std::string& out) {
  const RoomsState& s = w.get<RoomsState>();
  out += "rooms (" + std::to_string(s.rooms.size()) + "):\n";
  for (const auto& [id, r] : s.rooms) {
    out += "  " + std::to_string(id) + " " + json_quoted(r.name) + " " + settings_text(r) + " owner " +
           (r.owner ? describe_client(r.owner, w) : std::string("(none)")) + " created " + format_utc_time(r.created) +
           " last message " + std::to_string(r.last_number) + " (" + kept(r) + " of " + std::to_string(r.history_limit) + ")\n";
    if (!r.settings.title.empty()) out += "    title " + json_quoted(r.settings.title) + "\n";
    if (!r.settings.description.empty()) out += "    description " + json_quoted(r.settings.description) + "\n";
    out += "    members (" + std::to_string(r.members.size()) + "):";
    for (const auto& [member, since] : r.members) out += " " + describe_client(member, w) + " since " + format_utc_time(since) + ";";
    if (!r.members.empty()) out.pop_back();
    out += "\n";
  }
}

void json(const World& w, const ViewContext&, std::string& out) {
  const RoomsState& s = w.get<RoomsState>();
  out += ",\"rooms\":[";
  bool first = true;
  for (const auto& [id, r] : s.rooms) {
    out += first ? "{\"id\":" : ",{\"id\":";
    first = false;
    append_json_uint(out, id);
    out += ",\"name\":";
    append_json_string(out, r.name);
    out += ",\"visibility\":";
    append_json_string(out, events::to_string(r.settings.visibility));
    out += ",\"topic\":";
    append_json_string(out, events::to_string(r.topic));
    out += ",\"title\":";
    append_json_string(out, r.settings.title);
    out += ",\"description\":";
    append_json_string(out, r.settings.description);
    out += ",\"limit\":";
    append_json_uint(out, r.settings.limit);
    out += ",\"owner\":";
    append_json_uint(out, r.owner);
    out += ",\"created\":";
    append_json_int(out, r.created);
    out += ",\"last_number\":";
    append_json_uint(out, r.last_number);
    out += ",\"kept\":";
    append_json_uint(out, r.history.size());
    out += ",\"members\":[";
    bool first_member = true;
    for (const auto& [member, since] : r.members) {
      out += first_member ? "{\"client\":" : ",{\"client\":";
      first_member = false;
      append_json_uint(out, member);
      out += ",\"since\":";
      append_json_int(out, since);
      out += '}';
    }
    out += "]}";
  }
  out += ']';
}

std::string room_summary(const Room& r) { return json_quoted(r.name) + " " + settings_text(r) + ", members " + members_text(r); }

void diff(const World& a, const World& b, std::vector<Change>& out) {
  merge_walk(
      a.get<RoomsState>().rooms, b.get<RoomsState>().rooms,
      [&](events::RoomId id, const Room& r) { out.push_back({Change::Kind::kRemoved, "room " + std::to_string(id), "", room_summary(r), ""}); },
      [&](events::RoomId id, const Room& r) { out.push_back({Change::Kind::kAdded, "room " + std::to_string(id), "", "", room_summary(r)}); },
      [&](events::RoomId id, const Room& x, const Room& y) {
        const std::string subject = "room " + std::to_string(id);
        add_if_changed(out, subject, "settings", settings_text(x), settings_text(y));
        add_if_changed(out, subject, "title", json_quoted(x.settings.title), json_quoted(y.settings.title));
        add_if_changed(out, subject, "description", json_quoted(x.settings.description), json_quoted(y.settings.description));
        add_if_changed(out, subject, "members", members_text(x), members_text(y));
        add_if_changed(out, subject, "last message", std::to_string(x.last_number), std::to_string(y.last_number));
      });
}

}  // namespace

DomainView rooms_view() { return DomainView{"rooms", &totals, &text, &json, &diff}; }

}  // namespace chatd::replay
