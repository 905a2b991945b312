// password_bench: what argon2id costs chatd's credential pool. For each cost (passes and memory,
// OWASP's recommended pairs among them), the pool of --workers threads verifies the password of a
// login as fast as it is fed: checks per second, and the time of one. A login is one check (a
// signup one hash, a login by email --max-accounts-per-email checks), so this is the ceiling of
// password logins per second on this machine; chatload's `login` mode measures them end to end.
// --smoke (ctest) verifies a right and a wrong password through the pool at the cheapest cost; no
// timing is asserted.
// --beside RATE is the control for the relay's tail (docs/benchmarks.md, "What any hashing costs on
// this host"): it hashes RATE passwords a second, paced, on --workers threads at SCHED_IDLE as
// chatd's worker process does, for --seconds, at --passes and --mib (chatd's cost unless given),
// in a process that has nothing to do with chatd. tests/bench/hashing_beside_relay.sh runs it.
//
//   password_bench [--workers N] [--seconds S] [--smoke]
//   password_bench --beside RATE [--workers N] [--seconds S] [--passes P --mib M]
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include <sched.h>
#include <sodium.h>

#include "bench_util.hpp"
#include "net/session/credential_pool.hpp"

namespace {

using chatd::Argon2idHasher;
using chatd::CredentialJob;
using chatd::CredentialPool;
using chatd::CredentialResult;
using Clock = std::chrono::steady_clock;

struct Cost {
  unsigned long long passes;
  std::size_t mib;
  const char* note;
};

struct Measure {
  double checks_per_sec = 0;
  double ms_per_check = 0;  // one worker's, from the same run
  bool all_right = true;    // every right password verified, every wrong one refused
};

// Keeps `workers * 2` checks queued for `seconds`; every fourth is a wrong password.
Measure measure(const Cost& cost, std::size_t workers, double seconds) {
  const Argon2idHasher hasher(cost.passes, cost.mib * 1024 * 1024);
  const std::string hash = hasher.hash("correct horse battery");
  std::mutex mu;
  std::condition_variable cv;
  std::uint64_t done = 0, posted = 0;
  bool wrong_result = false;
  CredentialPool pool(hasher, workers, workers * 4);  // after what its callbacks use: stopped first
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::unique_lock lock(mu);
  for (;;) {
    while (posted - done < workers * 2 && Clock::now() < end) {
      const bool right = posted % 4 != 3;
      CredentialJob job{CredentialJob::Kind::kVerify, posted, right ? "correct horse battery" : "wrong horse battery", hash};
      ++posted;
      lock.unlock();
      const bool queued = pool.post(std::move(job), [&, right](CredentialResult r) {
        std::lock_guard inner(mu);
        if (r.ok != right) wrong_result = true;
        ++done;
        cv.notify_all();
      });
      lock.lock();
      if (!queued) {
        lock.unlock();
        pool.stop();
        return Measure{0, 0, false};
      }
    }
    if (Clock::now() >= end && done == posted) break;
    cv.wait_for(lock, std::chrono::milliseconds(50));
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  Measure m;
  m.checks_per_sec = static_cast<double>(done) / elapsed;
  m.ms_per_check = 1000.0 * elapsed * static_cast<double>(workers) / static_cast<double>(done);
  m.all_right = !wrong_result;
  return m;
}

// RATE hashes a second over `workers` idle-class threads for `seconds`; returns how many ran.
std::uint64_t hash_beside(double rate, std::size_t workers, double seconds, const Cost& cost) {
  const Argon2idHasher hasher(cost.passes, cost.mib * 1024 * 1024);
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::atomic<std::uint64_t> next{0}, done{0};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < workers; ++t)
    threads.emplace_back([&] {
      const sched_param idle{};
      if (sched_setscheduler(0, SCHED_IDLE, &idle) != 0) std::perror("password_bench: SCHED_IDLE");
      for (;;) {
        const std::uint64_t k = next.fetch_add(1);
        const auto due = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(k / rate));
        if (due >= end) return;
        std::this_thread::sleep_until(due);
        if (!hasher.hash("correct horse battery").empty()) done.fetch_add(1);
      }
    });
  for (auto& t : threads) t.join();
  return done.load();
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t workers = 2;
  double seconds = 3;
  bool smoke = false;
  double beside = 0;
  Cost beside_cost{Argon2idHasher::kOpsLimit, Argon2idHasher::kMemLimit >> 20, ""};
  chatd::bench::Options options("password_bench", "argon2id checks per second on the credential pool, at several costs");
  options.add("--workers", "N", "the pool's threads (2, chatd's --password-workers default)", [&](const std::string& v) { workers = std::stoull(v); });
  options.add("--seconds", "S", "how long each cost is measured (3)", [&](const std::string& v) { seconds = std::stod(v); });
  options.add("--beside", "RATE", "hash RATE passwords a second at SCHED_IDLE for --seconds, as a load beside another benchmark",
              [&](const std::string& v) { beside = std::stod(v); });
  options.add("--passes", "P", "--beside's argon2id passes (chatd's: 2)", [&](const std::string& v) { beside_cost.passes = std::stoull(v); });
  options.add("--mib", "M", "--beside's argon2id memory in MiB (chatd's: 19)", [&](const std::string& v) { beside_cost.mib = std::stoull(v); });
  options.flag("--smoke", "verify right and wrong passwords through the pool at the cheapest cost, no timing (ctest)", [&] { smoke = true; });
  if (int code = options.parse(argc, argv); code >= 0) return code;
  // As chatd does first: it picks argon2's fastest implementation for this CPU (without it, the
  // portable one: about 1.5 times slower here).
  if (sodium_init() < 0) return std::fprintf(stderr, "password_bench: libsodium did not start\n"), 1;
  if (workers < 1 || workers > 64 || seconds <= 0 || seconds > 60) {
    std::fprintf(stderr, "password_bench: --workers is 1-64 and --seconds at most 60\n");
    return 2;
  }
  if (beside > 0) {
    if (beside > 1000 || beside_cost.passes < 1 || beside_cost.mib < 1 || beside_cost.mib > 1024) {
      std::fprintf(stderr, "password_bench: --beside is at most 1000, --passes at least 1, --mib 1-1024\n");
      return 2;
    }
    const std::uint64_t n = hash_beside(beside, workers, seconds, beside_cost);
    std::printf("password_bench: %llu hashes (%llu passes, %zu MiB) on %zu idle threads in %.1f s\n",
                static_cast<unsigned long long>(n), beside_cost.passes, beside_cost.mib, workers, seconds);
    return 0;
  }
  if (smoke) {
    const Measure m = measure(Cost{1, 8, ""}, workers, 0.2);
    std::printf("password smoke: %s\n", m.all_right && m.checks_per_sec > 0 ? "right passwords verified, wrong ones refused" : "FAILED");
    return m.all_right && m.checks_per_sec > 0 ? 0 : 1;
  }
  // OWASP's argon2id table (m=47104 KiB t=1, m=19456 KiB t=2, m=12288 KiB t=3, ...), and twice its cost.
  const Cost costs[] = {{1, 46, "OWASP"}, {2, 19, "OWASP, chatd's"}, {3, 12, "OWASP"}, {4, 19, "twice chatd's"}, {2, 64, ""}};
  std::printf("password_bench: %zu workers, %.0f s per cost, %s\n", workers, seconds, chatd::bench::machine_state().c_str());
  std::printf("| passes | memory | | checks/s (pool of %zu) | ms per check |\n|---:|---:|---|---:|---:|\n", workers);
  for (const Cost& c : costs) {
    const Measure m = measure(c, workers, seconds);
    std::printf("| %llu | %zu MiB | %s | %.1f | %.1f |%s\n", c.passes, c.mib, c.note, m.checks_per_sec, m.ms_per_check,
                m.all_right ? "" : " WRONG RESULTS");
  }
  return 0;
}
