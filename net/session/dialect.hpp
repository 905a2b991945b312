// WireDialect: how one kind of client speaks. A dialect only translates: frames to requests, and
// replies and pushes to frames; every rule lives in core/ (the commands' rules) or in SessionLogic
// (the gates). Each dialect renders the push bodies of every domain it serves (net/<dialect>/).
// Thread-safety: dialect objects are immutable once built and may be shared by threads; decoding
// uses one reused simdjson parser per thread.
#pragma once

#include <memory>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/errors.hpp"
#include "core/command.hpp"
#include "core/session/captcha.hpp"
#include "events/session/events.hpp"
#include "net/engine/outbound.hpp"

namespace chatd {

// What a frame asks for.
struct Request {
  enum class Kind : std::uint8_t { kCommand, kCaptcha, kPing };
  Kind kind = Kind::kCommand;
  std::string id;   // the request's id as raw JSON ("7", "\"a\""); empty if it has none
  Command command;  // kCommand; the session stamps its actor
  captcha::Solution solution;  // kCaptcha
  std::string token;  // an operator's bearer token, if the frame carried one (never logged)
  // A password that goes with the command (its traits say how it is used): it never reaches the
  // engine, and the session wipes it once it has been hashed or checked. A command that replaces
  // one (CredentialUse::kReplaced) carries the old one in `secret` and the new one in `new_secret`.
  std::string secret;
  std::string new_secret;
};

struct Decoded {
  enum class Outcome : std::uint8_t {
    kRequest,  // `request` is ready
    kReject,   // answer `error`/`message` to `request.id` and go on
    kIgnore,   // nothing to do
    kClose,    // a protocol violation: close the connection with `message` as the reason
    kQuit,     // the client asks to end its session (the palette's :quit): close it with `message`
  };
  Outcome outcome = Outcome::kIgnore;
  Request request;
  ErrorCode error;
  std::string message;
  // What the dialect answers by itself, before anything else happens (the palette's :help, its
  // prompts): sent as one frame when not empty.
  std::string local;
};

// What the server tells a client when it connects.
struct HelloInfo {
  std::size_t max_frame_bytes = 0;
  std::size_t max_message_bytes = 0;
  const captcha::Challenge* challenge = nullptr;  // null when no captcha is required
};

class WireDialect;

// A dialect whose translation depends on the session (the palette: its username prompt, its room,
// its chat view) keeps that state here, one per session; SessionLogic then asks it instead of the
// stateless WireDialect. Pushes are still rendered once for all the dialect's recipients (by
// WireDialect::render_push); show_push turns those shared bytes into what this session shows.
class DialectSession {
 public:
  virtual ~DialectSession() = default;
  virtual bool hello(const HelloInfo& info, std::string& out) = 0;
  virtual void decode(std::string_view frame, Decoded& out) = 0;
  virtual bool render_reply(const Outbound& item, std::string& out) = 0;
  virtual bool gate_reply(const std::string& id, ErrorCode error, std::string_view message, std::string& out) = 0;
  virtual bool show_push(std::string_view shared, bool own, std::string& out) = 0;
  // Whether the next frame must wait for the reply to the last one (the palette's next line means
  // something else once :join is answered): the transport then reads nothing more, as at the
  // in-flight bound.
  virtual bool holds_input() const { return false; }
};

class WireDialect : public PushRenderer {
 public:
  virtual events::Dialect kind() const = 0;
  // The session state of a stateful dialect; null for a stateless one (native, lowf).
  virtual std::unique_ptr<DialectSession> open_session() const { return nullptr; }

  virtual void decode(std::string_view frame, Decoded& out) const = 0;
  // Each encoder appends one frame to `out` and returns true, or returns false if the dialect
  // has nothing to say for it.
  virtual bool hello(const HelloInfo& info, std::string& out) const = 0;
  // The engine's reply to a request (an Outbound of kind kReply).
  virtual bool render_reply(const Outbound& item, std::string& out) const = 0;
  // A reply decided by the session itself (gates: captcha, rate limit, busy), not by the engine.
  virtual bool gate_reply(const std::string& id, ErrorCode error, std::string_view message, std::string& out) const = 0;
};

// The version of the native protocol, stated in its hello.
inline constexpr int kNativeProtocolVersion = 1;

}  // namespace chatd
