#include "net/engine/engine.hpp"

#include <algorithm>
#include <cassert>

#include "core/lifecycle.hpp"
#include "events/codec.hpp"
#include "projections/domain.hpp"
#include "projections/rebuild.hpp"

namespace chatd {
namespace {

// Collects a batch's pushes: the envelope shared (every recipient's Outbound points to it), the
// recipients in one flat array the batch reuses.
class BatchPushes final : public projections::PushSink {
 public:
  explicit BatchPushes(Engine::BatchResult& result) : result_(result) {}
  using PushSink::push;
  void push(projections::Push push, std::span<const projections::Recipient> to) override {
    result_.pushes.push_back(Engine::PushOut{std::make_shared<const projections::Push>(std::move(push)),
                                             static_cast<std::uint32_t>(result_.recipients.size()),
                                             static_cast<std::uint32_t>(to.size())});
    result_.recipients.insert(result_.recipients.end(), to.begin(), to.end());
  }

 private:
  Engine::BatchResult& result_;
};

}  // namespace

Engine::Engine(events::EventLog& log, Clock& clock, Random& random, EngineOptions options, Random* secrets)
    : log_(log), clock_(clock), random_(random), secrets_(secrets ? secrets : &seeded_secrets_), options_(options) {}

Status Engine::start() {
  assert(!started_);
  Status s = projections::rebuild(log_, world_);
  if (!s.ok()) return s;
  seeded_secrets_ = SeededRandom(0x5ec2e7'5ec2e7ULL ^ (world_.last_seq * 0x9e3779b97f4a7c15ULL));
  s = log_.read_keys([this](std::string_view subject, const SealKey& key) { keys_.put(std::string(subject), key); });
  if (!s.ok()) return s;
  started_ = true;
  BatchResult result;
  const Command start{Start{}};
  s = process(std::span<const Command>(&start, 1), result);
  if (!s.ok()) started_ = false;
  return s;
}

TimeMs Engine::now() const { return std::max(clock_.now_ms(), world_.last_time); }

Status Engine::prepare(std::span<const Command> commands, BatchResult& result, bool append) {
  assert(started_);
  if (broken_) return Status::InvalidArgument("the engine is broken: a batch failed; restart to rebuild from the log");
  assert(!append || result.encoded_count == 0 || result.last_seq == world_.last_seq);  // appends to the latest
  if (!append) {
    result.replies.clear();
    result.pushes.clear();
    result.recipients.clear();
    result.push_end.clear();
    result.first_seq = result.last_seq = 0;
    result.encoded_count = 0;
    result.keys.clear();
  }

  // One time for the commands of one call: they happen together, and time never goes backwards
  // in the log even if the system clock does.
  const TimeMs time = now();
  Context ctx{time, &random_, options_.limits, &keys_, secrets_};
  BatchPushes pushes(result);
  for (const Command& command : commands) {
    decided_.clear();
    Reply reply = command.body.empty() ? Reply::failure(errors::kBadRequest, "an empty command")
                                       : decide_into(world_, command, ctx, decided_);
    for (events::Payload& payload : decided_) {
      events::Event e{world_.last_seq + 1, time, std::move(payload)};
      projections::notify(world_, e, pushes);
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
    // Later commands of the batch see the keys this one made (they commit together).
    for (KeyChange& change : decided_.keys) {
      if (change.key) keys_.put(change.subject, *change.key);
      else keys_.erase(change.subject);
      result.keys.push_back(std::move(change));
    }
    result.replies.push_back(std::move(reply));
    result.push_end.push_back(result.pushes.size());
  }
  return Status::Ok();
}

Status Engine::commit(const BatchResult& result) {
  assert(result.encoded_count > 0 || result.keys.empty());  // a key changes only with the events that use it
  if (result.encoded_count == 0) return Status::Ok();
  Status s = log_.append_encoded(result.first_seq, std::span<const std::string>(result.encoded.data(), result.encoded_count),
                                 result.keys);
  if (!s.ok()) broken_ = true;
  return s;
}

Status Engine::process(std::span<const Command> commands, BatchResult& result) {
  Status s = prepare(commands, result);
  if (!s.ok()) return s;
  return commit(result);
}

}  // namespace chatd
