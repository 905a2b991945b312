// chatreplay's command line run in-process, its exit code and both outputs kept.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "replay/cli.hpp"

struct ChatreplayRun {
  int code = -1;
  std::string out, err;
};

inline ChatreplayRun chatreplay(std::vector<std::string> args) {
  std::ostringstream out, err;
  ChatreplayRun r;
  r.code = chatd::replay::run_chatreplay(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}
