#include "net/engine_runner.hpp"

namespace chatd {

EngineRunner::EngineRunner(Engine& engine, Options options) : engine_(engine), options_(options) {}

EngineRunner::~EngineRunner() { stop(); }

void EngineRunner::start() {
  engine_thread_ = std::thread([this] { prepare_loop(); });
  commit_thread_ = std::thread([this] { commit_loop(); });
}

void EngineRunner::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (engine_thread_.joinable()) engine_thread_.join();
  if (commit_thread_.joinable()) commit_thread_.join();
  // Let go of the sessions now, while their owner (the network layer) still exists.
  for (Slot& slot : slots_) slot.items.clear();
  routes_.clear();
}

bool EngineRunner::submit(Command command, std::shared_ptr<SessionPort> from, std::string request_id, bool essential) {
  {
    std::lock_guard lock(mu_);
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
  pipe_cv_.notify_all();
  if (first && on_fatal_) on_fatal_(s);  // the owner hears of the first failure only
}

void EngineRunner::prepare_loop() {
  for (std::size_t next = 0;; next ^= 1) {
    Slot& slot = slots_[next];
    {
      // Wait until the commit thread is done with this slot (it holds the batch before last).
      std::unique_lock lock(pipe_mu_);
      pipe_cv_.wait(lock, [&] { return !slot.ready || failed_; });
      if (failed_) break;
    }
    slot.items.clear();
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
    {
      std::lock_guard lock(pipe_mu_);
      slot.ready = true;
    }
    pipe_cv_.notify_all();
  }
  {
    std::lock_guard lock(pipe_mu_);
    preparing_done_ = true;
  }
  pipe_cv_.notify_all();
}

void EngineRunner::commit_loop() {
  for (std::size_t next = 0;; next ^= 1) {
    Slot& slot = slots_[next];
    {
      std::unique_lock lock(pipe_mu_);
      pipe_cv_.wait(lock, [&] { return slot.ready || preparing_done_ || failed_; });
      if (failed_ || !slot.ready) return;  // a ready slot is committed even while stopping
    }
    Status s = engine_.commit(slot.result);
    if (!s.ok()) {
      fail(s);
      return;
    }
    ++batches_;
    // Keep the command kinds for the replies (the commands were moved into the batch).
    for (std::size_t i = 0; i < slot.items.size(); ++i) slot.items[i].command = std::move(slot.commands[i]);
    deliver(slot.items, slot.result);
    slot.items.clear();  // let go of the sessions now, not when the slot is reused
    {
      std::lock_guard lock(pipe_mu_);
      slot.ready = false;
    }
    pipe_cv_.notify_all();
  }
}

void EngineRunner::deliver(std::vector<Item>& items, Engine::BatchResult& result) {
  struct Mail {
    std::shared_ptr<SessionPort> port;
    std::vector<Outbound> items;
  };
  std::unordered_map<SessionPort*, Mail> mail;
  auto post = [&](const std::shared_ptr<SessionPort>& port, Outbound&& out) {
    Mail& m = mail[port.get()];
    if (!m.port) m.port = port;
    m.items.push_back(std::move(out));
  };

  std::size_t push_begin = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Reply& reply = result.replies[i];
    if (std::holds_alternative<Connect>(items[i].command) && reply.ok() && items[i].from)
      routes_[reply.client] = items[i].from;
    if (items[i].from) {
      Outbound out;
      out.kind = Outbound::Kind::kReply;
      out.command_index = items[i].command.index();
      out.request_id = std::move(items[i].request_id);
      out.reply = std::move(reply);
      post(items[i].from, std::move(out));
    }
    for (std::size_t p = push_begin; p < result.push_end[i]; ++p) {
      auto route = routes_.find(result.pushes[p].to);
      if (route == routes_.end()) continue;
      auto port = route->second.lock();
      if (!port) continue;
      Outbound out;
      out.kind = Outbound::Kind::kPush;
      out.push = std::move(result.pushes[p]);
      post(port, std::move(out));
    }
    push_begin = result.push_end[i];
  }
  for (ClientId gone : result.disconnected) routes_.erase(gone);
  for (auto& [_, m] : mail) m.port->deliver(std::move(m.items));
}

}  // namespace chatd
