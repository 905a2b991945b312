// What the engine hands to sessions, and the one thing it asks of them. A committed batch becomes,
// for each session, a list of Outbound items (its replies and the pushes it is a recipient of), in
// order. A push's frame is rendered once per dialect by the router and its bytes shared by every
// recipient of that dialect (a room of 1,000 costs one rendering, not 1,000 copies).
// No threads here: the runner (engine_runner.hpp) and the simulator both use these types.
// Thread-safety: Frame and Outbound are values (a Frame's bytes are immutable and shared); a
// SessionPort is called on the engine's deliver thread, see below.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/command.hpp"
#include "core/reply.hpp"
#include "projections/push.hpp"

namespace chatd {

// The bytes of one frame to send, immutable and shared.
class Frame {
 public:
  Frame() = default;
  static Frame copy_of(std::string_view bytes) {
    Frame f;
    auto buffer = std::make_shared_for_overwrite<char[]>(bytes.size());
    std::memcpy(buffer.get(), bytes.data(), bytes.size());
    f.bytes_ = std::move(buffer);
    f.size_ = bytes.size();
    return f;
  }
  std::string_view view() const { return {bytes_.get(), size_}; }
  const char* data() const { return bytes_.get(); }
  std::size_t size() const { return size_; }
  bool empty() const { return !bytes_; }
  explicit operator bool() const { return static_cast<bool>(bytes_); }

 private:
  std::shared_ptr<const char[]> bytes_;
  std::size_t size_ = 0;
};

// One item a session receives from the engine.
struct Outbound {
  enum class Kind : std::uint8_t { kReply, kPush };
  Kind kind = Kind::kReply;
  // kReply
  const CommandType* command = nullptr;  // the request's command type (its traits, its reply's renderer); null: none
  std::string request_id;                // the session's own id of the request
  Reply reply;
  // kPush
  Frame frame;  // the push as the session's dialect says it; empty: the dialect says nothing of it
  projections::IdleMark idle;  // the push's: how it changes the recipient's idle deadline
  bool ends_client = false;    // the push's: the recipient is no longer a client after it
  bool own = false;            // about the recipient's own action
  // The push itself, shared by its recipients, for a port that reads bodies (the simulator's
  // oracle, tests: SessionPort::wants_bodies()); null for a connection, which needs the frame only
  // (a shared_ptr per recipient is two atomic operations across the engine's and the network's
  // threads: 3 % of the relay at full speed).
  std::shared_ptr<const projections::Push> push;
};

// How a session's dialect says a push (implemented by every dialect, net/<dialect>/).
class PushRenderer {
 public:
  virtual ~PushRenderer() = default;
  // Appends the frame `push` makes for a recipient and returns true, or returns false if the
  // dialect has nothing to say of it. Must depend on nothing but its arguments: the router renders
  // once per dialect and `own` and shares the bytes.
  virtual bool render_push(const projections::Push& push, bool own, std::string& out) const = 0;
};

// The engine's handle on a session.
class SessionPort {
 public:
  virtual ~SessionPort() = default;
  // Called on the engine's deliver thread with everything one batch holds for this session, in
  // order. Must not block: a session queues the items for its own thread.
  virtual void deliver(std::vector<Outbound> items) = 0;
  // The session's dialect (constant for the session's life; called on the deliver thread).
  virtual const PushRenderer& renderer() const = 0;
  // Whether its Outbound items should carry the push bodies too (Outbound::push).
  virtual bool wants_bodies() const { return false; }
};

// A command as a session submitted it.
struct Submission {
  Command command;
  std::shared_ptr<SessionPort> from;  // null: nobody is told of the reply (a gate's audit, a Tick)
  std::string request_id;
};

}  // namespace chatd
