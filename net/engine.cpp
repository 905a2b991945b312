#include "net/engine.hpp"

#include <algorithm>
#include <cassert>

#include "events/codec.hpp"
#include "replay/rebuild.hpp"

namespace chatd {

Engine::Engine(events::EventLog& log, Clock& clock, Random& random, EngineOptions options)
    : log_(log), clock_(clock), random_(random), options_(options) {}

Status Engine::start() {
  assert(!started_);
  Status s = replay::rebuild(log_, world_);
  if (!s.ok()) return s;
  s = commit_one(events::ServerStarted{world_.clients.size()});
  if (!s.ok()) return s;
  started_ = true;
  return s;
}

Status Engine::commit_one(events::Payload payload) {
  events::Event e{world_.last_seq + 1, std::max(clock_.now_ms(), world_.last_time), std::move(payload)};
  Status s = log_.append(std::span<const events::Event>(&e, 1));
  if (!s.ok()) return s;
  s = projections::apply(world_, e);
  if (!s.ok()) broken_ = true;
  return s;
}

Status Engine::prepare(std::span<const Command> commands, BatchResult& result, bool append) {
  assert(started_);
  if (broken_) return Status::InvalidArgument("the engine is broken: a batch failed; restart to rebuild from the log");
  assert(!append || result.encoded_count == 0 || result.last_seq == world_.last_seq);  // appends to the latest
  if (!append) {
    result.replies.clear();
    result.pushes.clear();
    result.disconnected.clear();
    result.push_end.clear();
    result.first_seq = result.last_seq = 0;
    result.encoded_count = 0;
  }

  // One time for the commands of one call: they happen together, and time never goes backwards
  // in the log even if the system clock does.
  const TimeMs now = std::max(clock_.now_ms(), world_.last_time);
  Context ctx{now, &random_, options_.limits};
  for (const Command& command : commands) {
    decided_.clear();
    Reply reply = decide_into(world_, command, ctx, decided_);
    for (events::Payload& payload : decided_) {
      events::Event e{world_.last_seq + 1, now, std::move(payload)};
      projections::notify(world_, e, result.pushes);
      if (auto* gone = std::get_if<events::ClientDisconnected>(&e.payload)) result.disconnected.push_back(gone->client);
      Status applied = projections::apply(world_, e);
      // decide() only returns events that follow the World; anything else is a bug in the rules.
      assert(applied.ok());
      if (!applied.ok()) {
        broken_ = true;
        return applied;
      }
      if (result.first_seq == 0) result.first_seq = e.seq;
      result.last_seq = e.seq;
      if (result.encoded.size() <= result.encoded_count) result.encoded.emplace_back();
      std::string& out = result.encoded[result.encoded_count++];
      out.clear();
      events::encode_to(e, out);
    }
    if (std::holds_alternative<QueryInfo>(command)) reply.info_hash = world_hash();
    result.replies.push_back(std::move(reply));
    result.push_end.push_back(result.pushes.size());
  }
  return Status::Ok();
}

std::uint64_t Engine::world_hash() {
  // Any number of clients asking costs one pass over the World per log position.
  if (hashed_seq_ != world_.last_seq || world_.last_seq == 0) {
    hashed_ = world_.hash();
    hashed_seq_ = world_.last_seq;
  }
  return hashed_;
}

Status Engine::commit(const BatchResult& result) {
  if (result.encoded_count == 0) return Status::Ok();
  Status s = log_.append_encoded(result.first_seq, std::span<const std::string>(result.encoded.data(), result.encoded_count));
  if (!s.ok()) broken_ = true;
  return s;
}

Status Engine::process(std::span<const Command> commands, BatchResult& result) {
  Status s = prepare(commands, result);
  if (!s.ok()) return s;
  return commit(result);
}

}  // namespace chatd
