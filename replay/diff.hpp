// What changed in the World between two points: clients that came, went or changed (name, state,
// pair), pairs that started or ended, the search queue, and the running totals.
// Thread-safety: reentrant functions.
#pragma once

#include <string>
#include <vector>

#include "projections/world.hpp"

namespace chatd::replay {

struct Change {
  enum class Kind { kAdded, kRemoved, kChanged };
  Kind kind = Kind::kChanged;
  std::string subject;  // "client 3", "pair 6f1c…", "searching", "totals"
  std::string field;    // for kChanged: "name", "state", "messages", ...
  std::string before;   // readable values (empty for kAdded)
  std::string after;    // (empty for kRemoved)
};

// The changes from `a` to `b`, clients first (by id), then pairs (by id), the queue, the totals.
std::vector<Change> diff_worlds(const projections::World& a, const projections::World& b);

void write_diff_text(const projections::World& a, const projections::World& b, const std::vector<Change>& changes,
                     std::string& out);
void write_diff_json(const projections::World& a, const projections::World& b, const std::vector<Change>& changes,
                     std::string& out);

}  // namespace chatd::replay
