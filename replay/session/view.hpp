// The session domain in chatreplay: its totals (captcha failures, rejected connections, restarts,
// the next client id).
// Thread-safety: constants.
#pragma once

#include "replay/views.hpp"

namespace chatd::replay {

DomainView session_view();

}  // namespace chatd::replay
