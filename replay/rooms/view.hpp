// The rooms domain in chatreplay: every live room with its settings, owner, members present and
// history kept, and the total of posts; and what changed of them. Hidden rooms are shown: an
// operator's tool sees everything.
// Thread-safety: constants.
#pragma once

#include "replay/views.hpp"

namespace chatd::replay {

DomainView rooms_view();

}  // namespace chatd::replay
