// The rooms domain's audit over a log: a room's members at a moment and what happened in it over a
// range (joins, leaves, posts, presence ended by disconnects and restarts, settings, its end).
// Thread-safety: reentrant functions; a History is used by one thread at a time.
#pragma once

#include <string>
#include <vector>

#include "core/base/status.hpp"
#include "events/log.hpp"
#include "events/rooms/events.hpp"
#include "replay/audits.hpp"
#include "replay/history.hpp"
#include "replay/views.hpp"

namespace chatd::replay {

// The id of the room `name_or_id` names as of seq `to`: a number is an id; a name is the latest
// room created with that name (case-insensitively) at or before `to`. NotFound if none.
Status find_room(const events::EventLog& log, const std::string& name_or_id, Seq to, events::RoomId& out);

struct RoomAudit {
  events::RoomId room = events::kNoRoom;
  std::string name;
  Seq created_seq = 0;               // 0: created before the log's start (never: rooms start in the log)
  std::vector<std::string> members;  // at `to`: "3 \"Bob\" since <time>"
  bool live_at_end = true;           // the room still existed at `to`
  std::vector<std::string> lines;    // "#seq time what", over [from, to]
};

// Room `room`: its members at `to` and its lines over [from, to].
Status build_room_audit(History& history, const events::EventLog& log, events::RoomId room, Seq from, Seq to, RoomAudit& out);
std::string room_audit_text(const RoomAudit& audit, Seq to, TimeMs to_time);

// `chatreplay audit room`, for the command line (replay/domains.cpp).
std::vector<Audit> rooms_audits();

}  // namespace chatd::replay
