// The rooms of chatd's configuration (`--room`, repeatable), as chatsock configured them: a name and
// its settings in one value, fields separated by '|':
//   general|description=For general conversations.
//   snowpStaff|hidden|limit=5|password-hash=$argon2id$v=19$...|description=Staff only.
// Fields: `hidden` (else public), `limit=N` (0: none), `history=N` (messages kept), `topic=text|
// image|video`, `title=TEXT`, `password-hash=HASH` (`chatd --hash-password` writes one: the
// configuration never holds a password in clear), and `description=TEXT`, which comes last and
// takes the rest of the value. chatd reconciles the World with them as it starts (ConfigureRooms).
// Thread-safety: reentrant functions.
#pragma once

#include <string>
#include <vector>

#include "core/rooms/commands.hpp"

namespace chatd {

// Parses one --room value; false with `error` saying what is wrong.
bool parse_config_room(const std::string& text, ConfiguredRoom& out, std::string& error);

// Every --room of `values`, or the problems of those that do not parse (a name given twice too).
std::vector<std::string> parse_config_rooms(const std::vector<std::string>& values, std::vector<ConfiguredRoom>& out);

}  // namespace chatd
