// LmdbLog: the durable EventLog, one LMDB environment in a folder. Keys are the seq as 8 bytes
// big-endian (so LMDB's byte order is seq order and MDB_APPEND applies); values are the event's
// JSON encoding (events/codec.hpp). The key store lives in the same database, under keys that sort
// before every seq (eight zero bytes, 'K', the subject), so that a key and the events that use it
// commit in one txn. An erased key's record is deleted; its bytes stay in a free page of data.mdb
// until LMDB reuses that page (a compacting `mdb_copy -c` writes no free page).
//
// Durability: one write txn per append() batch, committed with LMDB's default full sync, so an OK
// return means the whole batch is on disk (group commit is the caller's batching).
// Map growth: MDB_MAP_FULL (from a put or from the commit) aborts the txn, doubles the map up to
// Options::max_map_size and retries the batch; this is routine, not an error.
// Readers: scans use short read txns (at most kScanChunkEvents events or kScanChunkBytes each)
// and calls the visitor outside any txn, because a read txn held open on a live log keeps LMDB
// from reusing pages and the file grows without bound.
//
// Thread-safety: append()/append_encoded() from one writer thread at a time. scans, reads, last_seq(),
// map_size() and map_growths() from any thread, concurrently with the writer (the env is opened
// with MDB_NOTLS). An internal shared mutex keeps the map from being resized while a read txn of
// this process is open.
// Process rule (LMDB's): a folder is open at most once per process; open() refuses a second one.
// Another process may open it read-only (e.g. chatreplay on a live server's folder). A forked
// child must not use its parent's LmdbLog (LMDB forbids it); it may open the folder itself.
#pragma once

#include <lmdb.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "events/log.hpp"

namespace chatd::events {

class LmdbLog final : public EventLog {
 public:
  struct Options {
    std::size_t initial_map_size = std::size_t{64} << 20;  // 64 MiB; an existing larger map wins
    std::size_t max_map_size = std::size_t{64} << 30;      // 64 GiB; growth stops here
    bool read_only = false;  // MDB_RDONLY: for tools reading a live server's folder
    // MDB_NOSYNC: commits stay atomic but are not flushed, so an OK append is NOT durable against a
    // machine crash. Only for the simulator, whose crashes are simulated in-process; never chatd.
    bool no_sync = false;
  };

  static constexpr std::size_t kScanChunkEvents = 4096;
  static constexpr std::size_t kScanChunkBytes = std::size_t{4} << 20;

  // Opens (creating the folder and the environment if missing, unless read-only) and reads the
  // last seq. IoError for LMDB/filesystem failures, InvalidArgument for bad options or a folder
  // already open in this process, Corruption for a malformed key.
  static Status open(const std::string& dir, const Options& options, std::unique_ptr<LmdbLog>* out);

  ~LmdbLog() override;
  LmdbLog(const LmdbLog&) = delete;
  LmdbLog& operator=(const LmdbLog&) = delete;

  Status append(std::span<const Event> batch) override;
  // The seq of the last committed event. Read-only logs re-read it from the folder (the writer is
  // another process); if that read fails the last known value is returned.
  Seq last_seq() const override;
  Status scan_encoded(Seq from, const EncodedVisitor& visit) const override;
  Status read_encoded(Seq seq, std::string& out) const override;

  // Appends already-encoded events with seqs first_seq, first_seq + 1, ...; first_seq must be
  // last_seq() + 1. The txn and growth logic of append(); used by it and by benchmarks.
  // `keys` are written in the same txn (key store records: see lmdb_log.cpp's kKeyPrefix).
  using EventLog::append_encoded;
  Status append_encoded(Seq first_seq, std::span<const std::string> encoded, std::span<const KeyChange> keys) override;
  Status read_keys(const KeyVisitor& visit) const override;

  std::size_t map_size() const { return map_size_.load(std::memory_order_relaxed); }
  std::uint64_t map_growths() const { return map_growths_.load(std::memory_order_relaxed); }
  const std::string& dir() const { return dir_; }

 private:
  LmdbLog(std::string dir, Options options);
  Status open_env();
  // A read txn of this process, the shared lock that keeps the map from being resized under it,
  // and a cursor when asked for; released in that order's reverse on destruction.
  struct ReadTxn {
    std::shared_lock<std::shared_mutex> lock;
    MDB_txn* txn = nullptr;
    MDB_cursor* cursor = nullptr;
    ReadTxn() = default;
    ReadTxn(const ReadTxn&) = delete;
    ReadTxn& operator=(const ReadTxn&) = delete;
    ~ReadTxn();
  };
  Status begin_read(ReadTxn& read, bool with_cursor) const;
  Status refresh_map_size() const;
  Status grow_map();
  // After a commit that erased a key: rewrites the key store's page twice, so that the page the
  // key was on is written over (see lmdb_log.cpp).
  Status scrub_freed_pages();
  Status read_last_seq(Seq* out) const;
  Status scan_chunks(Seq from, const EncodedVisitor& visit) const;

  std::string dir_;  // canonical path, also the key of the per-process registry of open folders
  Options options_;
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  bool registered_ = false;
  pid_t owner_pid_ = 0;  // the process that opened env_: a forked child must not close it

  mutable std::atomic<Seq> last_seq_{0};
  mutable std::atomic<std::size_t> map_size_{0};
  std::atomic<std::uint64_t> map_growths_{0};
  // Shared by read txns of this process, exclusive for mdb_env_set_mapsize (which remaps the file
  // and must not run under a live read txn).
  mutable std::shared_mutex remap_mutex_;
  std::vector<std::string> scratch_;  // writer-only: append()'s reused encode buffers
};

}  // namespace chatd::events
