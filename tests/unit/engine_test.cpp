// The engine: batches, the restart event, and rebuild(log) == live World.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "events/memory_log.hpp"
#include "net/engine/engine.hpp"
#include "net/engine/engine_runner.hpp"
#include "net/native/dialect.hpp"
#include "projections/rebuild.hpp"
#include "tests/support/domains.hpp"

using namespace chatd;
using namespace chatd::events;
using namespace chatd::projections;

namespace {

// A log whose appends can be made to fail, to see what the runner does then.
class FailingLog final : public EventLog {
 public:
  Status append(std::span<const Event> batch) override { return fail_ ? Status::IoError("disk gone") : inner_.append(batch); }
  using EventLog::append_encoded;
  Status append_encoded(Seq first, std::span<const std::string> encoded, std::span<const KeyChange> keys) override {
    return fail_ ? Status::IoError("disk gone") : inner_.append_encoded(first, encoded, keys);
  }
  Status read_keys(const KeyVisitor& visit) const override { return inner_.read_keys(visit); }
  Seq last_seq() const override { return inner_.last_seq(); }
  Status scan_encoded(Seq from, const EncodedVisitor& visit) const override { return inner_.scan_encoded(from, visit); }
  Status read_encoded(Seq seq, std::string& out) const override { return inner_.read_encoded(seq, out); }
  std::atomic<bool> fail_{false};

 private:
  MemoryLog inner_;
};

// A log whose appends, once armed, wait at a gate until it is opened, to hold a commit in progress.
class GatedLog final : public EventLog {
 public:
  Status append(std::span<const Event> batch) override { return inner_.append(batch); }
  using EventLog::append_encoded;
  Status append_encoded(Seq first, std::span<const std::string> encoded, std::span<const KeyChange> keys) override {
    std::unique_lock lock(mu_);
    if (!armed_) return inner_.append_encoded(first, encoded, keys);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    return inner_.append_encoded(first, encoded, keys);
  }
  Status read_keys(const KeyVisitor& visit) const override { return inner_.read_keys(visit); }
  Seq last_seq() const override { return inner_.last_seq(); }
  Status scan_encoded(Seq from, const EncodedVisitor& visit) const override { return inner_.scan_encoded(from, visit); }
  Status read_encoded(Seq seq, std::string& out) const override { return inner_.read_encoded(seq, out); }
  // Waits (bounded) until `n` appends have reached the gate.
  bool wait_for_appends(int n) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return waiting_ >= n; });
  }
  void arm() {
    std::lock_guard lock(mu_);
    armed_ = true;
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  MemoryLog inner_;
  std::mutex mu_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool armed_ = false;
  bool open_ = false;
};

// Polls (bounded) until `done` holds.
template <typename F>
bool eventually(F done) {
  for (int i = 0; i < 5000 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return done();
}

class RecordingPort final : public SessionPort {
 public:
  const PushRenderer& renderer() const override {
    static const NativeDialect native;
    return native;
  }
  bool wants_bodies() const override { return true; }
  void deliver(std::vector<Outbound> items) override {
    std::lock_guard lock(mu);
    for (auto& i : items) received.push_back(std::move(i));
  }
  std::size_t count() {
    std::lock_guard lock(mu);
    return received.size();
  }
  std::mutex mu;
  std::vector<Outbound> received;
};


// An engine started on a fresh log of type Log.
template <typename Log>
struct EngineOn {
  Log log;
  ManualClock clock{1'795'310'400'000};
  SeededRandom random{1};
  Engine engine{log, clock, random, EngineOptions{}};
  Engine::BatchResult result;

  EngineOn() { REQUIRE(engine.start().ok()); }

  const Engine::BatchResult& batch(std::vector<Command> commands) {
    REQUIRE(engine.process(commands, result).ok());
    return result;
  }
  ClientId connect(std::string name) {
    batch({Connect{std::move(name), Dialect::kNative, "127.0.0.1"}});
    return result.replies.at(0).binds_client;
  }
};
using EngineFixture = EngineOn<MemoryLog>;

}  // namespace

TEST_CASE("start appends ServerStarted, which ends the previous run's sessions", "[engine]") {
  MemoryLog log;
  ManualClock clock(1000);
  SeededRandom random(5);
  {
    Engine first(log, clock, random, EngineOptions{});
    REQUIRE(first.start().ok());
    Engine::BatchResult r;
    std::vector<Command> cmds{Connect{"a", Dialect::kNative, "x"}, Connect{"b", Dialect::kLowf, "y"}};
    REQUIRE(first.process(cmds, r).ok());
    std::vector<Command> search{Command{Search{}, 1}, Command{Search{}, 2}};
    REQUIRE(first.process(search, r).ok());
    REQUIRE(first.world().get<StrangerState>().pairs.size() == 1);
  }
  Engine second(log, clock, random, EngineOptions{});
  REQUIRE(second.start().ok());
  const auto& session = second.world().get<SessionState>();
  const auto& stranger = second.world().get<StrangerState>();
  CHECK(session.clients.empty());
  CHECK(stranger.clients.empty());
  CHECK(stranger.pairs.empty());
  CHECK(stranger.waiting.empty());
  CHECK(session.next_client == 3);  // ids are never reused
  CHECK(session.restarts == 2);
  Event last;
  REQUIRE(log.scan(log.last_seq(), [&](const Event& e) { last = e; return true; }).ok());
  REQUIRE(last.payload.is<ServerStarted>());
  CHECK(last.payload.as<ServerStarted>().ended_clients == 2);
}

TEST_CASE("one batch is one append, and its replies follow command order", "[engine]") {
  EngineFixture f;
  Seq before = f.log.last_seq();
  const auto& r = f.batch({Connect{"a", Dialect::kNative, "x"}, Connect{"b", Dialect::kNative, "x"},
                           Command{Search{}, 1}, Command{Search{}, 2}, Command{Send{"hi"}, 1}, Command{Send{"nobody"}, 3}});
  REQUIRE(r.replies.size() == 6);
  CHECK(r.replies[0].binds_client == 1);
  CHECK(r.replies[1].binds_client == 2);
  CHECK(r.replies[4].ok());
  CHECK(r.replies[5].error == errors::kNotConnected);
  CHECK(r.first_seq == before + 1);
  CHECK(r.last_seq == before + 5);  // 2 connects, search, pair, message
  CHECK(f.log.last_seq() == r.last_seq);
  // push_end splits the pushes by command: the pairing (command 3) made 3 (the seeker passes
  // through LOOKING, each side hears its partner's name), the message 1 (its sender and its
  // partner share it).
  CHECK(r.push_end == std::vector<std::size_t>{0, 0, 1, 4, 5, 5});
  CHECK(r.pushes[4].count == 2);
}

TEST_CASE("a rejected command appends nothing", "[engine]") {
  EngineFixture f;
  ClientId a = f.connect("a");
  Seq before = f.log.last_seq();
  auto hash = f.engine.world().hash();
  const auto& r = f.batch({Command{Send{"not paired"}, a}, Command{Leave{}, a}, Command{SetName{""}, a}});
  for (const Reply& reply : r.replies) CHECK_FALSE(reply.ok());
  CHECK(r.first_seq == 0);
  CHECK(f.log.last_seq() == before);
  CHECK(f.engine.world().hash() == hash);
}

TEST_CASE("rebuild(log) equals the live World, by hash, at every batch", "[engine]") {
  EngineFixture f;
  SeededRandom script(99);
  std::vector<ClientId> clients;
  for (int round = 0; round < 200; ++round) {
    std::vector<Command> cmds;
    for (int i = 0; i < 5; ++i) {
      std::uint64_t dice = script.uniform(10);
      ClientId c = clients.empty() ? 0 : clients[script.uniform(clients.size())];
      if (clients.empty() || dice == 0) cmds.push_back(Connect{"n" + std::to_string(round), Dialect::kNative, "a"});
      else if (dice < 4) cmds.push_back(Command{Search{}, c});
      else if (dice < 6) cmds.push_back(Command{Send{"m" + std::to_string(round)}, c});
      else if (dice < 7) cmds.push_back(Command{Leave{}, c});
      else if (dice < 8) cmds.push_back(Command{Report{"r"}, c});
      else if (dice < 9) cmds.push_back(Command{SetName{"x" + std::to_string(i)}, c});
      else cmds.push_back(Command{Disconnect{DisconnectReason::kClosed}, c});
    }
    f.clock.advance(static_cast<TimeMs>(script.uniform(5000)));
    const auto& r = f.batch(cmds);
    for (std::size_t i = 0; i < cmds.size(); ++i)
      if (cmds[i].is<Connect>()) clients.push_back(r.replies[i].binds_client);
    if (round % 20 == 0 || round == 199) {
      projections::World rebuilt;
      REQUIRE(projections::rebuild(f.log, rebuilt).ok());
      REQUIRE(rebuilt.hash() == f.engine.world().hash());
    }
  }
  CHECK(f.engine.world().get<StrangerState>().messages > 0);
  CHECK(f.engine.world().get<StrangerState>().reports > 0);
}

TEST_CASE("rebuild stops at a corrupted event and names its seq", "[engine]") {
  EngineFixture f;
  f.connect("a");
  f.connect("b");
  REQUIRE(f.log.corrupt_for_test(2, "{\"v\":1,\"seq\":2,\"t\":1,\"type\":\"no_such_type\"}").ok());
  projections::World w;
  Status s = projections::rebuild(f.log, w);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("2") != std::string::npos);
  CHECK(w.last_seq == 1);
}

TEST_CASE("apply refuses an event that cannot follow the World, and changes nothing", "[world]") {
  projections::World w;
  REQUIRE(projections::apply(w, Event{1, 10, ClientConnected{1, "a", Dialect::kNative, "x"}}).ok());
  auto hash = w.hash();
  CHECK_FALSE(projections::apply(w, Event{2, 11, Paired{PairId{}, 1, 7}}).ok());
  CHECK_FALSE(projections::apply(w, Event{2, 11, ClientConnected{5, "a", Dialect::kNative, "x"}}).ok());
  CHECK_FALSE(projections::apply(w, Event{3, 11, SearchStarted{1}}).ok());  // seq gap
  CHECK_FALSE(projections::apply(w, Event{2, 11, SearchCancelled{1}}).ok());
  CHECK(w.hash() == hash);
}

TEST_CASE("the World hash is stable and sees every field", "[world]") {
  projections::World a, b;
  for (auto* w : {&a, &b}) {
    REQUIRE(projections::apply(*w, Event{1, 10, ClientConnected{1, "a", Dialect::kNative, "x"}}).ok());
  }
  CHECK(a.hash() == b.hash());
  REQUIRE(projections::apply(b, Event{2, 10, NameChanged{1, "b"}}).ok());
  CHECK(a.hash() != b.hash());
  projections::World empty;
  CHECK(empty.hash() == projections::World{}.hash());
  CHECK(empty.hash() != a.hash());
}

TEST_CASE("info reports the log position and the World's hash", "[engine]") {
  EngineFixture f;
  f.connect("a");
  const auto& r = f.batch({QueryInfo{}});
  CHECK(r.replies[0].body.as<InfoReply>().seq == f.log.last_seq());
  CHECK(r.replies[0].body.as<InfoReply>().world_hash == f.engine.world().hash());
  CHECK(r.first_seq == 0);  // a query appends nothing
}


TEST_CASE("runner: replies and pushes go out after the batch is durable, in order", "[engine][runner]") {
  EngineFixture f;
  EngineRunner runner(f.engine, EngineRunner::Options{1000, 2, std::chrono::microseconds(0)});
  auto a = std::make_shared<RecordingPort>(), b = std::make_shared<RecordingPort>();
  runner.submit(Connect{"a", Dialect::kNative, "x"}, a, "ca");
  runner.submit(Connect{"b", Dialect::kNative, "y"}, b, "cb");
  runner.submit(Command{Search{}, 1}, a, "s1");
  runner.submit(Command{Search{}, 2}, b, "s2");
  runner.submit(Command{Send{"hello"}, 1}, a, "m1");
  runner.start();
  runner.stop();
  CHECK(runner.batches() == 3);  // batches of at most two commands
  // Everything a received, in causal order: its replies and the pushes the events caused.
  REQUIRE(a->received.size() == 6);
  CHECK(a->received[0].request_id == "ca");
  CHECK(a->received[1].request_id == "s1");
  CHECK(a->received[2].push->body.is<StatePush>());
  CHECK(a->received[3].push->body.is<PairedPush>());
  CHECK(a->received[4].request_id == "m1");
  CHECK((a->received[5].push->body.is<MessagePush>() && a->received[5].own));
  CHECK(a->received[5].frame.empty());  // the native sender has its reply, not its own message
  // b, paired by its own search, passes through LOOKING: a push the native dialect says nothing of.
  REQUIRE(b->received.size() == 5);
  CHECK(b->received[2].push->body.as<StatePush>().passing);
  CHECK(b->received[2].frame.empty());
  CHECK(b->received[3].push->body.is<PairedPush>());
  CHECK(b->received[4].push->body.as<MessagePush>().text == "hello");
  // One push, one body: the sender's and the partner's items share it.
  CHECK(b->received[4].push == a->received[5].push);
  CHECK(b->received[4].frame.view() ==
        R"({"type":"message","pair":")" + b->received[4].push->body.as<MessagePush>().pair.to_string() +
            R"(","from":"a","text":"hello"})");
  CHECK(f.log.last_seq() == 6);
}

TEST_CASE("runner: commands that arrive while a prepared batch waits for the commit join it", "[engine][runner]") {
  EngineOn<GatedLog> f;  // start() appended unhindered; every commit from now on waits at the gate
  f.log.arm();
  EngineRunner runner(f.engine, EngineRunner::Options{1000, 100, std::chrono::microseconds(0)});
  struct OpenAtEnd {  // destroyed before the runner: a failed check must not leave it stuck at the gate
    GatedLog& log;
    ~OpenAtEnd() { log.open(); }
  } open_at_end{f.log};
  auto port = std::make_shared<RecordingPort>();
  runner.start();
  runner.submit(Connect{"a", Dialect::kNative, "x"}, port, "a");
  REQUIRE(f.log.wait_for_appends(1));  // batch 1 is being committed
  runner.submit(Connect{"b", Dialect::kNative, "x"}, port, "b");
  REQUIRE(eventually([&] { return runner.commands_prepared() == 2; }));  // batch 2 is prepared, waiting
  runner.submit(Connect{"c", Dialect::kNative, "x"}, port, "c");  // arrives while batch 2 waits
  CHECK(port->count() == 0);  // nothing is released before its batch is durable
  f.log.open();
  REQUIRE(eventually([&] { return port->count() == 3; }));
  runner.stop();
  CHECK(runner.batches() == 2);  // c joined batch 2 rather than wait for a third commit
  CHECK(f.log.last_seq() == 4);  // ServerStarted, then the three clients
  std::lock_guard lock(port->mu);
  CHECK(port->received[0].request_id == "a");
  CHECK(port->received[1].request_id == "b");
  CHECK(port->received[2].request_id == "c");
  CHECK(port->received[2].reply.ok());
  // The log holds what the World holds.
  projections::World rebuilt;
  REQUIRE(projections::rebuild(f.log, rebuilt).ok());
  CHECK(rebuilt.hash() == f.engine.world().hash());
}

TEST_CASE("runner: a failed commit releases nothing of its batch and stops the pipeline", "[engine][runner]") {
  EngineOn<FailingLog> f;
  EngineRunner runner(f.engine, EngineRunner::Options{1000, 1, std::chrono::microseconds(0)});
  std::atomic<int> fatal{0};
  runner.on_fatal([&](const Status&) { ++fatal; });
  auto port = std::make_shared<RecordingPort>();
  runner.submit(Connect{"a", Dialect::kNative, "x"}, port, "1");
  runner.start();
  for (int i = 0; i < 500 && port->count() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(port->count() == 1);
  f.log.fail_ = true;
  for (int i = 0; i < 5; ++i) runner.submit(Connect{"b", Dialect::kNative, "x"}, port, "later");
  runner.stop();
  CHECK(fatal == 1);
  CHECK(port->count() == 1);  // nobody heard of anything after the failure
  CHECK(f.engine.broken());
  CHECK(f.log.last_seq() == 2);
  CHECK_FALSE(runner.submit(Command{Search{}, 1}, port, "refused"));  // a failed runner takes nothing more
}
