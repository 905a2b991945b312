// The session domain's events: the server's starts, clients connecting and going away, and the
// audits of connections that never became clients.
// Thread-safety: plain values.
#pragma once

#include <array>
#include <string>
#include <tuple>
#include <utility>

#include "events/event.hpp"

namespace chatd::events {

// Which wire dialect a client speaks; recorded so audits can tell a lowf page from a native client.
enum class Dialect : std::uint8_t { kNative = 0, kLowf = 1, kPalette = 2 };

// Why a client's session ended. Stable strings: they appear in the log and in close reasons.
enum class DisconnectReason : std::uint8_t {
  kClosed,          // the client closed the connection
  kIdleState,       // LOOKING or DISCONNECTED for longer than allowed
  kSilent,          // no frame and no pong for longer than allowed
  kSlowReader,      // its outbound queue overflowed
  kMalformed,       // sent a frame the dialect could not decode
  kFlooding,        // kept exceeding the rate limit
  kServerShutdown,  // the server stopped gracefully
};

template <>
struct EnumNames<Dialect> {
  static constexpr std::string_view kWhat = "dialect";
  static constexpr std::array<std::pair<Dialect, const char*>, 3> kNames{{
      {Dialect::kNative, "native"},
      {Dialect::kLowf, "lowf"},
      {Dialect::kPalette, "palette"},
  }};
};

template <>
struct EnumNames<DisconnectReason> {
  static constexpr std::string_view kWhat = "disconnect reason";
  static constexpr std::array<std::pair<DisconnectReason, const char*>, 7> kNames{{
      {DisconnectReason::kClosed, "closed"},
      {DisconnectReason::kIdleState, "idle"},
      {DisconnectReason::kSilent, "silent"},
      {DisconnectReason::kSlowReader, "slow_reader"},
      {DisconnectReason::kMalformed, "malformed"},
      {DisconnectReason::kFlooding, "flooding"},
      {DisconnectReason::kServerShutdown, "server_shutdown"},
  }};
};

// The engine started; every session of the previous run is over (clients, pairs, searches).
struct ServerStarted {
  static constexpr std::string_view kType = "server_started";
  std::uint64_t ended_clients = 0;  // how many clients the previous run left behind
  static constexpr auto fields() { return std::tuple{field<&ServerStarted::ended_clients>("ended_clients")}; }
  bool operator==(const ServerStarted&) const = default;
};

// A connection passed the gates and became a client (in stranger chat: CONNECTED, with `name`,
// which may be empty as in lowf).
struct ClientConnected {
  static constexpr std::string_view kType = "client_connected";
  ClientId client = kNoClient;
  std::string name;
  Dialect dialect = Dialect::kNative;
  std::string addr;
  static constexpr auto fields() {
    return std::tuple{field<&ClientConnected::client>("client", Role::kClient),
                      field<&ClientConnected::name>("name", Role::kName),
                      field<&ClientConnected::dialect>("dialect"),
                      field<&ClientConnected::addr>("addr", Role::kAddr)};
  }
  bool operator==(const ClientConnected&) const = default;
};

// The client's session ended; whatever it was doing in any domain ends with it.
struct ClientDisconnected {
  static constexpr std::string_view kType = "client_disconnected";
  ClientId client = kNoClient;
  DisconnectReason reason = DisconnectReason::kClosed;
  static constexpr auto fields() {
    return std::tuple{field<&ClientDisconnected::client>("client", Role::kClient),
                      field<&ClientDisconnected::reason>("reason")};
  }
  bool operator==(const ClientDisconnected&) const = default;
};

// Audit only: a connection failed the captcha (it never became a client).
struct CaptchaFailed {
  static constexpr std::string_view kType = "captcha_failed";
  std::string addr;
  std::string reason;
  static constexpr auto fields() {
    return std::tuple{field<&CaptchaFailed::addr>("addr", Role::kAddr), field<&CaptchaFailed::reason>("reason")};
  }
  bool operator==(const CaptchaFailed&) const = default;
};

// Audit only: a connection that never became a client was closed for abuse (malformed frames,
// flooding, too many captcha failures).
struct ConnectionRejected {
  static constexpr std::string_view kType = "connection_rejected";
  std::string addr;
  std::string reason;
  static constexpr auto fields() {
    return std::tuple{field<&ConnectionRejected::addr>("addr", Role::kAddr),
                      field<&ConnectionRejected::reason>("reason")};
  }
  bool operator==(const ConnectionRejected&) const = default;
};

using SessionEvents = EventList<ServerStarted, ClientConnected, ClientDisconnected, CaptchaFailed, ConnectionRejected>;

}  // namespace chatd::events
