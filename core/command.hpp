// Commands: what a client (or the server on its behalf) asks the engine to do. A dialect turns a
// frame into one of these; decide() turns it into events and a reply.
// Thread-safety: plain values.
#pragma once

#include <string>
#include <variant>

#include "core/ids.hpp"
#include "events/event.hpp"

namespace chatd {

// A connection passed the gates and becomes a client (the name may be empty, as in lowf).
struct Connect {
  std::string name;
  events::Dialect dialect = events::Dialect::kNative;
  std::string addr;
};
struct SetName {
  ClientId client = kNoClient;
  std::string name;
};
struct Search {
  ClientId client = kNoClient;
};
struct Leave {
  ClientId client = kNoClient;
};
struct Send {
  ClientId client = kNoClient;
  std::string text;
};
struct Report {
  ClientId client = kNoClient;
  std::string reason;
};
// The session ended (closed by the client, or by the server for the given reason).
struct Disconnect {
  ClientId client = kNoClient;
  events::DisconnectReason reason = events::DisconnectReason::kClosed;
};
// Audit: a connection failed the captcha.
struct RecordCaptchaFailure {
  std::string addr;
  std::string reason;
};
// Audit: a connection that never became a client was closed for abuse.
struct RecordRejection {
  std::string addr;
  std::string reason;
};
// Asks for the log position and World hash as of this command (for operators and tests).
struct QueryInfo {};

using Command = std::variant<Connect, SetName, Search, Leave, Send, Report, Disconnect, RecordCaptchaFailure,
                             RecordRejection, QueryInfo>;

// The index of command type T in Command, as Command::index() reports it (replies carry it).
template <typename T>
constexpr std::size_t command_index() {
  return Command(std::in_place_type<T>).index();
}

}  // namespace chatd
