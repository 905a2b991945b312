// Rebuilding a World from a log: the one way every tool and the engine derive state from events.
// Thread-safety: reentrant; the log's own rules apply to concurrent appends.
#pragma once

#include <limits>

#include "events/log.hpp"
#include "projections/world.hpp"

namespace chatd::projections {

// Applies every event with seq <= up_to to `world` (which should be empty, or the World as of
// some earlier seq). An undecodable or impossible event stops the rebuild with its seq in the error.
Status rebuild(const events::EventLog& log, World& world,
               Seq up_to = std::numeric_limits<Seq>::max());

}  // namespace chatd::projections
