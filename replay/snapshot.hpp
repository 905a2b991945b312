// Snapshots of the World every N events, so that a point-in-time query replays at most N events
// instead of the whole log. They are derived data: rebuildable from the log at any time, never
// trusted blindly. Each file records the seq it stands for, the World's hash and a digest of the
// log's first event and of its event at that seq; load() re-checks all of them, so a snapshot of
// another log, of a log rewritten after that point, or a damaged file is refused (and the query
// replays from an earlier point). verify compares every snapshot with the rebuilt World.
//
// Files: <dir>/<seq, 20 digits>.snap, written to a temporary name and renamed, so a reader never
// sees half a file.
// Thread-safety: a SnapshotStore is used by one thread at a time; separate processes may share a
// folder (writes are atomic renames of identical content).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.hpp"
#include "events/log.hpp"
#include "projections/world.hpp"

namespace chatd::replay {

class SnapshotStore {
 public:
  static constexpr Seq kDefaultEvery = 50'000;

  SnapshotStore(std::string dir, Seq every);

  const std::string& dir() const { return dir_; }
  Seq every() const { return every_; }
  bool is_boundary(Seq seq) const { return seq != 0 && seq % every_ == 0; }

  // The seqs of the snapshot files in the folder, ascending (none if the folder does not exist).
  std::vector<Seq> list() const;

  // Loads snapshot `seq` into `out` after checking the file's checksum, the World's hash and the
  // log's events 1 and `seq` against the recorded digest. Corruption says which check failed.
  Status load(const events::EventLog& log, Seq seq, projections::World& out) const;

  // Writes a snapshot of `world` (as of world.last_seq); `first_bytes` and `event_bytes` are the
  // stored bytes of the log's event 1 and event world.last_seq. Creates the folder if needed;
  // IoError if it cannot be written.
  Status save(const projections::World& world, std::string_view first_bytes, std::string_view event_bytes) const;

 private:
  std::string path_of(Seq seq) const;

  std::string dir_;
  Seq every_;
};

}  // namespace chatd::replay
