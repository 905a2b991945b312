#include "projections/world_codec.hpp"

#include "core/byte_io.hpp"

namespace chatd::projections {

std::string encode_world(const World& w) {
  std::string out;
  out.reserve(128 + w.clients.size() * 120 + w.pairs.size() * 48 + w.waiting.size() * 8);
  ByteWriter writer(out);
  write_world(w, writer);
  return out;
}

Status decode_world(std::string_view bytes, World& out) {
  ByteReader rd(bytes);
  World w;
  w.next_client = rd.u64();
  w.last_seq = rd.u64();
  w.last_time = static_cast<TimeMs>(rd.u64());
  w.messages = rd.u64();
  w.reports = rd.u64();
  w.captcha_failures = rd.u64();
  w.connections_rejected = rd.u64();
  w.restarts = rd.u64();
  const std::uint64_t clients = rd.count(/* the smallest client: */ 5 * 8 + 2 * 8 /* empty strings */ + 2 * 16 + 3);
  for (std::uint64_t i = 0; i < clients && rd.ok(); ++i) {
    Client c;
    c.id = rd.u64();
    c.name = rd.str();
    const std::uint8_t state = rd.u8();
    const std::uint8_t dialect = rd.u8();
    if (state > static_cast<std::uint8_t>(events::ClientState::kBanned) ||
        dialect > static_cast<std::uint8_t>(events::Dialect::kLowf))
      return Status::Corruption("snapshot: client " + std::to_string(c.id) + " has an unknown state or dialect");
    c.state = static_cast<events::ClientState>(state);
    c.dialect = static_cast<events::Dialect>(dialect);
    c.addr = rd.str();
    c.connected_at = static_cast<TimeMs>(rd.u64());
    c.state_since = static_cast<TimeMs>(rd.u64());
    c.pair = rd.pair();
    c.partner = rd.u64();
    c.last_pair = rd.pair();
    c.last_partner = rd.u64();
    c.last_pair_reported = rd.u8() != 0;
    ClientId id = c.id;
    if (!w.clients.emplace(id, std::move(c)).second)
      return Status::Corruption("snapshot: client " + std::to_string(id) + " appears twice");
  }
  const std::uint64_t pairs = rd.count(16 + 8 * 4);
  for (std::uint64_t i = 0; i < pairs && rd.ok(); ++i) {
    Pair p;
    p.id = rd.pair();
    p.seeker = rd.u64();
    p.waiter = rd.u64();
    p.started = static_cast<TimeMs>(rd.u64());
    p.messages = rd.u64();
    w.pairs.emplace(p.id, p);
  }
  const std::uint64_t waiting = rd.count(8);
  for (std::uint64_t i = 0; i < waiting && rd.ok(); ++i) w.waiting.push_back(rd.u64());
  if (!rd.ok()) return Status::Corruption("snapshot: the World's encoding is truncated");
  if (!rd.at_end()) return Status::Corruption("snapshot: bytes after the World's encoding");
  out = std::move(w);
  return Status::Ok();
}

}  // namespace chatd::projections
