// Checking a log end to end: every seq present once and in order, every event decodable and
// possible (apply accepts it), times never going backwards; then the World rebuilt a second time,
// by the engine's own rebuild(), must hash the same. Snapshots met on the way are checked against
// the World at their seq.
// Thread-safety: reentrant; the log may be appended to meanwhile (verify stops at the last seq it
// saw when it started).
#pragma once

#include <string>
#include <vector>

#include "core/base/status.hpp"
#include "events/log.hpp"
#include "replay/snapshot.hpp"

namespace chatd::replay {

struct VerifyReport {
  Seq checked_up_to = 0;    // the last seq of the log when the check began
  Seq events = 0;           // events that passed
  Seq bad_seq = 0;          // the first bad seq (0 if none)
  std::string problem;      // what is wrong at bad_seq
  Status::Code problem_code = Status::Code::kOk;  // kUnsupported: written by a newer chatd
  TimeMs first_time = 0, last_time = 0;
  std::uint64_t hash = 0, rebuilt_hash = 0;
  std::size_t snapshots_checked = 0;
  std::vector<std::string> snapshot_problems;  // refused snapshots (derived data; not a log error)

  bool ok() const { return bad_seq == 0 && hash == rebuilt_hash; }
};

// Fills `out`; the returned Status is an error only when the check itself could not run (I/O).
Status verify_log(const events::EventLog& log, const SnapshotStore* snapshots, VerifyReport& out);

}  // namespace chatd::replay
