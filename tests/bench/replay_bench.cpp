// Benchmark: how fast a log is read back (docs/benchmarks.md, "Replay").
//
//   replay_bench [--events N] [--runs R] [--queries Q] [--snapshot-every S] [--dir DIR] [--smoke]
//
// The log: N events written by the real engine (decide, apply, LMDB appends of 4,096-command
// batches) from a seeded churn workload: about 2,000 clients online, connecting, naming
// themselves, searching, pairing, chatting (most events are messages of 20-120 bytes), leaving,
// reporting and disconnecting; 10 ms of virtual time per batch. Then, on that one log:
//  - raw LMDB scan: every stored event copied out of short read txns (LmdbLog::scan_encoded);
//  - simdjson parse: the same plus decoding each event (EventDecoder);
//  - rebuild: the same plus applying each event to a World (History::replay, no snapshots):
//    the rate chatreplay and chatd's start rebuild at. All three on one thread, i.e. per core.
//  - point-in-time queries: Q random times, each answered as `chatreplay state --at T --hash`
//    does (binary search for the seq, nearest snapshot, replay, hash), after one pass that wrote
//    the snapshots every S events. Reports p50/p99/max latency.
// Rates are medians over R runs. --smoke writes a small log and checks that the rebuilt World
// and every query agree with the engine's own World (no timing assertions; for ctest).
#include <unistd.h>

#include <algorithm>
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
#include "replay/history.hpp"
#include "replay/render.hpp"
#include "replay/snapshot.hpp"
#include "tests/support/domains.hpp"

using namespace chatd;
using Clock_ = std::chrono::steady_clock;

namespace {

struct Args {
  std::uint64_t events = 10'000'000;
  int runs = 3;
  int queries = 1000;
  Seq snapshot_every = replay::SnapshotStore::kDefaultEvery;
  std::string dir = "/tmp";
  bool smoke = false;
};

[[noreturn]] void die(const std::string& what, const Status& st) {
  std::cerr << what << ": " << st.ToString() << "\n";
  std::exit(1);
}

double seconds_since(Clock_::time_point t0) { return std::chrono::duration<double>(Clock_::now() - t0).count(); }


// Commands for one batch, chosen from the World as the batch starts; each client acts at most
// once per batch so that every command is valid when decided.
void churn_batch(const projections::World& w, SeededRandom& rng, std::size_t target_online, std::size_t size,
                 std::vector<Command>& out) {
  out.clear();
  static const std::string kWords = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
                                    "incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis";
  const auto& strangers = w.get<projections::StrangerState>().clients;
  const std::size_t online = strangers.size();
  std::size_t connects = online < target_online ? std::min<std::size_t>(size / 8, target_online - online) : 0;
  for (std::size_t i = 0; i < connects; ++i) {
    if (rng.uniform(50) == 0) out.push_back(RecordCaptchaFailure{"10.1." + std::to_string(rng.uniform(256)) + ".7", "wrong number"});
    out.push_back(Connect{"user" + std::to_string(w.get<projections::SessionState>().next_client + i), rng.uniform(3) ? events::Dialect::kNative : events::Dialect::kLowf,
                          "10.0." + std::to_string(rng.uniform(256)) + "." + std::to_string(rng.uniform(256))});
  }
  for (const auto& [id, c] : strangers) {
    if (out.size() >= size) break;
    const std::uint64_t roll = rng.uniform(1000);
    switch (c.state) {
      case projections::ClientState::kPaired:
        if (roll < 880) {
          std::size_t len = 20 + rng.uniform(100);
          std::size_t at = rng.uniform(kWords.size() - 20);
          out.push_back(Command{Send{kWords.substr(at, std::min(len, kWords.size() - at))}, id});
        } else if (roll < 900) {
          out.push_back(Command{Leave{}, id});
        } else if (roll < 905) {
          out.push_back(Command{SetName{"nick" + std::to_string(rng.uniform(100000))}, id});
        } else if (roll < 910) {
          out.push_back(Command{Disconnect{events::DisconnectReason::kClosed}, id});
        }
        break;
      case projections::ClientState::kConnected:
      case projections::ClientState::kDisconnected:
        if (roll < 300) {
          out.push_back(Command{Search{}, id});
        } else if (roll < 330 && !c.last_pair.empty() && !c.last_pair_reported) {
          out.push_back(Command{Report{"spam"}, id});
        } else if (roll < 340) {
          out.push_back(Command{Disconnect{rng.uniform(2) ? events::DisconnectReason::kClosed : events::DisconnectReason::kIdleState}, id});
        }
        break;
      case projections::ClientState::kLooking:
        if (roll < 5) out.push_back(Command{Leave{}, id});
        break;
      default:
        break;
    }
  }
}

struct WrittenLog {
  std::string dir;
  Seq events = 0;
  std::uint64_t hash = 0;
  double write_seconds = 0;
  std::uintmax_t bytes = 0;
};

WrittenLog write_log(const Args& a) {
  WrittenLog out;
  out.dir = a.dir + "/chatd-replay-bench-" + std::to_string(getpid());
  std::filesystem::remove_all(out.dir);
  std::unique_ptr<events::LmdbLog> log;
  events::LmdbLog::Options o;
  o.initial_map_size = std::size_t{1} << 30;
  Status st = events::LmdbLog::open(out.dir, o, &log);
  if (!st.ok()) die("open " + out.dir, st);
  ManualClock clock(1'795'356'000'000);
  SeededRandom engine_random(1), workload_random(2);
  Engine engine(*log, clock, engine_random, EngineOptions{});
  if (!(st = engine.start()).ok()) die("start", st);
  std::vector<Command> batch;
  Engine::BatchResult result;
  const std::size_t online = a.smoke ? 200 : 2000;
  auto t0 = Clock_::now();
  while (log->last_seq() < a.events) {
    churn_batch(engine.world(), workload_random, online, a.smoke ? 256 : 4096, batch);
    if (batch.empty()) batch.push_back(Connect{"late", events::Dialect::kNative, "10.9.9.9"});
    if (!(st = engine.process(batch, result)).ok()) die("process", st);
    clock.advance(10);
  }
  out.write_seconds = seconds_since(t0);
  out.events = log->last_seq();
  out.hash = engine.world().hash();
  log.reset();
  out.bytes = std::filesystem::file_size(out.dir + "/data.mdb");
  return out;
}

std::unique_ptr<events::LmdbLog> open_read_only(const std::string& dir) {
  std::unique_ptr<events::LmdbLog> log;
  events::LmdbLog::Options o;
  o.read_only = true;
  Status st = events::LmdbLog::open(dir, o, &log);
  if (!st.ok()) die("open read-only", st);
  return log;
}

struct Rates {
  double raw = 0, parse = 0, rebuild = 0;
  std::vector<std::uint64_t> per_type = std::vector<std::uint64_t>(events::EventCatalog::instance().types().size());
};

Rates measure_rates(const events::EventLog& log, Seq events, std::uint64_t expect_hash) {
  Rates r;
  std::uint64_t bytes = 0, n = 0;
  auto t0 = Clock_::now();
  Status st = log.scan_encoded(1, [&](Seq, std::string_view b) {
    bytes += b.size() + static_cast<unsigned char>(b[b.size() / 2]);  // touch the bytes
    ++n;
    return true;
  });
  if (!st.ok() || n != events) die("raw scan", st);
  r.raw = static_cast<double>(n) / seconds_since(t0);

  events::EventDecoder decoder;
  events::Event event;
  n = 0;
  t0 = Clock_::now();
  st = log.scan_encoded(1, [&](Seq seq, std::string_view b) {
    if (!decoder.decode_scanned(seq, b, event).ok()) return false;
    ++r.per_type[static_cast<std::size_t>(event.payload.type()->index)];
    ++n;
    return true;
  });
  if (!st.ok() || n != events) die("parse", st);
  r.parse = static_cast<double>(n) / seconds_since(t0);

  replay::History history(log, nullptr);
  projections::World world;
  t0 = Clock_::now();
  st = history.replay(world, events);
  if (!st.ok()) die("rebuild", st);
  r.rebuild = static_cast<double>(world.last_seq) / seconds_since(t0);
  if (world.hash() != expect_hash) {
    std::cerr << "FAILED: the rebuilt World differs from the engine's\n";
    std::exit(1);
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  bench::Options options("replay_bench", "reading a log back: raw scan, decode, rebuild, and point-in-time queries");
  options.add("--events", "N", "events in the log the engine writes first (10000000)", [&](const std::string& v) { a.events = std::stoull(v); });
  options.add("--runs", "R", "runs of the scan, decode and rebuild; medians are reported (3)", [&](const std::string& v) { a.runs = std::stoi(v); });
  options.add("--queries", "Q", "point-in-time queries at random times (1000)", [&](const std::string& v) { a.queries = std::stoi(v); });
  options.add("--snapshot-every", "S", "events between snapshots (50000)", [&](const std::string& v) { a.snapshot_every = std::stoull(v); });
  options.add("--dir", "DIR", "where the log is written (/tmp)", [&](const std::string& v) { a.dir = v; });
  options.flag("--smoke", "a small run that checks the rebuilt Worlds only (ctest)", [&] { a.smoke = true; });
  if (int code = options.parse(argc, argv); code >= 0) return code;
  if (a.smoke) {
    a.events = 20'000;
    a.runs = 1;
    a.queries = 50;
    a.snapshot_every = 1'000;
  }
  std::printf("replay_bench: %llu events, %d runs, %d queries, snapshots every %llu, %s\n",
              static_cast<unsigned long long>(a.events), a.runs, a.queries, static_cast<unsigned long long>(a.snapshot_every),
              bench::machine_state().c_str());
  WrittenLog w = write_log(a);
  std::printf("log: %llu events, %.1f MB, written by the engine in %.1f s\n", static_cast<unsigned long long>(w.events),
              static_cast<double>(w.bytes) / 1e6, w.write_seconds);
  std::fflush(stdout);
  auto log = open_read_only(w.dir);

  std::vector<double> raw, parse, rebuild;
  for (int i = 0; i < a.runs; ++i) {
    Rates r = measure_rates(*log, w.events, w.hash);
    raw.push_back(r.raw);
    parse.push_back(r.parse);
    rebuild.push_back(r.rebuild);
    std::printf("run %d: raw LMDB scan %.2f M/s, simdjson parse %.2f M/s, rebuild %.2f M/s\n", i + 1, r.raw / 1e6,
                r.parse / 1e6, r.rebuild / 1e6);
    std::fflush(stdout);
  }
  {
    Rates mix = measure_rates(*log, w.events, w.hash);
    std::printf("event mix:");
    for (std::size_t t = 0; t < mix.per_type.size(); ++t)
      if (mix.per_type[t])
        std::printf(" %s %.1f%%", replay::all_event_types()[t].c_str(), 100.0 * static_cast<double>(mix.per_type[t]) / static_cast<double>(w.events));
    std::printf("\n");
  }
  std::printf("median events/s on one core: raw LMDB scan %.2f M, simdjson parse %.2f M, rebuild %.2f M\n",
              bench::median(raw) / 1e6, bench::median(parse) / 1e6, bench::median(rebuild) / 1e6);

  // Point-in-time queries. One pass writes the snapshots (as the first chatreplay query would).
  replay::SnapshotStore store(w.dir + "/snapshots", a.snapshot_every);
  auto t0 = Clock_::now();
  {
    replay::History history(*log, &store);
    projections::World world;
    Status st = history.world_at(w.events, world);
    if (!st.ok()) die("snapshot pass", st);
  }
  std::printf("first pass writing %zu snapshots: %.2f s\n", store.list().size(), seconds_since(t0));

  // Reference hashes for the smoke check: a plain replay stopping at each asked seq.
  events::Event first, last;
  if (!log->read(1, first).ok() || !log->read(w.events, last).ok()) die("read", Status::IoError("ends"));
  SeededRandom pick(3);
  std::vector<double> latencies_ms;
  bool agree = true;
  for (int q = 0; q < a.queries; ++q) {
    const TimeMs at = first.time + static_cast<TimeMs>(pick.uniform(static_cast<std::uint64_t>(last.time - first.time) + 1));
    auto q0 = Clock_::now();
    replay::History history(*log, &store);  // a fresh one per query, as each chatreplay run has
    Seq seq = 0;
    projections::World world;
    Status st = history.seq_at_time(at, seq);
    if (st.ok()) st = history.world_at(seq, world);
    if (!st.ok()) die("query", st);
    const std::uint64_t hash = world.hash();
    latencies_ms.push_back(seconds_since(q0) * 1000);
    if (a.smoke) {
      replay::History plain(*log, nullptr);
      projections::World again;
      agree = agree && plain.world_at(seq, again).ok() && again.hash() == hash && world.last_time <= at;
    }
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) { return latencies_ms[std::min(latencies_ms.size() - 1, static_cast<std::size_t>(p * latencies_ms.size()))]; };
  std::printf("point-in-time query (--at TIME, %d random times): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", a.queries,
              pct(0.50), pct(0.99), latencies_ms.back());

  log.reset();
  std::filesystem::remove_all(w.dir);
  if (!agree) {
    std::printf("FAILED: a query's World differs from a plain replay to the same seq\n");
    return 1;
  }
  return 0;
}
