// Router: hands every session its replies and pushes of one committed batch, in order, in one
// deliver() call per session, and keeps the routes from client ids to sessions (learned from
// replies that bind a session to a client, forgotten after a push that ends the client). A push
// is rendered once per dialect (and per `own`) and the frame's bytes shared by all its recipients
// of that dialect. EngineRunner's deliver thread runs it in chatd; the simulator runs the very
// same code on its own loop. It knows no domain.
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/engine/engine.hpp"
#include "net/engine/outbound.hpp"

namespace chatd {

class Router {
 public:
  // Delivers what `result` (the committed batch of `items`, in order) holds for each session.
  // Moves replies out of `result` and request ids out of `items`.
  // Returns how many pushes it handed to sessions (one per recipient with a session).
  std::size_t deliver(std::vector<Submission>& items, Engine::BatchResult& result);
  // Forgets every route (and so every reference to a session).
  void clear() { routes_.clear(); }

 private:
  struct Mail {
    std::shared_ptr<SessionPort> port;
    std::vector<Outbound> items;
    std::size_t count = 0;
    bool wants_bodies = false;
  };
  // The frames one push became: one per (dialect, own) among its recipients.
  struct Rendered {
    const PushRenderer* renderer;
    bool own;
    Frame frame;
  };
  const Frame& frame_for(const projections::Push& push, const PushRenderer& renderer, bool own);

  std::unordered_map<ClientId, std::weak_ptr<SessionPort>> routes_;
  std::vector<Mail> mails_;                                    // deliver()'s, reused
  std::unordered_map<SessionPort*, std::uint32_t> mail_index_;  // deliver()'s, reused
  std::vector<std::uint32_t> targets_;                          // deliver()'s, reused
  std::vector<Rendered> rendered_;                              // the current push's frames
  std::string scratch_;                                         // rendering buffer
};

}  // namespace chatd
