// History: the World at any point of a log, fast. It starts from the nearest valid snapshot at or
// before the asked seq and replays the events after it, saving a snapshot at every boundary it
// passes that has none yet (so the first query over a long log pays once, later ones do not).
// Times map to seqs by binary search, which relies on times never going backwards (the engine
// guarantees it and `chatreplay verify` checks it).
// Thread-safety: one thread at a time. The log may be appended to by another process meanwhile.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.hpp"
#include "events/log.hpp"
#include "projections/world.hpp"
#include "replay/snapshot.hpp"

namespace chatd::replay {

class History {
 public:
  // Sees every replayed event with its stored bytes just before it is applied (so the World being
  // replayed still shows the moment before it). Returning false applies that event and stops.
  using Observer = std::function<bool(const events::Event&, std::string_view encoded)>;


  // `snapshots` may be null (no snapshots are read or written).
  History(const events::EventLog& log, const SnapshotStore* snapshots);

  // The World as of seq `at` (0 is the empty World). OutOfRange if the log ends before `at`.
  Status world_at(Seq at, projections::World& out);

  // Applies the events after world.last_seq up to `up_to` (stopping early at the end of the log),
  // showing each to `observe` if given, and saving snapshots at boundaries.
  Status replay(projections::World& world, Seq up_to, const Observer* observe = nullptr);

  // The last seq whose time is <= `time`. OutOfRange if the log is empty or starts after `time`.
  Status seq_at_time(TimeMs time, Seq& out) const;

  // Things an operator should know but that did not stop the query (e.g. a refused snapshot).
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  const events::EventLog& log_;
  const SnapshotStore* snapshots_;
  std::vector<Seq> snapshot_seqs_;  // present in the folder (listed once, extended as saved)
  std::string first_event_;         // the log's event 1, stored bytes (snapshots record its digest)
  bool saving_ = true;              // turned off after the first failed save (read-only folder)
  std::vector<std::string> warnings_;
};

}  // namespace chatd::replay
