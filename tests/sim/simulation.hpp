// The deterministic simulation: chatd's real Engine, Router, SessionLogic, dialects and captcha,
// driven by a Script in virtual time, with the transport, the clients and the faults simulated.
// The server loop is EngineRunner's stage order on one thread (prepare, commit, deliver a batch
// every tick) so that a script always produces the same batches. Invariants are checked as the
// run goes; the first violation ends it.
// Thread-safety: run() is reentrant (each call builds its own world); one thread per call.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/sim/script.hpp"

namespace chatd::sim {

struct RunOptions {
  // Defects planted on purpose, to show the simulator finds them (docs/simulation.md).
  enum class Plant {
    kNone,
    kEarlyRelease,  // a batch's replies and pushes are delivered before its commit
    kLoseAcked,     // the log acknowledges one batch in 40 without storing it
  };
  Plant plant = Plant::kNone;
  std::string lmdb_dir = "/tmp";  // where a script with `lmdb` puts its log (a fresh folder)
};

struct RunResult {
  bool failed = false;
  std::string invariant;  // the invariant that failed
  std::string detail;
  TimeMs at = 0;          // virtual time of the failure
  std::map<std::string, std::uint64_t> faults;  // how often each fault fired
  std::map<std::string, std::uint64_t> checks;  // how often each invariant was checked
  std::uint64_t events = 0, batches = 0, crashes = 0, connections = 0, messages_delivered = 0;
  std::vector<std::string> log;  // the final log, every event as stored
  double real_seconds = 0;
};

RunResult run(const Script& script, const RunOptions& options);

// Tries shorter scripts (dropping chunks of actions, then single ones) and keeps each that still
// fails on the same invariant; stops after `max_runs` runs. Returns the shortest found.
Script shrink(const Script& failing, const RunOptions& options, const std::string& invariant, int max_runs);

const char* to_string(RunOptions::Plant plant);

}  // namespace chatd::sim
