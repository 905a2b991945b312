// The credential worker process (net/session/credential_process.hpp): chatd's own binary hashing
// and checking at SCHED_IDLE, a worker that ends answered busy and replaced, a bound on what
// waits, and a stop that drops what waits; then, over WebSocket, a chatd whose worker is killed.
#include <catch2/catch.hpp>

#include <sched.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/session/credential_process.hpp"
#include "tests/integration/clients.hpp"
#include "tests/integration/harness.hpp"

using namespace chatd;
using namespace chatd::testing;

namespace {

using Client = std::unique_ptr<WsClient>;

// Results as they come, on the reader thread.
struct Results {
  std::mutex m;
  std::condition_variable cv;
  std::vector<CredentialResult> got;
  CredentialService::Done sink() {
    return [this](CredentialResult r) {
      std::lock_guard lock(m);
      got.push_back(std::move(r));
      cv.notify_all();
    };
  }
  bool wait_for(std::size_t n, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(m);
    return cv.wait_for(lock, timeout, [&] { return got.size() >= n; });
  }
  const CredentialResult* of(std::uint64_t ticket) {
    for (const CredentialResult& r : got)
      if (r.ticket == ticket) return &r;
    return nullptr;
  }
};

// A stand-in worker: a shell script that does `body` and never reads its socket.
std::string fake_worker(const TempDir& dir, const std::string& body) {
  const std::string path = dir.path() + "/worker.sh";
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  ::chmod(path.c_str(), 0700);
  return path;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// The worker sets its policy first thing after it starts.
bool runs_idle(pid_t pid) {
  return wait_until([&] { return ::sched_getscheduler(pid) == SCHED_IDLE; }, std::chrono::seconds(5));
}

}  // namespace

TEST_CASE("credential process: chatd's worker hashes, checks and makes secrets at SCHED_IDLE", "[integration][password]") {
  Results results;
  {
    CredentialProcess worker(CHATD_BINARY, 2, 8);
    const pid_t pid = worker.worker_pid();
    REQUIRE(pid > 0);
    CHECK(runs_idle(pid));

    REQUIRE(worker.post(CredentialJob{CredentialJob::Kind::kHash, 11, "correct horse", ""}, results.sink()));
    REQUIRE(results.wait_for(1));
    const std::string hash = results.of(11)->hash;
    CHECK(hash.rfind("$argon2id$", 0) == 0);
    CHECK(results.of(11)->ok);
    CHECK(Argon2idHasher().verify(hash, "correct horse"));

    REQUIRE(worker.post(CredentialJob{CredentialJob::Kind::kVerify, 12, "correct horse", hash, {"$argon2id$junk", hash}}, results.sink()));
    REQUIRE(worker.post(CredentialJob{CredentialJob::Kind::kVerify, 13, "wrong horse", hash}, results.sink()));
    REQUIRE(worker.post(CredentialJob{CredentialJob::Kind::kIssue, 14, "", ""}, results.sink()));
    REQUIRE(results.wait_for(4));
    CHECK(results.of(12)->ok);
    CHECK(results.of(12)->alternatives_matched == std::vector<bool>{false, true});
    CHECK_FALSE(results.of(13)->ok);
    CHECK_FALSE(results.of(13)->unavailable);
    CHECK(results.of(14)->secret.size() == kIssuedSecretChars);
    CHECK(Argon2idHasher().verify(results.of(14)->hash, results.of(14)->secret));
    CHECK(worker.worker_pid() == pid);  // one worker did all of it
    worker.stop();
    // It ends with its parent's socket.
    CHECK(wait_until([&] { return ::kill(pid, 0) != 0; }, std::chrono::seconds(5)));
  }
}

TEST_CASE("credential process: a worker that ends has its jobs answered unavailable, and is started again", "[integration][password]") {
  TempDir dir;
  Results results;
  CredentialProcess worker(fake_worker(dir, "exec sleep 0.5"), 1, 4);
  const pid_t first = worker.worker_pid();
  REQUIRE(first > 0);
  REQUIRE(worker.post(CredentialJob{CredentialJob::Kind::kVerify, 1, "pw", "$h"}, results.sink()));
  REQUIRE(worker.post(CredentialJob{CredentialJob::Kind::kHash, 2, "pw", ""}, results.sink()));
  REQUIRE(results.wait_for(2, std::chrono::seconds(10)));
  for (std::uint64_t ticket : {1, 2}) {
    REQUIRE(results.of(ticket) != nullptr);
    CHECK(results.of(ticket)->unavailable);
    CHECK_FALSE(results.of(ticket)->ok);
  }
  // A new one within about a second, not at once (a worker that cannot run does not spin).
  CHECK(wait_until([&] { return worker.worker_pid() > 0 && worker.worker_pid() != first; }, std::chrono::seconds(5)));
}

TEST_CASE("credential process: at most threads plus queue jobs wait, and stop drops them unanswered", "[integration][password]") {
  TempDir dir;
  Results results;
  CredentialProcess worker(fake_worker(dir, "exec sleep 30"), 1, 1);  // reads nothing, answers nothing
  const pid_t pid = worker.worker_pid();
  CHECK(worker.post(CredentialJob{CredentialJob::Kind::kHash, 1, "a", ""}, results.sink()));
  CHECK(worker.post(CredentialJob{CredentialJob::Kind::kHash, 2, "b", ""}, results.sink()));
  CHECK_FALSE(worker.post(CredentialJob{CredentialJob::Kind::kHash, 3, "c", ""}, results.sink()));
  const auto start = std::chrono::steady_clock::now();
  worker.stop();  // a worker that does not end within 2 s of its socket's end is killed
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(::kill(pid, 0) != 0);
  CHECK(results.got.empty());
  CHECK_FALSE(worker.post(CredentialJob{CredentialJob::Kind::kHash, 4, "d", ""}, results.sink()));
}

TEST_CASE("credential process: chatd whose worker is killed answers busy, never a wrong password, and logs in again", "[integration][accounts][password]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  // The worker is chatd's one child (of whichever of its threads started it).
  auto worker_of = [&]() -> pid_t {
    const std::string tasks = "/proc/" + std::to_string(chatd.pid()) + "/task";
    for (const auto& task : std::filesystem::directory_iterator(tasks)) {
      std::ifstream children(task.path() / "children");
      pid_t pid = -1;
      if (children >> pid) return pid;
    }
    return -1;
  };
  const pid_t first = worker_of();
  REQUIRE(first > 0);
  CHECK(runs_idle(first));
  Client alice = native_client(chatd.port(), "alice");
  REQUIRE(ok(ask(*alice, "s",
                 R"({"op":"signup","id":"s","username":"alice_w","email":"a@example.org","display_name":"Alice","password":"correct horse battery"})")));
  REQUIRE(::kill(first, SIGKILL) == 0);
  // Until the new worker runs, a login is busy; then it logs in. Never a wrong password.
  Client phone = native_client(chatd.port(), "phone");
  bool logged_in = false;
  for (int i = 0; i < 50 && !logged_in; ++i) {
    const std::string id = "l" + std::to_string(i);
    const std::string reply = ask(*phone, id, R"({"op":"login","id":")" + id + R"(","username":"alice_w","password":"correct horse battery"})");
    logged_in = ok(reply);
    if (!logged_in) {
      CHECK(error_of(reply) == "busy");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  CHECK(logged_in);
  const pid_t second = worker_of();
  REQUIRE(second > 0);
  CHECK(second != first);
  CHECK(chatd.stop() == 0);
  CHECK(::kill(second, 0) != 0);  // gone with chatd
}
