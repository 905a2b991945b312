// chatreplay's command line: `chatreplay events|state|audit|verify|diff --data DIR …`. The whole
// tool is this function, so tests run it in-process on logs the real engine wrote; the binary's
// main() only adds signal handling. Exit codes are part of the interface (docs/replay.md).
// Thread-safety: one call at a time per data folder in a process (LMDB's rule).
#pragma once

#include <atomic>
#include <ostream>
#include <string>
#include <vector>

#include "core/base/status.hpp"

namespace chatd::replay {

enum ExitCode : int {
  kExitOk = 0,
  kExitProblem = 1,       // verify found a bad event, or a query met a corrupt event
  kExitUsage = 2,         // unknown command or option, bad value
  kExitNoData = 3,        // the data folder is missing or holds no chatd log
  kExitNewerSchema = 4,   // the log was written by a newer chatd; upgrade chatreplay
  kExitOutOfRange = 5,    // a seq or time outside the log (e.g. before its first event)
  kExitNoMatch = 6,       // the filters match nothing; no such pair, client or report
};

// The exit code that stands for a failed query's Status.
int exit_code_of(const Status& st);

// Runs one chatreplay command. `args` excludes the program name. `stop` (optional) ends --follow.
int run_chatreplay(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   const std::atomic<bool>* stop = nullptr);

}  // namespace chatd::replay
