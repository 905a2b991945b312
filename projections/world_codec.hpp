// The World as bytes, for chatreplay's snapshots: the log position, then each domain's state
// (projections/state_codec.hpp) under the domain's name, so that a snapshot written by a chatd with
// other domains is refused rather than misread. World::hash() hashes the same position and states,
// written by the same code (without the names and the length prefixes of this framing).
// Thread-safety: reentrant functions.
#pragma once

#include <string>
#include <string_view>

#include "core/base/status.hpp"
#include "projections/world.hpp"

namespace chatd::projections {

std::string encode_world(const World& world);

// The inverse of encode_world; checks bounds, values and the domains, Corruption on anything else.
Status decode_world(std::string_view bytes, World& out);

}  // namespace chatd::projections
