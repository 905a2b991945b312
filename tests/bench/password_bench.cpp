// password_bench: what argon2id costs chatd's credential pool. For each cost (passes and memory,
// OWASP's recommended pairs among them), the pool of --workers threads verifies the password of a
// login as fast as it is fed: checks per second, and the time of one. A login is one check (a
// signup one hash, a login by email --max-accounts-per-email checks), so this is the ceiling of
// password logins per second on this machine; chatload's `login` mode measures them end to end.
// --smoke (ctest) verifies a right and a wrong password through the pool at the cheapest cost; no
// timing is asserted.
//
//   password_bench [--workers N] [--seconds S] [--smoke]
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

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

}  // namespace

int main(int argc, char** argv) {
  std::size_t workers = 2;
  double seconds = 3;
  bool smoke = false;
  chatd::bench::Options options("password_bench", "argon2id checks per second on the credential pool, at several costs");
  options.add("--workers", "N", "the pool's threads (2, chatd's --password-workers default)", [&](const std::string& v) { workers = std::stoull(v); });
  options.add("--seconds", "S", "how long each cost is measured (3)", [&](const std::string& v) { seconds = std::stod(v); });
  options.flag("--smoke", "verify right and wrong passwords through the pool at the cheapest cost, no timing (ctest)", [&] { smoke = true; });
  if (int code = options.parse(argc, argv); code >= 0) return code;
  // As chatd does first: it picks argon2's fastest implementation for this CPU (without it, the
  // portable one: about 1.5 times slower here).
  if (sodium_init() < 0) return std::fprintf(stderr, "password_bench: libsodium did not start\n"), 1;
  if (workers < 1 || workers > 64 || seconds <= 0 || seconds > 60) {
    std::fprintf(stderr, "password_bench: --workers is 1-64 and --seconds at most 60\n");
    return 2;
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
