// The stranger domain in chatreplay: every client in stranger chat with its state and connection,
// the pairs, the search queue, and the totals of messages and reports; and what changed of them.
// Thread-safety: constants.
#pragma once

#include "replay/views.hpp"

namespace chatd::replay {

DomainView stranger_view();

}  // namespace chatd::replay
