// The production domains' projections, one line per domain, in the order of their dependencies (a
// domain reacts only to events of the domains above it).
#include "projections/accounts/state.hpp"
#include "projections/dms/state.hpp"
#include "projections/domain.hpp"
#include "projections/rooms/state.hpp"
#include "projections/session/state.hpp"
#include "projections/stranger/state.hpp"

namespace chatd::projections {

Projections& Projections::instance() {
  static Projections& registry = *[] {
    events::EventCatalog::instance();  // numbers the event types the handlers are indexed by
    auto* p = new Projections();  // never destroyed: Worlds may outlive static destruction order
    add_session_projection(*p);
    add_accounts_projection(*p);
    add_stranger_projection(*p);
    add_rooms_projection(*p);
    add_dms_projection(*p);
    return p;
  }();
  return registry;
}

}  // namespace chatd::projections
