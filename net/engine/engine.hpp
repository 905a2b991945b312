// Engine: the one writer. It owns the World, decides each command, applies the events, appends
// them to the log in batches (one transaction and one sync per batch) and only then hands out the
// replies and pushes of that batch. It knows no domain: the rules are the commands' own
// (core/), the projections the domains' (projections/). It does no threading and no networking:
// EngineRunner (engine_runner.hpp) drives it in chatd, and the simulator drives it directly.
// A batch goes through prepare() (decide, apply, encode: CPU only) and commit() (the log's
// transaction and sync), so that the next batch can be prepared while one is being synced.
// Thread-safety: prepare(), now(), next_deadline() and the World belong to one thread; commit()
// may run on another, one batch at a time, in the order the batches were prepared.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/command.hpp"
#include "core/decide.hpp"
#include "events/log.hpp"
#include "projections/push.hpp"
#include "projections/world.hpp"

namespace chatd {

struct EngineOptions {
  Limits limits;
};

class Engine {
 public:
  // A push of the batch and its recipients, `recipients[first, first + count)` of the batch.
  struct PushOut {
    std::shared_ptr<const projections::Push> push;
    std::uint32_t first = 0, count = 0;
  };
  // Results of one batch, available to the caller only after the batch is durable.
  struct BatchResult {
    std::vector<Reply> replies;                      // one per command, in order
    std::vector<PushOut> pushes;                     // in event order
    std::vector<projections::Recipient> recipients;  // of the pushes
    std::vector<std::size_t> push_end;               // command i caused pushes [push_end[i-1], push_end[i])
    Seq first_seq = 0, last_seq = 0;                 // the events appended (none if first_seq == 0)
    std::vector<std::string> encoded;                // the events, encoded (buffers reused)
    std::size_t encoded_count = 0;                   // how many of `encoded` belong to this batch
    std::vector<KeyChange> keys;                     // the key store's changes, committed with the events
  };

  // `secrets` draws keys, nonces and device tokens (Context::secrets): chatd's is a CSPRNG. Null
  // (tests, the simulator): a generator seeded from the log's last seq at start(), so that a run
  // reproduces them, `random`'s draws stay what they were, and a restart never repeats a nonce.
  Engine(events::EventLog& log, Clock& clock, Random& random, EngineOptions options, Random* secrets = nullptr);

  // Rebuilds the World from the log, loads the key store, and decides Start (core/lifecycle.hpp), whose events end every
  // session of the previous run, and commits them. Must succeed before prepare() is called.
  Status start();

  // Decides and applies each command and encodes the events into `result`. Nothing is durable
  // yet: nobody may be told anything of the batch before commit() returns OK. With `append`, the
  // commands join the batch already in `result` (which must be the last one prepared and not yet
  // committed) instead of starting a new one.
  Status prepare(std::span<const Command> commands, BatchResult& result, bool append = false);

  // Appends a prepared batch in one transaction and one sync. On error the batch is not in the
  // log, nobody may be told anything of it, and the World has run ahead of the log: the owner must
  // stop (a restart rebuilds from the log).
  Status commit(const BatchResult& result);

  // prepare() then commit().
  Status process(std::span<const Command> commands, BatchResult& result);

  // The time the next batch would have: the clock's, never earlier than the log's last event.
  TimeMs now() const;
  // When the World next has something to do; the owner submits a Tick then (or later).
  TimeMs next_deadline() const { return world_.next_deadline(); }

  const projections::World& world() const { return world_; }
  bool broken() const { return broken_; }

 private:
  events::EventLog& log_;
  Clock& clock_;
  Random& random_;
  Random* secrets_;
  SeededRandom seeded_secrets_{0};  // secrets_ when none was given
  EngineOptions options_;
  projections::World world_;
  KeyRing keys_;  // the key store as of the last prepared batch
  bool started_ = false;
  std::atomic<bool> broken_{false};
  Decided decided_;  // prepare()'s, reused
};

}  // namespace chatd
