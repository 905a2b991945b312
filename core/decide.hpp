// decide(): the rules of the server, as a pure function of the World, a command and a context.
// It returns the events that record the outcome (never applied here) and the reply to the
// requester. A rejected command returns no events: bad input changes nothing.
// Thread-safety: reentrant; the World must not change during the call.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/command.hpp"
#include "core/errors.hpp"
#include "events/event.hpp"
#include "projections/world.hpp"

namespace chatd {

struct Limits {
  std::size_t max_message_bytes = 4096;
  std::size_t max_report_reason_bytes = 500;
};

// What decide may use besides the World: the time, random draws, and the configured limits.
struct Context {
  TimeMs now = 0;
  Random* random = nullptr;
  Limits limits;
};

struct Reply {
  ErrorCode error = ErrorCode::kNone;
  std::string message;          // human-readable detail of an error
  ClientId client = kNoClient;  // set on a successful Connect
  Seq info_seq = 0;             // QueryInfo: the last seq ...
  std::uint64_t info_hash = 0;  // ... and the World's hash at that point (filled in by the engine)

  bool ok() const { return error == ErrorCode::kNone; }
};

struct Decision {
  std::vector<events::Payload> events;
  Reply reply;
};

Decision decide(const projections::World& world, const Command& command, const Context& context);

// The same, appending the events to `events` (which the engine reuses, batch after batch).
Reply decide_into(const projections::World& world, const Command& command, const Context& context,
                  std::vector<events::Payload>& events);

}  // namespace chatd
