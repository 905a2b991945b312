#include "projections/rebuild.hpp"

namespace chatd::projections {

Status rebuild(const events::EventLog& log, World& world, Seq up_to) {
  Status applied;
  Status scanned = log.scan(world.last_seq + 1, [&](const events::Event& e) {
    if (e.seq > up_to) return false;
    applied = apply(world, e);
    return applied.ok();
  });
  if (!scanned.ok()) return scanned;
  return applied;
}

}  // namespace chatd::projections
