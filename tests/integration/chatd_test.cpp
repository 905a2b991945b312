// Integration tests: the real chatd over real WebSocket, in both dialects.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <thread>

#include "events/lmdb_log.hpp"
#include "projections/rebuild.hpp"
#include "tests/integration/clients.hpp"
#include "tests/integration/harness.hpp"

using namespace chatd;
using namespace chatd::testing;
using namespace std::chrono_literals;
using events::DisconnectReason;


TEST_CASE("native: two strangers pair, chat, leave and report", "[integration][native]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  auto alice = native_client(chatd.port(), "Alice");
  auto bob = native_client(chatd.port(), "Bob");

  alice->send(R"({"op":"search","id":1})");
  CHECK(alice->recv() == std::optional<std::string>(R"({"type":"reply","id":1,"ok":true})"));
  CHECK(alice->recv() == std::optional<std::string>(R"({"type":"state","state":"looking"})"));
  bob->send(R"({"op":"search","id":2})");
  CHECK(bob->recv() == std::optional<std::string>(R"({"type":"reply","id":2,"ok":true})"));
  auto bob_paired = bob->recv();
  auto alice_paired = alice->recv();
  REQUIRE(bob_paired);
  REQUIRE(alice_paired);
  CHECK(bob_paired->find(R"("partner":"Alice")") != std::string::npos);
  CHECK(alice_paired->find(R"("partner":"Bob")") != std::string::npos);
  std::string pair = field(*alice_paired, "pair");
  CHECK(field(*bob_paired, "pair") == pair);

  alice->send(R"({"op":"send","id":3,"text":"hello bob \"quoted\" \u00e9"})");
  CHECK(alice->recv() == std::optional<std::string>(R"({"type":"reply","id":3,"ok":true})"));
  CHECK(bob->recv() == std::optional<std::string>(R"({"type":"message","pair":")" + pair +
                                                  R"(","from":"Alice","text":"hello bob \"quoted\" é"})"));
  bob->send(R"({"op":"send","id":4,"text":""})");
  auto empty = bob->recv();
  REQUIRE(empty);
  CHECK(empty->find(R"("ok":false,"error":"invalid_message")") != std::string::npos);

  bob->send(R"({"op":"leave","id":5})");
  CHECK(bob->recv() == std::optional<std::string>(R"({"type":"reply","id":5,"ok":true})"));
  CHECK(bob->recv() == std::optional<std::string>(R"({"type":"state","state":"disconnected","pair":")" + pair + "\"}"));
  CHECK(alice->recv() == std::optional<std::string>(R"({"type":"partner_left","pair":")" + pair + "\"}"));

  alice->send(R"({"op":"report","id":6,"reason":"rude"})");
  CHECK(alice->recv() == std::optional<std::string>(R"({"type":"reply","id":6,"ok":true})"));
  alice->send(R"({"op":"report","id":7})");
  auto again = alice->recv();
  REQUIRE(again);
  CHECK(again->find(R"("error":"already_reported")") != std::string::npos);

  alice.reset();
  bob.reset();
  REQUIRE(chatd.stop() == 0);
  auto log = read_log(data.path());
  auto reports = events_of<events::Reported>(log);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].reason == "rude");
  CHECK(reports[0].pair.to_string() == pair);
  auto messages = events_of<events::MessageSent>(log);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].text == "hello bob \"quoted\" \xc3\xa9");
}

TEST_CASE("native: the captcha is required and enforced", "[integration][native][captcha]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--captcha-difficulty", "2000"});
  WsClient c(chatd.port(), "/");
  auto hello = c.recv();
  REQUIRE(hello);
  CHECK(hello->find(R"("captcha":{"algorithm":"SHA-256","challenge":")") != std::string::npos);

  c.send(R"({"op":"search","id":1})");
  auto refused = c.recv();
  REQUIRE(refused);
  CHECK(refused->find(R"("error":"captcha_required")") != std::string::npos);
  c.send(R"({"op":"name","id":2,"name":"Carol"})");
  CHECK(c.recv() == std::optional<std::string>(R"({"type":"reply","id":2,"ok":true})"));

  // A solution for someone else's challenge is refused.
  WsClient other(chatd.port(), "/");
  auto other_hello = other.recv();
  REQUIRE(other_hello);
  c.send(solve_hello_captcha(*other_hello, "3"));
  auto wrong = c.recv();
  REQUIRE(wrong);
  CHECK(wrong->find(R"("error":"captcha_invalid","message":"captcha_not_issued_here")") != std::string::npos);

  // A payload that does not decode is malformed (it used to be reported as someone else's).
  c.send(R"({"op":"captcha","id":"g","payload":"%%% not base64"})");
  auto garbled = c.recv();
  REQUIRE(garbled);
  CHECK(garbled->find(R"("error":"captcha_invalid","message":"captcha_malformed")") != std::string::npos);

  c.send(solve_hello_captcha(*hello, "4"));
  auto ok = c.recv();
  REQUIRE(ok);
  CHECK(ok->find(R"({"type":"reply","id":4,"ok":true,"client":)") == 0);
  c.send(R"({"op":"search","id":5})");
  CHECK(c.recv() == std::optional<std::string>(R"({"type":"reply","id":5,"ok":true})"));

  REQUIRE(chatd.stop() == 0);
  auto log = read_log(data.path());
  auto connected = events_of<events::ClientConnected>(log);
  REQUIRE(connected.size() == 1);  // the other connection never passed the gate: no event
  CHECK(connected[0].name == "Carol");
  CHECK(events_of<events::CaptchaFailed>(log).size() == 2);
}

TEST_CASE("lowf: exactly lowf's protocol", "[integration][lowf]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {});  // the lowf dialect needs no captcha by default
  WsClient a(chatd.port(), "/lowf");
  WsClient b(chatd.port(), "/lowf");
  a.send(R"({"type":"command","body":4,"message":"Alice"})");
  a.send(R"({"type":"command","body":0})");
  CHECK(a.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  b.send(R"({"type":"command","body":4,"message":"Bob"})");
  b.send(R"({"type":"command","body":0})");
  // Paired at once, Bob still hears LOOKING first: lowf's page opens the chat view on state 1 and
  // would otherwise stay on its start page with the pair running.
  CHECK(b.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  CHECK(b.recv() == std::optional<std::string>(R"({"type":"state","body":2,"message":"Alice"})"));
  CHECK(a.recv() == std::optional<std::string>(R"({"type":"state","body":2,"message":"Bob"})"));

  // The sender's own message is echoed: lowf's page shows its own lines from the echo.
  a.send(R"({"type":"command","body":2,"message":"hello bob"})");
  CHECK(a.recv() == std::optional<std::string>(R"({"type":"message","body":"Alice","message":"hello bob"})"));
  CHECK(b.recv() == std::optional<std::string>(R"({"type":"message","body":"Alice","message":"hello bob"})"));

  b.send(R"({"type":"command","body":4,"message":"Robert"})");
  std::string renamed = R"({"type":"message","body":0,"message":"Bob has changed names. Their name is now Robert."})";
  CHECK(b.recv() == std::optional<std::string>(renamed));
  CHECK(a.recv() == std::optional<std::string>(renamed));

  // Commands not allowed in the state are ignored silently, as lowf does.
  a.send(R"({"type":"command","body":0})");
  a.send(R"({"type":"command","body":1})");
  auto left_a = a.recv();
  auto left_b = b.recv();
  REQUIRE(left_a);
  REQUIRE(left_b);
  CHECK(left_a->find(R"({"type":"state","body":3,"message":")") == 0);
  CHECK(*left_a == *left_b);  // both get the pair id
  std::string pair = field(*left_a, "message");
  CHECK(pair.size() == 36);

  b.send(R"({"type":"command","body":3})");  // report: no reply in lowf
  b.send(R"({"type":"command","body":0})");
  CHECK(b.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));

  // A malformed command closes the connection with a reason (lowf left a zombie socket).
  a.send(R"({"type":"command","body":"1"})");
  CHECK_FALSE(a.recv());
  CHECK(a.closed());
  CHECK(a.close_info().code == 1008);
  CHECK(a.close_info().reason == "malformed command: body must be a command number from 0 to 4");

  REQUIRE(chatd.stop() == 0);
  auto log = read_log(data.path());
  auto reports = events_of<events::Reported>(log);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].pair.to_string() == pair);
  auto gone = events_of<events::ClientDisconnected>(log);
  REQUIRE(!gone.empty());
  CHECK(gone[0].reason == events::DisconnectReason::kMalformed);
}

TEST_CASE("a lowf client and a native client can be paired", "[integration][lowf][native]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  auto n = native_client(chatd.port(), "Nat");
  WsClient l(chatd.port(), "/lowf");
  l.send(R"({"type":"command","body":4,"message":"Low"})");
  l.send(R"({"type":"command","body":0})");
  CHECK(l.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  n->send(R"({"op":"search"})");
  auto paired = n->recv();
  REQUIRE(paired);
  CHECK(paired->find(R"("partner":"Low")") != std::string::npos);
  CHECK(l.recv() == std::optional<std::string>(R"({"type":"state","body":2,"message":"Nat"})"));
  n->send(R"({"op":"send","text":"hi low"})");
  CHECK(l.recv() == std::optional<std::string>(R"({"type":"message","body":"Nat","message":"hi low"})"));
}

TEST_CASE("malformed and oversized frames close the connection with a reason", "[integration][native]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--captcha-difficulty", "0", "--max-frame", "1024"});
  {
    auto c = native_client(chatd.port(), "x");
    c->send("{not json");
    CHECK_FALSE(c->recv());
    CHECK(c->close_info().code == 1008);
    CHECK(c->close_info().reason == "malformed frame: not a JSON object");
  }
  {
    auto c = native_client(chatd.port(), "y");
    c->send(R"({"op":"send","text":")" + std::string(2000, 'a') + "\"}");
    CHECK_FALSE(c->recv());
    CHECK(c->close_info().code == 1009);
  }
  {
    auto c = native_client(chatd.port(), "z");
    c->send_binary("\x01\x02");
    CHECK_FALSE(c->recv());
    CHECK(c->close_info().code == 1008);
  }
  {
    // Unknown ops and ill-typed fields get an error reply; the connection stays.
    auto c = native_client(chatd.port(), "w");
    c->send(R"({"op":"dance","id":1})");
    auto r = c->recv();
    REQUIRE(r);
    CHECK(r->find(R"("error":"unknown_op")") != std::string::npos);
    c->send(R"({"op":"send","id":2,"text":5})");
    r = c->recv();
    REQUIRE(r);
    CHECK(r->find(R"("error":"bad_request")") != std::string::npos);
    c->send(R"({"op":"ping","id":3})");
    CHECK(c->recv() == std::optional<std::string>(R"({"type":"reply","id":3,"ok":true})"));
  }
  REQUIRE(chatd.stop() == 0);
  auto gone = events_of<events::ClientDisconnected>(read_log(data.path()));
  int malformed = 0;
  for (const auto& g : gone) malformed += g.reason == events::DisconnectReason::kMalformed;
  CHECK(malformed == 3);
}

namespace {

// A sender paired with a "sleeper": a client with a small receive buffer that never reads again.
struct SenderAndSleeper {
  std::unique_ptr<WsClient> sender, sleeper;
};
SenderAndSleeper pair_with_sleeper(std::uint16_t port) {
  SenderAndSleeper p{native_client(port, "Sender"), std::make_unique<WsClient>(port, "/", 4096)};
  REQUIRE(p.sleeper->recv());
  p.sleeper->send(R"({"op":"search"})");
  REQUIRE(p.sleeper->recv());
  p.sender->send(R"({"op":"search"})");
  REQUIRE(p.sender->recv_until("\"paired\""));
  return p;
}

// Sends 1 KB messages (at most 2,000) to a sleeper until the sender hears that its partner left.
// Returns whether it did.
bool flood_a_sleeper(std::uint16_t port) {
  auto [sender, sleeper] = pair_with_sleeper(port);
  std::string text(1000, 'x');
  for (int i = 0; i < 2000; ++i) {
    sender->send(R"({"op":"send","id":)" + std::to_string(i) + R"(,"text":")" + text + "\"}");
    auto r = sender->recv();
    REQUIRE(r);
    if (r->find("partner_left") != std::string::npos) return true;
  }
  return sender->recv_until("partner_left", 10s).has_value();
}

DisconnectReason first_disconnect_reason(const std::string& dir) {
  auto gone = events_of<events::ClientDisconnected>(read_log(dir));
  REQUIRE_FALSE(gone.empty());
  return gone[0].reason;
}

}  // namespace

TEST_CASE("a reader that never reads is disconnected, and memory stays bounded", "[integration][slow]") {
  // Each limit alone must end the sleeper: its own queue, all queues together, a stalled write. The
  // limits not under test are set out of reach (a flood is at most 2,000 frames of 1 KB), so that
  // the one under test is the one that acts, however fast the machine.
  auto [flag, value] = GENERATE(std::pair<std::string, std::string>{"--max-queued-bytes", "65536"},
                                std::pair<std::string, std::string>{"--max-total-queued-bytes", "65536"},
                                std::pair<std::string, std::string>{"--write-timeout", "0.5"});
  INFO(flag << " " << value);
  std::vector<std::string> args{"--captcha-difficulty", "0", "--rate", "0", "--max-inflight", "4096",
                                "--socket-send-buffer", "4096"};
  for (std::string limit : {"--max-queued-bytes", "--max-total-queued-bytes"})
    if (limit != flag) args.insert(args.end(), {limit, "67108864"});
  if (flag != "--write-timeout") args.insert(args.end(), {"--write-timeout", "0"});
  args.insert(args.end(), {flag, value});
  TempDir data;
  ChatdProcess chatd(data.path(), args);
  CHECK(flood_a_sleeper(chatd.port()));
  REQUIRE(chatd.stop() == 0);
  CHECK(first_disconnect_reason(data.path()) == DisconnectReason::kSlowReader);
}

TEST_CASE("with every timeout off, idle sessions cost no CPU", "[integration][idle]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--captcha-difficulty", "0", "--silence-timeout", "0", "--idle-timeout", "0"});
  auto a = native_client(chatd.port(), "A");
  auto b = native_client(chatd.port(), "B");
  a->send(R"({"op":"search"})");
  b->send(R"({"op":"search"})");
  REQUIRE(b->recv_until("paired"));
  // A watchdog with no deadline must sleep, not spin: over a second of wall time the server may
  // use a small fraction of a second of CPU (a spinning network thread would use all of it).
  double before = cpu_seconds(chatd.pid());
  std::this_thread::sleep_for(1s);
  double used = cpu_seconds(chatd.pid()) - before;
  CHECK(used < 0.3);
  a->send(R"({"op":"ping","id":1})");
  CHECK(a->recv_until(R"("id":1)"));
}

TEST_CASE("silence: a client that answers pings stays, one that neither sends nor answers is closed",
          "[integration][idle]") {
  TempDir data;
  // Pings every 333 ms; 1 s without a frame or a pong ends a connection.
  ChatdProcess chatd(data.path(), {"--captcha-difficulty", "0", "--idle-timeout", "0", "--silence-timeout", "1"});
  auto listening = native_client(chatd.port(), "Listens");  // reads, so its client answers pings
  auto quiet = native_client(chatd.port(), "Quiet");        // reads nothing, so answers nothing
  CHECK_FALSE(listening->recv(2500ms));  // nothing but pings arrive, and they are answered
  CHECK_FALSE(listening->closed());
  // (Listens reads no more now: the server is stopped well before its next silence deadline.)
  CHECK_FALSE(quiet->recv_until("never", 5s));
  CHECK(quiet->closed());
  CHECK(quiet->close_info().code == 1000);
  CHECK(quiet->close_info().reason == "idle: no frame and no pong for too long");
  REQUIRE(chatd.stop() == 0);
  // Quiet while the server ran; Listens only at the stop.
  CHECK(disconnect_reasons(data.path()) == std::vector{DisconnectReason::kSilent, DisconnectReason::kServerShutdown});
}

TEST_CASE("idle: a client LOOKING too long is disconnected with a reason", "[integration][idle]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--captcha-difficulty", "0", "--idle-timeout", "0.3"});
  auto c = native_client(chatd.port(), "Idle");
  c->send(R"({"op":"search","id":1})");
  REQUIRE(c->recv_until("looking"));
  CHECK_FALSE(c->recv(5s));
  CHECK(c->closed());
  CHECK(c->close_info().code == 1000);
  CHECK(c->close_info().reason == "idle: looking for too long");
  REQUIRE(chatd.stop() == 0);
  CHECK(disconnect_reasons(data.path()) == std::vector{DisconnectReason::kIdleState});
}

TEST_CASE("idle: a client that only answers pings after connecting is disconnected with a reason", "[integration][idle]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--idle-connected", "0.4", "--idle-timeout", "0", "--silence-timeout", "1"});
  WsClient lingers(chatd.port(), "/lowf");
  WsClient searches(chatd.port(), "/lowf");
  lingers.send(R"({"type":"command","body":4,"message":"Lingers"})");  // a name marks nothing: still CONNECTED
  searches.send(R"({"type":"command","body":0})");
  CHECK(searches.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  CHECK_FALSE(lingers.recv(5s));  // pings come and are answered; then the close
  CHECK(lingers.closed());
  CHECK(lingers.close_info().code == 1000);
  CHECK(lingers.close_info().reason == "idle: connected for too long");
  CHECK_FALSE(searches.recv(1200ms));  // LOOKING, with --idle-timeout 0: it stays
  CHECK_FALSE(searches.closed());
  REQUIRE(chatd.stop() == 0);
  CHECK(disconnect_reasons(data.path()) == std::vector{DisconnectReason::kIdleState, DisconnectReason::kServerShutdown});
}

TEST_CASE("a ping flood is counted by the rate limit and closed as flooding", "[integration][limits]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--captcha-difficulty", "0", "--rate", "20"});
  auto flooder = native_client(chatd.port(), "Pings");
  auto calm = native_client(chatd.port(), "Calm");
  // Far past the burst (40) and the rejections allowed (20): the writes land in socket buffers
  // even after the server's close, which the client sees when it reads.
  for (int i = 0; i < 2000 && flooder->send_ping(); ++i) {
  }
  CHECK_FALSE(flooder->recv_until("never", 5s));
  CHECK(flooder->closed());
  CHECK(flooder->close_info().code == 1008);
  CHECK(flooder->close_info().reason == "flooding: too many pings too fast");
  calm->send(R"({"op":"ping","id":1})");
  CHECK(calm->recv_until(R"("id":1)"));
  REQUIRE(chatd.stop() == 0);
  CHECK(disconnect_reasons(data.path()) == std::vector{DisconnectReason::kFlooding, DisconnectReason::kServerShutdown});
}

TEST_CASE("WebSocket protocol violations are logged as malformed, client or not", "[integration][limits]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--captcha-difficulty", "2000"});
  {
    WsClient client(chatd.port(), "/lowf");  // lowf: a client at once, no captcha
    client.send(R"({"type":"command","body":0})");
    REQUIRE(client.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));  // a client now
    client.send("\xff\xfe not UTF-8");       // a text frame must be UTF-8: 1007
    CHECK_FALSE(client.recv());
    CHECK(client.close_info().code == 1007);
  }
  {
    WsClient stranger(chatd.port(), "/");  // native: not a client until its captcha is solved
    REQUIRE(stranger.recv());              // the hello
    stranger.send("caf\xc3");             // a truncated UTF-8 sequence
    CHECK_FALSE(stranger.recv());
    CHECK(stranger.close_info().code == 1007);
  }
  REQUIRE(chatd.stop() == 0);
  auto log = read_log(data.path());
  auto gone = events_of<events::ClientDisconnected>(log);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].reason == events::DisconnectReason::kMalformed);  // it used to say "closed"
  auto rejected = events_of<events::ConnectionRejected>(log);  // it used to leave nothing
  REQUIRE(rejected.size() == 1);
  CHECK(rejected[0].addr == "127.0.0.1");
  CHECK(rejected[0].reason.rfind("protocol violation: ", 0) == 0);
}

TEST_CASE("connection limits per address, and plain HTTP routes", "[integration][limits]") {
  TempDir data;
  // (Loopback is exempt by default, as a reverse proxy would be: not here.)
  ChatdProcess chatd(data.path(), {"--captcha-difficulty", "0", "--max-connections-per-address", "2", "--throttle-exempt", "none"});
  CHECK(http_status(chatd.port(), "/health", false) == 200);
  CHECK(http_status(chatd.port(), "/nope", false) == 404);
  CHECK(http_status(chatd.port(), "/elsewhere", true) == 404);
  WsClient a(chatd.port(), "/lowf");
  WsClient b(chatd.port(), "/");
  REQUIRE(b.recv());
  CHECK(http_status(chatd.port(), "/lowf", true) == 429);
}

TEST_CASE("crash safety: every acknowledged message survives SIGKILL", "[integration][crash]") {
  TempDir data;
  std::set<std::string> acknowledged;
  std::string hash_before;
  Seq seq_before = 0;
  {
    ChatdProcess chatd(data.path(), with_operator(data.path(), {"--captcha-difficulty", "0", "--rate", "0"}));
    auto [a, b] = paired_natives(chatd.port());
    auto c = native_client(chatd.port(), "C");
    c->send(R"({"op":"search"})");  // C waits: a pending search for the restart to drop
    REQUIRE(c->recv_until("looking"));
    for (int i = 0; i < 200; ++i) {
      std::string text = "message " + std::to_string(i);
      a->send(R"({"op":"send","id":)" + std::to_string(i) + R"(,"text":")" + text + "\"}");
      auto ack = a->recv_until(R"("id":)" + std::to_string(i) + ",");
      REQUIRE(ack);
      REQUIRE(ack->find(R"("ok":true)") != std::string::npos);
      acknowledged.insert(text);
    }
    a->send(info_frame("i"));
    auto info = a->recv_until(R"("id":"i")");
    REQUIRE(info);
    hash_before = field(*info, "world_hash");
    auto at = info->find("\"seq\":") + 6;
    seq_before = std::stoull(info->substr(at, info->find(',', at) - at));
    chatd.kill_hard();
  }
  ChatdProcess restarted(data.path(), kNoCaptcha);
  auto log = read_log(data.path());
  std::set<std::string> logged;
  for (const auto& m : events_of<events::MessageSent>(log)) logged.insert(m.text);
  for (const auto& text : acknowledged) CHECK(logged.count(text) == 1);

  // The World rebuilt up to the kill equals the World the server reported before it.
  events::LmdbLog::Options ro;
  ro.read_only = true;
  std::unique_ptr<events::LmdbLog> reader;
  REQUIRE(events::LmdbLog::open(data.path(), ro, &reader).ok());
  projections::World before;
  REQUIRE(projections::rebuild(*reader, before, seq_before).ok());
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(before.hash()));
  CHECK(hash_before == hex);
  using projections::SessionState;
  using projections::StrangerState;
  CHECK(before.get<SessionState>().clients.size() == 3);
  CHECK(before.get<StrangerState>().pairs.size() == 1);
  CHECK(before.get<StrangerState>().waiting.size() == 1);

  // The restart's first event ends exactly what the kill left behind, and nothing else.
  REQUIRE(log.size() > seq_before);
  const auto& restart = log[seq_before];  // seq_before + 1
  REQUIRE(restart.payload.is<events::ServerStarted>());
  CHECK(restart.payload.as<events::ServerStarted>().ended_clients == 3);
  projections::World after = before;
  REQUIRE(projections::apply(after, restart).ok());
  CHECK(after.get<SessionState>().clients.empty());
  CHECK(after.get<StrangerState>().clients.empty());
  CHECK(after.get<StrangerState>().pairs.empty());
  CHECK(after.get<StrangerState>().waiting.empty());
  CHECK(after.get<StrangerState>().messages == before.get<StrangerState>().messages);
  CHECK(after.get<SessionState>().next_client == before.get<SessionState>().next_client);

  // And the restarted server works.
  auto d = native_client(restarted.port(), "D");
  d->send(R"({"op":"search","id":1})");
  CHECK(d->recv() == std::optional<std::string>(R"({"type":"reply","id":1,"ok":true})"));
}

TEST_CASE("a tiny LMDB map grows while chatd serves, and nothing acknowledged is lost", "[integration][lmdb]") {
  TempDir data;
  std::size_t acknowledged = 0;
  {
    ChatdProcess chatd(data.path(), {"--captcha-difficulty", "0", "--rate", "0", "--map-size", "1", "--max-inflight", "200"});
    auto [a, b] = paired_natives(chatd.port());
    // 3,000 messages of 1 KB: about 3 MB of log in a map that starts at 1 MiB.
    std::string text(1000, 'g');
    for (int window = 0; window < 30; ++window) {
      for (int i = 0; i < 100; ++i)
        a->send(R"({"op":"send","id":)" + std::to_string(window * 100 + i) + R"(,"text":")" + text + "\"}");
      for (int i = 0; i < 100; ++i) {
        auto ack = a->recv_until("\"reply\"", 10s);
        REQUIRE(ack);
        REQUIRE(ack->find(R"("ok":true)") != std::string::npos);
        ++acknowledged;
      }
    }
    REQUIRE(chatd.stop() == 0);
  }
  auto messages = events_of<events::MessageSent>(read_log(data.path()));
  CHECK(acknowledged == 3000);
  CHECK(messages.size() == acknowledged);
  events::LmdbLog::Options ro;
  ro.read_only = true;
  std::unique_ptr<events::LmdbLog> log;
  REQUIRE(events::LmdbLog::open(data.path(), ro, &log).ok());
  CHECK(log->map_size() >= (std::size_t{4} << 20));  // it doubled at least twice
}

TEST_CASE("SIGTERM: clients get a close frame and their ends are logged", "[integration][shutdown]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  auto a = native_client(chatd.port(), "A");
  WsClient l(chatd.port(), "/lowf");
  l.send(R"({"type":"command","body":0})");
  REQUIRE(l.recv());
  REQUIRE(chatd.stop() == 0);
  CHECK_FALSE(a->recv());
  CHECK(a->close_info().code == 1001);
  CHECK(a->close_info().reason == "server shutting down");
  CHECK(disconnect_reasons(data.path()) == std::vector{DisconnectReason::kServerShutdown, DisconnectReason::kServerShutdown});
}

TEST_CASE("lowf: a refused message and a lying name, as lowf's page meets them", "[integration][lowf]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--max-message", "100"});
  WsClient a(chatd.port(), "/lowf");
  WsClient b(chatd.port(), "/lowf");
  a.send(R"({"type":"command","body":4,"message":"Alice"})");
  // U+202E would print "Alice" reversed and reverse the rest of the line: refused, silently as lowf
  // refuses a name (the name stays Alice); so is a name of zero-width spaces.
  a.send(R"({"type":"command","body":4,"message":"\u202eecilA"})");
  a.send(R"({"type":"command","body":4,"message":"\u200b\u200b"})");
  a.send(R"({"type":"command","body":0})");
  CHECK(a.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  b.send(R"({"type":"command","body":0})");
  CHECK(b.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  CHECK(b.recv() == std::optional<std::string>(R"({"type":"state","body":2,"message":"Alice"})"));
  CHECK(a.recv() == std::optional<std::string>(R"({"type":"state","body":2,"message":""})"));

  // Over --max-message: the sender is told, the partner hears nothing, the log holds nothing.
  a.send(R"({"type":"command","body":2,"message":")" + std::string(101, 'x') + "\"}");
  CHECK(a.recv() == std::optional<std::string>(
                        R"({"type":"message","body":0,"message":"Your message was not sent: the message is longer than the server allows."})"));
  a.send(R"({"type":"command","body":2,"message":")" + std::string(100, 'y') + "\"}");
  const std::string fits = R"({"type":"message","body":"Alice","message":")" + std::string(100, 'y') + "\"}";
  CHECK(a.recv() == std::optional<std::string>(fits));
  CHECK(b.recv() == std::optional<std::string>(fits));  // the first frame b gets since pairing

  REQUIRE(chatd.stop() == 0);
  auto log = read_log(data.path());
  auto messages = events_of<events::MessageSent>(log);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].text == std::string(100, 'y'));
  for (const auto& n : events_of<events::NameChanged>(log)) CHECK(n.name == "Alice");
}

// lowf's page sends a message per frame, as fast as the user pastes: a burst past the in-flight
// bound (32) and the rate burst (40), on the defaults, must arrive whole and in order.
TEST_CASE("lowf: a burst of 50 messages is delivered whole and in order", "[integration][lowf]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--lowf-path", "*", "--native-path", "/native"});  // as lowf's page needs
  WsClient a(chatd.port(), "/worker.js");
  WsClient b(chatd.port(), "/worker.js");
  a.send(R"({"type":"command","body":0})");
  CHECK(a.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  b.send(R"({"type":"command","body":0})");
  CHECK(b.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  CHECK(b.recv() == std::optional<std::string>(R"({"type":"state","body":2,"message":""})"));
  CHECK(a.recv() == std::optional<std::string>(R"({"type":"state","body":2,"message":""})"));
  for (int i = 0; i < 50; ++i) a.send(R"({"type":"command","body":2,"message":"m)" + std::to_string(i) + "\"}");
  for (int i = 0; i < 50; ++i) {
    const std::string expected = R"({"type":"message","body":"","message":"m)" + std::to_string(i) + "\"}";
    REQUIRE(b.recv() == std::optional<std::string>(expected));
    REQUIRE(a.recv() == std::optional<std::string>(expected));  // lowf echoes the sender's own
  }
  REQUIRE(chatd.stop() == 0);
  CHECK(events_of<events::MessageSent>(read_log(data.path())).size() == 50);
  CHECK(disconnect_reasons(data.path()) == std::vector{DisconnectReason::kServerShutdown, DisconnectReason::kServerShutdown});
}

TEST_CASE("native: a burst past the in-flight bound is answered in order, never busy", "[integration][native]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  auto [a, b] = paired_natives(chatd.port());
  // 55 at once: past the in-flight bound (32) and the rate burst (40, two of it spent on the
  // name and the search); the 17 over the rate wait for their tokens, under the 20 in a row
  // that make a flood.
  for (int i = 0; i < 55; ++i) a->send(R"({"op":"send","id":)" + std::to_string(i) + R"(,"text":"t)" + std::to_string(i) + R"("})");
  for (int i = 0; i < 55; ++i) {
    auto reply = a->recv_until(R"("type":"reply")");
    REQUIRE(reply);
    REQUIRE(reply->find(R"("id":)" + std::to_string(i) + ",") != std::string::npos);
    REQUIRE(reply->find(R"("ok":true)") != std::string::npos);
  }
  for (int i = 0; i < 55; ++i) REQUIRE(b->recv_until(R"("text":"t)" + std::to_string(i) + "\""));
}

TEST_CASE("a client that keeps sending past the rate is slowed, then closed as flooding", "[integration][limits]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--rate", "20", "--rate-burst", "40", "--flood-after", "2"});
  WsClient a(chatd.port(), "/lowf");
  WsClient calm(chatd.port(), "/lowf");
  a.send(R"({"type":"command","body":0})");
  CHECK(a.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  // The burst (40) passes, then frames slowed to the rate for 2 s; then it is a flood.
  for (int i = 0; i < 200; ++i) a.send(R"({"type":"command","body":3})");
  CHECK_FALSE(a.recv_until("never", 10s));
  CHECK(a.closed());
  CHECK(a.close_info().code == 1008);
  CHECK(a.close_info().reason == "flooding: too many commands too fast");
  calm.send(R"({"type":"command","body":0})");
  CHECK(calm.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  REQUIRE(chatd.stop() == 0);
  CHECK(disconnect_reasons(data.path()) == std::vector{DisconnectReason::kFlooding, DisconnectReason::kServerShutdown});
}

TEST_CASE("native: names with bidirectional controls or nothing visible are refused with a reason", "[integration][native]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  auto c = native_client(chatd.port(), "Carol");
  c->send(R"({"op":"name","id":1,"name":"Bob\u202e"})");
  CHECK(c->recv() == std::optional<std::string>(
                         R"({"type":"reply","id":1,"ok":false,"error":"invalid_name","message":"the name contains a bidirectional control character"})"));
  c->send(R"({"op":"name","id":2,"name":"\u3164"})");
  CHECK(c->recv() == std::optional<std::string>(
                         R"({"type":"reply","id":2,"ok":false,"error":"invalid_name","message":"the name has no visible character"})"));
  c->send(R"({"op":"name","id":3,"name":"Caro\u200dl"})");
  CHECK(c->recv() == std::optional<std::string>(R"({"type":"reply","id":3,"ok":true})"));
}

TEST_CASE("lowf's page can be served at the root path", "[integration][lowf]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--lowf-path", "/", "--native-path", "/native", "--captcha-difficulty", "0"});
  WsClient l(chatd.port(), "/");
  l.send(R"({"type":"command","body":0})");
  CHECK(l.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  WsClient n(chatd.port(), "/native");
  auto hello = n.recv();
  REQUIRE(hello);
  CHECK(hello->find("\"type\":\"hello\"") != std::string::npos);
}

TEST_CASE("lowf's page as it connects: from its Web Worker, to /worker.js", "[integration][lowf]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--lowf-path", "*", "--native-path", "/native", "--captcha-difficulty", "0"});
  // The page's Worker opens wss://HOST/worker.js (a Worker's location is its script): lowf there,
  // and on any other path the native dialect does not claim; plain HTTP routes are unchanged.
  WsClient worker(chatd.port(), "/worker.js");
  WsClient other(chatd.port(), "/some/where?x=1");
  worker.send(R"({"type":"command","body":4,"message":"Page"})");
  worker.send(R"({"type":"command","body":0})");
  CHECK(worker.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  other.send(R"({"type":"command","body":0})");
  CHECK(other.recv() == std::optional<std::string>(R"({"type":"state","body":1})"));
  CHECK(other.recv() == std::optional<std::string>(R"({"type":"state","body":2,"message":"Page"})"));
  CHECK(worker.recv() == std::optional<std::string>(R"({"type":"state","body":2,"message":""})"));
  WsClient n(chatd.port(), "/native");
  auto hello = n.recv();
  REQUIRE(hello);
  CHECK(hello->find("\"type\":\"hello\"") != std::string::npos);
  CHECK(http_status(chatd.port(), "/health", false) == 200);
  CHECK(http_status(chatd.port(), "/worker.js", false) == 404);  // chatd serves no files
}

TEST_CASE("a peer that half-closes while a write to it is stuck does not hold its session", "[integration][slow]") {
  TempDir data;
  // No queue bound and no write timeout can end this session: only noticing the half-close can.
  ChatdProcess chatd(data.path(), {"--captcha-difficulty", "0", "--rate", "0", "--max-inflight", "4096",
                                   "--socket-send-buffer", "4096", "--write-timeout", "0",
                                   "--max-queued-bytes", "100000000"});
  auto [sender, sleeper] = pair_with_sleeper(chatd.port());
  std::string text(1000, 'h');
  for (int i = 0; i < 300; ++i) {  // 300 KB: far more than the socket buffers hold
    sender->send(R"({"op":"send","id":)" + std::to_string(i) + R"(,"text":")" + text + "\"}");
    REQUIRE(sender->recv_until("\"reply\""));
  }
  std::size_t files = open_files(chatd.pid());
  sleeper->shutdown_send();
  CHECK(sender->recv_until("partner_left", 10s));
  // The sleeper's socket is closed by the server although the sleeper never closed its side.
  for (int i = 0; i < 100 && open_files(chatd.pid()) >= files; ++i) std::this_thread::sleep_for(50ms);
  CHECK(open_files(chatd.pid()) == files - 1);
}

TEST_CASE("a peer that never answers our close frame costs no CPU while we wait for it", "[integration][idle]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--captcha-difficulty", "2000", "--captcha-timeout", "0.2"});
  WsClient silent(chatd.port(), "/");  // never reads: the close frame is never answered
  std::this_thread::sleep_for(500ms);   // the gate deadline has passed; chatd waits up to 5 s
  double before = cpu_seconds(chatd.pid());
  std::this_thread::sleep_for(1s);
  CHECK(cpu_seconds(chatd.pid()) - before < 0.3);
}

TEST_CASE("a client whose connection ends as the server stops is still disconnected in the log", "[integration][lowf]") {
  // The connection breaks the protocol at once, before its Connect is answered (the commit is on
  // disk), and the server is stopped right after: the Connect's reply must still reach the session
  // and be answered with the client's Disconnect (it was lost when the network thread stopped first).
  for (int round = 0; round < 3; ++round) {
    TempDir data;
    ChatdProcess chatd(data.path(), {});
    {
      WsClient client(chatd.port(), "/lowf");
      client.send("\xff\xfe not UTF-8");
      CHECK_FALSE(client.recv());
    }
    REQUIRE(chatd.stop() == 0);
    auto log = read_log(data.path());
    REQUIRE(events_of<events::ClientConnected>(log).size() == 1);
    auto gone = events_of<events::ClientDisconnected>(log);
    REQUIRE(gone.size() == 1);
    CHECK(gone[0].reason == events::DisconnectReason::kMalformed);
  }
}
