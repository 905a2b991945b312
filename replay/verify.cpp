#include "replay/verify.hpp"

#include <algorithm>

#include "events/codec.hpp"
#include "projections/rebuild.hpp"

namespace chatd::replay {

Status verify_log(const events::EventLog& log, const SnapshotStore* snapshots, VerifyReport& out) {
  VerifyReport r;
  r.checked_up_to = log.last_seq();
  std::vector<Seq> snapshot_seqs = snapshots ? snapshots->list() : std::vector<Seq>{};

  projections::World world;
  events::EventDecoder decoder;
  events::Event event;
  Seq last_seen = 0;
  auto fail = [&](Seq seq, std::string problem, Status::Code code = Status::Code::kCorruption) {
    r.bad_seq = seq;
    r.problem = std::move(problem);
    r.problem_code = code;
    return false;
  };
  Status scanned = log.scan_encoded(1, [&](Seq seq, std::string_view bytes) {
    if (seq > r.checked_up_to) return false;
    last_seen = seq;
    Status st = decoder.decode_scanned(seq, bytes, event);
    if (!st.ok()) return fail(seq, st.ToString(), st.code());
    if (seq == 1) r.first_time = event.time;
    if (seq > 1 && event.time < world.last_time)
      return fail(seq, "time goes backwards: " + std::to_string(event.time) + " ms after " +
                           std::to_string(world.last_time) + " ms at seq " + std::to_string(seq - 1));
    st = projections::apply(world, event);
    if (!st.ok()) return fail(seq, st.ToString());
    ++r.events;
    r.last_time = event.time;
    if (std::binary_search(snapshot_seqs.begin(), snapshot_seqs.end(), seq)) {
      ++r.snapshots_checked;
      projections::World loaded;
      Status s = snapshots->load(log, seq, loaded);
      if (!s.ok())
        r.snapshot_problems.push_back(s.message());
      else if (loaded.hash() != world.hash())
        r.snapshot_problems.push_back("snapshot at seq " + std::to_string(seq) + " differs from the World rebuilt from the log");
    }
    return true;
  });
  if (r.bad_seq == 0 && !scanned.ok()) {
    // The scan itself stopped: a missing seq (a gap) or a malformed key right after last_seen.
    if (scanned.code() != Status::Code::kCorruption) return scanned;
    r.bad_seq = last_seen + 1;
    r.problem = scanned.ToString();
    r.problem_code = scanned.code();
  }
  if (r.bad_seq == 0 && r.events != r.checked_up_to) {
    r.bad_seq = r.events + 1;
    r.problem = "the log ends at seq " + std::to_string(r.events) + " but its last key is " + std::to_string(r.checked_up_to);
  }
  r.hash = world.hash();
  if (r.bad_seq == 0) {
    projections::World again;
    Status st = projections::rebuild(log, again, r.checked_up_to);
    if (!st.ok()) {
      r.bad_seq = again.last_seq + 1;
      r.problem = "the second rebuild failed: " + st.ToString();
    }
    r.rebuilt_hash = again.hash();
    if (r.bad_seq == 0 && r.rebuilt_hash != r.hash) r.problem = "the two rebuilds differ";
  }
  out = std::move(r);
  return Status::Ok();
}

}  // namespace chatd::replay
