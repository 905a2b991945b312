// The entries of a map in key order: an ordered map's as they stand, a hash table's sorted. What
// is written for people or hashed (views, World::hash, snapshots) walks a state's maps this way,
// so it never depends on a hash table's insertion history or bucket count.
// Thread-safety: a reentrant function.
#pragma once

#include <algorithm>
#include <vector>

namespace chatd {

template <class Map>
std::vector<const typename Map::value_type*> sorted_entries(const Map& map) {
  std::vector<const typename Map::value_type*> out;
  out.reserve(map.size());
  for (const auto& entry : map) out.push_back(&entry);
  if constexpr (!requires { typename Map::key_compare; })
    std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  return out;
}

}  // namespace chatd
