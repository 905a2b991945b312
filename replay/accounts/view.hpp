// The accounts domain in chatreplay: every account with when it was made, its devices (when each
// was added and last logged in through) and the clients logged in as it; and what changed of them.
// What an account holds of its owner (username, email, display name, password hash, device names)
// is sealed in the log and shown as "sealed", or "erased" once the account's key is deleted (its
// purge): replay reads the key store's subjects, never a key.
// Thread-safety: constants.
#pragma once

#include "replay/views.hpp"

namespace chatd::replay {

DomainView accounts_view();

}  // namespace chatd::replay
