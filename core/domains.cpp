// The production domains' server rules (what they do at a start and at a deadline), one line per
// domain.
#include "core/accounts/commands.hpp"
#include "core/lifecycle.hpp"
#include "core/rooms/commands.hpp"
#include "core/session/commands.hpp"

namespace chatd {

Lifecycle& Lifecycle::instance() {
  static Lifecycle& lifecycle = *[] {
    auto* l = new Lifecycle();  // never destroyed: the engine may run during static destruction
    add_session_rules(*l);
    add_accounts_rules(*l);
    add_rooms_rules(*l);
    return l;
  }();
  return lifecycle;
}

}  // namespace chatd
