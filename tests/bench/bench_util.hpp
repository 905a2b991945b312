// What every benchmark here shares: medians, the machine's state printed beside the figures, and
// the command line (tests/support/options.hpp).
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/options.hpp"

namespace chatd::bench {

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// "N cores, load a b c": printed with every run's figures, since these machines are shared.
inline std::string machine_state() {
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%u cores, load %.2f %.2f %.2f", std::thread::hardware_concurrency(), load[0], load[1],
                load[2]);
  return buf;
}

}  // namespace chatd::bench
