#include "events/lmdb_log.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <new>
#include <map>
#include <system_error>
#include <utility>

#include "events/codec.hpp"

namespace chatd::events {
namespace {

// LMDB forbids opening one environment twice in a process (closing either drops the other's
// fcntl locks); this registry turns that misuse into an error instead of silent lock damage.
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
// Folder -> pid of the process that opened it. A forked child inherits the parent's entries but
// not its environments (LMDB forbids using them after fork), so entries of another pid are stale.
std::map<std::string, pid_t>& registry() {
  static std::map<std::string, pid_t> open_dirs;
  return open_dirs;
}

void put_be64(std::uint64_t v, unsigned char out[8]) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(v & 0xff);
    v >>= 8;
  }
}
std::uint64_t get_be64(const void* p) {
  const auto* b = static_cast<const unsigned char*>(p);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | b[i];
  return v;
}

Status lmdb_error(const std::string& what, int rc) {
  return Status::IoError(what + ": " + mdb_strerror(rc));
}

// The key store's records: eight zero bytes, 'K', then the subject. They sort before seq 1's key
// (00..01), so MDB_APPEND still appends events after every other key, MDB_LAST is the last seq,
// and a scan from seq 1 never meets them.
constexpr char kKeyPrefix[] = {0, 0, 0, 0, 0, 0, 0, 0, 'K'};
constexpr std::size_t kKeyPrefixBytes = sizeof kKeyPrefix;

std::string key_record(std::string_view subject) {
  std::string k(kKeyPrefix, kKeyPrefixBytes);
  k += subject;
  return k;
}
bool is_key_record(const MDB_val& k) {
  return k.mv_size > kKeyPrefixBytes && std::equal(kKeyPrefix, kKeyPrefix + kKeyPrefixBytes, static_cast<const char*>(k.mv_data));
}

}  // namespace

LmdbLog::LmdbLog(std::string dir, Options options)
    : dir_(std::move(dir)), options_(options), owner_pid_(getpid()) {}

LmdbLog::~LmdbLog() {
  // In a forked child the environment belongs to the parent: closing it here could disturb the
  // parent's lock file state, so the child leaves it alone (it is about to exit or exec anyway).
  if (owner_pid_ != getpid()) return;
  if (env_) mdb_env_close(env_);
  if (registered_) {
    std::lock_guard lock(registry_mutex());
    auto it = registry().find(dir_);
    if (it != registry().end() && it->second == owner_pid_) registry().erase(it);
  }
}

Status LmdbLog::open(const std::string& dir, const Options& options, std::unique_ptr<LmdbLog>* out) {
  if (out == nullptr) return Status::InvalidArgument("LmdbLog::open: null out");
  if (options.initial_map_size == 0 || options.max_map_size < options.initial_map_size)
    return Status::InvalidArgument("map sizes: need 0 < initial_map_size <= max_map_size");

  std::error_code ec;
  if (!options.read_only) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IoError("create " + dir + ": " + ec.message());
  }
  std::filesystem::path canonical = std::filesystem::canonical(dir, ec);
  if (ec) return Status::IoError("open " + dir + ": " + ec.message());

  std::unique_ptr<LmdbLog> log(new LmdbLog(canonical.string(), options));
  {
    std::lock_guard lock(registry_mutex());
    auto [it, inserted] = registry().try_emplace(log->dir_, log->owner_pid_);
    if (!inserted) {
      if (it->second == log->owner_pid_)
        return Status::InvalidArgument(log->dir_ + " is already open in this process");
      it->second = log->owner_pid_;  // stale entry inherited through fork()
    }
    log->registered_ = true;
  }
  Status st = log->open_env();
  if (!st.ok()) return st;  // the destructor closes the env and unregisters
  *out = std::move(log);
  return Status::Ok();
}

Status LmdbLog::open_env() {
  int rc = mdb_env_create(&env_);
  if (rc != 0) {
    env_ = nullptr;
    return lmdb_error("mdb_env_create", rc);
  }
  // Smaller than an existing file's map is fine: LMDB then adopts the size recorded in the file.
  rc = mdb_env_set_mapsize(env_, options_.initial_map_size);
  if (rc != 0) return lmdb_error("mdb_env_set_mapsize", rc);
  // NOTLS: read txns are not tied to a thread, so scans may run on any thread.
  unsigned flags = MDB_NOTLS | (options_.read_only ? MDB_RDONLY : 0u) | (options_.no_sync ? MDB_NOSYNC : 0u);
  rc = mdb_env_open(env_, dir_.c_str(), flags, 0644);
  if (rc != 0) return lmdb_error("mdb_env_open " + dir_, rc);

  // Reader slots left by a crashed process pin old pages and make the file grow: clear them.
  int dead = 0;
  mdb_reader_check(env_, &dead);

  Status st = refresh_map_size();
  if (!st.ok()) return st;

  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(env_, nullptr, options_.read_only ? MDB_RDONLY : 0u, &txn);
  if (rc != 0) return lmdb_error("mdb_txn_begin", rc);
  rc = mdb_dbi_open(txn, nullptr, 0, &dbi_);
  if (rc != 0) {
    mdb_txn_abort(txn);
    return lmdb_error("mdb_dbi_open", rc);
  }
  // Committing the txn that opened the dbi makes the handle usable by later txns.
  rc = mdb_txn_commit(txn);
  if (rc != 0) return lmdb_error("mdb_txn_commit (open)", rc);

  Seq last = 0;
  st = read_last_seq(&last);
  if (!st.ok()) return st;
  last_seq_.store(last, std::memory_order_release);
  return Status::Ok();
}

Status LmdbLog::refresh_map_size() const {
  MDB_envinfo info;
  int rc = mdb_env_info(env_, &info);
  if (rc != 0) return lmdb_error("mdb_env_info", rc);
  map_size_.store(info.me_mapsize, std::memory_order_relaxed);
  return Status::Ok();
}

LmdbLog::ReadTxn::~ReadTxn() {
  if (cursor) mdb_cursor_close(cursor);
  if (txn) mdb_txn_abort(txn);
}  // then the lock

Status LmdbLog::begin_read(ReadTxn& read, bool with_cursor) const {
  for (;;) {
    read.lock = std::shared_lock(remap_mutex_);
    int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &read.txn);
    if (rc == 0) {
      if (!with_cursor) return Status::Ok();
      rc = mdb_cursor_open(read.txn, dbi_, &read.cursor);
      return rc == 0 ? Status::Ok() : lmdb_error("mdb_cursor_open", rc);
    }
    read.txn = nullptr;
    read.lock.unlock();
    if (rc != MDB_MAP_RESIZED) return lmdb_error("mdb_txn_begin (read)", rc);
    // The writer (another process) grew the map: adopt its size, with no txn of ours open.
    std::unique_lock exclusive(remap_mutex_);
    rc = mdb_env_set_mapsize(env_, 0);
    if (rc != 0) return lmdb_error("mdb_env_set_mapsize (adopt)", rc);
    Status st = refresh_map_size();
    if (!st.ok()) return st;
  }
}

Status LmdbLog::read_last_seq(Seq* out) const {
  ReadTxn read;
  Status st = begin_read(read, true);
  if (!st.ok()) return st;
  MDB_val k, v;
  const int rc = mdb_cursor_get(read.cursor, &k, &v, MDB_LAST);
  if (rc == MDB_NOTFOUND) {
    *out = 0;
    return Status::Ok();
  }
  if (rc != 0) return lmdb_error("mdb_cursor_get (last)", rc);
  if (is_key_record(k)) {  // keys and no event yet (never written so, but not corrupt)
    *out = 0;
    return Status::Ok();
  }
  if (k.mv_size != 8) return Status::Corruption("last key has " + std::to_string(k.mv_size) + " bytes, not 8");
  *out = get_be64(k.mv_data);
  return Status::Ok();
}

Seq LmdbLog::last_seq() const {
  if (options_.read_only) {
    Seq seq = 0;
    if (read_last_seq(&seq).ok()) {
      last_seq_.store(seq, std::memory_order_release);
      return seq;
    }
  }
  return last_seq_.load(std::memory_order_acquire);
}

Status LmdbLog::grow_map() {
  std::unique_lock exclusive(remap_mutex_);
  std::size_t current = map_size_.load(std::memory_order_relaxed);
  if (current >= options_.max_map_size)
    return Status::IoError("log is full: map size reached its maximum of " + std::to_string(options_.max_map_size) +
                           " bytes");
  std::size_t next = current > options_.max_map_size / 2 ? options_.max_map_size : current * 2;
  int rc = mdb_env_set_mapsize(env_, next);
  if (rc != 0) return lmdb_error("mdb_env_set_mapsize (grow)", rc);
  map_growths_.fetch_add(1, std::memory_order_relaxed);
  return refresh_map_size();
}

Status LmdbLog::append(std::span<const Event> batch) {
  if (batch.empty()) return Status::Ok();
  for (std::size_t i = 1; i < batch.size(); ++i)
    if (batch[i].seq != batch[0].seq + i)
      return Status::InvalidArgument("seq gap inside batch: expected " + std::to_string(batch[0].seq + i) +
                                     ", got " + std::to_string(batch[i].seq));
  // Reuse the writer's buffers: steady-state appends do not allocate for encoding.
  try {
    if (scratch_.size() < batch.size()) scratch_.resize(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      scratch_[i].clear();
      encode_to(batch[i], scratch_[i]);
    }
  } catch (const std::bad_alloc&) {
    return Status::IoError("out of memory while encoding a batch");
  }
  return append_encoded(batch[0].seq, std::span<const std::string>(scratch_.data(), batch.size()));
}

Status LmdbLog::append_encoded(Seq first_seq, std::span<const std::string> encoded, std::span<const KeyChange> keys) {
  if (options_.read_only) return Status::InvalidArgument("log " + dir_ + " is open read-only");
  if (encoded.empty() && keys.empty()) return Status::Ok();
  if (encoded.empty()) return Status::InvalidArgument("a key change without the events that use it");
  const Seq last = last_seq_.load(std::memory_order_acquire);
  if (first_seq != last + 1)
    return Status::InvalidArgument("seq gap: expected " + std::to_string(last + 1) + ", got " +
                                   std::to_string(first_seq));

  for (;;) {
    bool map_full = false;
    {
      // Shared: no remap may happen while this txn maps pages (see remap_mutex_).
      std::shared_lock lock(remap_mutex_);
      MDB_txn* txn = nullptr;
      int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
      if (rc == MDB_MAP_RESIZED) {
        lock.unlock();
        std::unique_lock exclusive(remap_mutex_);
        rc = mdb_env_set_mapsize(env_, 0);
        if (rc != 0) return lmdb_error("mdb_env_set_mapsize (adopt)", rc);
        Status st = refresh_map_size();
        if (!st.ok()) return st;
        continue;
      }
      if (rc != 0) return lmdb_error("mdb_txn_begin (write)", rc);

      unsigned char key_bytes[8];
      for (std::size_t i = 0; i < encoded.size() && rc == 0; ++i) {
        put_be64(first_seq + i, key_bytes);
        MDB_val k{sizeof key_bytes, key_bytes};
        MDB_val v{encoded[i].size(), const_cast<char*>(encoded[i].data())};
        rc = mdb_put(txn, dbi_, &k, &v, MDB_APPEND);
      }
      for (std::size_t i = 0; i < keys.size() && rc == 0; ++i) {
        std::string record = key_record(keys[i].subject);
        MDB_val k{record.size(), record.data()};
        if (keys[i].key) {
          MDB_val v{keys[i].key->size(), const_cast<std::uint8_t*>(keys[i].key->data())};
          rc = mdb_put(txn, dbi_, &k, &v, 0);
        } else {
          rc = mdb_del(txn, dbi_, &k, nullptr);
          if (rc == MDB_NOTFOUND) rc = 0;  // erased already: erasure is idempotent
        }
      }
      if (rc != 0) {
        mdb_txn_abort(txn);
        if (rc == MDB_MAP_FULL) {
          map_full = true;
        } else if (rc == MDB_KEYEXIST) {
          // MDB_APPEND refused a key not above the last one: last_seq_ and the file disagree.
          return Status::Corruption("append at seq " + std::to_string(first_seq) + ": key not above the last key");
        } else {
          return lmdb_error("mdb_put", rc);
        }
      } else {
        rc = mdb_txn_commit(txn);  // frees the txn whatever it returns
        if (rc == MDB_MAP_FULL) {
          map_full = true;
        } else if (rc != 0) {
          return lmdb_error("mdb_txn_commit", rc);
        }
      }
    }
    if (!map_full) break;
    Status st = grow_map();
    if (!st.ok()) return st;
  }
  last_seq_.store(first_seq + encoded.size() - 1, std::memory_order_release);
  // Best effort, after the commit: a failed scrub leaves the bytes until two more commits, as
  // without it, and must not make a durable batch look failed.
  if (std::any_of(keys.begin(), keys.end(), [](const KeyChange& c) { return !c.key; })) (void)scrub_freed_pages();
  return Status::Ok();
}

// LMDB copies a page on write and frees the old copy, which keeps its bytes until a later write
// takes the page again, and a page freed by transaction N is taken from N + 2 on (the file's two
// meta pages may still name N - 1). An erased key would so stay readable in the file until two
// more commits had written over the key store's page: measured, it did (tests/unit/lmdb_log_test).
// Two small transactions that rewrite that page (a record put and deleted beside the keys) make
// the old copy the page they are written to. Two more fsyncs per purge; purges are rare.
Status LmdbLog::scrub_freed_pages() {
  const std::string record = key_record("~scrub");
  for (int round = 0; round < 2; ++round) {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc != 0) return lmdb_error("mdb_txn_begin (scrub)", rc);
    MDB_val k{record.size(), const_cast<char*>(record.data())};
    char one = 0;
    MDB_val v{1, &one};
    rc = mdb_put(txn, dbi_, &k, &v, 0);
    if (rc == 0) rc = mdb_del(txn, dbi_, &k, nullptr);
    if (rc != 0) {
      mdb_txn_abort(txn);
      return lmdb_error("scrub", rc);
    }
    rc = mdb_txn_commit(txn);
    if (rc != 0) return lmdb_error("mdb_txn_commit (scrub)", rc);
  }
  return Status::Ok();
}

Status LmdbLog::scan_encoded(Seq from, const EncodedVisitor& visit) const {
  // Allocation failure is the one exception the body can meet; RAII ends the txn and the lock.
  try {
    return scan_chunks(from, visit);
  } catch (const std::bad_alloc&) {
    return Status::IoError("out of memory during scan");
  }
}

Status LmdbLog::scan_chunks(Seq from, const EncodedVisitor& visit) const {
  ScanChunk chunk(kScanChunkBytes + 4096, kScanChunkEvents);
  Seq next = std::max<Seq>(from, 1);

  for (;;) {
    // Phase 1: a short read txn copies at most one chunk of raw bytes.
    chunk.clear();
    Status stop;       // an error met in this chunk, returned once its good events are visited
    bool end = false;  // no more keys
    {
      ReadTxn read;
      Status st = begin_read(read, true);
      if (!st.ok()) return st;
      MDB_cursor* cursor = read.cursor;

      unsigned char key_bytes[8];
      put_be64(next, key_bytes);
      MDB_val k{sizeof key_bytes, key_bytes};
      MDB_val v;
      int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
      Seq expected = next;
      for (;;) {
        if (rc == MDB_NOTFOUND) {
          end = true;
          break;
        }
        if (rc != 0) {
          stop = lmdb_error("mdb_cursor_get", rc);
          break;
        }
        if (k.mv_size != 8) {
          stop = Status::Corruption("key after seq " + std::to_string(expected - 1) + " has " +
                                    std::to_string(k.mv_size) + " bytes, not 8");
          break;
        }
        if (get_be64(k.mv_data) != expected) {
          stop = Status::Corruption("gap after seq " + std::to_string(expected - 1));
          break;
        }
        chunk.add(std::string_view(static_cast<const char*>(v.mv_data), v.mv_size));
        ++expected;
        if (chunk.events() >= kScanChunkEvents || chunk.bytes() >= kScanChunkBytes) break;
        rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
      }
    }  // read txn ended, lock released: the visitor runs outside both

    // Phase 2: visit.
    if (!chunk.visit(next, visit)) return Status::Ok();
    if (!stop.ok()) return stop;
    if (end) return Status::Ok();
    next += chunk.events();
  }
}

Status LmdbLog::read_keys(const KeyVisitor& visit) const {
  std::vector<std::pair<std::string, SealKey>> found;  // copied out: the visitor runs after the txn
  {
    ReadTxn read;
    Status st = begin_read(read, true);
    if (!st.ok()) return st;
    MDB_val k{kKeyPrefixBytes, const_cast<char*>(kKeyPrefix)};
    MDB_val v;
    for (int rc = mdb_cursor_get(read.cursor, &k, &v, MDB_SET_RANGE); rc != MDB_NOTFOUND;
         rc = mdb_cursor_get(read.cursor, &k, &v, MDB_NEXT)) {
      if (rc != 0) return lmdb_error("mdb_cursor_get (keys)", rc);
      if (!is_key_record(k)) break;  // past the key store: the events
      std::string subject(static_cast<const char*>(k.mv_data) + kKeyPrefixBytes, k.mv_size - kKeyPrefixBytes);
      if (v.mv_size != kSealKeyBytes)
        return Status::Corruption("the key of '" + subject + "' has " + std::to_string(v.mv_size) + " bytes, not " +
                                  std::to_string(kSealKeyBytes));
      SealKey key;
      std::copy_n(static_cast<const std::uint8_t*>(v.mv_data), key.size(), key.begin());
      found.emplace_back(std::move(subject), key);
    }
  }
  for (const auto& [subject, key] : found) visit(subject, key);
  return Status::Ok();
}

Status LmdbLog::read_encoded(Seq seq, std::string& out) const {
  ReadTxn read;
  Status st = begin_read(read, false);
  if (!st.ok()) return st;
  unsigned char key_bytes[8];
  put_be64(seq, key_bytes);
  MDB_val k{sizeof key_bytes, key_bytes};
  MDB_val v;
  int rc = mdb_get(read.txn, dbi_, &k, &v);
  if (rc == MDB_NOTFOUND) return Status::NotFound("no event with seq " + std::to_string(seq));
  if (rc != 0) return lmdb_error("mdb_get", rc);
  try {
    out.assign(static_cast<const char*>(v.mv_data), v.mv_size);
  } catch (const std::bad_alloc&) {
    return Status::IoError("out of memory reading seq " + std::to_string(seq));
  }
  return Status::Ok();
}

}  // namespace chatd::events
