// Hostile clients at the front door: half-open upgrades, connection churn, a full disk. Each case
// failed before its fix (see docs/security.md for the probe it answers).
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "events/codec.hpp"
#include "tests/integration/clients.hpp"
#include "tests/integration/harness.hpp"

using namespace chatd;
using namespace chatd::testing;
using namespace std::chrono_literals;

namespace {

std::uint64_t free_mib(const std::string& path) {
  struct statvfs fs {};
  REQUIRE(statvfs(path.c_str(), &fs) == 0);
  return (static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize) >> 20;
}

// Reads the child's output until it contains `needle` (bounded).
bool read_until(ChildProcess& child, const std::string& needle, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (child.output().find(needle) == std::string::npos && std::chrono::steady_clock::now() < until)
    if (!child.read_for(200ms)) break;
  return child.output().find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("20,000 half-open upgrades from one address lock nobody else out", "[integration][hostile]") {
  TempDir data;
  // The throttle off: the limit per address, counting upgrades in progress, is what holds here.
  ChatdProcess chatd(data.path(), {"--connection-throttle", "0"});
  ChildProcess attacker({CHATD_HALFOPEN_PATH, std::to_string(chatd.port()), "127.0.0.2", "20000", "30"});
  REQUIRE(read_until(attacker, "held", 60s));
  long attempts = 0, held = 0;
  REQUIRE(std::sscanf(attacker.output().c_str(), "attempts %ld held %ld", &attempts, &held) == 2);
  INFO(attacker.output());
  CHECK(attempts >= 19'000);  // a few may find the backlog full
  CHECK(held <= 16);          // --max-connections-per-address: the rest were refused at accept
  CHECK(open_files(chatd.pid()) < 200);
  // A real client, from another address, while the attacker holds what it could.
  const auto t0 = std::chrono::steady_clock::now();
  WsClient real(chatd.port(), "/lowf");
  real.send(R"({"type":"command","body":0})");
  CHECK(real.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took < 1s);
  attacker.terminate();
  attacker.wait();
  REQUIRE(chatd.stop() == 0);
}

TEST_CASE("connection churn from one address is throttled, and the log grows by a bounded amount", "[integration][hostile]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--connection-throttle", "10/600", "--throttle-exempt", "none"});
  int upgraded = 0, throttled = 0;
  for (int i = 0; i < 200; ++i) {
    const int status = http_status(chatd.port(), "/lowf", true);
    if (status == 101) ++upgraded;
    else if (status == 429) ++throttled;
  }
  CHECK(upgraded == 10);
  CHECK(throttled == 190);
  REQUIRE(chatd.stop() == 0);
  const auto all = read_log(data.path());
  // 10 connects and 10 disconnects, one audit of the throttled address, and the server's own.
  CHECK(events_of<events::ClientConnected>(all).size() == 10);
  CHECK(events_of<events::ClientDisconnected>(all).size() == 10);
  const auto rejected = events_of<events::ConnectionRejected>(all);
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].addr == "127.0.0.1");
  CHECK(rejected[0].reason == "too many new connections from your address; wait a few minutes");
}

TEST_CASE("below the free-disk floor new connections are refused and those connected go on", "[integration][hostile]") {
  TempDir data;
  const std::uint64_t free_before = free_mib(data.path());
  REQUIRE(free_before > 1'024);  // the test fills 400 MiB of it for a moment
  // A floor 200 MiB under today's free space: a 400 MiB file crosses it.
  ChatdProcess chatd(data.path(), {"--min-free-disk", std::to_string(free_before - 200)});
  WsClient a(chatd.port(), "/lowf");
  WsClient b(chatd.port(), "/lowf");
  a.send(R"({"type":"command","body":0})");
  REQUIRE(a.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  b.send(R"({"type":"command","body":0})");
  REQUIRE(b.recv_until(R"("body":2)"));
  REQUIRE(a.recv_until(R"("body":2)"));

  const std::string filler = data.path() + "/filler";
  {
    int fd = open(filler.c_str(), O_CREAT | O_WRONLY, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(posix_fallocate(fd, 0, off_t{400} << 20) == 0);
    close(fd);
  }
  std::this_thread::sleep_for(1200ms);  // chatd looks at the disk once a second
  CHECK(http_status(chatd.port(), "/lowf", true) == 503);
  a.send(R"({"type":"command","body":2,"message":"still here"})");
  CHECK(b.recv() == std::optional<std::string>(R"({"type":"message","body":"","message":"still here"})"));

  std::filesystem::remove(filler);
  std::this_thread::sleep_for(1200ms);
  CHECK(http_status(chatd.port(), "/lowf", true) == 101);
  REQUIRE(chatd.stop() == 0);
}

TEST_CASE("info is for operators only: no token, a wrong one or none configured is forbidden", "[integration][hostile]") {
  const std::string forbidden =
      R"({"type":"reply","id":"%","ok":false,"error":"forbidden","message":"for operators only: send the operator token"})";
  auto refused = [&](const std::string& id) {
    std::string f = forbidden;
    f.replace(f.find('%'), 1, id);
    return std::optional<std::string>(f);
  };
  {
    TempDir data;
    ChatdProcess chatd(data.path(), with_operator(data.path(), kNoCaptcha));
    auto c = native_client(chatd.port(), "Curious");
    c->send(R"({"op":"info","id":"a"})");
    CHECK(c->recv() == refused("a"));
    c->send(R"({"op":"info","id":"b","token":"operator-token-of-the-tests-43"})");
    CHECK(c->recv() == refused("b"));
    c->send(R"({"op":"info","id":"c","token":7})");
    auto typed = c->recv();
    REQUIRE(typed);
    CHECK(typed->find(R"("error":"bad_request")") != std::string::npos);
    c->send(info_frame("d"));
    auto ok = c->recv();
    REQUIRE(ok);
    CHECK(ok->find(R"("id":"d","ok":true,"seq":)") != std::string::npos);
    REQUIRE(chatd.stop() == 0);
    // The token is never written anywhere a log reader sees.
    for (const auto& e : read_log(data.path())) CHECK(events::encode(e).find(kOperatorToken) == std::string::npos);
  }
  {
    TempDir data;
    ChatdProcess chatd(data.path(), kNoCaptcha);  // no operator configured: nobody is one
    auto c = native_client(chatd.port(), "Curious");
    c->send(info_frame("e"));
    CHECK(c->recv() == refused("e"));
  }
}

TEST_CASE("an operator token file with a short token stops chatd at start with a reason", "[integration][hostile]") {
  TempDir data;
  const std::string file = data.path() + "/tokens";
  std::ofstream(file) << "short\n";
  const CommandResult r = run_command({CHATD_BINARY, "--listen", "127.0.0.1:0", "--data", data.path() + "/d",
                                       "--operator-token-file", file});
  CHECK(r.code == 1);
}

TEST_CASE("with few files chatd fits its connection limit to them and refuses the rest at once", "[integration][hostile]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--connection-throttle", "0", "--max-connections-per-address", "1000"}, 200);
  CHECK(chatd.log_text().find("warn connections_limited max_connections=136 open_files=200\n") != std::string::npos);
  std::vector<std::unique_ptr<WsClient>> held;
  for (int i = 0; i < 136; ++i) held.push_back(std::make_unique<WsClient>(chatd.port(), "/lowf"));
  for (int i = 0; i < 300; ++i) REQUIRE(http_status(chatd.port(), "/lowf", true) == 503);
  // Refused at accept, not spinning on a full file table: an idle second costs almost nothing.
  const double cpu_before = cpu_seconds(chatd.pid());
  std::this_thread::sleep_for(1s);
  CHECK(cpu_seconds(chatd.pid()) - cpu_before < 0.2);
  CHECK(open_files(chatd.pid()) < 200);
  held.front()->send(R"({"type":"command","body":0})");
  CHECK(held.front()->recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  held.pop_back();  // one leaves: one more may come
  bool admitted = false;
  for (int i = 0; i < 50 && !admitted; ++i) {
    admitted = http_status(chatd.port(), "/lowf", true) == 101;
    if (!admitted) std::this_thread::sleep_for(20ms);
  }
  CHECK(admitted);
}

TEST_CASE("chatd --check-config lists every problem, or says the config is ok", "[integration][config]") {
  TempDir dir;
  const std::string good = dir.path() + "/good.conf", bad = dir.path() + "/bad.conf", tokens = dir.path() + "/tokens";
  std::ofstream(tokens) << kOperatorToken << "\n";
  std::ofstream(good) << "listen = 127.0.0.1:0\ndata = " << dir.path() << "/data\noperator-token-file = " << tokens << "\n";
  std::ofstream(bad) << "listen = localhost:80\nrate = fast\ndata = /proc/no-such/data\noperator-token-file = "
                     << dir.path() << "/missing\n";
  const CommandResult ok = run_command({CHATD_BINARY, "--check-config", "--config", good});
  CHECK(ok.code == 0);
  CHECK(ok.out == "config ok\n");
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/data"));  // a check creates nothing
  const CommandResult problems = run_command({CHATD_BINARY, "--check-config", "--config", bad});
  CHECK(problems.code == 1);
  CHECK(problems.out == "problem: " + bad + ":2: bad value 'fast' for --rate (expected PER_SEC)\n"
                        "problem: --listen: 'localhost' is not an IP address\n"
                        "problem: --data: '/proc/no-such/data' does not exist and cannot be made in '/proc/no-such'\n"
                        "problem: cannot read the operator token file '" + dir.path() + "/missing'\n"
                        "4 problems\n");
}
