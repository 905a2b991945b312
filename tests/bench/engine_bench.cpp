// Benchmark: durable events per second through the whole engine, against raw batched LMDB appends
// of the very same events, in one run (docs/benchmarks.md).
//
//   engine_bench [--events N] [--batch B] [--runs R] [--dir DIR] [--smoke]
//
// Workload: C clients connect, pair up, and send messages of 64 bytes round-robin until N events.
//  - "engine direct": Engine::process on batches of B commands (decide, apply, notify, encode, one
//    LMDB transaction + sync per batch).
//  - "engine runner": the same commands queued in EngineRunner before it starts; it forms its own
//    batches (up to B), prepares one while the previous one commits, and delivers replies and
//    pushes to a counting SessionPort. This is the path chatd runs.
//  - "raw LMDB": the encoded events the engine wrote, appended with LmdbLog::append_encoded in
//    transactions of the same number of events per batch, into a fresh folder.
// Each run uses fresh folders; the figures are medians over the runs. --smoke runs a tiny workload
// and only checks that every path wrote the same events (for ctest; no timing assertions).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "events/codec.hpp"
#include "events/lmdb_log.hpp"
#include "net/engine/engine.hpp"
#include "net/engine/engine_runner.hpp"
#include "net/native/dialect.hpp"
#include "tests/support/domains.hpp"

using namespace chatd;
using Clock_ = std::chrono::steady_clock;

namespace {

struct Args {
  std::size_t events = 300'000;
  std::size_t batch = 1000;
  int runs = 5;
  std::string dir = "/tmp";
  bool smoke = false;
  bool render = true;  // the deliver stage renders pushes in the native dialect
};

class FixedClock final : public Clock {
 public:
  TimeMs now_ms() override { return now_ += 1; }

 private:
  TimeMs now_ = 1'795'310'400'000;
};

// A dialect that says nothing of any push: the deliver stage without rendering (--render none).
class SilentRenderer final : public PushRenderer {
 public:
  bool render_push(const projections::Push&, bool, std::string&) const override { return false; }
};

// A session that counts what it gets. It speaks the native dialect, so the deliver stage renders
// the pushes as it does for chatd's sessions, or (--render none) nothing.
class CountingPort final : public SessionPort {
 public:
  explicit CountingPort(bool render) : render_(render) {}
  void deliver(std::vector<Outbound> items) override { delivered += items.size(); }
  const PushRenderer& renderer() const override {
    if (render_) return native_;
    return silent_;
  }
  std::atomic<std::size_t> delivered{0};

 private:
  bool render_;
  NativeDialect native_;
  SilentRenderer silent_;
};

// The commands of the workload, in order; each command yields about one event.
std::vector<Command> workload(std::size_t events) {
  const std::size_t clients = std::min<std::size_t>(1000, std::max<std::size_t>(2, events / 10)) & ~std::size_t{1};
  std::vector<Command> cmds;
  for (std::size_t c = 0; c < clients; ++c) cmds.push_back(Connect{"user" + std::to_string(c), events::Dialect::kNative, "127.0.0.1"});
  for (std::size_t c = 1; c <= clients; ++c) cmds.push_back(Command{Search{}, c});
  std::string text(64, 'm');
  for (std::size_t i = 0; cmds.size() < events; ++i) cmds.push_back(Command{Send{text}, 1 + i % clients});
  return cmds;
}

std::string fresh_dir(const std::string& base, const std::string& name) {
  std::string d = base + "/chatd-bench-" + std::to_string(getpid()) + "-" + name;
  std::filesystem::remove_all(d);
  return d;
}

std::unique_ptr<events::LmdbLog> open_log(const std::string& dir) {
  std::unique_ptr<events::LmdbLog> log;
  events::LmdbLog::Options o;
  o.initial_map_size = std::size_t{1} << 30;
  Status s = events::LmdbLog::open(dir, o, &log);
  if (!s.ok()) {
    std::cerr << "cannot open " << dir << ": " << s.ToString() << "\n";
    std::exit(1);
  }
  return log;
}

// An engine started on a fresh LMDB folder, as chatd starts one.
struct StartedEngine {
  explicit StartedEngine(const std::string& folder)
      : dir(folder), log(open_log(folder)), engine(*log, clock, random, EngineOptions{}) {
    if (!engine.start().ok()) std::exit(1);
    start = log->last_seq();
  }
  ~StartedEngine() {
    log.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::unique_ptr<events::LmdbLog> log;
  FixedClock clock;
  SeededRandom random{1};
  Engine engine;
  Seq start = 0;  // the seq of the engine's ServerStarted
};

struct RunResult {
  double engine_direct = 0, engine_runner = 0, raw = 0;  // events per second
  double prepare_share = 0;  // of the direct path's time, the part spent in prepare (CPU)
  Seq events = 0;
  bool same = true;
};

RunResult run_once(const Args& a, const std::vector<Command>& cmds) {
  RunResult r;
  std::vector<std::string> encoded;
  std::vector<std::size_t> batch_events;  // events per engine batch, for the raw run
  {
    StartedEngine e(fresh_dir(a.dir, "engine"));
    Engine& engine = e.engine;
    Engine::BatchResult result;
    auto t0 = Clock_::now();
    Clock_::duration preparing{};
    for (std::size_t i = 0; i < cmds.size(); i += a.batch) {
      std::span<const Command> batch(cmds.data() + i, std::min(a.batch, cmds.size() - i));
      auto p0 = Clock_::now();
      if (!engine.prepare(batch, result).ok()) std::exit(1);
      preparing += Clock_::now() - p0;
      if (!engine.commit(result).ok()) std::exit(1);
      batch_events.push_back(result.first_seq == 0 ? 0 : result.last_seq - result.first_seq + 1);
    }
    double secs = std::chrono::duration<double>(Clock_::now() - t0).count();
    r.prepare_share = std::chrono::duration<double>(preparing).count() / secs;
    r.events = e.log->last_seq() - e.start;
    r.engine_direct = static_cast<double>(r.events) / secs;
    e.log->scan(e.start + 1, [&](const events::Event& event) {
      encoded.push_back(events::encode(event));
      return true;
    });
  }
  {
    StartedEngine e(fresh_dir(a.dir, "runner"));
    EngineRunner runner(e.engine, EngineRunner::Options{cmds.size() + 1, a.batch, std::chrono::microseconds(0)});
    auto port = std::make_shared<CountingPort>(a.render);
    // Queue everything first (the queue holds it all): the figure is the engine's, not a producer thread's.
    for (const Command& c : cmds) runner.submit(c, port, "");
    auto t0 = Clock_::now();
    runner.start();
    runner.stop();  // returns once everything queued is durable and delivered
    double secs = std::chrono::duration<double>(Clock_::now() - t0).count();
    Seq n = e.log->last_seq() - e.start;
    r.engine_runner = static_cast<double>(n) / secs;
    r.same = r.same && n == r.events && port->delivered >= cmds.size();
  }
  {
    std::string dir = fresh_dir(a.dir, "raw");
    auto log = open_log(dir);
    // The engine's log began with its ServerStarted event: write one first so seqs line up.
    std::vector<std::string> first{events::encode(events::Event{1, 0, events::ServerStarted{}})};
    if (!log->append_encoded(1, first).ok()) std::exit(1);
    Seq next = 2;
    std::size_t at = 0;
    auto t0 = Clock_::now();
    for (std::size_t n : batch_events) {
      if (!log->append_encoded(next, std::span<const std::string>(encoded.data() + at, n)).ok()) std::exit(1);
      at += n;
      next += n;
    }
    double secs = std::chrono::duration<double>(Clock_::now() - t0).count();
    r.raw = static_cast<double>(at) / secs;
    r.same = r.same && at == r.events && log->last_seq() == r.events + 1;
    log.reset();
    std::filesystem::remove_all(dir);
  }
  return r;
}


}  // namespace

int main(int argc, char** argv) {
  Args a;
  bench::Options options("engine_bench", "durable events per second: the engine, directly and through its runner, against raw LMDB");
  options.add("--events", "N", "commands in the workload, one event each (300000)", [&](const std::string& v) { a.events = std::stoull(v); });
  options.add("--batch", "B", "commands per batch, one transaction each (1000)", [&](const std::string& v) { a.batch = std::stoull(v); });
  options.add("--runs", "R", "runs; medians are reported (5)", [&](const std::string& v) { a.runs = std::stoi(v); });
  options.add("--dir", "DIR", "where the LMDB folders are made (/tmp)", [&](const std::string& v) { a.dir = v; });
  options.add("--render", "native|none", "what the deliver stage renders the pushes in (native)", [&](const std::string& v) {
    if (v != "native" && v != "none") throw std::invalid_argument(v);
    a.render = v == "native";
  });
  options.flag("--smoke", "a small run that checks counts only (ctest)", [&] { a.smoke = true; });
  if (int code = options.parse(argc, argv); code >= 0) return code;
  if (a.smoke) {
    a.events = 2000;
    a.batch = 100;
    a.runs = 1;
  }
  auto cmds = workload(a.events);
  std::printf("engine_bench: %zu commands, batches of %zu, %d runs, %s, dir %s\n", cmds.size(), a.batch, a.runs,
              bench::machine_state().c_str(), a.dir.c_str());
  std::vector<double> direct, runner, raw, ratio_direct, ratio_runner, prepare_share;
  bool same = true;
  for (int i = 0; i < a.runs; ++i) {
    RunResult r = run_once(a, cmds);
    same = same && r.same;
    direct.push_back(r.engine_direct);
    runner.push_back(r.engine_runner);
    raw.push_back(r.raw);
    ratio_direct.push_back(r.engine_direct / r.raw);
    ratio_runner.push_back(r.engine_runner / r.raw);
    prepare_share.push_back(r.prepare_share);
    std::printf("run %d: %llu events  engine direct %.0f/s  engine runner %.0f/s  raw LMDB %.0f/s\n", i + 1,
                static_cast<unsigned long long>(r.events), r.engine_direct, r.engine_runner, r.raw);
  }
  std::printf("median: engine direct %.0f events/s, engine runner %.0f events/s, raw LMDB %.0f events/s\n",
              bench::median(direct), bench::median(runner), bench::median(raw));
  std::printf("median ratio to raw LMDB: engine direct %.2f, engine runner %.2f\n", bench::median(ratio_direct),
              bench::median(ratio_runner));
  std::printf("engine direct: %.0f%% of its time in prepare (decide, notify, apply, encode), the rest in commit\n",
              100 * bench::median(prepare_share));
  if (!same) {
    std::printf("FAILED: the paths did not write the same number of events\n");
    return 1;
  }
  return 0;
}
