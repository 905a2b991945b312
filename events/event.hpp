// The immutable events of the log. Each records an outcome (who was paired with whom, which id a
// pair got), so applying it never needs a clock or a random draw. Adding a field or a type bumps
// kSchemaVersion only when an older reader would misread the log.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/ids.hpp"

namespace chatd::events {

inline constexpr int kSchemaVersion = 1;

// lowf's client states, with lowf's numbers.
enum class ClientState : std::uint8_t { kConnected = 0, kLooking = 1, kPaired = 2, kDisconnected = 3, kBanned = 4 };

// Which wire dialect a client speaks; recorded so audits can tell a lowf page from a native client.
enum class Dialect : std::uint8_t { kNative = 0, kLowf = 1 };

// Why a client's session ended. Stable strings: they appear in the log and in close reasons.
enum class DisconnectReason : std::uint8_t {
  kClosed,           // the client closed the connection
  kIdleState,        // LOOKING or DISCONNECTED for longer than allowed
  kSilent,           // no frame and no pong for longer than allowed
  kSlowReader,       // its outbound queue overflowed
  kMalformed,        // sent a frame the dialect could not decode
  kFlooding,         // kept exceeding the rate limit
  kServerShutdown,   // the server stopped gracefully
};

const char* to_string(ClientState s);
const char* to_string(Dialect d);
const char* to_string(DisconnectReason r);
std::optional<ClientState> client_state_from(std::string_view s);
std::optional<Dialect> dialect_from(std::string_view s);
std::optional<DisconnectReason> disconnect_reason_from(std::string_view s);

// The engine started; every session of the previous run is over (clients, pairs, searches).
struct ServerStarted {
  std::uint64_t ended_clients = 0;  // how many clients the previous run left behind
};
// A connection passed the gates and became a client in state CONNECTED.
struct ClientConnected {
  ClientId client = kNoClient;
  std::string name;
  Dialect dialect = Dialect::kNative;
  std::string addr;
};
struct NameChanged {
  ClientId client = kNoClient;
  std::string name;
};
// The client waits for a partner (nobody suitable was waiting).
struct SearchStarted {
  ClientId client = kNoClient;
};
// The client stopped waiting.
struct SearchCancelled {
  ClientId client = kNoClient;
};
// `seeker` searched and was paired at once with `waiter`, drawn from those waiting.
struct Paired {
  PairId pair;
  ClientId seeker = kNoClient;
  ClientId waiter = kNoClient;
};
struct MessageSent {
  PairId pair;
  ClientId from = kNoClient;
  std::string text;
};
// `by` left the pair; both sides are now DISCONNECTED.
struct PairLeft {
  PairId pair;
  ClientId by = kNoClient;
};
struct Reported {
  ClientId reporter = kNoClient;
  ClientId reported = kNoClient;
  PairId pair;
  std::string reason;
};
// The client's session ended; a pair it was in ends and a search it had is dropped.
struct ClientDisconnected {
  ClientId client = kNoClient;
  DisconnectReason reason = DisconnectReason::kClosed;
};
// Audit only: a connection failed the captcha (it never became a client).
struct CaptchaFailed {
  std::string addr;
  std::string reason;
};
// Audit only: a connection that never became a client was closed for abuse (malformed frames,
// flooding, too many captcha failures).
struct ConnectionRejected {
  std::string addr;
  std::string reason;
};

using Payload = std::variant<ServerStarted, ClientConnected, NameChanged, SearchStarted, SearchCancelled,
                             Paired, MessageSent, PairLeft, Reported, ClientDisconnected, CaptchaFailed,
                             ConnectionRejected>;

// The stable type name written in the log ("paired", "message_sent", ...).
const char* type_name(const Payload& payload);

struct Event {
  Seq seq = 0;
  TimeMs time = 0;
  Payload payload;
};

}  // namespace chatd::events
