// Router: hands every session its replies and pushes of one committed batch, in order, in one
// deliver() call per session, and keeps the routes from client ids to sessions (learned from
// Connect replies, forgotten when the engine reports a client gone). EngineRunner's deliver
// thread runs it in chatd; the simulator runs the very same code on its own loop.
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
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

// A command as a session submitted it.
struct Submission {
  Command command;
  std::shared_ptr<SessionPort> from;  // null: nobody is told of the reply (e.g. a gate's audit)
  std::string request_id;
};

class Router {
 public:
  // Delivers what `result` (the committed batch of `items`, in order) holds for each session.
  // Moves replies and pushes out of `result` and request ids out of `items`.
  void deliver(std::vector<Submission>& items, Engine::BatchResult& result);
  // Forgets every route (and so every reference to a session).
  void clear() { routes_.clear(); }

 private:
  struct Mail {
    std::shared_ptr<SessionPort> port;
    std::vector<Outbound> items;
    std::size_t count = 0;
  };
  std::unordered_map<ClientId, std::weak_ptr<SessionPort>> routes_;
  std::vector<Mail> mails_;                                    // deliver()'s, reused
  std::unordered_map<SessionPort*, std::uint32_t> mail_index_;  // deliver()'s, reused
  std::vector<std::uint32_t> targets_;                          // deliver()'s, reused
};

}  // namespace chatd
