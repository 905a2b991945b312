#include "replay/snapshot.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/fnv.hpp"

namespace chatd::replay {
namespace {

using projections::Client;
using projections::Pair;
using projections::World;

constexpr char kMagic[8] = {'C', 'H', 'A', 'T', 'D', 'S', 'N', 'P'};
constexpr std::uint64_t kFormat = 1;

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(v >> (8 * i)));
  }
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void pair(const PairId& p) { out_.append(reinterpret_cast<const char*>(p.bytes.data()), p.bytes.size()); }

 private:
  std::string& out_;
};

// Every read checks the bounds; after the first failure all reads fail and ok() stays false.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  std::uint64_t u64() {
    if (!need(8)) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<unsigned char>(in_[pos_ + i])} << (8 * i);
    pos_ += 8;
    return v;
  }
  std::uint8_t u8() {
    if (!need(1)) return 0;
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::string str() {
    std::uint64_t n = u64();
    if (!need(n)) return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  PairId pair() {
    PairId p;
    if (!need(p.bytes.size())) return p;
    std::memcpy(p.bytes.data(), in_.data() + pos_, p.bytes.size());
    pos_ += p.bytes.size();
    return p;
  }
  // A count of items of at least `min_item` bytes each: bounded by what is left, so a damaged
  // count cannot make the decoder allocate without limit.
  std::uint64_t count(std::size_t min_item) {
    std::uint64_t n = u64();
    if (ok_ && n > (in_.size() - pos_) / min_item) ok_ = false;
    return ok_ ? n : 0;
  }

 private:
  bool need(std::uint64_t n) {
    if (ok_ && n <= in_.size() - pos_) return true;
    ok_ = false;
    return false;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Ties a snapshot to its log: the first event (a log's server_started, unique to that log's
// creation) and the event at the snapshot's seq (which differs once a rewritten log diverges).
std::uint64_t log_digest(std::string_view first_bytes, std::string_view event_bytes) {
  Fnv1a h;
  h.str(first_bytes);
  h.str(event_bytes);
  return h.value();
}

}  // namespace

std::string encode_world(const World& w) {
  std::string out;
  out.reserve(128 + w.clients.size() * 120 + w.pairs.size() * 48 + w.waiting.size() * 8);
  Writer wr(out);
  wr.u64(w.next_client);
  wr.u64(w.last_seq);
  wr.u64(static_cast<std::uint64_t>(w.last_time));
  wr.u64(w.messages);
  wr.u64(w.reports);
  wr.u64(w.captcha_failures);
  wr.u64(w.connections_rejected);
  wr.u64(w.restarts);
  wr.u64(w.clients.size());
  for (const auto& [id, c] : w.clients) {
    wr.u64(id);
    wr.str(c.name);
    wr.u8(static_cast<std::uint8_t>(c.state));
    wr.u8(static_cast<std::uint8_t>(c.dialect));
    wr.str(c.addr);
    wr.u64(static_cast<std::uint64_t>(c.connected_at));
    wr.u64(static_cast<std::uint64_t>(c.state_since));
    wr.pair(c.pair);
    wr.u64(c.partner);
    wr.pair(c.last_pair);
    wr.u64(c.last_partner);
    wr.u8(c.last_pair_reported ? 1 : 0);
  }
  wr.u64(w.pairs.size());
  for (const auto& [id, p] : w.pairs) {
    wr.pair(id);
    wr.u64(p.seeker);
    wr.u64(p.waiter);
    wr.u64(static_cast<std::uint64_t>(p.started));
    wr.u64(p.messages);
  }
  wr.u64(w.waiting.size());
  for (ClientId c : w.waiting) wr.u64(c);
  return out;
}

Status decode_world(std::string_view bytes, World& out) {
  Reader rd(bytes);
  World w;
  w.next_client = rd.u64();
  w.last_seq = rd.u64();
  w.last_time = static_cast<TimeMs>(rd.u64());
  w.messages = rd.u64();
  w.reports = rd.u64();
  w.captcha_failures = rd.u64();
  w.connections_rejected = rd.u64();
  w.restarts = rd.u64();
  const std::uint64_t clients = rd.count(8 * 9 + 16 * 2 + 3);
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
    seqs.push_back(std::stoull(name.substr(0, 20)));
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
  Reader header(std::string_view(file).substr(8, 8 * 6));
  const std::uint64_t format = header.u64(), schema = header.u64(), at = header.u64(), digest = header.u64(),
                      world_hash = header.u64(), body_size = header.u64();
  if (format != kFormat) return Status::Corruption(where + "format " + std::to_string(format) + " is not " + std::to_string(kFormat));
  if (schema != static_cast<std::uint64_t>(events::kSchemaVersion))
    return Status::Corruption(where + "written for event schema " + std::to_string(schema));
  if (at != seq) return Status::Corruption(where + "records seq " + std::to_string(at));
  if (body_size != file.size() - 8 - 8 * 6 - 8) return Status::Corruption(where + "truncated");
  std::string_view body = std::string_view(file).substr(8 + 8 * 6, body_size);
  Reader trailer(std::string_view(file).substr(file.size() - 8));
  if (trailer.u64() != Fnv1a::of(body)) return Status::Corruption(where + "checksum mismatch");

  std::string first_bytes, event_bytes;
  Status st = log.read_encoded(1, first_bytes);
  if (st.ok()) st = log.read_encoded(seq, event_bytes);
  if (!st.ok()) return Status::Corruption(where + "the log has no event " + std::to_string(seq) + " (" + st.message() + ")");
  if (log_digest(first_bytes, event_bytes) != digest)
    return Status::Corruption(where + "taken from another log (its first event or event " + std::to_string(seq) + " differs)");

  World w;
  st = decode_world(body, w);
  if (!st.ok()) return Status::Corruption(where + st.message());
  if (w.last_seq != seq) return Status::Corruption(where + "holds the World at seq " + std::to_string(w.last_seq));
  if (w.hash() != world_hash) return Status::Corruption(where + "World hash mismatch");
  out = std::move(w);
  return Status::Ok();
}

Status SnapshotStore::save(const World& world, std::string_view first_bytes, std::string_view event_bytes) const {
  std::string body = encode_world(world);
  std::string file(kMagic, 8);
  Writer wr(file);
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
