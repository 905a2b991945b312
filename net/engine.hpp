// Engine: the one writer. It owns the World, decides each command, applies the events, appends
// them to the log in batches (one transaction and one sync per batch) and only then hands out the
// replies and pushes of that batch. It does no threading and no networking itself: EngineRunner
// (net/engine_runner.hpp) drives it in chatd, and the simulator can drive it directly.
// Thread-safety: not thread-safe; one thread calls start() and process().
#pragma once

#include <span>
#include <vector>

#include "core/command.hpp"
#include "core/decide.hpp"
#include "events/log.hpp"
#include "projections/notify.hpp"
#include "projections/world.hpp"

namespace chatd {

struct EngineOptions {
  Limits limits;
};

class Engine {
 public:
  // Results of one batch, available to the caller only after the batch is durable.
  struct BatchResult {
    std::vector<Reply> replies;                  // one per command, in order
    std::vector<projections::Push> pushes;       // in event order
    std::vector<std::size_t> push_end;           // command i caused pushes [push_end[i-1], push_end[i])
    std::vector<ClientId> disconnected;          // clients whose sessions ended in this batch
    Seq first_seq = 0, last_seq = 0;             // the events appended (none if first_seq == 0)
  };

  Engine(events::EventLog& log, Clock& clock, Random& random, EngineOptions options);

  // Rebuilds the World from the log and appends the ServerStarted event that ends every session
  // of the previous run. Must succeed before process() is called.
  Status start();

  // Decides and applies each command, appends the batch durably, and fills `result`. On error the
  // batch is not in the log, nobody may be told anything of it, and the World has run ahead of the
  // log: the engine is then broken and the owner must stop (a restart rebuilds from the log).
  Status process(std::span<const Command> commands, BatchResult& result);

  const projections::World& world() const { return world_; }
  bool broken() const { return broken_; }

 private:
  Status commit_one(events::Payload payload);

  events::EventLog& log_;
  Clock& clock_;
  Random& random_;
  EngineOptions options_;
  projections::World world_;
  std::vector<events::Event> batch_;  // reused between batches
  bool started_ = false;
  bool broken_ = false;
};

}  // namespace chatd
