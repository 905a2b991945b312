// EngineRunner: runs the Engine on its own thread. Sessions submit commands into one bounded
// queue; the runner takes whatever has queued as one batch (group commit: while a batch syncs, the
// next one fills), and after the batch is durable hands each session its replies and pushes.
// Thread-safety: submit() may be called from any thread. Everything else about the Engine and the
// routes from clients to sessions belongs to the runner's thread.
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
  // Processes what is queued, then stops the thread.
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
  void run();
  void deliver(std::vector<Item>& items, const Engine::BatchResult& result);

  Engine& engine_;
  const Options options_;
  std::function<void(const Status&)> on_fatal_;
  std::thread thread_;
  std::atomic<std::uint64_t> batches_{0};

  // Guarded by mu_.
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  bool stopping_ = false;

  // Runner thread only.
  std::unordered_map<ClientId, std::weak_ptr<SessionPort>> routes_;
};

}  // namespace chatd
