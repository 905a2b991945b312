// EngineRunner: runs the Engine as a three-stage pipeline. Sessions submit commands into one
// bounded queue. The prepare thread takes whatever has queued as one batch and prepares it
// (decide, apply, encode); the commit thread appends it (one transaction, one sync); only then
// the deliver thread hands each session its replies and pushes. While one batch syncs, the next
// is prepared, the one before is delivered, and the queue fills: group commit.
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

#include "net/router.hpp"

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

  // Queues a command. Returns false if the queue is full, unless `essential` (disconnects, which
  // must never be lost; they are bounded by the number of sessions), and after a failure.
  bool submit(Command command, std::shared_ptr<SessionPort> from, std::string request_id, bool essential = false);

  std::uint64_t batches() const { return batches_.load(); }

 private:
  using Item = Submission;
  // A batch on its way through the stages; the ring of slots is taken in order by each stage.
  enum class Stage : std::uint8_t { kFree, kPrepared, kCommitted };
  struct Slot {
    std::vector<Item> items;
    std::vector<Command> commands;
    Engine::BatchResult result;
    Stage stage = Stage::kFree;  // guarded by pipe_mu_; the stage's thread owns the rest
  };
  static constexpr std::size_t kSlots = 3;
  void prepare_loop();
  void commit_loop();
  void deliver_loop();
  bool await(Slot& slot, Stage stage, const bool& done);
  void advance(Slot& slot, Stage stage);
  void finish(bool& done);
  void fail(const Status& s);

  Engine& engine_;
  const Options options_;
  std::function<void(const Status&)> on_fatal_;
  std::thread prepare_thread_;
  std::thread commit_thread_;
  std::thread deliver_thread_;
  std::atomic<std::uint64_t> batches_{0};

  // The queue of submitted commands; guarded by mu_.
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  bool stopping_ = false;

  // The ring of the pipeline; the slots' stages and these flags guarded by pipe_mu_.
  std::mutex pipe_mu_;
  std::condition_variable pipe_cv_;
  Slot slots_[kSlots];
  bool prepare_done_ = false;  // the prepare thread has stopped
  bool commit_done_ = false;   // the commit thread has stopped
  bool failed_ = false;
  std::atomic<bool> broken_{false};  // failed_, readable without pipe_mu_ (by submit())

  Router router_;  // deliver thread only
};

}  // namespace chatd
