// The World's one canonical field list, written to a sink: the bytes of chatreplay's snapshots
// and the input of World::hash() come from the same function, so a field added to the World is
// added to both at once (and decode_world must then learn it, or the snapshot tests fail).
// Sinks provide u64(), u8(), str() (length-prefixed) and pair(); see Fnv1a-based hashing in
// world.cpp and the byte writer in world_codec.cpp.
// Thread-safety: reentrant functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.hpp"
#include "projections/world.hpp"

namespace chatd::projections {

template <typename Sink>
void write_world(const World& w, Sink& out) {
  out.u64(w.next_client);
  out.u64(w.last_seq);
  out.u64(static_cast<std::uint64_t>(w.last_time));
  out.u64(w.messages);
  out.u64(w.reports);
  out.u64(w.captcha_failures);
  out.u64(w.connections_rejected);
  out.u64(w.restarts);
  out.u64(w.clients.size());
  for (const auto& [id, c] : w.clients) {
    out.u64(id);
    out.str(c.name);
    out.u8(static_cast<std::uint8_t>(c.state));
    out.u8(static_cast<std::uint8_t>(c.dialect));
    out.str(c.addr);
    out.u64(static_cast<std::uint64_t>(c.connected_at));
    out.u64(static_cast<std::uint64_t>(c.state_since));
    out.pair(c.pair);
    out.u64(c.partner);
    out.pair(c.last_pair);
    out.u64(c.last_partner);
    out.u8(c.last_pair_reported ? 1 : 0);
  }
  out.u64(w.pairs.size());
  for (const auto& [id, p] : w.pairs) {
    out.pair(id);
    out.u64(p.seeker);
    out.u64(p.waiter);
    out.u64(static_cast<std::uint64_t>(p.started));
    out.u64(p.messages);
  }
  out.u64(w.waiting.size());
  for (ClientId c : w.waiting) out.u64(c);
}

// The World in a compact binary form (little-endian, length-prefixed strings).
std::string encode_world(const World& world);

// The inverse of encode_world; checks bounds and values, Corruption on anything malformed.
Status decode_world(std::string_view bytes, World& out);

}  // namespace chatd::projections
