#include "projections/world_codec.hpp"

#include "core/base/byte_io.hpp"
#include "projections/domain.hpp"

namespace chatd::projections {

std::string encode_world(const World& w) {
  std::string out;
  ByteWriter writer(out);
  writer.u64(w.last_seq);
  writer.u64(static_cast<std::uint64_t>(w.last_time));
  const auto& domains = Projections::instance().states();
  writer.u64(w.domain_count());
  std::string state;
  for (std::size_t i = 0; i < w.domain_count(); ++i) {
    state.clear();
    ByteWriter state_writer(state);
    w.domain(i).write(state_writer);
    writer.str(domains[i].domain);
    writer.str(state);
  }
  return out;
}

Status decode_world(std::string_view bytes, World& out) {
  ByteReader rd(bytes);
  World w;
  w.last_seq = rd.u64();
  w.last_time = static_cast<TimeMs>(rd.u64());
  const auto& domains = Projections::instance().states();
  const std::uint64_t count = rd.count(16);
  if (rd.ok() && count != domains.size())
    return Status::Corruption("snapshot: it holds " + std::to_string(count) + " domains, this chatd has " +
                              std::to_string(domains.size()));
  for (std::size_t i = 0; i < domains.size() && rd.ok(); ++i) {
    const std::string name = rd.str();
    const std::string state = rd.str();
    if (!rd.ok()) break;
    if (name != domains[i].domain)
      return Status::Corruption("snapshot: domain " + std::to_string(i) + " is '" + name + "', this chatd's is '" +
                                std::string(domains[i].domain) + "'");
    ByteReader state_reader(state);
    std::string why;
    if (!w.domain(i).read(state_reader, why)) return Status::Corruption("snapshot: the " + name + " state: " + why);
    if (!state_reader.at_end()) return Status::Corruption("snapshot: bytes after the " + name + " state");
  }
  if (!rd.ok()) return Status::Corruption("snapshot: the World's encoding is truncated");
  if (!rd.at_end()) return Status::Corruption("snapshot: bytes after the World's encoding");
  out = std::move(w);
  return Status::Ok();
}

}  // namespace chatd::projections
