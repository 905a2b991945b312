#include "net/engine/engine_runner.hpp"

#include <pthread.h>

#include <algorithm>

#include "core/lifecycle.hpp"

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

bool EngineRunner::submit(Command command, std::shared_ptr<SessionPort> from, std::string request_id) {
  bool wake = false;
  const bool essential = command.type().traits.essential;
  {
    std::lock_guard lock(mu_);
    if (broken_.load()) return false;  // after a failure nothing more is processed
    if (!essential && queue_.size() >= options_.queue_capacity) return false;
    queue_.push_back(Item{std::move(command), std::move(from), std::move(request_id)});
    wake = queue_.size() == 1 || queue_.size() == kEagerJoin;
  }
  // The prepare thread takes all that is queued whenever it wakes, so it is woken only by the first
  // command into an empty queue and when enough have gathered to join a waiting batch (a wake-up
  // per command cost a context switch per command).
  if (wake) wake_.notify_one();
  return true;
}

void EngineRunner::fail(const Status& s) {
  bool first = false;
  {
    std::lock_guard lock(mu_);
    first = !failed_;
    failed_ = true;
  }
  broken_ = true;
  wake_.notify_all();
  commit_cv_.notify_all();
  deliver_cv_.notify_all();
  if (first && on_fatal_) on_fatal_(s);  // the owner hears of the first failure only
}

bool EngineRunner::await_committed(Slot& slot) {
  std::unique_lock lock(mu_);
  // After a failure nothing more is committed, but what is durable is still delivered.
  deliver_cv_.wait(lock, [&] { return slot.stage == Stage::kCommitted || commit_done_; });
  return slot.stage == Stage::kCommitted;
}

bool EngineRunner::take_for_commit(Slot& slot) {
  std::unique_lock lock(mu_);
  commit_cv_.wait(lock, [&] { return slot.stage == Stage::kPrepared || prepare_done_ || failed_; });
  if (slot.stage == Stage::kPrepared && !failed_ && !prepare_done_ && !queue_.empty() &&
      slot.items.size() < options_.max_batch) {
    // What arrived while this batch waited joins it now, for the price of one wake-up, instead of
    // waiting a whole commit more in the next batch.
    topup_wanted_ = true;
    wake_.notify_one();
    commit_cv_.wait(lock, [&] {
      return (slot.stage == Stage::kPrepared && (!topup_wanted_ || queue_.empty())) || prepare_done_ || failed_;
    });
  }
  topup_wanted_ = false;
  if (slot.stage != Stage::kPrepared || failed_) return false;
  slot.stage = Stage::kCommitting;  // sealed: nothing more joins it
  return true;
}

void EngineRunner::advance(Slot& slot, Stage stage) {
  {
    std::lock_guard lock(mu_);
    slot.stage = stage;
  }
  switch (stage) {
    case Stage::kPrepared: commit_cv_.notify_one(); break;
    case Stage::kCommitted: deliver_cv_.notify_one(); break;
    case Stage::kFree: wake_.notify_one(); break;
    default: break;  // nobody waits for the others
  }
}

void EngineRunner::finish(bool& done) {
  {
    std::lock_guard lock(mu_);
    done = true;
  }
  commit_cv_.notify_all();
  deliver_cv_.notify_all();
}

std::chrono::milliseconds EngineRunner::queue_tick_if_due() {
  constexpr std::chrono::milliseconds kNoWait{-1};
  if (deadline_ == projections::kNoDeadline || tick_queued_ || stopping_) return kNoWait;
  const TimeMs now = engine_.now();
  if (now < deadline_) return std::chrono::milliseconds(deadline_ - now);
  // A deadline a Tick did not move is a domain that left it in the past: tick it again only once
  // a second, so that it cannot make the runner spin.
  if (deadline_ == ticked_deadline_ && now < last_tick_ + 1000) return std::chrono::milliseconds(last_tick_ + 1000 - now);
  ticked_deadline_ = deadline_;
  last_tick_ = now;
  tick_queued_ = true;
  ++ticks_;
  queue_.push_back(Item{Tick{}, nullptr, ""});
  return kNoWait;
}

void EngineRunner::prepare_loop() {
  std::size_t next = 0;  // the slot of the next new batch
  deadline_ = engine_.next_deadline();
  for (;;) {
    Slot* target = nullptr;
    std::size_t first_new = 0;
    bool join = false;
    {
      std::unique_lock lock(mu_);
      Slot& last = slots_[(next + kSlots - 1) % kSlots];  // the batch prepared last
      auto joinable = [&] { return last.stage == Stage::kPrepared && last.items.size() < options_.max_batch; };
      auto ready = [&] {
        if (failed_) return true;
        if (queue_.empty()) return stopping_;
        // A waiting batch is joined when the commit thread comes for it, or when enough have
        // gathered to be worth preparing now, while the commit runs.
        if (joinable()) return topup_wanted_ || queue_.size() >= kEagerJoin || stopping_;
        return slots_[next].stage == Stage::kFree;
      };
      // Waits for commands, and for the World's next deadline, when the Tick is queued here.
      for (auto until_deadline = queue_tick_if_due(); !ready(); until_deadline = queue_tick_if_due()) {
        if (until_deadline.count() < 0)
          wake_.wait(lock);
        else
          wake_.wait_for(lock, until_deadline);
      }
      // A failed commit leaves the World ahead of the log: prepare nothing more.
      if (failed_ || queue_.empty()) break;  // a failure, or stopping with everything taken
      if (!joinable() && options_.commit_interval.count() > 0 && !stopping_)
        wake_.wait_for(lock, options_.commit_interval, [&] { return stopping_ || queue_.size() >= options_.max_batch; });
      join = joinable();
      if (join) topup_wanted_ = false;
      target = join ? &last : &slots_[next];
      if (!join) target->commands.clear();
      first_new = target->items.size();
      std::size_t n = std::min(queue_.size(), options_.max_batch - first_new);
      for (std::size_t i = 0; i < n; ++i) {
        target->items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      target->stage = Stage::kPreparing;  // the commit thread does not take it meanwhile
    }
    for (std::size_t i = first_new; i < target->items.size(); ++i) {
      if (target->items[i].command.is<Tick>()) tick_queued_ = false;  // (only this thread reads or writes it)
      target->commands.push_back(std::move(target->items[i].command));
    }
    Status s = engine_.prepare(std::span<const Command>(target->commands).subspan(first_new), target->result, join);
    if (!s.ok()) {
      fail(s);
      break;
    }
    prepared_ += target->items.size() - first_new;
    deadline_ = engine_.next_deadline();  // here, outside the lock: it asks every domain
    advance(*target, Stage::kPrepared);
    if (!join) next = (next + 1) % kSlots;
  }
  finish(prepare_done_);
}

void EngineRunner::commit_loop() {
  for (std::size_t next = 0;; next = (next + 1) % kSlots) {
    Slot& slot = slots_[next];
    // A prepared slot is committed even while stopping.
    if (!take_for_commit(slot)) break;
    const auto started = std::chrono::steady_clock::now();
    Status s = engine_.commit(slot.result);
    if (!s.ok()) {
      fail(s);
      break;
    }
    commit_us_.observe(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count()));
    batch_commands_.observe(slot.items.size());
    if (slot.result.first_seq != 0) events_appended_.add(slot.result.last_seq - slot.result.first_seq + 1);
    ++batches_;
    advance(slot, Stage::kCommitted);
  }
  finish(commit_done_);
}

void EngineRunner::deliver_loop() {
  for (std::size_t next = 0;; next = (next + 1) % kSlots) {
    Slot& slot = slots_[next];
    if (!await_committed(slot)) break;
    // Keep the command kinds for the replies (the commands were moved into the batch).
    for (std::size_t i = 0; i < slot.items.size(); ++i) {
      slot.items[i].command = std::move(slot.commands[i]);
      commands_.count(slot.items[i].command.body.type(), slot.result.replies[i].ok());
    }
    pushes_delivered_.add(router_.deliver(slot.items, slot.result));
    slot.items.clear();  // let go of the sessions now, not when the slot is reused
    advance(slot, Stage::kFree);
  }
}

std::size_t EngineRunner::queue_depth() {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void EngineRunner::render_metrics(metrics::Exposition& out) {
  using metrics::Exposition;
  out.family("chatd_commands_total", "counter", "Commands the engine answered, by command and outcome (ok, or error: refused by its rule).");
  commands_.for_each([&](std::string_view name, std::uint64_t ok, std::uint64_t errors) {
    out.sample("chatd_commands_total", Exposition::label("command", name) + "," + Exposition::label("outcome", "ok"), ok);
    out.sample("chatd_commands_total", Exposition::label("command", name) + "," + Exposition::label("outcome", "error"), errors);
  });
  out.family("chatd_events_appended_total", "counter", "Events appended to the log by this process.");
  out.sample("chatd_events_appended_total", "", events_appended_.value());
  out.family("chatd_batches_total", "counter", "Batches committed (one LMDB transaction each).");
  out.sample("chatd_batches_total", "", batches());
  out.histogram("chatd_batch_commands", "Commands per committed batch (group commit).", batch_commands_);
  out.histogram("chatd_commit_seconds", "Time to append one batch: its write transaction and fsync.", commit_us_);
  out.family("chatd_pushes_delivered_total", "counter", "Pushes handed to sessions (one per recipient).");
  out.sample("chatd_pushes_delivered_total", "", pushes_delivered_.value());
  out.family("chatd_engine_queue_depth", "gauge", "Commands waiting for the engine.");
  out.sample("chatd_engine_queue_depth", "", static_cast<std::uint64_t>(queue_depth()));
  out.family("chatd_ticks_total", "counter", "Ticks the engine queued for the World's deadlines.");
  out.sample("chatd_ticks_total", "", ticks());
}

}  // namespace chatd
