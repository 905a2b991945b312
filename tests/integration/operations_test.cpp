// What an operator runs and reads: --version, the generated config example, chatd's log on stderr
// (JSON lines and text) with what must never be in it, and systemd's readiness notices, against
// the real binary.
#include <catch2/catch.hpp>

#include <simdjson.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/clients.hpp"

using namespace chatd;
using namespace chatd::testing;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

// What a session of the test does that the log must mention or must keep out: a throttled
// connection, a flooding client, a chat message, a signup and a wrong login with known secrets,
// a client that leaves (A), and one that stays connected through the shutdown (B, returned).
const std::string kSecretText = "the-text-of-a-message-7f3a";
const std::string kPassword = "a-password-that-must-not-be-logged-91c";

std::unique_ptr<WsClient> exercise(ChatdProcess& chatd) {
  auto [a, b] = paired_natives(chatd.port());
  a->send(R"({"op":"send","id":"m","text":")" + kSecretText + "\"}");
  REQUIRE(b->recv_until(kSecretText));
  REQUIRE(ok(ask(*a, "s", R"({"op":"signup","id":"s","username":"carol_ops","email":"carol@example.org",)"
                          R"("display_name":"Carol","password":")" + kPassword + "\"}")));
  CHECK(error_of(ask(*b, "l", R"({"op":"login","id":"l","username":"carol_ops","password":"wrong-)" + kPassword + "\"}")) ==
        "wrong_password");
  // --connection-throttle 3/600 and the loopback not exempt: A, B and this one are admitted, the
  // next ones refused at accept.
  auto flooder = native_client(chatd.port(), "Flood");
  CHECK(http_status(chatd.port(), "/", true) == 429);
  CHECK(http_status(chatd.port(), "/", true) == 429);
  for (int i = 0; i < 2000 && flooder->send_ping(); ++i) {
  }
  CHECK_FALSE(flooder->recv_until("never", 5s));
  CHECK(flooder->close_info().reason == "flooding: too many pings too fast");
  return std::move(b);
}

const std::vector<std::string> kArgs = {"--captcha-difficulty", "0", "--connection-throttle", "3/600", "--throttle-exempt",
                                        "none", "--password-process", "off"};

std::vector<std::string> with(std::vector<std::string> extra) {
  std::vector<std::string> args = kArgs;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST_CASE("chatd --version names its version and its log's schema", "[integration][operations]") {
  const CommandResult r = run_command({CHATD_BINARY, "--version"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("chatd ", 0) == 0);
  CHECK(r.out.find(" (log schema 1)\n") != std::string::npos);
}

TEST_CASE("chatd.conf.example is what chatd generates, and chatd accepts it", "[integration][operations]") {
  std::ifstream in(CHATD_SOURCE_DIR "/chatd.conf.example", std::ios::binary);
  REQUIRE(in);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(run_command({CHATD_BINARY, "--config-example"}).out == file);
  TempDir dir;
  const std::string conf = dir.path() + "/chatd.conf";
  std::ofstream(conf) << file << "data = " << dir.path() << "/data\nlog-format = json\n";
  const CommandResult good = run_command({CHATD_BINARY, "--check-config", "--config", conf});
  CHECK(good.code == 0);
  CHECK(good.out == "config ok\n");
  std::ofstream(conf, std::ios::app) << "log-level = loud\nversion = on\n";
  const CommandResult bad = run_command({CHATD_BINARY, "--check-config", "--config", conf});
  CHECK(bad.code == 1);
  CHECK(bad.out.find("bad value 'loud' for --log-level (expected debug|info|warn|error)") != std::string::npos);
  CHECK(bad.out.find("--version is a command-line switch, not an option of a config file") != std::string::npos);
  CHECK(bad.out.find("2 problems\n") != std::string::npos);
}

TEST_CASE("chatd --log-format json: every line of chatd's log is a JSON object with its time, level and event", "[integration][operations]") {
  TempDir data;
  ChatdProcess chatd(data.path(), with({"--log-format", "json"}));
  const auto stays = exercise(chatd);
  REQUIRE(chatd.wait_for_log("\"event\":\"flooding\""));
  REQUIRE(chatd.stop() == 0);
  const std::string text = chatd.log_text();
  INFO(text);
  simdjson::dom::parser parser;
  std::multiset<std::string> events;
  for (const std::string& line : lines_of(text)) {
    INFO(line);
    simdjson::dom::element doc;
    REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
    std::string_view ts, level, event;
    REQUIRE(doc["ts"].get(ts) == simdjson::SUCCESS);
    REQUIRE(doc["level"].get(level) == simdjson::SUCCESS);
    REQUIRE(doc["event"].get(event) == simdjson::SUCCESS);
    CHECK(ts.size() == 24);
    CHECK(std::set<std::string_view>{"info", "warn", "error"}.count(level) == 1);  // no debug at info
    events.insert(std::string(event));
    if (event == "connection_rejected") {
      CHECK(std::string_view(doc["reason"]) == "throttled");
      CHECK(doc["peer"].error() == simdjson::NO_SUCH_FIELD);  // addresses only at debug
    }
    if (event == "flooding") {
      CHECK(std::string_view(doc["reason"]) == "flooding");
      CHECK(std::string_view(doc["dialect"]) == "native");
    }
  }
  CHECK(events.count("starting") == 1);
  CHECK(events.count("listening") == 1);
  CHECK(events.count("connection_rejected") == 2);
  CHECK(events.count("flooding") == 1);
  CHECK(events.count("shutting_down") == 1);
  CHECK(events.count("stopped") == 1);
  CHECK(events.count("session_closed") == 0);  // ordinary closes are debug
  // Never in the log: the chat's text, a password (right or wrong), a client's address.
  CHECK(text.find(kSecretText) == std::string::npos);
  CHECK(text.find(kPassword) == std::string::npos);
  CHECK(text.find("carol@example.org") == std::string::npos);
  CHECK(text.find("\"peer\"") == std::string::npos);
  CHECK(text.find("\"127.0.0.1\"") == std::string::npos);  // "address" is the listener's, with its port
}

TEST_CASE("chatd --log-level debug adds clients' addresses and ordinary closes, and still no message or password", "[integration][operations]") {
  TempDir data;
  ChatdProcess chatd(data.path(), with({"--log-level", "debug"}));
  const auto stays = exercise(chatd);
  REQUIRE(chatd.wait_for_log(" flooding "));
  REQUIRE(chatd.wait_for_log(" debug session_closed reason=closed dialect=native client=1 peer=127.0.0.1\n"));
  REQUIRE(chatd.stop() == 0);
  const std::string text = chatd.log_text();
  INFO(text);
  CHECK(text.find(" info connection_rejected reason=throttled peer=127.0.0.1\n") != std::string::npos);
  CHECK(text.find(" info flooding reason=flooding dialect=native client=") != std::string::npos);
  CHECK(text.find(" debug session_closed reason=server_shutdown dialect=native client=2 peer=127.0.0.1\n") !=
        std::string::npos);
  CHECK(text.find(kSecretText) == std::string::npos);
  CHECK(text.find(kPassword) == std::string::npos);
  CHECK(text.find("carol@example.org") == std::string::npos);
}

TEST_CASE("chatd tells systemd READY=1 once it listens and STOPPING=1 when SIGTERM starts its shutdown", "[integration][operations]") {
  TempDir dir;
  const std::string path = dir.path() + "/notify";
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof(address.sun_path));
  std::memcpy(address.sun_path, path.data(), path.size());
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
  const timeval wait{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
  auto next_datagram = [fd]() -> std::string {
    char buffer[256];
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  };
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);  // the child inherits it at fork, as from systemd
  ChatdProcess chatd(dir.path() + "/data", kArgs);
  ::unsetenv("NOTIFY_SOCKET");
  CHECK(next_datagram() == "READY=1\nMAINPID=" + std::to_string(chatd.pid()));
  auto client = native_client(chatd.port(), "Early");  // READY came after the port was open
  CHECK(chatd.stop() == 0);
  CHECK(next_datagram() == "STOPPING=1");
  ::close(fd);
}
