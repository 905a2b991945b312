#include "replay/snapshot.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/base/byte_io.hpp"
#include "core/base/fnv.hpp"
#include "projections/world_codec.hpp"

namespace chatd::replay {
namespace {

using projections::World;

constexpr char kMagic[8] = {'C', 'H', 'A', 'T', 'D', 'S', 'N', 'P'};
// 2: the World is written domain by domain (projections/world_codec.hpp).
constexpr std::uint64_t kFormat = 3;  // 3: rooms remember their creator's account

// Ties a snapshot to its log: the first event (a log's server_started, unique to that log's
// creation) and the event at the snapshot's seq (which differs once a rewritten log diverges).
std::uint64_t log_digest(std::string_view first_bytes, std::string_view event_bytes) {
  Fnv1a h;
  h.str(first_bytes);
  h.str(event_bytes);
  return h.value();
}

}  // namespace

SnapshotStore::SnapshotStore(std::string dir, Seq every) : dir_(std::move(dir)), every_(std::max<Seq>(every, 1)) {}

std::string SnapshotStore::path_of(Seq seq) const {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.snap", static_cast<unsigned long long>(seq));
  return dir_ + "/" + name;
}

std::vector<Seq> SnapshotStore::list() const {
  std::vector<Seq> seqs;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir_, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() != 25 || name.compare(20, 5, ".snap") != 0) continue;
    if (name.find_first_not_of("0123456789") != 20) continue;
    Seq seq = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + 20, seq);
    if (ec == std::errc() && end == name.data() + 20) seqs.push_back(seq);  // else: too large, not ours
  }
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

Status SnapshotStore::load(const events::EventLog& log, Seq seq, World& out) const {
  const std::string path = path_of(seq);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("no snapshot " + path);
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string where = "snapshot " + path + ": ";
  if (file.size() < 8 + 8 * 6 + 8 || std::memcmp(file.data(), kMagic, 8) != 0)
    return Status::Corruption(where + "not a chatd snapshot");
  ByteReader header(std::string_view(file).substr(8, 8 * 6));
  const std::uint64_t format = header.u64(), schema = header.u64(), at = header.u64(), digest = header.u64(),
                      world_hash = header.u64(), body_size = header.u64();
  if (format != kFormat) return Status::Corruption(where + "format " + std::to_string(format) + " is not " + std::to_string(kFormat));
  if (schema != static_cast<std::uint64_t>(events::kSchemaVersion))
    return Status::Corruption(where + "written for event schema " + std::to_string(schema));
  if (at != seq) return Status::Corruption(where + "records seq " + std::to_string(at));
  if (body_size != file.size() - 8 - 8 * 6 - 8) return Status::Corruption(where + "truncated");
  std::string_view body = std::string_view(file).substr(8 + 8 * 6, body_size);
  ByteReader trailer(std::string_view(file).substr(file.size() - 8));
  if (trailer.u64() != Fnv1a::of(body)) return Status::Corruption(where + "checksum mismatch");

  std::string first_bytes, event_bytes;
  Status st = log.read_encoded(1, first_bytes);
  if (st.ok()) st = log.read_encoded(seq, event_bytes);
  if (!st.ok()) return Status::Corruption(where + "the log has no event " + std::to_string(seq) + " (" + st.message() + ")");
  if (log_digest(first_bytes, event_bytes) != digest)
    return Status::Corruption(where + "taken from another log (its first event or event " + std::to_string(seq) + " differs)");

  World w;
  st = projections::decode_world(body, w);
  if (!st.ok()) return Status::Corruption(where + st.message());
  if (w.last_seq != seq) return Status::Corruption(where + "holds the World at seq " + std::to_string(w.last_seq));
  if (w.hash() != world_hash) return Status::Corruption(where + "World hash mismatch");
  out = std::move(w);
  return Status::Ok();
}

Status SnapshotStore::save(const World& world, std::string_view first_bytes, std::string_view event_bytes) const {
  std::string body = projections::encode_world(world);
  std::string file(kMagic, 8);
  ByteWriter wr(file);
  wr.u64(kFormat);
  wr.u64(static_cast<std::uint64_t>(events::kSchemaVersion));
  wr.u64(world.last_seq);
  wr.u64(log_digest(first_bytes, event_bytes));
  wr.u64(world.hash());
  wr.u64(body.size());
  file += body;
  wr.u64(Fnv1a::of(body));

  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::IoError("cannot create " + dir_ + ": " + ec.message());
  const std::string path = path_of(world.last_seq);
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < file.size()) {
    ssize_t n = ::write(fd, file.data() + done, file.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::IoError("cannot write " + tmp + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  // No fsync: a snapshot lost in a crash is rebuilt, and a damaged one fails its checksum.
  if (::close(fd) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::IoError("cannot write " + path + ": " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace chatd::replay
