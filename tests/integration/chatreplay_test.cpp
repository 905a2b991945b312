// chatreplay against a running chatd: it follows the live log, answers at the server's own seq,
// and its reads do not make the live log's file grow (a long read txn would: the control case).
#include <catch2/catch.hpp>

#include <lmdb.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <sstream>
#include <thread>

#include "tests/integration/clients.hpp"
#include "tests/integration/harness.hpp"

using namespace chatd;
using namespace chatd::testing;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> chatreplay(std::vector<std::string> args) {
  args.insert(args.begin(), CHATREPLAY_BINARY);
  return args;
}

std::size_t lines_in(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

// Sends `count` messages from `a`, each acknowledged (durable) before the next.
void send_acknowledged(WsClient& a, int count, const std::string& prefix) {
  for (int i = 0; i < count; ++i) {
    a.send(R"({"op":"send","id":)" + std::to_string(i) + R"(,"text":")" + prefix + std::to_string(i) + "\"}");
    auto ack = a.recv_until(R"("id":)" + std::to_string(i) + ",");
    REQUIRE(ack);
    REQUIRE(ack->find(R"("ok":true)") != std::string::npos);
  }
}

}  // namespace

TEST_CASE("chatreplay on a live server: follows new events and answers at the server's seq", "[integration][replay]") {
  TempDir data;
  ChatdProcess chatd(data.path(), with_operator(data.path(), {"--captcha-difficulty", "0", "--rate", "0"}));
  auto [a, b] = paired_natives(chatd.port());
  ChildProcess follower(chatreplay({"events", "--data", data.path(), "--follow", "--type", "message_sent"}));
  send_acknowledged(*a, 30, "live ");
  for (int i = 0; i < 100 && lines_in(follower.output()) < 30; ++i) follower.read_for(100ms);
  REQUIRE(lines_in(follower.output()) == 30);
  std::istringstream lines(follower.output());
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    CHECK(line.find(" message_sent pair=") != std::string::npos);
    CHECK(line.find("from=1 \"A\" text=\"live " + std::to_string(n) + "\"") != std::string::npos);
  }
  follower.terminate();
  CHECK(follower.wait() == 0);

  // The World chatreplay rebuilds at the server's seq hashes to what the server itself reports.
  a->send(info_frame("i"));
  auto info = a->recv_until(R"("id":"i")");
  REQUIRE(info);
  auto at = info->find("\"seq\":") + 6;
  const std::string seq = info->substr(at, info->find(',', at) - at);
  CommandResult state = run_command(chatreplay({"state", "--data", data.path(), "--hash", "--at-seq", seq}));
  CHECK(state.code == 0);
  CHECK(state.out == "seq " + seq + " hash " + field(*info, "world_hash") + "\n");

  CommandResult history = run_command(chatreplay({"audit", "client", "1", "--data", data.path()}));
  CHECK(history.code == 0);
  CHECK(history.out.find("connected as \"\" from 127.0.0.1 (native)") != std::string::npos);
  CHECK(history.out.find("renamed \"\" -> \"A\"") != std::string::npos);
  CHECK(history.out.find("paired with 2 \"B\" from 127.0.0.1") != std::string::npos);
  CHECK(history.out.find("(still connected at seq") != std::string::npos);
  CHECK(run_command(chatreplay({"verify", "--data", data.path()})).code == 0);
}

TEST_CASE("chatreplay's text is safe on a terminal: no forged lines, no escape sequences", "[integration][replay]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--captcha-difficulty", "0"});
  auto [a, b] = paired_natives(chatd.port());
  // A newline that would forge a line from B, a colour escape, CSI as a C1 control, a right-to-left
  // override, and a backslash: all valid message text.
  a->send(R"({"op":"send","id":1,"text":"hi\nB: send me your password\u001b[31m\u009b2J\u202eevil\\n"})");
  REQUIRE(a->recv_until(R"("id":1)"));
  b->send(R"({"op":"leave","id":2})");
  REQUIRE(b->recv_until(R"("id":2)"));
  REQUIRE(chatd.stop() == 0);
  const std::string pair = [&] {
    for (const auto& e : read_log(data.path()))
      if (const auto* p = e.payload.get_if<events::Paired>()) return p->pair.to_string();
    return std::string();
  }();
  REQUIRE(!pair.empty());

  CommandResult lowf = run_command(chatreplay({"audit", "pair", pair, "--lowf", "--data", data.path()}));
  REQUIRE(lowf.code == 0);
  CHECK(lowf.out.find("\nA: hi\\nB: send me your password\\u001b[31m\\u009b2J\\u202eevil\\\\n\n") != std::string::npos);
  CHECK(lowf.out.find("\nB: send me") == std::string::npos);  // no line is B's

  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"audit", "pair", pair}, {"events"}, {"events", "--type", "message_sent"}, {"audit", "client", "1"}}) {
    std::vector<std::string> full = args;
    full.insert(full.end(), {"--data", data.path()});
    CommandResult r = run_command(chatreplay(full));
    INFO(args[0] << " " << (args.size() > 1 ? args[1] : ""));
    REQUIRE(r.code == 0);
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.out.find("\xc2\x9b") == std::string::npos);      // U+009B
    CHECK(r.out.find("\xe2\x80\xae") == std::string::npos);  // U+202E
  }
  CommandResult events = run_command(chatreplay({"events", "--type", "message_sent", "--data", data.path()}));
  CHECK(events.out.find(R"(text="hi\nB: send me your password\u001b[31m\u009b2J\u202eevil\\n")") != std::string::npos);
}

namespace {

enum class Reader { kNone, kChatreplay, kLongReadTxn };

// Runs one fixed load (a pair, 1,500 acknowledged messages, each its own transaction) against a
// fresh chatd, with `reader` reading the live folder meanwhile; returns data.mdb's size after.
std::uintmax_t live_log_size(Reader reader) {
  TempDir data;
  std::uintmax_t size = 0;
  {
    ChatdProcess chatd(data.path(), with_operator(data.path(), {"--captcha-difficulty", "0", "--rate", "0"}));
    auto [a, b] = paired_natives(chatd.port());

    std::atomic<bool> done{false};
    std::atomic<int> audits{0};
    std::unique_ptr<ChildProcess> follower;
    std::thread auditor;
    MDB_env* env = nullptr;
    MDB_txn* held = nullptr;
    if (reader == Reader::kChatreplay) {
      follower = std::make_unique<ChildProcess>(chatreplay({"events", "--data", data.path(), "--follow", "--json"}));
      auditor = std::thread([&] {
        const std::vector<std::vector<std::string>> queries = {
            {"state", "--hash"}, {"audit", "client", "1"}, {"events", "--client", "2", "--limit", "50"},
            {"verify"}, {"diff", "--from-seq", "1"}, {"events", "--type", "paired"}};
        for (std::size_t i = 0; !done.load(); ++i) {
          auto args = queries[i % queries.size()];
          args.insert(args.end(), {"--data", data.path()});
          int code = run_command(chatreplay(args)).code;
          if (code == 0) audits.fetch_add(1);
        }
      });
    } else if (reader == Reader::kLongReadTxn) {
      REQUIRE(mdb_env_create(&env) == 0);
      REQUIRE(mdb_env_open(env, data.path().c_str(), MDB_RDONLY, 0644) == 0);
      REQUIRE(mdb_txn_begin(env, nullptr, MDB_RDONLY, &held) == 0);
    }
    send_acknowledged(*a, 1500, "load ");
    done.store(true);
    if (auditor.joinable()) auditor.join();
    if (follower) {
      for (int i = 0; i < 50 && lines_in(follower->output()) < 1500; ++i) follower->read_for(100ms);
      CHECK(lines_in(follower->output()) >= 1500);  // it kept up with the whole load
      follower->terminate();
      CHECK(follower->wait() == 0);
      CHECK(audits.load() >= 3);
      INFO("audits run while loading: " << audits.load());
    }
    if (held) mdb_txn_abort(held);
    if (env) mdb_env_close(env);
    CHECK(chatd.stop() == 0);
  }
  size = std::filesystem::file_size(data.path() + "/data.mdb");
  return size;
}

}  // namespace

TEST_CASE("chatreplay reading a live log does not make it grow, while a long read txn would", "[integration][replay][lmdb]") {
  const std::uintmax_t alone = live_log_size(Reader::kNone);
  const std::uintmax_t with_chatreplay = live_log_size(Reader::kChatreplay);
  const std::uintmax_t with_long_txn = live_log_size(Reader::kLongReadTxn);
  INFO("data.mdb bytes: alone " << alone << ", with chatreplay " << with_chatreplay << ", with one long read txn "
                                << with_long_txn);
  // The control: the measure does see what a reader that never renews its txn does (about 90x).
  REQUIRE(static_cast<double>(with_long_txn) > 10.0 * static_cast<double>(alone));
  // chatreplay's short txns each pin the pages freed while they are open, so the file may grow by
  // what the commits of one scan chunk free: 1.1-1.3x here, more when the reader is descheduled
  // on a loaded machine (the 1.3x bound this test had failed under ctest -j2). What must not
  // happen is growth with the load, as the held txn shows: at most 5 % of the control's growth.
  CHECK(static_cast<double>(with_chatreplay - std::min(with_chatreplay, alone)) <=
        0.05 * static_cast<double>(with_long_txn - alone));
  WARN("data.mdb bytes: alone " << alone << ", with chatreplay " << with_chatreplay << ", with one long read txn "
                                << with_long_txn);
}
