// DeadlineQueue: the next wake-up of every session in one min-heap, so the server runs one timer
// for all its connections instead of a timer and a waiting coroutine per connection (about 1.2 KB
// each, idle connections included).
//
// Entries are never removed. A session that needs to wake earlier pushes a new entry and remembers
// the time it asked for; when the older, later entry comes due, the session sees that it is not the
// one it armed and ignores it. A session that has ended is simply not found any more.
// Thread-safety: not thread-safe; the network thread owns it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "net/session/idle_tracker.hpp"

namespace chatd {

class DeadlineQueue {
 public:
  struct Entry {
    TimeMs when;
    std::uint64_t session;
  };

  // Adds a wake-up for `session` at `when`. Returns true if it is now the earliest one, i.e. the
  // timer that serves the queue must be moved earlier.
  bool push(TimeMs when, std::uint64_t session) {
    bool earliest = heap_.empty() || when < heap_.front().when;
    heap_.push_back(Entry{when, session});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    return earliest;
  }

  // The earliest wake-up, or IdleTracker::kNever when there is none.
  TimeMs next() const { return heap_.empty() ? IdleTracker::kNever : heap_.front().when; }

  // Removes and returns the earliest entry if it is due at `now`.
  std::optional<Entry> pop_due(TimeMs now) {
    if (heap_.empty() || heap_.front().when > now) return std::nullopt;
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Entry due = heap_.back();
    heap_.pop_back();
    return due;
  }

  std::size_t size() const { return heap_.size(); }

 private:
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const { return a.when > b.when; }
  };
  std::vector<Entry> heap_;  // a min-heap on `when`
};

}  // namespace chatd
