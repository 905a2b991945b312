// What clients are told when an event happens. Derived from the event and the World *before* the
// event is applied (the old name of a renamed partner, the pair a leaving client was in), so the
// same log always yields the same pushes. Dialects decide how each push looks on the wire.
// Thread-safety: reentrant; the World must not change during the call.
#pragma once

#include <string>
#include <vector>

#include "events/event.hpp"
#include "projections/world.hpp"

namespace chatd::projections {

struct Push {
  enum class Kind : std::uint8_t {
    kState,        // the client's own state changed (looking, or disconnected after leaving)
    kPaired,       // paired with `name`, in pair `pair`
    kMessage,      // `name` said `text` (`own`: the client's own message, echoed)
    kPartnerLeft,  // the partner left pair `pair` or went away; the client is DISCONNECTED
    kNameChanged,  // in a pair, `old_name` is now `name` (`own`: it was the client itself)
    kSystem,       // a message from the server's operators
  };
  ClientId to = kNoClient;
  Kind kind = Kind::kSystem;
  ClientState state = ClientState::kConnected;
  PairId pair;
  std::string name;
  std::string old_name;
  std::string text;
  bool own = false;
};

// Appends the pushes `event` causes to `out`. `before` is the World the event applies to.
void notify(const World& before, const events::Event& event, std::vector<Push>& out);

}  // namespace chatd::projections
