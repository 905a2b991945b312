// The simulator's own tests: it is deterministic, its scripts replay exactly, every fault class
// fires somewhere in the fixed seeds, and it finds planted defects, reproducibly, from their seed.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <set>

#include "tests/sim/simulation.hpp"

using namespace chatd;
using namespace chatd::sim;

namespace {

constexpr TimeMs kMinute = 60'000;

}  // namespace

TEST_CASE("a seed decides everything: the same seed gives the same log, another seed another", "[sim]") {
  const Script a = generate(7, 300, 2 * kMinute);
  const RunResult first = run(a, {});
  const RunResult second = run(a, {});
  REQUIRE_FALSE(first.failed);
  CHECK(first.log == second.log);
  CHECK(first.log.size() > 100);
  const RunResult other = run(generate(8, 300, 2 * kMinute), {});
  CHECK(other.log != first.log);
}

TEST_CASE("a script written out and read back runs to the same log", "[sim]") {
  const Script script = generate(21, 200, 2 * kMinute);
  Script back;
  REQUIRE(from_text(to_text(script), back).ok());
  CHECK(to_text(back) == to_text(script));
  CHECK(run(back, {}).log == run(script, {}).log);
  Script junk;
  CHECK_FALSE(from_text("chatsim-script 1 seed 1 users 2", junk).ok());
  CHECK_FALSE(from_text("not a script", junk).ok());
}

TEST_CASE("every fault class fires in the fixed seeds, and every invariant is checked", "[sim]") {
  std::map<std::string, std::uint64_t> faults, checks;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const RunResult r = run(generate(seed, 400, 3 * kMinute), {});
    INFO("seed " << seed << ": " << r.invariant << ": " << r.detail);
    REQUIRE_FALSE(r.failed);
    for (const auto& [k, v] : r.faults) faults[k] += v;
    for (const auto& [k, v] : r.checks) checks[k] += v;
  }
  for (const char* fault : {"crash between batches", "crash after prepare", "crash inside the append, before the sync",
                            "crash after the commit, before delivery", "lmdb map growths", "client stops reading",
                            "slow reader cut", "disconnect storm", "clock jump", "client goes silent", "idle: silent",
                            "idle: looking or disconnected", "idle: captcha gate", "wrong captcha solution", "flood",
                            "flooding cut", "malformed frame", "client drops", "room expired",
                            "room resume with a gap", "room resume without a gap", "signup", "password login",
                            "password login refused: wrong_password", "token login", "token login refused: invalid_token",
                            "logout", "device revoked"}) {
    INFO(fault);
    CHECK(faults[fault] > 0);
  }
  for (const char* check : {"pairs are symmetric", "a message reaches only the partner, once, in order, after its commit",
                            "a message reaches the partner exactly once", "acknowledged only after commit",
                            "no client without the captcha", "idle deadlines never fire early",
                            "idle deadlines fire within their bound", "acknowledged events survive",
                            "rebuild equals the live World",
                            "a room message reaches exactly the members present at its commit, once, in order",
                            "a room never holds more members than its limit", "a hidden room's name never reaches a non-member",
                            "resume returns exactly the missed messages or a gap", "usernames are unique at every seq",
                            "a private field never reaches another client", "a follower-only field reaches only followers",
                            "a wrong password never logs in", "a revoked token never logs in after its revocation commits"}) {
    INFO(check);
    CHECK(checks[check] > 0);
  }
}

TEST_CASE("a defect planted (effects released before the commit) is found from its seed and shrunk", "[sim]") {
  RunOptions planted;
  planted.plant = RunOptions::Plant::kEarlyRelease;
  const Script script = generate(1, 200, 2 * kMinute);
  const RunResult r = run(script, planted);
  REQUIRE(r.failed);
  CHECK((r.invariant == "acknowledged only after commit" || r.invariant == "a message is delivered only after its commit"));
  // The seed reproduces it exactly.
  const RunResult again = run(generate(1, 200, 2 * kMinute), planted);
  CHECK(again.failed);
  CHECK(again.invariant == r.invariant);
  CHECK(again.at == r.at);
  CHECK(again.detail == r.detail);
  // The shrunk script is much shorter and still fails the same way; without the defect it passes.
  const Script small = shrink(script, planted, r.invariant, 200);
  CHECK(small.actions.size() < script.actions.size() / 10);
  const RunResult shrunk = run(small, planted);
  CHECK(shrunk.failed);
  CHECK(shrunk.invariant == r.invariant);
  CHECK_FALSE(run(small, {}).failed);
  CHECK_FALSE(run(script, {}).failed);
}

TEST_CASE("a defect planted (a batch acknowledged but not stored) is found", "[sim]") {
  RunOptions planted;
  planted.plant = RunOptions::Plant::kLoseAcked;
  std::set<std::string> invariants;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const RunResult r = run(generate(seed, 200, 2 * kMinute), planted);
    CHECK(r.failed);
    invariants.insert(r.invariant);
    CHECK_FALSE(run(generate(seed, 200, 2 * kMinute), {}).failed);
  }
  for (const std::string& i : invariants)
    CHECK((i == "acknowledged events survive" || i == "rebuild equals the live World"));
}
