// EngineRunner: runs the Engine as a two-stage pipeline. Sessions submit commands into one bounded
// queue. The engine thread takes whatever has queued as one batch and prepares it (decide, apply,
// encode); the commit thread appends it (one transaction, one sync) and only then hands each
// session its replies and pushes. While one batch syncs, the next is prepared and the one after
// fills the queue: group commit.
// Thread-safety: submit() may be called from any thread. The Engine's World belongs to the engine
// thread; the routes from clients to sessions to the commit thread.
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
#include <unordered_map>
#include <vector>

#include "net/engine.hpp"

namespace chatd {

// One item a session receives from the engine.
struct Outbound {
  enum class Kind : std::uint8_t { kReply, kPush };
  Kind kind = Kind::kReply;
  std::size_t command_index = 0;  // kReply: Command::index() of the request
  std::string request_id;         // kReply: the session's own id of the request
  Reply reply;
  projections::Push push;
};

// The engine's handle on a session.
class SessionPort {
 public:
  virtual ~SessionPort() = default;
  // Called on the runner's thread with everything one batch holds for this session, in order.
  // Must not block: a session queues the items for its own thread.
  virtual void deliver(std::vector<Outbound> items) = 0;
};

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
  // must never be lost; they are bounded by the number of sessions).
  bool submit(Command command, std::shared_ptr<SessionPort> from, std::string request_id, bool essential = false);

  std::uint64_t batches() const { return batches_.load(); }

 private:
  struct Item {
    Command command;
    std::shared_ptr<SessionPort> from;
    std::string request_id;
  };
  // A batch between the two stages.
  struct Slot {
    std::vector<Item> items;
    std::vector<Command> commands;
    Engine::BatchResult result;
    bool ready = false;  // prepared, waiting for (or in) commit; guarded by pipe_mu_
  };
  void prepare_loop();
  void commit_loop();
  void deliver(std::vector<Item>& items, Engine::BatchResult& result);  // moves replies and pushes out
  void fail(const Status& s);

  Engine& engine_;
  const Options options_;
  std::function<void(const Status&)> on_fatal_;
  std::thread engine_thread_;
  std::thread commit_thread_;
  std::atomic<std::uint64_t> batches_{0};

  // The queue of submitted commands; guarded by mu_.
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  bool stopping_ = false;

  // The two slots of the pipeline; `ready` flags and these flags guarded by pipe_mu_.
  std::mutex pipe_mu_;
  std::condition_variable pipe_cv_;
  Slot slots_[2];
  bool preparing_done_ = false;  // the engine thread has stopped
  bool failed_ = false;

  // Commit thread only.
  std::unordered_map<ClientId, std::weak_ptr<SessionPort>> routes_;
};

}  // namespace chatd
