// What changed in the World between two points: each domain's changes (replay/views.hpp: in
// stranger chat, clients that came, went or changed, pairs that started or ended, the search
// queue), then the running totals.
// Thread-safety: reentrant functions.
#pragma once

#include <string>
#include <vector>

#include "core/base/sorted_entries.hpp"
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

// The changes from `a` to `b`, domain by domain, then the totals.
std::vector<Change> diff_worlds(const projections::World& a, const projections::World& b);

// Walks two maps in step in key order, reporting keys only in `a`, only in `b`, and in both.
template <typename Map, typename OnlyA, typename OnlyB, typename Both>
void merge_walk(const Map& map_a, const Map& map_b, OnlyA only_a, OnlyB only_b, Both both) {
  const auto a = sorted_entries(map_a), b = sorted_entries(map_b);
  auto ia = a.begin(), ib = b.begin();
  while (ia != a.end() || ib != b.end()) {
    if (ib == b.end() || (ia != a.end() && (*ia)->first < (*ib)->first)) {
      only_a((*ia)->first, (*ia)->second);
      ++ia;
    } else if (ia == a.end() || (*ib)->first < (*ia)->first) {
      only_b((*ib)->first, (*ib)->second);
      ++ib;
    } else {
      both((*ia)->first, (*ia)->second, (*ib)->second);
      ++ia;
      ++ib;
    }
  }
}

// Adds a kChanged change when `before` and `after` differ.
inline void add_if_changed(std::vector<Change>& out, const std::string& subject, const char* field, std::string before,
                           std::string after) {
  if (before != after) out.push_back({Change::Kind::kChanged, subject, field, std::move(before), std::move(after)});
}

void write_diff_text(const projections::World& a, const projections::World& b, const std::vector<Change>& changes,
                     std::string& out);
void write_diff_json(const projections::World& a, const projections::World& b, const std::vector<Change>& changes,
                     std::string& out);

}  // namespace chatd::replay
