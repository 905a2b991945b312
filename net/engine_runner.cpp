#include "net/engine_runner.hpp"

#include <pthread.h>

namespace chatd {

EngineRunner::EngineRunner(Engine& engine, Options options) : engine_(engine), options_(options) {}

EngineRunner::~EngineRunner() { stop(); }

void EngineRunner::start() {
  // Named, so that `top -H` and perf show which stage is busy.
  prepare_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "chatd-prepare");
    prepare_loop();
  });
  commit_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "chatd-commit");
    commit_loop();
  });
  deliver_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "chatd-deliver");
    deliver_loop();
  });
}

void EngineRunner::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread* t : {&prepare_thread_, &commit_thread_, &deliver_thread_})
    if (t->joinable()) t->join();
  // Let go of the sessions now, while their owner (the network layer) still exists.
  for (Slot& slot : slots_) slot.items.clear();
  queue_.clear();  // left over only after a failure
  router_.clear();
}

bool EngineRunner::submit(Command command, std::shared_ptr<SessionPort> from, std::string request_id, bool essential) {
  {
    std::lock_guard lock(mu_);
    if (broken_.load()) return false;  // after a failure nothing more is processed
    if (!essential && queue_.size() >= options_.queue_capacity) return false;
    queue_.push_back(Item{std::move(command), std::move(from), std::move(request_id)});
  }
  wake_.notify_one();
  return true;
}

void EngineRunner::fail(const Status& s) {
  bool first = false;
  {
    std::lock_guard lock(pipe_mu_);
    first = !failed_;
    failed_ = true;
  }
  broken_ = true;
  pipe_cv_.notify_all();
  if (first && on_fatal_) on_fatal_(s);  // the owner hears of the first failure only
}

// Waits until `slot` reaches `stage`, or until `done` (the stage before has stopped) or a failure.
// Returns whether the slot is at the stage.
bool EngineRunner::await(Slot& slot, Stage stage, const bool& done) {
  std::unique_lock lock(pipe_mu_);
  pipe_cv_.wait(lock, [&] { return slot.stage == stage || done || failed_; });
  // After a failure nothing more is prepared or committed, but what is durable is still delivered.
  return slot.stage == stage && (stage == Stage::kCommitted || !failed_);
}

void EngineRunner::advance(Slot& slot, Stage stage) {
  {
    std::lock_guard lock(pipe_mu_);
    slot.stage = stage;
  }
  pipe_cv_.notify_all();
}

void EngineRunner::finish(bool& done) {
  {
    std::lock_guard lock(pipe_mu_);
    done = true;
  }
  pipe_cv_.notify_all();
}

void EngineRunner::prepare_loop() {
  static const bool kNever = false;
  for (std::size_t next = 0;; next = (next + 1) % kSlots) {
    Slot& slot = slots_[next];
    if (!await(slot, Stage::kFree, kNever)) break;  // only a failure ends this wait early
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and everything queued has been taken
      if (options_.commit_interval.count() > 0 && !stopping_)
        wake_.wait_for(lock, options_.commit_interval, [&] { return stopping_ || queue_.size() >= options_.max_batch; });
      std::size_t n = std::min(queue_.size(), options_.max_batch);
      for (std::size_t i = 0; i < n; ++i) {
        slot.items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    slot.commands.clear();
    for (Item& item : slot.items) slot.commands.push_back(std::move(item.command));
    {
      // A failed commit leaves the World ahead of the log: prepare nothing more.
      std::lock_guard lock(pipe_mu_);
      if (failed_) break;
    }
    Status s = engine_.prepare(slot.commands, slot.result);
    if (!s.ok()) {
      fail(s);
      break;
    }
    advance(slot, Stage::kPrepared);
  }
  finish(prepare_done_);
}

void EngineRunner::commit_loop() {
  for (std::size_t next = 0;; next = (next + 1) % kSlots) {
    Slot& slot = slots_[next];
    if (!await(slot, Stage::kPrepared, prepare_done_)) break;  // a prepared slot is committed even while stopping
    Status s = engine_.commit(slot.result);
    if (!s.ok()) {
      fail(s);
      break;
    }
    ++batches_;
    advance(slot, Stage::kCommitted);
  }
  finish(commit_done_);
}

void EngineRunner::deliver_loop() {
  for (std::size_t next = 0;; next = (next + 1) % kSlots) {
    Slot& slot = slots_[next];
    if (!await(slot, Stage::kCommitted, commit_done_)) break;
    // Keep the command kinds for the replies (the commands were moved into the batch).
    for (std::size_t i = 0; i < slot.items.size(); ++i) slot.items[i].command = std::move(slot.commands[i]);
    router_.deliver(slot.items, slot.result);
    slot.items.clear();  // let go of the sessions now, not when the slot is reused
    advance(slot, Stage::kFree);
  }
}

}  // namespace chatd
