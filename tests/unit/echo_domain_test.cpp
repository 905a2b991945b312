// The echo domain (tests/unit/echo_domain.*), added from outside the server's code, goes all the
// way through: a session's frame in the native dialect, the engine, the log's bytes, the codec,
// the World and its rebuild, chatreplay's lines and filters, and back out as a frame. Its deadline
// becomes a Tick, submitted by the runner itself.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <sstream>
#include <thread>

#include "events/codec.hpp"
#include "events/lmdb_log.hpp"
#include "events/memory_log.hpp"
#include "net/engine/engine.hpp"
#include "net/engine/engine_runner.hpp"
#include "net/engine/router.hpp"
#include "net/session/session_logic.hpp"
#include "projections/rebuild.hpp"
#include "replay/cli.hpp"
#include "chatreplay_run.hpp"
#include "temp_dir.hpp"
#include "tests/support/domains.hpp"
#include "tests/unit/echo_domain.hpp"

using namespace chatd;
using echo::Echo;
using echo::Echoed;
using echo::EchoPush;
using echo::EchoScheduled;
using echo::EchoState;

namespace {

constexpr TimeMs kT0 = 1'795'356'000'000;  // 2026-11-22T14:00:00Z

// One native session, driven by hand: what it submits goes to the engine in one batch per pump(),
// and the router hands the batch back to it as it does in chatd.
struct Session final : SessionIo, SessionPort {
  Session(Engine& engine, const NativeDialect& native, const SessionOptions& options, TimeMs now)
      : engine(engine), native(native), logic(native, options, nullptr, *this, "10.0.0.1", now) {}

  void send(Frame frame) override { frames.emplace_back(frame.view()); }
  void close(std::uint16_t, std::string reason) override { closed = std::move(reason); }
  bool submit(Command command, std::string request_id) override {
    queued.push_back(Submission{std::move(command), self, std::move(request_id)});
    return true;
  }
  void deliver(std::vector<Outbound> items) override {
    for (Outbound& item : items) logic.on_outbound(std::move(item), 0);
  }
  const PushRenderer& renderer() const override { return native; }

  void pump() {
    std::vector<Submission> items = std::move(queued);
    queued.clear();
    std::vector<Command> commands;
    for (Submission& s : items) commands.push_back(s.command);
    Engine::BatchResult result;
    REQUIRE(engine.process(commands, result).ok());
    router.deliver(items, result);
  }

  Engine& engine;
  const NativeDialect& native;
  SessionLogic logic;
  std::shared_ptr<SessionPort> self;
  std::vector<Submission> queued;
  std::vector<std::string> frames;
  std::string closed;
  Router router;
};

using Run = ChatreplayRun;

// A clock that reads the real time (for the runner, which waits for deadlines in real time).
class WallClock final : public Clock {
 public:
  TimeMs now_ms() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
};

class RecordingPort final : public SessionPort {
 public:
  explicit RecordingPort(const NativeDialect& native) : native_(native) {}
  void deliver(std::vector<Outbound> items) override {
    std::lock_guard lock(mu);
    for (auto& i : items) received.push_back(std::move(i));
  }
  const PushRenderer& renderer() const override { return native_; }
  bool wants_bodies() const override { return true; }
  std::size_t echoes() {
    std::lock_guard lock(mu);
    std::size_t n = 0;
    for (const Outbound& o : received) n += o.kind == Outbound::Kind::kPush && o.push->body.is<EchoPush>();
    return n;
  }
  std::mutex mu;
  std::vector<Outbound> received;

 private:
  const NativeDialect& native_;
};

}  // namespace

TEST_CASE("a domain added from outside the server's code goes through every layer", "[echo][domain]") {
  echo::install();
  TempDir tmp;
  const std::string dir = tmp.sub("data");
  std::uint64_t live_hash = 0;
  {
    std::unique_ptr<events::LmdbLog> log;
    REQUIRE(events::LmdbLog::open(dir, {}, &log).ok());
    ManualClock clock(kT0);
    SeededRandom random(1);
    Engine engine(*log, clock, random, EngineOptions{});
    REQUIRE(engine.start().ok());
    NativeDialect native;
    echo::add_to(native);
    SessionOptions options;
    options.captcha_required = false;
    auto session = std::make_shared<Session>(engine, native, options, 0);
    session->self = session;
    session->logic.open();  // no captcha: it connects at once
    session->pump();
    REQUIRE(session->closed.empty());

    // The op of the dialect, the command and its rule, the event, the push and its frame.
    clock.advance(1000);
    session->frames.clear();
    session->logic.on_frame(R"({"op":"echo","id":1,"text":"hi \"there\""})", 0);
    REQUIRE(session->queued.size() == 1);
    CHECK(session->queued[0].command.actor == 1);
    CHECK(session->queued[0].command.as<Echo>() == Echo{"hi \"there\"", 0});
    session->pump();
    CHECK(session->frames == std::vector<std::string>{R"({"type":"reply","id":1,"ok":true})",
                                                       R"({"type":"echo","text":"hi \"there\""})"});
    // A request the dialect's op table refuses: the field's type is the op's declaration.
    session->logic.on_frame(R"({"op":"echo","id":2,"text":7})", 0);
    CHECK(session->frames.back() == R"({"type":"reply","id":2,"ok":false,"error":"bad_request","message":"field 'text' has the wrong type"})");
    CHECK(session->queued.empty());

    // The log's bytes, from the event's declaration, and back through the codec.
    std::string stored;
    REQUIRE(log->read_encoded(3, stored).ok());
    CHECK(stored == R"({"v":1,"seq":3,"t":1795356001000,"type":"echoed","client":1,"text":"hi \"there\"","due":0})");
    events::Event decoded;
    REQUIRE(events::EventDecoder().decode_stored(3, stored, decoded).ok());
    CHECK(decoded.payload.as<Echoed>() == Echoed{1, "hi \"there\"", 0});
    CHECK(events::encode(decoded) == stored);

    // The domain's state is in the World, its hash and its rebuild.
    CHECK(engine.world().get<EchoState>().echoes == 1);
    projections::World rebuilt;
    REQUIRE(projections::rebuild(*log, rebuilt).ok());
    CHECK(rebuilt.get<EchoState>().echoes == 1);
    CHECK(rebuilt.hash() == engine.world().hash());
    live_hash = engine.world().hash();
    session->router.clear();
    session->self.reset();
  }

  // chatreplay knows the new type by name, shows it from its declaration, and filters on its roles.
  Run events = chatreplay({"events", "--data", dir, "--type", "echoed"});
  INFO(events.err);
  REQUIRE(events.code == replay::kExitOk);
  CHECK(events.out == "#3 2026-11-22T14:00:01.000Z echoed client=1 \"\" text=\"hi \\\"there\\\"\" due=0\n");
  Run client = chatreplay({"events", "--data", dir, "--client", "1"});
  CHECK(client.out.find("echoed client=1") != std::string::npos);
  Run state = chatreplay({"state", "--data", dir, "--hash", "--no-snapshots"});
  char hex[20];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(live_hash));
  CHECK(state.out == "seq 3 hash " + std::string(hex) + "\n");
  CHECK(chatreplay({"verify", "--data", dir}).code == replay::kExitOk);
}

TEST_CASE("a deadline of the World becomes a Tick whose rule turns it into events", "[echo][domain][tick]") {
  echo::install();
  events::MemoryLog log;
  ManualClock clock(kT0);
  SeededRandom random(1);
  Engine engine(log, clock, random, EngineOptions{});
  REQUIRE(engine.start().ok());
  CHECK(engine.next_deadline() == projections::kNoDeadline);
  Engine::BatchResult r;
  const std::vector<Command> connect{Connect{"a", events::Dialect::kNative, "x"}, Connect{"b", events::Dialect::kNative, "y"}};
  REQUIRE(engine.process(connect, r).ok());
  const std::vector<Command> later{Command{Echo{"later", 5000}, 1}, Command{Echo{"never", 9000}, 2}};
  REQUIRE(engine.process(later, r).ok());
  CHECK(engine.world().get<EchoState>().scheduled.size() == 2);
  CHECK(r.pushes.empty());  // nothing is told yet
  CHECK(engine.next_deadline() == kT0 + 5000);

  // Before its time a Tick does nothing; at its time, the due echo is told, and only it.
  clock.set(kT0 + 4999);
  const std::vector<Command> tick{Tick{}};
  REQUIRE(engine.process(tick, r).ok());
  CHECK(r.first_seq == 0);
  clock.set(kT0 + 5000);
  REQUIRE(engine.process(tick, r).ok());
  REQUIRE(r.encoded_count == 1);
  CHECK(r.encoded[0].find(R"("type":"echoed","client":1,"text":"later","due":1795356005000)") != std::string::npos);
  REQUIRE(r.pushes.size() == 1);
  CHECK(r.pushes[0].push->body.as<EchoPush>().text == "later");
  CHECK(engine.next_deadline() == kT0 + 9000);

  // Another domain's event ends what this one holds for the client: b disconnects, its echo goes.
  const std::vector<Command> bye{Command{Disconnect{events::DisconnectReason::kClosed}, 2}};
  REQUIRE(engine.process(bye, r).ok());
  CHECK(engine.world().get<EchoState>().scheduled.empty());
  CHECK(engine.next_deadline() == projections::kNoDeadline);

  projections::World rebuilt;
  REQUIRE(projections::rebuild(log, rebuilt).ok());
  CHECK(rebuilt.hash() == engine.world().hash());
  // An echo told for a deadline nobody set cannot follow the World.
  projections::World w = rebuilt;
  CHECK_FALSE(projections::apply(w, events::Event{w.last_seq + 1, kT0 + 10'000, Echoed{1, "forged", kT0 + 10'000}}).ok());
  CHECK(w.hash() == rebuilt.hash());
}

TEST_CASE("the runner submits the Tick itself when the World's deadline comes", "[echo][domain][tick][runner]") {
  echo::install();
  events::MemoryLog log;
  WallClock clock;
  SeededRandom random(1);
  Engine engine(log, clock, random, EngineOptions{});
  REQUIRE(engine.start().ok());
  NativeDialect native;
  echo::add_to(native);
  EngineRunner runner(engine, EngineRunner::Options{});
  auto port = std::make_shared<RecordingPort>(native);
  runner.start();
  REQUIRE(runner.submit(Connect{"a", events::Dialect::kNative, "x"}, port, "c"));
  REQUIRE(runner.submit(Command{Echo{"soon", 40}, 1}, port, "e"));
  // Nobody submits anything more: the echo comes when its time does (bounded wait).
  for (int i = 0; i < 2500 && port->echoes() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  runner.stop();
  CHECK(port->echoes() == 1);
  CHECK(runner.ticks() >= 1);
  events::Event last;
  REQUIRE(log.read(log.last_seq(), last).ok());
  REQUIRE(last.payload.is<Echoed>());
  CHECK(last.payload.as<Echoed>().due != 0);
  CHECK(last.time >= last.payload.as<Echoed>().due);
}

TEST_CASE("a test domain's push is rendered by every dialect it registers with, or by none on purpose", "[echo][domain]") {
  echo::install();
  NativeDialect native;
  LowfDialect lowf;
  CHECK_FALSE(native.pushes().missing({"echo"}).empty());  // not yet told how to say it
  echo::add_to(native);
  echo::add_to(lowf);
  CHECK(native.pushes().missing().empty());
  CHECK(lowf.pushes().missing().empty());
  std::string out;
  CHECK_FALSE(lowf.render_push(projections::Push{.body = EchoPush{"x"}}, false, out));
  CHECK(native.render_push(projections::Push{.body = EchoPush{"x"}}, false, out));
  CHECK(out == R"({"type":"echo","text":"x"})");
}

namespace {
std::atomic<bool> g_stuck{false};
TimeMs stuck_deadline(const projections::World&) { return g_stuck ? kT0 : projections::kNoDeadline; }
}  // namespace

TEST_CASE("a deadline no Tick moves costs a Tick a second, not a spin", "[domain][tick][runner]") {
  // A domain whose deadline stays in the past (a bug) must not make the runner spin.
  static const bool registered = (projections::Projections::instance().deadline(&stuck_deadline), true);
  (void)registered;
  events::MemoryLog log;
  WallClock clock;
  SeededRandom random(1);
  Engine engine(log, clock, random, EngineOptions{});
  REQUIRE(engine.start().ok());
  g_stuck = true;
  struct Unstick {
    ~Unstick() { g_stuck = false; }
  } unstick;
  EngineRunner runner(engine, EngineRunner::Options{});
  runner.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const std::uint64_t ticks = runner.ticks();
  g_stuck = false;
  runner.stop();
  CHECK(ticks >= 1);
  CHECK(ticks <= 3);  // one at once, then at most one a second
}
