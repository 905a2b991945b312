// The gates of a session (captcha, rate limit, in-flight bound, idle deadlines), driven with a
// fake clock and a fake transport: the same SessionLogic the WebSocket session runs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "core/accounts/commands.hpp"
#include "net/lowf/dialect.hpp"
#include "net/native/dialect.hpp"
#include "net/session/credential_pool.hpp"
#include "net/session/session_logic.hpp"
#include "tests/support/domains.hpp"

using namespace chatd;
using namespace chatd::events;
using namespace chatd::projections;

namespace {

struct FakeIo : SessionIo {
  std::vector<std::string> sent;
  std::vector<std::pair<Command, std::string>> submitted;
  std::optional<std::pair<std::uint16_t, std::string>> closed;
  bool engine_full = false;
  std::vector<CredentialJob> jobs;
  bool pool_full = false;

  void send(Frame frame) override { sent.emplace_back(frame.view()); }
  bool start_credential(CredentialJob job) override {
    if (pool_full) return false;
    jobs.push_back(std::move(job));
    return true;
  }
  void close(std::uint16_t code, std::string reason) override { closed.emplace(code, std::move(reason)); }
  bool submit(Command c, std::string id) override {
    if (engine_full && !c.type().traits.essential) return false;
    submitted.emplace_back(std::move(c), std::move(id));
    return true;
  }
  bool sent_contains(std::string_view text) const {
    for (const auto& f : sent)
      if (f.find(text) != std::string::npos) return true;
    return false;
  }
};

Outbound reply_to(const Command& c, std::string id, Reply r) {
  Outbound o;
  o.kind = Outbound::Kind::kReply;
  o.command = &c.type();
  o.request_id = std::move(id);
  o.reply = std::move(r);
  return o;
}

Outbound push(Push p) {
  Outbound o;
  o.kind = Outbound::Kind::kPush;
  o.idle = p.idle;
  o.ends_client = p.ends_client;
  o.push = std::make_shared<const Push>(std::move(p));
  return o;
}

// The pushes stranger chat sends when a client starts looking, and when it is paired.
Outbound looking() { return push(Push{.body = StatePush{ClientState::kLooking}, .idle = IdleMark::idle("looking", "stranger")}); }
Outbound paired() { return push(Push{.body = PairedPush{}, .idle = IdleMark::active("stranger")}); }

struct Fixture {
  NativeDialect native;
  SessionOptions options;
  FakeIo io;
  ManualClock clock{1'795'310'400'000};
  CaptchaService captcha{{}, 20, 60'000, std::make_unique<SeededRandom>(3), clock};

  Fixture() {
    options.idle = IdlePolicy{10'000, 30'000, 20'000, 40'000};
    options.rate_per_sec = 5;
    options.rate_burst = 5;
    options.max_pings_over_rate = 3;
    options.flood_after_ms = 1'000;
    options.max_inflight = 4;
  }

  // A native session whose captcha (if any) was solved and whose Connect got client id 7.
  std::unique_ptr<SessionLogic> connected(bool with_captcha) {
    options.captcha_required = with_captcha;
    auto s = std::make_unique<SessionLogic>(native, options, &captcha, io, "10.0.0.1", clock.now_ms());
    s->open();
    if (with_captcha) solve(*s, "1");
    REQUIRE(!io.submitted.empty());
    REQUIRE(io.submitted.back().first.is<Connect>());
    s->on_outbound(reply_to(Connect{}, io.submitted.back().second, Reply{.binds_client = 7}), clock.now_ms());
    io.submitted.clear();
    io.sent.clear();
    return s;
  }

  void solve(SessionLogic& s, std::string id) {
    // The hello carries the challenge; solve it as a client would.
    REQUIRE(!io.sent.empty());
    const std::string& hello = io.sent.front();
    auto field = [&](std::string key) {
      auto at = hello.find("\"" + key + "\":\"") + key.size() + 4;
      return hello.substr(at, hello.find('"', at) - at);
    };
    captcha::Challenge ch;
    ch.challenge = field("challenge");
    ch.salt = field("salt");
    ch.signature = field("signature");
    ch.maxnumber = 20;
    auto number = captcha::solve(ch);
    REQUIRE(number);
    std::string frame = "{\"op\":\"captcha\",\"id\":" + id + ",\"solution\":" + captcha::solution_json(captcha::make_solution(ch, *number)) + "}";
    s.on_frame(frame, clock.now_ms());
  }
};

}  // namespace

TEST_CASE("captcha gate: nothing but the solution and the name before it is solved", "[session]") {
  Fixture f;
  f.options.captcha_required = true;
  SessionLogic s(f.native, f.options, &f.captcha, f.io, "10.0.0.1", f.clock.now_ms());
  s.open();
  REQUIRE(f.io.sent.size() == 1);
  CHECK(f.io.sent[0].find("\"type\":\"hello\"") != std::string::npos);
  CHECK(f.io.sent[0].find("\"algorithm\":\"SHA-256\"") != std::string::npos);

  s.on_frame(R"({"op":"search","id":1})", f.clock.now_ms());
  CHECK(f.io.sent.back() == R"({"type":"reply","id":1,"ok":false,"error":"captcha_required","message":"solve the captcha of the hello message first"})");
  s.on_frame(R"({"op":"name","id":2,"name":"Alice"})", f.clock.now_ms());
  CHECK(f.io.sent.back() == R"({"type":"reply","id":2,"ok":true})");
  CHECK(f.io.submitted.empty());  // no event for a session that has not passed the captcha

  // A wrong solution is refused and recorded as an audit event.
  s.on_frame(R"({"op":"captcha","id":3,"solution":{"algorithm":"SHA-256","challenge":"00","number":1,"salt":"x","signature":"00"}})",
             f.clock.now_ms());
  CHECK(f.io.sent_contains("\"error\":\"captcha_invalid\""));
  REQUIRE(f.io.submitted.size() == 1);
  CHECK(f.io.submitted[0].first.is<RecordCaptchaFailure>());
  CHECK_FALSE(f.io.closed);

  f.solve(s, "4");
  REQUIRE(f.io.submitted.size() == 2);
  const auto& connect = f.io.submitted[1].first.as<Connect>();
  CHECK(connect.name == "Alice");
  CHECK(connect.addr == "10.0.0.1");
  CHECK(f.io.submitted[1].second == "4");  // the captcha's reply is Connect's reply
}

TEST_CASE("captcha gate: too many failures close the connection", "[session]") {
  Fixture f;
  f.options.captcha_required = true;
  SessionLogic s(f.native, f.options, &f.captcha, f.io, "10.0.0.1", f.clock.now_ms());
  s.open();
  for (int i = 0; i < 3; ++i)
    s.on_frame(R"({"op":"captcha","payload":"bm90IGpzb24="})", f.clock.now_ms());
  REQUIRE(f.io.closed);
  CHECK(f.io.closed->first == kClosePolicy);
  CHECK(f.io.closed->second == "captcha failed too many times");
}

TEST_CASE("captcha gate: a connection that never solves it is closed at the gate deadline", "[session]") {
  Fixture f;
  f.options.captcha_required = true;
  SessionLogic s(f.native, f.options, &f.captcha, f.io, "10.0.0.1", f.clock.now_ms());
  s.open();
  CHECK(s.deadline() == f.clock.now_ms() + 10'000);
  f.clock.advance(9'999);
  s.on_timer(f.clock.now_ms());
  CHECK_FALSE(f.io.closed);
  f.clock.advance(1);
  s.on_timer(f.clock.now_ms());
  REQUIRE(f.io.closed);
  CHECK(f.io.closed->second == "captcha not solved in time");
  CHECK(f.io.submitted.empty());
}

TEST_CASE("commands sent before Connect's reply wait for the client id, in order", "[session]") {
  Fixture f;
  f.options.captcha_required = false;
  SessionLogic s(f.native, f.options, &f.captcha, f.io, "10.0.0.1", f.clock.now_ms());
  s.open();
  REQUIRE(f.io.submitted.size() == 1);
  s.on_frame(R"({"op":"name","id":1,"name":"Bob"})", f.clock.now_ms());
  s.on_frame(R"({"op":"search","id":2})", f.clock.now_ms());
  CHECK(f.io.submitted.size() == 1);
  s.on_outbound(reply_to(Connect{}, "", Reply{.binds_client = 9}), f.clock.now_ms());
  REQUIRE(f.io.submitted.size() == 3);
  CHECK(f.io.submitted[1].first.actor == 9);
  CHECK(f.io.submitted[1].first.as<SetName>().name == "Bob");
  CHECK(f.io.submitted[2].first.actor == 9);
  CHECK(f.io.submitted[2].second == "2");
}

TEST_CASE("rate limit: a frame handed over without waiting for its token is refused", "[session]") {
  Fixture f;
  auto s = f.connected(false);
  for (int i = 0; i < 4; ++i) s->on_frame(R"({"op":"ping"})", f.clock.now_ms());
  s->on_frame(R"({"op":"ping","id":5})", f.clock.now_ms());  // 5th: the burst is used up
  CHECK(f.io.sent.back() == R"({"type":"reply","id":5,"ok":true})");
  s->on_frame(R"({"op":"ping","id":6})", f.clock.now_ms());  // a transport that did not wait
  CHECK(f.io.sent.back().find("rate_limited") != std::string::npos);
  f.clock.advance(200);  // one token back at 5 per second
  s->on_frame(R"({"op":"ping","id":7})", f.clock.now_ms());
  CHECK(f.io.sent.back() == R"({"type":"reply","id":7,"ok":true})");
  CHECK_FALSE(f.io.closed);
}

TEST_CASE("rate limit: WebSocket pings take tokens too, and a ping flood ends the session", "[session]") {
  Fixture f;  // 5 per second, burst 5, 3 rejections allowed
  auto s = f.connected(false);
  for (int i = 0; i < 5; ++i) s->on_ping(f.clock.now_ms());  // the burst
  s->on_frame(R"({"op":"ping","id":1})", f.clock.now_ms());   // shares the bucket
  CHECK(f.io.sent.back().find("rate_limited") != std::string::npos);
  f.clock.advance(200);
  s->on_ping(f.clock.now_ms());  // a token back: taken, and the rejections forgotten
  for (int i = 0; i < 3; ++i) s->on_ping(f.clock.now_ms());
  CHECK_FALSE(f.io.closed);
  s->on_ping(f.clock.now_ms());
  REQUIRE(f.io.closed);
  CHECK(f.io.closed->second == "flooding: too many pings too fast");
  REQUIRE(f.io.submitted.size() == 1);
  CHECK(f.io.submitted[0].first.as<Disconnect>().reason == DisconnectReason::kFlooding);
}

TEST_CASE("backpressure: a frame over the rate waits for its token, and a long flood ends the session", "[session]") {
  Fixture f;  // 5 per second, burst 5, flooding after 1 s of frames waiting without a break
  auto s = f.connected(false);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(s->frame_ready_at(f.clock.now_ms()) == f.clock.now_ms());
    s->on_frame(R"({"op":"ping","id":)" + std::to_string(i) + "}", f.clock.now_ms());
  }
  // The 6th frame waits 200 ms (one token at 5 per second), then is answered, not refused.
  const TimeMs ready = s->frame_ready_at(f.clock.now_ms());
  CHECK(ready == f.clock.now_ms() + 200);
  f.clock.advance(200);
  s->on_frame(R"({"op":"ping","id":5})", f.clock.now_ms());
  CHECK(f.io.sent.back() == R"({"type":"reply","id":5,"ok":true})");
  CHECK_FALSE(f.io.sent_contains("rate_limited"));
  // Frames that keep waiting, back to back: 1 s of it is a flood.
  int waited = 0;
  while (!f.io.closed && waited < 100) {
    const TimeMs at = s->frame_ready_at(f.clock.now_ms());
    if (f.io.closed) break;
    REQUIRE(at > f.clock.now_ms());
    f.clock.advance(at - f.clock.now_ms());
    s->on_frame(R"({"op":"ping"})", f.clock.now_ms());
    ++waited;
  }
  CHECK(waited == 4);  // the wait began with the 6th frame; 4 more of 200 ms, and 1 s is up
  REQUIRE(f.io.closed);
  CHECK(f.io.closed->second == "flooding: too many commands too fast");
  REQUIRE(f.io.submitted.size() == 1);
  CHECK(f.io.submitted[0].first.as<Disconnect>().reason == DisconnectReason::kFlooding);
}

TEST_CASE("backpressure: a frame that finds its token ends the wait, so a slowed burst is not a flood", "[session]") {
  Fixture f;
  auto s = f.connected(false);
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 5; ++i) s->on_frame(R"({"op":"ping"})", f.clock.now_ms());  // the burst
    for (int i = 0; i < 4; ++i) {  // 800 ms of waiting, under the 1 s of a flood
      const TimeMs at = s->frame_ready_at(f.clock.now_ms());
      f.clock.advance(at - f.clock.now_ms());
      s->on_frame(R"({"op":"ping"})", f.clock.now_ms());
    }
    f.clock.advance(1'000);  // a pause: the bucket refills
    REQUIRE(s->frame_ready_at(f.clock.now_ms()) == f.clock.now_ms());
  }
  CHECK_FALSE(f.io.closed);
}

TEST_CASE("backpressure: while reading is paused the client's silence is not held against it", "[session]") {
  Fixture f;  // silence after 20 s
  f.options.rate_per_sec = 0;
  auto s = f.connected(false);
  s->on_outbound(paired(), f.clock.now_ms());  // no state deadline: only silence could end it
  for (int i = 0; i < 4; ++i) s->on_frame(R"({"op":"search","id":)" + std::to_string(i) + "}", f.clock.now_ms());
  REQUIRE(s->reading_paused());
  for (int i = 0; i < 6; ++i) {
    f.clock.advance(10'000);
    s->on_timer(f.clock.now_ms());
  }
  CHECK_FALSE(f.io.closed);
  s->on_outbound(reply_to(Search{}, "0", Reply{}), f.clock.now_ms());  // reading again: silence counts
  f.clock.advance(20'001);
  s->on_timer(f.clock.now_ms());
  REQUIRE(f.io.closed);
  CHECK(f.io.closed->second == "idle: no frame and no pong for too long");
}

TEST_CASE("backpressure: reading pauses at the in-flight bound and resumes with a reply", "[session]") {
  Fixture f;
  f.options.rate_per_sec = 0;
  auto s = f.connected(false);
  for (int i = 0; i < 4; ++i) {
    REQUIRE_FALSE(s->reading_paused());
    s->on_frame(R"({"op":"search","id":)" + std::to_string(i) + "}", f.clock.now_ms());
  }
  CHECK(s->reading_paused());
  CHECK(f.io.submitted.size() == 4);
  CHECK_FALSE(f.io.sent_contains("busy"));
  s->on_outbound(reply_to(Search{}, "0", Reply{}), f.clock.now_ms());
  CHECK_FALSE(s->reading_paused());
  // A closing session is never paused: its transport must read on to see the peer's close.
  s->on_frame(R"({"op":"search","id":4})", f.clock.now_ms());
  CHECK(s->reading_paused());
  s->shutdown(DisconnectReason::kClosed, kCloseNormal, "bye");
  CHECK_FALSE(s->reading_paused());
}

TEST_CASE("backpressure: commands waiting for the client's Connect count against the bound", "[session]") {
  Fixture f;
  f.options.rate_per_sec = 0;
  f.options.captcha_required = false;
  SessionLogic s(f.native, f.options, &f.captcha, f.io, "10.0.0.1", f.clock.now_ms());
  s.open();  // Connect in flight: one slot
  for (int i = 0; i < 3; ++i) s.on_frame(R"({"op":"search","id":)" + std::to_string(i) + "}", f.clock.now_ms());
  CHECK(s.reading_paused());
  s.on_outbound(reply_to(Connect{}, "", Reply{.binds_client = 9}), f.clock.now_ms());
  CHECK(f.io.submitted.size() == 4);  // Connect's slot is free, the three waiting ones in flight
  CHECK_FALSE(s.reading_paused());
  s.on_frame(R"({"op":"search","id":3})", f.clock.now_ms());
  CHECK(s.reading_paused());
}

TEST_CASE("operators only: info needs a configured operator token", "[session]") {
  Fixture f;
  OperatorTokens operators;
  operators.add("a-token-of-sixteen+");
  f.options.operators = &operators;
  auto s = f.connected(false);
  s->on_frame(R"({"op":"info","id":1})", f.clock.now_ms());
  CHECK(f.io.sent.back().find(R"("error":"forbidden")") != std::string::npos);
  s->on_frame(R"({"op":"info","id":2,"token":"a-token-of-sixteen"})", f.clock.now_ms());  // a prefix
  CHECK(f.io.sent.back().find(R"("error":"forbidden")") != std::string::npos);
  CHECK(f.io.submitted.empty());
  s->on_frame(R"({"op":"info","id":3,"token":"a-token-of-sixteen+"})", f.clock.now_ms());
  REQUIRE(f.io.submitted.size() == 1);
  CHECK(f.io.submitted[0].first.is<QueryInfo>());
  CHECK_FALSE(OperatorTokens().admits(""));
  CHECK_FALSE(operators.admits(""));
}

TEST_CASE("in-flight bound: replies busy past max_inflight", "[session]") {
  Fixture f;
  f.options.rate_per_sec = 0;
  auto s = f.connected(false);
  for (int i = 0; i < 5; ++i) s->on_frame(R"({"op":"search","id":)" + std::to_string(i) + "}", f.clock.now_ms());
  CHECK(f.io.submitted.size() == 4);
  CHECK(f.io.sent.back().find("\"error\":\"busy\"") != std::string::npos);
  s->on_outbound(reply_to(Search{}, "0", Reply{}), f.clock.now_ms());
  s->on_frame(R"({"op":"search","id":9})", f.clock.now_ms());
  CHECK(f.io.submitted.size() == 5);
}

TEST_CASE("idle: LOOKING too long is disconnected at the deadline, not before", "[session]") {
  Fixture f;
  auto s = f.connected(false);
  s->on_outbound(looking(), f.clock.now_ms());
  TimeMs entered = f.clock.now_ms();
  // Activity keeps silence away but not the state deadline.
  for (int i = 0; i < 5; ++i) {
    f.clock.advance(5'000);
    s->on_pong(f.clock.now_ms());
  }
  f.clock.set(entered + 29'999);
  s->on_pong(f.clock.now_ms());
  s->on_timer(f.clock.now_ms());
  CHECK_FALSE(f.io.closed);
  CHECK(s->deadline() == entered + 30'000);
  f.clock.set(entered + 30'000);
  s->on_timer(f.clock.now_ms());
  REQUIRE(f.io.closed);
  CHECK(f.io.closed->second == "idle: looking for too long");
  REQUIRE(f.io.submitted.size() == 1);
  CHECK(f.io.submitted[0].first.actor == 7);
  CHECK(f.io.submitted[0].first.as<Disconnect>().reason == DisconnectReason::kIdleState);
}

TEST_CASE("idle: a client that does nothing after connecting is disconnected at its own limit", "[session]") {
  Fixture f;
  auto s = f.connected(false);
  const TimeMs admitted = f.clock.now_ms();
  // It answers every ping (no silence) and a name change marks nothing: still CONNECTED.
  for (int i = 0; i < 7; ++i) {
    f.clock.advance(5'000);
    s->on_pong(f.clock.now_ms());
  }
  CHECK(s->deadline() == admitted + 40'000);
  f.clock.set(admitted + 39'999);
  s->on_pong(f.clock.now_ms());
  s->on_timer(f.clock.now_ms());
  CHECK_FALSE(f.io.closed);
  f.clock.set(admitted + 40'000);
  s->on_timer(f.clock.now_ms());
  REQUIRE(f.io.closed);
  CHECK(f.io.closed->second == "idle: connected for too long");
  CHECK(f.io.submitted.at(0).first.as<Disconnect>().reason == DisconnectReason::kIdleState);
}

TEST_CASE("idle: once a domain marks the client, the CONNECTED limit no longer applies", "[session]") {
  Fixture f;
  auto s = f.connected(false);
  f.clock.advance(35'000);
  s->on_pong(f.clock.now_ms());
  s->on_outbound(looking(), f.clock.now_ms());  // LOOKING: the state limit (30 s) from now
  CHECK(s->deadline() == f.clock.now_ms() + 20'000);  // silence comes first now
  f.clock.advance(10'000);
  s->on_pong(f.clock.now_ms());
  s->on_timer(f.clock.now_ms());
  CHECK_FALSE(f.io.closed);  // 45 s after connecting: past the CONNECTED limit, within LOOKING's
  s->on_outbound(paired(), f.clock.now_ms());
  f.clock.advance(15'000);
  s->on_pong(f.clock.now_ms());
  s->on_timer(f.clock.now_ms());
  CHECK_FALSE(f.io.closed);  // PAIRED: no state deadline at all
}

TEST_CASE("idle: one domain's idle mark does not override another's active one", "[session]") {
  Fixture f;
  auto s = f.connected(false);
  auto in_room = push(Push{.body = projections::MemberJoinedPush{}, .idle = IdleMark::active("rooms")});
  auto in_no_room = push(Push{.body = projections::MemberLeftPush{}, .idle = IdleMark::idle("connected", "rooms")});
  s->on_outbound(std::move(in_room), f.clock.now_ms());
  s->on_outbound(looking(), f.clock.now_ms());  // stranger chat: idle, but the client is in a room
  for (int i = 0; i < 4; ++i) {  // 60 s: twice the state limit
    f.clock.advance(15'000);
    s->on_pong(f.clock.now_ms());
    s->on_timer(f.clock.now_ms());
  }
  CHECK_FALSE(f.io.closed);
  // Out of its last room and still looking: idle from now, with the latest mark's label.
  s->on_outbound(std::move(in_no_room), f.clock.now_ms());
  const TimeMs idle_from = f.clock.now_ms();
  for (int i = 0; i < 2; ++i) {
    f.clock.advance(14'999);
    s->on_pong(f.clock.now_ms());
    s->on_timer(f.clock.now_ms());
  }
  CHECK_FALSE(f.io.closed);
  f.clock.set(idle_from + 30'000);
  s->on_pong(f.clock.now_ms());
  s->on_timer(f.clock.now_ms());
  REQUIRE(f.io.closed);
  CHECK(f.io.closed->second == "idle: connected for too long");
}

TEST_CASE("idle: PAIRED has no state deadline, only silence", "[session]") {
  Fixture f;
  auto s = f.connected(false);
  s->on_outbound(paired(), f.clock.now_ms());
  f.clock.advance(19'999);
  s->on_timer(f.clock.now_ms());
  CHECK_FALSE(f.io.closed);
  f.clock.advance(1);
  s->on_timer(f.clock.now_ms());
  REQUIRE(f.io.closed);
  CHECK(f.io.submitted.at(0).first.as<Disconnect>().reason == DisconnectReason::kSilent);
}

TEST_CASE("the engine hears of a session's end exactly once", "[session]") {
  Fixture f;
  auto s = f.connected(false);
  s->shutdown(DisconnectReason::kSlowReader, kClosePolicy, "slow reader");
  s->on_transport_closed();
  s->on_transport_closed();
  REQUIRE(f.io.submitted.size() == 1);
  CHECK(f.io.submitted[0].first.as<Disconnect>().reason == DisconnectReason::kSlowReader);
}

TEST_CASE("a session closed while Connect is in flight still ends its client", "[session]") {
  Fixture f;
  f.options.captcha_required = false;
  SessionLogic s(f.native, f.options, &f.captcha, f.io, "10.0.0.1", f.clock.now_ms());
  s.open();
  s.on_transport_closed();
  CHECK(f.io.submitted.size() == 1);
  s.on_outbound(reply_to(Connect{}, "", Reply{.binds_client = 3}), f.clock.now_ms());
  REQUIRE(f.io.submitted.size() == 2);
  CHECK(f.io.submitted[1].first.actor == 3);
}

TEST_CASE("a malformed frame closes with a reason", "[session]") {
  Fixture f;
  auto s = f.connected(false);
  s->on_frame("not json", f.clock.now_ms());
  REQUIRE(f.io.closed);
  CHECK(f.io.closed->first == kClosePolicy);
  CHECK(f.io.closed->second == "malformed frame: not a JSON object");
  CHECK(f.io.submitted.at(0).first.as<Disconnect>().reason == DisconnectReason::kMalformed);
}

TEST_CASE("abuse before becoming a client is recorded as an audit event", "[session]") {
  Fixture f;
  f.options.captcha_required = true;
  SessionLogic s(f.native, f.options, &f.captcha, f.io, "10.0.0.9", f.clock.now_ms());
  s.open();
  s.on_frame("garbage", f.clock.now_ms());
  REQUIRE(f.io.closed);
  REQUIRE(f.io.submitted.size() == 1);
  const auto& r = f.io.submitted[0].first.as<RecordRejection>();
  CHECK(r.addr == "10.0.0.9");
  CHECK(r.reason == "malformed frame: not a JSON object");
}

TEST_CASE("a gate timeout is not abuse: nothing is recorded", "[session]") {
  Fixture f;
  f.options.captcha_required = true;
  SessionLogic s(f.native, f.options, &f.captcha, f.io, "10.0.0.9", f.clock.now_ms());
  s.open();
  f.clock.advance(10'000);
  s.on_timer(f.clock.now_ms());
  REQUIRE(f.io.closed);
  CHECK(f.io.submitted.empty());
}

TEST_CASE("with every timeout off there is no deadline at all", "[session]") {
  Fixture f;
  f.options.idle = IdlePolicy{0, 0, 0, 0};
  auto s = f.connected(false);
  CHECK(s->deadline() == IdleTracker::kNever);
  s->on_outbound(looking(), f.clock.now_ms());
  CHECK(s->deadline() == IdleTracker::kNever);
}

TEST_CASE("a command acts for the session's client, whatever its frame says", "[session]") {
  Fixture f;
  f.options.rate_per_sec = 0;
  auto s = f.connected(false);
  // No field of a frame names the actor: one that tries is an unknown field, ignored.
  s->on_frame(R"({"op":"send","id":1,"text":"hi","actor":3,"client":3})", f.clock.now_ms());
  REQUIRE(f.io.submitted.size() == 1);
  CHECK(f.io.submitted[0].first.actor == 7);
  CHECK(f.io.submitted[0].first.as<Send>().text == "hi");
}

TEST_CASE("what a command needs comes from its traits", "[session]") {
  Fixture f;
  f.options.rate_per_sec = 0;
  auto s = f.connected(false);
  // Disconnect and the audits do not count against the in-flight bound; the client's commands do.
  CHECK_FALSE(CommandType::of<Disconnect>().traits.counts_in_flight);
  CHECK_FALSE(CommandType::of<RecordCaptchaFailure>().traits.counts_in_flight);
  CHECK(CommandType::of<Search>().traits.counts_in_flight);
  CHECK(CommandType::of<Connect>().traits.essential);
  CHECK_FALSE(CommandType::of<Send>().traits.essential);
  // Only SetName shapes an admission before the captcha.
  CHECK(CommandType::of<SetName>().before_admission != nullptr);
  CHECK(CommandType::of<Send>().before_admission == nullptr);
  // A reply to an uncounted command does not free an in-flight slot.
  for (int i = 0; i < 4; ++i) s->on_frame(R"({"op":"search","id":)" + std::to_string(i) + "}", f.clock.now_ms());
  s->on_outbound(reply_to(Disconnect{}, "", Reply{}), f.clock.now_ms());
  s->on_frame(R"({"op":"search","id":8})", f.clock.now_ms());
  CHECK(f.io.sent.back().find("\"error\":\"busy\"") != std::string::npos);
  // An essential command is never refused for a full engine queue; the client's are.
  f.io.engine_full = true;
  s->on_outbound(reply_to(Search{}, "0", Reply{}), f.clock.now_ms());
  s->on_frame(R"({"op":"search","id":9})", f.clock.now_ms());
  CHECK(f.io.sent.back().find("\"error\":\"busy\"") != std::string::npos);
  s->shutdown(DisconnectReason::kClosed, kCloseNormal, "bye");
  CHECK(f.io.submitted.back().first.is<Disconnect>());
}

TEST_CASE("a push that ends the client closes a session that was not closing", "[session]") {
  Fixture f;
  auto s = f.connected(false);
  s->on_outbound(push(Push{.body = SessionEndedPush{DisconnectReason::kClosed}, .ends_client = true}), f.clock.now_ms());
  REQUIRE(f.io.closed);
  CHECK(f.io.closed->first == kClosePolicy);
  // The client is gone already: no Disconnect follows, not even when the transport closes.
  s->on_transport_closed();
  CHECK(f.io.submitted.empty());
}

TEST_CASE("a request a dialect built without a command is answered, not crashed on", "[session]") {
  struct Hollow final : WireDialect {
    events::Dialect kind() const override { return events::Dialect::kNative; }
    void decode(std::string_view, Decoded& out) const override {
      out = Decoded{};
      out.outcome = Decoded::Outcome::kRequest;  // a request with no command in it
      out.request.id = "1";
    }
    bool hello(const HelloInfo&, std::string&) const override { return false; }
    bool render_reply(const Outbound&, std::string&) const override { return false; }
    bool gate_reply(const std::string& id, ErrorCode error, std::string_view, std::string& out) const override {
      out = id + " " + std::string(error.code());
      return true;
    }
    bool render_push(const Push&, bool, std::string&) const override { return false; }
  } hollow;
  Fixture f;
  f.options.captcha_required = false;
  SessionLogic s(hollow, f.options, &f.captcha, f.io, "10.0.0.1", f.clock.now_ms());
  s.open();
  s.on_outbound(reply_to(Connect{}, "", Reply{.binds_client = 7}), f.clock.now_ms());
  f.io.submitted.clear();
  s.on_frame("anything", f.clock.now_ms());
  CHECK(f.io.submitted.empty());
  REQUIRE_FALSE(f.io.sent.empty());
  CHECK(f.io.sent.back() == "1 bad_request");
  CHECK_FALSE(f.io.closed);
}

// ---- passwords: hashed and checked off the engine, never sent to it ---------------------------

namespace {

Reply challenge(std::string hash, std::uint64_t version, ClientId actor) {
  Reply r = Reply::failure(errors::kCredentialNeeded, "the room needs its password");
  r.body = CredentialChallenge{std::move(hash), 7, version, std::make_shared<const Command>(RecordWrongPassword{7}, actor)};
  return r;
}

}  // namespace

TEST_CASE("passwords: a room's password is hashed before the engine sees the command", "[session][password]") {
  Fixture f;
  auto s = f.connected(false);
  s->on_frame(R"({"op":"create_room","id":"c","room":"r","password":"hunter22"})", f.clock.now_ms());
  CHECK(f.io.submitted.empty());  // not yet: the pool hashes first
  REQUIRE(f.io.jobs.size() == 1);
  CHECK(f.io.jobs[0].kind == CredentialJob::Kind::kHash);
  CHECK(f.io.jobs[0].secret == "hunter22");
  s->on_credential(CredentialResult{f.io.jobs[0].ticket, true, "$argon2id$fake"}, f.clock.now_ms());
  REQUIRE(f.io.submitted.size() == 1);
  const CreateRoom& c = f.io.submitted[0].first.as<CreateRoom>();
  CHECK(c.password_hash == "$argon2id$fake");
  CHECK(c.name == "r");
}

TEST_CASE("passwords: a join is checked against the engine's hash and submitted again with the proof", "[session][password]") {
  Fixture f;
  auto s = f.connected(false);
  s->on_frame(R"({"op":"join","id":"j","room":"r","password":"hunter22"})", f.clock.now_ms());
  REQUIRE(f.io.submitted.size() == 1);
  const Command first = f.io.submitted[0].first;
  CHECK_FALSE(first.as<JoinRoom>().proven);
  CHECK(f.io.submitted[0].second != "\"j\"");  // an id of the session's own: no client id can take its reply
  s->on_outbound(reply_to(first, f.io.submitted[0].second, challenge("$stored", 4, 7)), f.clock.now_ms());
  CHECK(f.io.sent.empty());  // the challenge is never shown
  REQUIRE(f.io.jobs.size() == 1);
  CHECK(f.io.jobs[0].kind == CredentialJob::Kind::kVerify);
  CHECK(f.io.jobs[0].hash == "$stored");
  s->on_credential(CredentialResult{f.io.jobs[0].ticket, true, ""}, f.clock.now_ms());
  REQUIRE(f.io.submitted.size() == 2);
  CHECK(f.io.submitted[1].first.as<JoinRoom>().proven == CredentialProof{7, 4});
  // The engine accepts: the reply is the join's.
  Reply joined;
  joined.body = JoinReply{};
  s->on_outbound(reply_to(f.io.submitted[1].first, f.io.submitted[1].second, std::move(joined)), f.clock.now_ms());
  CHECK(f.io.sent_contains(R"("id":"j","ok":true)"));
}

TEST_CASE("passwords: a wrong one is refused, audited, and three a minute make the client wait", "[session][password]") {
  Fixture f;
  FailureThrottle per_address(10, 60'000);
  f.options.address_failures = &per_address;
  auto s = f.connected(false);
  for (int i = 0; i < 3; ++i) {
    const std::string id = "\"w" + std::to_string(i) + "\"";
    s->on_frame(R"({"op":"join","id":)" + id + R"(,"room":"r","password":"guess"})", f.clock.now_ms());
    const Command sent = f.io.submitted.back().first;
    s->on_outbound(reply_to(sent, f.io.submitted.back().second, challenge("$stored", 1, 7)), f.clock.now_ms());
    s->on_credential(CredentialResult{f.io.jobs.back().ticket, false, ""}, f.clock.now_ms());
    CHECK(f.io.sent_contains(R"("id":)" + id + R"(,"ok":false,"error":"wrong_password")"));
    CHECK(f.io.submitted.back().first.is<RecordWrongPassword>());  // the audit
  }
  const std::size_t jobs = f.io.jobs.size();
  s->on_frame(R"({"op":"join","id":"w4","room":"r","password":"guess"})", f.clock.now_ms());
  CHECK(f.io.sent_contains(R"("id":"w4","ok":false,"error":"rate_limited")"));
  CHECK(f.io.jobs.size() == jobs);  // no hash was even tried
  f.clock.advance(60'000);
  s->on_frame(R"({"op":"join","id":"w5","room":"r","password":"guess"})", f.clock.now_ms());
  CHECK_FALSE(f.io.sent_contains(R"("id":"w5","ok":false,"error":"rate_limited")"));
  CHECK(per_address.size() == 1);
}

TEST_CASE("passwords: a check that could not run is busy, and counts as no wrong password", "[session][password]") {
  Fixture f;
  FailureThrottle per_address(1, 60'000);
  f.options.address_failures = &per_address;
  auto s = f.connected(false);
  for (int i = 0; i < 6; ++i) {  // past the session's three, the address's one, the in-flight bound (4)
    const std::string id = "\"u" + std::to_string(i) + "\"";
    f.clock.advance(1'000);  // within the session's rate
    const std::size_t submitted = f.io.submitted.size();
    s->on_frame(R"({"op":"join","id":)" + id + R"(,"room":"r","password":"guess"})", f.clock.now_ms());
    REQUIRE(f.io.submitted.size() == submitted + 1);
    REQUIRE(f.io.jobs.size() == static_cast<std::size_t>(i));
    s->on_outbound(reply_to(f.io.submitted.back().first, f.io.submitted.back().second, challenge("$stored", 1, 7)), f.clock.now_ms());
    REQUIRE(f.io.jobs.size() == static_cast<std::size_t>(i + 1));
    CredentialResult lost{f.io.jobs.back().ticket, false, ""};
    lost.unavailable = true;  // the worker process ended with it
    s->on_credential(std::move(lost), f.clock.now_ms());
    CHECK(f.io.sent_contains(R"("id":)" + id + R"(,"ok":false,"error":"busy")"));
    CHECK_FALSE(f.io.submitted.back().first.is<RecordWrongPassword>());  // nobody tried a wrong one
  }
  CHECK(per_address.size() == 0);
  // Every slot was given back: an ordinary command is carried out.
  const std::size_t before = f.io.submitted.size();
  s->on_frame(R"({"op":"search","id":"after"})", f.clock.now_ms());
  CHECK(f.io.submitted.size() == before + 1);
  CHECK_FALSE(f.io.sent_contains("wrong_password"));
  CHECK_FALSE(f.io.sent_contains("rate_limited"));
}

TEST_CASE("passwords: three wrong a minute for one username, from any session, make its logins wait", "[session][password]") {
  Fixture f;
  f.options.max_password_failures = 100;  // not the session's bound: the username's
  FailureThrottle per_target(3, 60'000);
  f.options.target_failures = &per_target;
  auto login_challenge = [](std::string key) {
    Reply r = Reply::failure(errors::kCredentialNeeded, "the account needs its password");
    r.body = CredentialChallenge{"$stored", 1, 1, nullptr, std::move(key)};
    return r;
  };
  // Answers a login of `s` with a challenge for `key`; true if a check was started for it.
  auto try_login = [&](SessionLogic& s, const std::string& id, const std::string& key) {
    const std::size_t jobs = f.io.jobs.size();
    s.on_frame(R"({"op":"login","id":")" + id + R"(","username":"alice_w","password":"not it"})", f.clock.now_ms());
    s.on_outbound(reply_to(f.io.submitted.back().first, f.io.submitted.back().second, login_challenge(key)), f.clock.now_ms());
    if (f.io.jobs.size() == jobs) return false;
    s.on_credential(CredentialResult{f.io.jobs.back().ticket, false, ""}, f.clock.now_ms());
    CHECK(f.io.sent_contains(R"("id":")" + id + R"(","ok":false,"error":"wrong_password")"));
    return true;
  };
  auto first = f.connected(false);
  for (int i = 0; i < 3; ++i) CHECK(try_login(*first, "a" + std::to_string(i), "login:alice"));
  // Another session (another address, for all it matters) meets the same bound, before any work.
  auto second = f.connected(false);
  CHECK_FALSE(try_login(*second, "b", "login:alice"));
  CHECK(f.io.sent_contains(R"("id":"b","ok":false,"error":"rate_limited")"));
  // Another username is not held up; the window's end frees the first.
  CHECK(try_login(*second, "c", "login:bob"));
  f.clock.advance(60'000);
  CHECK(try_login(*second, "d", "login:alice"));
  CHECK(per_target.size() == 2);
}

TEST_CASE("passwords: a challenge with alternatives is verified against each, and each match is a proof", "[session][password]") {
  Fixture f;
  auto s = f.connected(false);
  auto ask = [] {
    Reply r = Reply::failure(errors::kCredentialNeeded, "the account needs its password");
    CredentialChallenge ch{"$alice", 1, 1, nullptr, "login-email:x"};
    ch.alternatives = {{"$bob", {2, 3}}, {"$dummy", {0, 0}}};
    r.body = std::move(ch);
    return r;
  };
  auto login = [&](const std::string& id, bool first, std::vector<bool> others) {
    s->on_frame(R"({"op":"login","id":")" + id + R"(","email":"shared@example.com","password":"correct horse"})", f.clock.now_ms());
    const auto [command, internal] = f.io.submitted.back();
    CHECK(command.as<Login>().email == "shared@example.com");
    CHECK(command.as<Login>().proven.empty());
    s->on_outbound(reply_to(command, internal, ask()), f.clock.now_ms());
    REQUIRE_FALSE(f.io.jobs.empty());
    const CredentialJob& job = f.io.jobs.back();
    CHECK(job.kind == CredentialJob::Kind::kVerify);
    CHECK(job.hash == "$alice");
    CHECK(job.alternatives == std::vector<std::string>{"$bob", "$dummy"});
    CredentialResult result{job.ticket, first, ""};
    result.alternatives_matched = std::move(others);
    s->on_credential(std::move(result), f.clock.now_ms());
  };
  auto logged_in = [&] {
    Reply r;
    r.body = LoginReply{2, "bobby", "Bob", 1, "token"};
    s->on_outbound(reply_to(f.io.submitted.back().first, f.io.submitted.back().second, std::move(r)), f.clock.now_ms());
  };
  // Bob's alone matched: one proof, Bob's.
  const std::size_t before = f.io.submitted.size();
  login("e1", false, {true, false});
  REQUIRE(f.io.submitted.size() == before + 2);
  CHECK(f.io.submitted.back().first.as<Login>().proven == std::vector<CredentialProof>{{2, 3}});
  logged_in();
  // Both: two proofs, in the challenge's order.
  login("e2", true, {true, false});
  CHECK(f.io.submitted.back().first.as<Login>().proven == std::vector<CredentialProof>{{1, 1}, {2, 3}});
  logged_in();
  // None: a wrong password, nothing submitted again.
  const std::size_t submitted = f.io.submitted.size();
  login("e3", false, {false, false});
  CHECK(f.io.submitted.size() == submitted + 1);
  CHECK(f.io.sent_contains(R"("id":"e3","ok":false,"error":"wrong_password")"));
}

TEST_CASE("passwords: no password where one is needed, one at a time, an id, a full pool", "[session][password]") {
  Fixture f;
  auto s = f.connected(false);
  // Without a password the engine's challenge becomes wrong_password.
  s->on_frame(R"({"op":"join","id":"n","room":"r"})", f.clock.now_ms());
  s->on_outbound(reply_to(f.io.submitted.back().first, "\"n\"", challenge("$stored", 1, 7)), f.clock.now_ms());
  CHECK(f.io.sent_contains(R"("id":"n","ok":false,"error":"wrong_password")"));
  CHECK(f.io.jobs.empty());
  // A password needs an id to be told apart.
  s->on_frame(R"({"op":"join","room":"r","password":"x"})", f.clock.now_ms());
  CHECK(f.io.sent_contains(R"("error":"bad_request","message":"a request with a password needs an id")"));
  // One at a time.
  s->on_frame(R"({"op":"create_room","id":"a","room":"a","password":"x"})", f.clock.now_ms());
  s->on_frame(R"({"op":"create_room","id":"b","room":"b","password":"y"})", f.clock.now_ms());
  CHECK(f.io.sent_contains(R"("id":"b","ok":false,"error":"busy")"));
  // A full pool is busy, and nothing waits.
  f.io.pool_full = true;
  auto t = f.connected(false);
  t->on_frame(R"({"op":"create_room","id":"c","room":"c","password":"z"})", f.clock.now_ms());
  CHECK(f.io.sent_contains(R"("id":"c","ok":false,"error":"busy")"));
}

TEST_CASE("passwords: argon2id hashes verify, with OWASP's parameters in the hash", "[password]") {
  Argon2idHasher h;
  const std::string hash = h.hash("correct horse");
  CHECK(hash.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);
  CHECK(hash.find("correct horse") == std::string::npos);
  CHECK(h.verify(hash, "correct horse"));
  CHECK_FALSE(h.verify(hash, "correct horsE"));
  CHECK_FALSE(h.verify("", "x"));
  CHECK_FALSE(h.verify("not a hash", "x"));
  CHECK(h.hash("correct horse") != hash);  // salted
}

TEST_CASE("passwords: the pool runs jobs off the caller's thread and refuses past its queue", "[password]") {
  struct SlowHasher : PasswordHasher {
    std::string hash(std::string_view s) const override { return "h:" + std::string(s); }
    bool verify(std::string_view h, std::string_view s) const override { return h == "h:" + std::string(s); }
  } hasher;
  std::mutex m;
  std::condition_variable cv;
  std::vector<CredentialResult> results;
  {
    CredentialPool pool(hasher, 2, 4);
    for (std::uint64_t i = 1; i <= 4; ++i) {
      CredentialJob job{i % 2 ? CredentialJob::Kind::kHash : CredentialJob::Kind::kVerify, i, "s" + std::to_string(i), "h:s" + std::to_string(i)};
      CHECK(pool.post(std::move(job), [&](CredentialResult r) {
        std::lock_guard lock(m);
        results.push_back(std::move(r));
        cv.notify_all();
      }));
    }
    std::unique_lock lock(m);
    CHECK(cv.wait_for(lock, std::chrono::seconds(10), [&] { return results.size() == 4; }));
  }
  std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) { return a.ticket < b.ticket; });
  REQUIRE(results.size() == 4);
  CHECK(results[0].hash == "h:s1");
  CHECK(results[1].ok);
  for (const auto& r : results) CHECK(r.ok);

  FailureThrottle t(2, 1000, 3);
  t.failed("a", 0);
  CHECK_FALSE(t.blocked("a", 0));
  t.failed("a", 10);
  CHECK(t.blocked("a", 500));
  CHECK_FALSE(t.blocked("a", 1000));  // the window ended
  for (const char* k : {"b", "c", "d", "e"}) t.failed(k, 2000);
  CHECK(t.size() <= 3);  // bounded
}

TEST_CASE("passwords: the pool makes a new secret of 64 letters and digits each time, and hashes it", "[password]") {
  Argon2idHasher hasher;
  std::mutex m;
  std::condition_variable cv;
  std::vector<CredentialResult> results;
  {
    CredentialPool pool(hasher, 2, 4);
    for (std::uint64_t i = 1; i <= 2; ++i)
      CHECK(pool.post(CredentialJob{CredentialJob::Kind::kIssue, i, "", ""}, [&](CredentialResult r) {
        std::lock_guard lock(m);
        results.push_back(std::move(r));
        cv.notify_all();
      }));
    std::unique_lock lock(m);
    CHECK(cv.wait_for(lock, std::chrono::seconds(10), [&] { return results.size() == 2; }));
  }
  REQUIRE(results.size() == 2);
  for (const CredentialResult& r : results) {
    CHECK(r.ok);
    REQUIRE(r.secret.size() == kIssuedSecretChars);
    CHECK(std::all_of(r.secret.begin(), r.secret.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }));
    CHECK(hasher.verify(r.hash, r.secret));
    CHECK(r.hash.find(r.secret) == std::string::npos);
  }
  CHECK(results[0].secret != results[1].secret);
}

TEST_CASE("passwords: a signup may ask for a secret the server makes instead of a password", "[session][password]") {
  Fixture f;
  auto s = f.connected(false);
  const std::string head = R"({"op":"signup","username":"alice_w","email":"a@example.org","display_name":"A",)";
  s->on_frame(head + R"("id":"s","issue_secret":true})", f.clock.now_ms());
  CHECK(f.io.submitted.empty());  // the pool makes and hashes it first
  REQUIRE(f.io.jobs.size() == 1);
  CHECK(f.io.jobs[0].kind == CredentialJob::Kind::kIssue);
  CHECK(f.io.jobs[0].secret.empty());
  CredentialResult made{f.io.jobs[0].ticket, true, "$argon2id$made"};
  made.secret = std::string(kIssuedSecretChars, 'Q');
  s->on_credential(std::move(made), f.clock.now_ms());
  REQUIRE(f.io.submitted.size() == 1);
  const Signup& c = f.io.submitted[0].first.as<Signup>();
  CHECK(c.password_hash == "$argon2id$made");
  CHECK(c.issued_secret == std::string(kIssuedSecretChars, 'Q'));
  // Both a password and a made secret, or neither: refused before any work.
  s->on_frame(head + R"("id":"b","issue_secret":true,"password":"correct horse"})", f.clock.now_ms());
  CHECK(f.io.sent_contains(R"("id":"b","ok":false,"error":"bad_request")"));
  s->on_frame(head + R"("id":"n","issue_secret":false})", f.clock.now_ms());
  CHECK(f.io.sent_contains(R"("id":"n","ok":false,"error":"bad_request")"));
  s->on_frame(head + R"("id":"e","password":""})", f.clock.now_ms());
  CHECK(f.io.sent_contains(R"("id":"e","ok":false,"error":"weak_password")"));
  s->on_frame(head + R"("id":"t","issue_secret":"yes"})", f.clock.now_ms());
  CHECK(f.io.sent_contains(R"("id":"t","ok":false,"error":"bad_request")"));
  CHECK(f.io.jobs.size() == 1);
}

TEST_CASE("passwords: a challenge is matched to its own request, never to another with the same client id", "[session][password]") {
  Fixture f;
  auto s = f.connected(false);
  // Two joins with one id: the first needs no password from the client, the second carries one.
  s->on_frame(R"({"op":"join","id":"x","room":"bee"})", f.clock.now_ms());
  s->on_frame(R"({"op":"join","id":"x","room":"aye","password":"pw"})", f.clock.now_ms());
  REQUIRE(f.io.submitted.size() == 2);
  // The engine asks bee's password of the first: it is not the second's challenge.
  s->on_outbound(reply_to(f.io.submitted[0].first, f.io.submitted[0].second, challenge("$bee", 0, 7)), f.clock.now_ms());
  CHECK(f.io.jobs.empty());  // "pw" is never checked against bee's hash
  CHECK(f.io.sent_contains(R"("id":"x","ok":false,"error":"wrong_password")"));
  // The second's own challenge is.
  s->on_outbound(reply_to(f.io.submitted[1].first, f.io.submitted[1].second, challenge("$aye", 0, 7)), f.clock.now_ms());
  REQUIRE(f.io.jobs.size() == 1);
  CHECK(f.io.jobs[0].hash == "$aye");
}

TEST_CASE("passwords: an engine too busy for the proven command frees the session's password slot", "[session][password]") {
  Fixture f;
  auto s = f.connected(false);
  f.io.engine_full = true;
  s->on_frame(R"({"op":"join","id":"a","room":"r","password":"pw"})", f.clock.now_ms());
  CHECK(f.io.sent_contains(R"("id":"a","ok":false,"error":"busy")"));
  f.io.engine_full = false;
  s->on_frame(R"({"op":"join","id":"b","room":"r","password":"pw"})", f.clock.now_ms());
  CHECK_FALSE(f.io.sent_contains(R"("id":"b","ok":false,"error":"busy")"));  // not "one password at a time" forever
  REQUIRE_FALSE(f.io.submitted.empty());
  CHECK(f.io.submitted.back().first.is<JoinRoom>());
}

TEST_CASE("passwords: an address's password work is bounded, right or wrong", "[session][password]") {
  Fixture f;
  FailureThrottle work(2, 60'000);
  f.options.address_password_work = &work;
  auto s = f.connected(false);
  for (int i = 0; i < 2; ++i) {
    const std::string id = "c" + std::to_string(i);
    s->on_frame(R"({"op":"create_room","id":")" + id + R"(","room":"r)" + std::to_string(i) + R"(","password":"pw"})", f.clock.now_ms());
    s->on_credential(CredentialResult{f.io.jobs.back().ticket, true, "$h"}, f.clock.now_ms());
  }
  s->on_frame(R"({"op":"create_room","id":"c2","room":"r2","password":"pw"})", f.clock.now_ms());
  CHECK(f.io.sent_contains(R"("id":"c2","ok":false,"error":"rate_limited")"));
  CHECK(f.io.jobs.size() == 2);
}
