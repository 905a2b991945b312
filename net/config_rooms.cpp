#include "net/config_rooms.hpp"

#include <set>

#include "core/base/text_rules.hpp"

namespace chatd {

bool parse_config_room(const std::string& text, ConfiguredRoom& out, std::string& error) {
  ConfiguredRoom room;
  std::size_t at = 0;
  bool first = true;
  while (at <= text.size()) {
    std::size_t end = text.find('|', at);
    std::string field = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (!first && field.rfind("description=", 0) == 0) {
      room.description = text.substr(at + 12);  // the rest, '|' and all
      break;
    }
    if (first) {
      room.name = field;
      if (auto p = check_room_name(field); p != RoomNameProblem::kNone) return error = "'" + field + "': " + describe(p), false;
    } else if (field == "hidden") {
      room.visibility = events::Visibility::kHidden;
    } else if (field == "public") {
      room.visibility = events::Visibility::kPublic;
    } else if (field.rfind("title=", 0) == 0) {
      room.title = field.substr(6);
    } else if (field.rfind("password-hash=", 0) == 0) {
      room.password_hash = field.substr(14);
      if (room.password_hash.rfind("$argon2id$", 0) != 0)
        return error = room.name + ": password-hash= takes an argon2id hash (chatd --hash-password writes one)", false;
    } else if (field.rfind("topic=", 0) == 0) {
      auto topic = events::enum_from<events::MediaKind>(field.substr(6));
      if (!topic) return error = room.name + ": topic= is text, image or video", false;
      room.topic = *topic;
    } else if (field.rfind("limit=", 0) == 0 || field.rfind("history=", 0) == 0) {
      const std::string number = field.substr(field.find('=') + 1);
      if (number.empty() || number.size() > 9 || number.find_first_not_of("0123456789") != std::string::npos)
        return error = room.name + ": " + field + " needs a number", false;
      if (field[0] == 'l') room.limit = std::stoull(number);
      else room.history = std::stoull(number);
    } else {
      return error = room.name + ": unknown field '" + field + "' (hidden, public, limit=, history=, topic=, title=, password-hash=, description=)", false;
    }
    first = false;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  out = std::move(room);
  return true;
}

std::vector<std::string> parse_config_rooms(const std::vector<std::string>& values, std::vector<ConfiguredRoom>& out) {
  std::vector<std::string> problems;
  std::set<std::string> names;
  out.clear();
  for (const std::string& v : values) {
    ConfiguredRoom room;
    std::string error;
    if (!parse_config_room(v, room, error)) {
      problems.push_back("--room: " + error);
      continue;
    }
    if (!names.insert(room_name_key(room.name)).second) {
      problems.push_back("--room: '" + room.name + "' is configured twice");
      continue;
    }
    out.push_back(std::move(room));
  }
  return problems;
}

}  // namespace chatd
