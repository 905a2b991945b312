// decide(): the rules of the server, as a pure function of the World, a command and a context. It
// returns the events that record the outcome (never applied here) and the reply to the requester.
// A rejected command returns no events: bad input changes nothing. The rule itself is the
// command's own (core/<domain>/); this is the one entry point to all of them.
// Thread-safety: reentrant; the World must not change during the call.
#pragma once

#include <cstddef>

#include "core/command.hpp"
#include "core/reply.hpp"
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

struct Decision {
  Decided events;
  Reply reply;
};

Decision decide(const projections::World& world, const Command& command, const Context& context);

// The same, appending the events to `events` (which the engine reuses, batch after batch).
inline Reply decide_into(const projections::World& world, const Command& command, const Context& context, Decided& events) {
  return command.type().decide(world, command, context, events);
}

// The reply of a rule that accepts: `event` joins the decision.
inline Reply accept(Decided& out, events::Payload event) {
  out.push_back(std::move(event));
  return Reply{};
}

}  // namespace chatd
