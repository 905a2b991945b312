#include "replay/history.hpp"

#include <algorithm>

#include "events/codec.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {

History::History(const events::EventLog& log, const SnapshotStore* snapshots) : log_(log), snapshots_(snapshots) {
  if (snapshots_) snapshot_seqs_ = snapshots_->list();
}

Status History::world_at(Seq at, projections::World& out) {
  const Seq last = log_.last_seq();
  if (at > last)
    return Status::OutOfRange("seq " + std::to_string(at) + " is after the end of the log (last seq " +
                              std::to_string(last) + ")");
  out = projections::World{};
  std::vector<Seq> refused;
  if (snapshots_) {
    // Newest first: a refused snapshot falls back to the one before it.
    auto end = std::upper_bound(snapshot_seqs_.begin(), snapshot_seqs_.end(), at);
    for (auto it = std::make_reverse_iterator(end); it != snapshot_seqs_.rend(); ++it) {
      Status st = snapshots_->load(log_, *it, out);
      if (st.ok()) {
        break;
      }
      warnings_.push_back(st.message() + " (ignored; replaying from an earlier point, and writing it anew)");
      refused.push_back(*it);
      out = projections::World{};
    }
  }
  // Forgotten, so that the replay passing their seqs replaces them with good ones.
  for (Seq seq : refused) std::erase(snapshot_seqs_, seq);
  Status st = replay(out, at);
  if (!st.ok()) return st;
  if (out.last_seq != at)
    return Status::OutOfRange("the log ended at seq " + std::to_string(out.last_seq) + " before seq " + std::to_string(at));
  return Status::Ok();
}

Status History::replay(projections::World& world, Seq up_to, const Observer* observe) {
  if (world.last_seq >= up_to) return Status::Ok();
  events::EventDecoder decoder;
  events::Event event;
  Status failed;
  Status scanned = log_.scan_encoded(world.last_seq + 1, [&](Seq seq, std::string_view bytes) {
    if (seq > up_to) return false;
    failed = decoder.decode_scanned(seq, bytes, event);
    if (!failed.ok()) return false;
    const bool go_on = observe == nullptr || (*observe)(event, bytes);
    failed = projections::apply(world, event);
    if (!failed.ok()) return false;
    if (snapshots_ && saving_ && snapshots_->is_boundary(seq) &&
        !std::binary_search(snapshot_seqs_.begin(), snapshot_seqs_.end(), seq)) {
      Status saved = first_event_.empty() ? log_.read_encoded(1, first_event_) : Status::Ok();
      if (saved.ok()) saved = snapshots_->save(world, first_event_, bytes);
      if (saved.ok()) {
        snapshot_seqs_.insert(std::upper_bound(snapshot_seqs_.begin(), snapshot_seqs_.end(), seq), seq);
      } else {
        saving_ = false;
        warnings_.push_back(saved.message() + " (snapshots are not saved; queries replay from older points)");
      }
    }
    return go_on;
  });
  if (!failed.ok()) return failed;
  return scanned;
}

Status History::seq_at_time(TimeMs time, Seq& out) const {
  const Seq last = log_.last_seq();
  if (last == 0) return Status::OutOfRange("the log is empty");
  events::Event event;
  Status st = log_.read(1, event);
  if (!st.ok()) return st;
  if (event.time > time)
    return Status::OutOfRange("the time is before the first event (seq 1 at " + format_utc_time(event.time) + ")");
  // Invariant: event lo has time <= `time`; every event after hi has time > `time`.
  Seq lo = 1, hi = last;
  while (lo < hi) {
    const Seq mid = lo + (hi - lo + 1) / 2;
    st = log_.read(mid, event);
    if (!st.ok()) return st;
    if (event.time <= time)
      lo = mid;
    else
      hi = mid - 1;
  }
  out = lo;
  return Status::Ok();
}

}  // namespace chatd::replay
