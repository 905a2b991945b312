// EngineRunner: runs the Engine as a three-stage pipeline. Sessions submit commands into one
// bounded queue. The prepare thread takes whatever has queued as one batch and prepares it
// (decide, apply, encode); the commit thread appends it (one transaction, one sync); only then
// the deliver thread hands each session its replies and pushes. While one batch syncs, the next
// is prepared, the one before is delivered, and the queue fills: group commit. When the World's
// next deadline comes, the prepare thread queues a Tick (core/lifecycle.hpp) itself.
// Thread-safety: submit() may be called from any thread. The Engine's World belongs to the
// prepare thread, the log's write side to the commit thread, the routes from clients to sessions
// to the deliver thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/engine/router.hpp"
#include "net/metrics.hpp"

namespace chatd {

class EngineRunner {
 public:
  struct Options {
    std::size_t queue_capacity = 65536;  // commands waiting; beyond it submit() says no
    std::size_t max_batch = 4096;        // commands per batch (one log transaction)
    std::chrono::microseconds commit_interval{0};  // wait this long for a batch to fill
  };

  EngineRunner(Engine& engine, Options options);
  ~EngineRunner();
  EngineRunner(const EngineRunner&) = delete;
  EngineRunner& operator=(const EngineRunner&) = delete;

  // Called on the runner's thread if the log fails: the process must stop (nothing of the failed
  // batch was acknowledged; a restart rebuilds from the log).
  void on_fatal(std::function<void(const Status&)> handler) { on_fatal_ = std::move(handler); }

  void start();
  // Processes what is queued, stops the threads, and drops every reference to a session.
  void stop();

  // Queues a command. Returns false if the queue is full, unless the command is essential (its
  // traits say so: Connect, Disconnect and the audits, which must never be lost and are bounded by
  // the number of sessions), and after a failure.
  bool submit(Command command, std::shared_ptr<SessionPort> from, std::string request_id);

  std::uint64_t batches() const { return batches_.load(); }
  std::uint64_t commands_prepared() const { return prepared_.load(); }
  std::uint64_t ticks() const { return ticks_.load(); }
  std::size_t queue_depth();  // commands waiting now (takes the queue's lock: for scrapes, not the hot path)
  // The engine's families of GET /metrics: commands by type and outcome, events appended, batch
  // sizes and commit latency, pushes delivered, the queue.
  void render_metrics(metrics::Exposition& out);

 private:
  using Item = Submission;
  // A batch on its way through the stages; the ring of slots is taken in order by each stage.
  // A prepared batch still waiting for the commit thread stays open: commands that arrive
  // meanwhile join it (kPreparing again) rather than wait a whole commit more in a batch of their
  // own. They join when kEagerJoin have gathered (so that preparing them overlaps the commit
  // running) and, for the rest, when the commit thread comes to take the batch (topup_wanted_).
  // Taking it seals it (kCommitting).
  enum class Stage : std::uint8_t { kFree, kPreparing, kPrepared, kCommitting, kCommitted };
  struct Slot {
    std::vector<Item> items;
    std::vector<Command> commands;
    Engine::BatchResult result;
    Stage stage = Stage::kFree;  // guarded by mu_; the stage's thread owns the rest
  };
  static constexpr std::size_t kSlots = 3;
  static constexpr std::size_t kEagerJoin = 32;
  void prepare_loop();
  void commit_loop();
  void deliver_loop();
  // The commit thread waits for `slot` to be prepared, lets the commands queued meanwhile join it,
  // and seals it. False if the prepare thread stopped (nothing left) or a commit failed.
  bool take_for_commit(Slot& slot);
  // The deliver thread waits for `slot` to be committed. False once the commit thread has stopped
  // and the slot was not committed.
  bool await_committed(Slot& slot);
  // Moves `slot` to `stage` and wakes the one thread that waits for a slot in that stage.
  void advance(Slot& slot, Stage stage);
  void finish(bool& done);
  void fail(const Status& s);
  // With mu_ held, on the prepare thread: queues a Tick if the World's next deadline (deadline_)
  // has come and none is queued; returns how long until it comes otherwise (or a negative value:
  // no deadline, or a Tick is queued).
  std::chrono::milliseconds queue_tick_if_due();

  Engine& engine_;
  const Options options_;
  std::function<void(const Status&)> on_fatal_;
  std::thread prepare_thread_;
  std::thread commit_thread_;
  std::thread deliver_thread_;
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> prepared_{0};
  std::atomic<std::uint64_t> ticks_{0};
  // Each written by one stage's thread, read by scrapes.
  metrics::Counter events_appended_;  // commit thread
  metrics::Histogram batch_commands_{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096}, 1};  // commit thread
  // One append: one LMDB write transaction and its fsync (docs/benchmarks.md: ~0.3 ms on tmpfs, the
  // disk's fsync tail beyond). In microseconds, rendered in seconds.
  metrics::Histogram commit_us_{{100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000}, 1e-6};
  metrics::CommandCounts commands_;   // deliver thread
  metrics::Counter pushes_delivered_; // deliver thread

  // Guarded by mu_: the queue of submitted commands, the stages of the ring's slots, and the flags.
  // One mutex for both, because the prepare thread waits on the two together (a command to take,
  // and a slot to put it in). Each thread waits on its own condition variable, so that a stage
  // change wakes only the thread it concerns.
  std::mutex mu_;
  std::condition_variable wake_;       // the prepare thread: a command queued, a slot freed
  std::condition_variable commit_cv_;  // the commit thread: a batch prepared
  std::condition_variable deliver_cv_; // the deliver thread: a batch committed
  std::deque<Item> queue_;
  bool stopping_ = false;
  Slot slots_[kSlots];
  bool prepare_done_ = false;  // the prepare thread has stopped
  bool commit_done_ = false;   // the commit thread has stopped
  bool failed_ = false;
  bool topup_wanted_ = false;  // the commit thread waits for the open batch to take in the queue
  std::atomic<bool> broken_{false};  // failed_, readable without mu_ (by submit())

  // Prepare thread only.
  TimeMs deadline_ = projections::kNoDeadline;  // the World's next deadline, as of the last batch prepared
  bool tick_queued_ = false;  // a Tick waits in the queue or in the batch being taken
  TimeMs ticked_deadline_ = 0;  // the deadline the last Tick was queued for
  TimeMs last_tick_ = 0;        // and when

  Router router_;  // deliver thread only
};

}  // namespace chatd
