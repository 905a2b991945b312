// chatsim: runs the deterministic simulation (docs/simulation.md).
//
//   chatsim --seed N [--clients K] [--virtual-minutes M]     one seed, run twice (determinism)
//   chatsim --seeds A-B [--random R] [--clients K] ...        a range of seeds, plus R random ones
//   chatsim --soak SECONDS [--clients K] ...                  random seeds until the time is up
//   chatsim --replay FILE                                     a script a failing run wrote
// Options: --plant early-release|lose-acked (a defect on purpose), --expect-failure (exit 0 only if
// a run fails: for the planted-defect tests), --no-shrink, --shrink-runs N, --lmdb-dir DIR,
// --expect-digests FILE (each seed's log must have the digest FILE records for it).
// Each seed's line ends with the digest of its log's bytes: the same seed gives the same log, so a
// change of the code that alters a fixed seed's log shows as a changed digest.
// Exit: 0 all good, 1 an invariant failed, a digest differs (or, with --expect-failure, no run
// failed), 2 usage.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/base/fnv.hpp"
#include "tests/support/options.hpp"
#include "tests/sim/simulation.hpp"

using namespace chatd;
using namespace chatd::sim;

namespace {

struct Args {
  std::vector<std::uint64_t> seeds;
  std::uint32_t clients = 1000;
  double minutes = 5;
  RunOptions options;
  bool expect_failure = false;
  bool shrink = true;
  int shrink_runs = 300;
  double soak_seconds = 0;
  std::string replay;
  std::string expect_digests;  // a file of "seed S clients K minutes M digest D" lines
};

bench::Options command_line(Args& a, int& random_seeds) {
  bench::Options c("chatsim",
                   "the deterministic simulation of chatd (docs/simulation.md): one of --seed, --seeds, --soak, --replay");
  c.add("--seed", "N", "run seed N, twice (the two logs must be the same)", [&](const std::string& v) { a.seeds.push_back(std::stoull(v)); });
  c.add("--seeds", "A-B", "run the seeds A to B", [&](const std::string& v) {
    const auto dash = v.find('-');
    if (dash == std::string::npos) throw std::invalid_argument("A-B");
    for (std::uint64_t s = std::stoull(v.substr(0, dash)); s <= std::stoull(v.substr(dash + 1)); ++s) a.seeds.push_back(s);
  });
  c.add("--random", "R", "also R random seeds (each is printed)", [&](const std::string& v) { random_seeds = std::stoi(v); });
  c.add("--soak", "SECONDS", "random seeds until the time is up", [&](const std::string& v) { a.soak_seconds = std::stod(v); });
  c.add("--replay", "FILE", "run a script a failing run wrote", [&](const std::string& v) { a.replay = v; });
  c.add("--clients", "K", "simulated users (1000)", [&](const std::string& v) { a.clients = static_cast<std::uint32_t>(std::stoul(v)); });
  c.add("--virtual-minutes", "M", "virtual time per seed (5)", [&](const std::string& v) { a.minutes = std::stod(v); });
  c.add("--plant", "early-release|lose-acked", "a defect on purpose, which a run must find", [&](const std::string& v) {
    if (v == "early-release") a.options.plant = RunOptions::Plant::kEarlyRelease;
    else if (v == "lose-acked") a.options.plant = RunOptions::Plant::kLoseAcked;
    else throw std::invalid_argument(v);
  });
  c.flag("--expect-failure", "exit 0 only if a run fails (the planted-defect tests)", [&] { a.expect_failure = true; });
  c.flag("--no-shrink", "do not shrink a failing script", [&] { a.shrink = false; });
  c.add("--shrink-runs", "N", "runs the shrinking may take (300)", [&](const std::string& v) { a.shrink_runs = std::stoi(v); });
  c.add("--lmdb-dir", "DIR", "where the scripts with an LMDB log put it (/tmp)", [&](const std::string& v) { a.options.lmdb_dir = v; });
  c.add("--expect-digests", "FILE", "each seed's log must have the digest FILE records for it (scripts/sim-digests.sh)",
        [&](const std::string& v) { a.expect_digests = v; });
  return c;
}

[[noreturn]] void usage(const std::string& why) {
  Args ignored;
  int r = 0;
  std::cerr << "chatsim: " << why << "\n\n" << command_line(ignored, r).usage();
  std::exit(2);
}

std::string reproduce_command(const Script& s, const Args& a) {
  std::ostringstream cmd;
  cmd << "chatsim --seed " << s.seed << " --clients " << s.users << " --virtual-minutes "
      << static_cast<double>(s.duration_ms) / 60'000.0;
  if (a.options.plant != RunOptions::Plant::kNone) cmd << " --plant " << to_string(a.options.plant);
  return cmd.str();
}

// The first event where two runs' logs differ, or "" if they are the same.
std::string first_difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    if (a[i] != b[i]) return "seq " + std::to_string(i + 1) + ":\n  first run:  " + a[i] + "\n  second run: " + b[i];
  if (a.size() != b.size())
    return "the logs have " + std::to_string(a.size()) + " and " + std::to_string(b.size()) + " events";
  return "";
}

// FNV-1a over every event's stored bytes, length-prefixed, in log order.
std::uint64_t log_digest(const std::vector<std::string>& log) {
  Fnv1a h;
  for (const std::string& event : log) h.str(event);
  return h.value();
}

std::string digest_key(const Script& s) {
  std::ostringstream key;
  key << "seed " << s.seed << " clients " << s.users << " minutes " << static_cast<double>(s.duration_ms) / 60'000.0;
  return key.str();
}

// The digests a file records, by digest_key(); lines starting with '#' are comments.
std::map<std::string, std::string> read_digests(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::map<std::string, std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto at = line.rfind(" digest ");
    if (at == std::string::npos) throw std::runtime_error(path + ": not a digest line: " + line);
    out[line.substr(0, at)] = line.substr(at + 8);
  }
  return out;
}

struct Totals {
  std::uint64_t seeds = 0, events = 0, crashes = 0, batches = 0, delivered = 0, connections = 0;
  double virtual_seconds = 0, real_seconds = 0;
  std::map<std::string, std::uint64_t> faults, checks;
};

// Runs one script (twice unless it is a replay), prints its line; returns whether it failed.
bool run_one(const Script& script, const Args& a, const std::map<std::string, std::string>& expected, Totals& totals,
             bool twice) {
  RunResult r = run(script, a.options);
  std::string nondeterminism;
  if (twice && !r.failed) {
    RunResult again = run(script, a.options);
    nondeterminism = first_difference(r.log, again.log);
    if (nondeterminism.empty() && again.failed != r.failed) nondeterminism = "the second run failed, the first did not";
  }
  ++totals.seeds;
  totals.events += r.events;
  totals.crashes += r.crashes;
  totals.batches += r.batches;
  totals.delivered += r.messages_delivered;
  totals.connections += r.connections;
  totals.virtual_seconds += static_cast<double>(script.duration_ms) / 1000.0;
  totals.real_seconds += r.real_seconds;
  for (const auto& [k, v] : r.faults) totals.faults[k] += v;
  for (const auto& [k, v] : r.checks) totals.checks[k] += v;
  char digest[20];
  std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(log_digest(r.log)));
  std::printf("seed %llu: %u clients, %.1f virtual min, %llu events, %llu batches, %llu crashes, %llu messages delivered, "
              "%.2f s real (%.0fx)%s: %s, log digest %s\n",
              static_cast<unsigned long long>(script.seed), script.users, static_cast<double>(script.duration_ms) / 60'000.0,
              static_cast<unsigned long long>(r.events), static_cast<unsigned long long>(r.batches),
              static_cast<unsigned long long>(r.crashes), static_cast<unsigned long long>(r.messages_delivered), r.real_seconds,
              static_cast<double>(script.duration_ms) / 1000.0 / std::max(r.real_seconds, 1e-9), script.lmdb ? ", LMDB log" : "",
              r.failed ? "FAILED" : nondeterminism.empty() ? "ok" : "NOT DETERMINISTIC", digest);
  std::fflush(stdout);
  if (auto want = expected.find(digest_key(script)); want != expected.end() && want->second != digest) {
    std::printf("  the log differs from the one recorded for this seed (digest %s, recorded %s): the code's behaviour "
                "changed\n  reproduce: %s\n",
                digest, want->second.c_str(), reproduce_command(script, a).c_str());
    return true;
  }
  if (!nondeterminism.empty()) {
    std::printf("  the same script gave two different logs; first difference at %s\n  reproduce: %s\n",
                nondeterminism.c_str(), reproduce_command(script, a).c_str());
    return true;
  }
  if (!r.failed) return false;
  std::printf("  invariant violated: %s\n  at virtual %.3f s: %s\n  reproduce: %s\n", r.invariant.c_str(),
              static_cast<double>(r.at) / 1000.0, r.detail.c_str(), reproduce_command(script, a).c_str());
  Script small = script;
  if (a.shrink) {
    small = shrink(script, a.options, r.invariant, a.shrink_runs);
    std::printf("  shrunk from %zu to %zu actions (%.1f virtual min) that still fail on the same invariant\n",
                script.actions.size(), small.actions.size(), static_cast<double>(small.duration_ms) / 60'000.0);
  }
  const std::string file = "/tmp/chatsim-seed-" + std::to_string(script.seed) + ".script";
  std::ofstream(file) << to_text(small);
  std::printf("  replay the %s script: chatsim --replay %s%s\n", a.shrink ? "shrunk" : "whole", file.c_str(),
              a.options.plant != RunOptions::Plant::kNone ? (std::string(" --plant ") + to_string(a.options.plant)).c_str() : "");
  std::fflush(stdout);
  return true;
}

void print_totals(const Totals& t) {
  std::printf("\n%llu seeds, %llu events, %llu batches, %llu crashes, %llu connections, %llu messages delivered; "
              "%.0f virtual s in %.1f real s (%.0fx)\n",
              static_cast<unsigned long long>(t.seeds), static_cast<unsigned long long>(t.events),
              static_cast<unsigned long long>(t.batches), static_cast<unsigned long long>(t.crashes),
              static_cast<unsigned long long>(t.connections), static_cast<unsigned long long>(t.delivered), t.virtual_seconds,
              t.real_seconds, t.virtual_seconds / std::max(t.real_seconds, 1e-9));
  std::printf("faults fired:\n");
  for (const auto& [k, v] : t.faults) std::printf("  %-44s %llu\n", k.c_str(), static_cast<unsigned long long>(v));
  std::printf("invariant checks:\n");
  for (const auto& [k, v] : t.checks) std::printf("  %-70s %llu\n", k.c_str(), static_cast<unsigned long long>(v));
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  int random_seeds = 0;
  if (int code = command_line(a, random_seeds).parse(argc, argv); code >= 0) return code;
  if (random_seeds > 0) {
    std::random_device device;  // the only unseeded randomness: which seeds to try; each is printed
    for (int i = 0; i < random_seeds; ++i) a.seeds.push_back((std::uint64_t{device()} << 32) | device());
  }
  if (a.seeds.empty() && a.replay.empty() && a.soak_seconds <= 0) usage("give --seed, --seeds, --soak or --replay");
  const TimeMs duration = static_cast<TimeMs>(a.minutes * 60'000);

  std::map<std::string, std::string> expected;
  if (!a.expect_digests.empty()) {
    try {
      expected = read_digests(a.expect_digests);
    } catch (const std::exception& e) {
      usage(e.what());
    }
  }
  Totals totals;
  bool any_failed = false;
  if (!a.replay.empty()) {
    std::ifstream in(a.replay);
    std::stringstream text;
    text << in.rdbuf();
    Script script;
    Status st = from_text(text.str(), script);
    if (!in || !st.ok()) usage("cannot read " + a.replay + ": " + st.ToString());
    a.shrink = false;
    any_failed = run_one(script, a, expected, totals, false);
  }
  for (std::uint64_t seed : a.seeds) any_failed = run_one(generate(seed, a.clients, duration), a, expected, totals, true) || any_failed;
  if (a.soak_seconds > 0) {
    std::random_device device;
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(a.soak_seconds);
    while (std::chrono::steady_clock::now() < end && !any_failed)
      any_failed = run_one(generate((std::uint64_t{device()} << 32) | device(), a.clients, duration), a, expected, totals, true);
  }
  print_totals(totals);
  if (a.expect_failure) {
    std::printf(any_failed ? "\nexpected a failure: found\n" : "\nexpected a failure: NONE FOUND\n");
    return any_failed ? 0 : 1;
  }
  return any_failed ? 1 : 0;
}
