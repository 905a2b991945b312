// The dms domain in chatreplay: every open DM with its two sides, when it opened and its latest
// number, and the total of DM messages; and what changed of them. (What the DMs said is in the
// log's dm_sent events: `events --client ID` shows them.)
// Thread-safety: constants.
#pragma once

#include "replay/views.hpp"

namespace chatd::replay {

DomainView dms_view();

}  // namespace chatd::replay
