// The session domain's part of the World: who is connected, from where, in which dialect; the
// next client id; and the totals of restarts and of connections that never became clients.
// Thread-safety: plain values, owned by their World.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "events/session/events.hpp"
#include "projections/push.hpp"

namespace chatd::projections {

// A client's connection.
struct Connection {
  events::Dialect dialect = events::Dialect::kNative;
  std::string addr;
  TimeMs connected_at = 0;
  static constexpr auto fields() {
    return std::tuple{events::field<&Connection::dialect>("dialect"), events::field<&Connection::addr>("addr"),
                      events::field<&Connection::connected_at>("connected_at")};
  }
  bool operator==(const Connection&) const = default;
};

struct SessionState {
  std::map<ClientId, Connection> clients;
  ClientId next_client = 1;
  std::uint64_t captcha_failures = 0;
  std::uint64_t connections_rejected = 0;
  std::uint64_t restarts = 0;

  const Connection* find(ClientId id) const {
    auto it = clients.find(id);
    return it == clients.end() ? nullptr : &it->second;
  }
  static constexpr auto fields() {
    return std::tuple{events::field<&SessionState::next_client>("next_client"),
                      events::field<&SessionState::captcha_failures>("captcha_failures"),
                      events::field<&SessionState::connections_rejected>("connections_rejected"),
                      events::field<&SessionState::restarts>("restarts"), events::field<&SessionState::clients>("clients")};
  }
};

// Pushes of the session domain.
// The client's session is over (it disconnected, or was disconnected): the last push it gets.
struct SessionEndedPush {
  static constexpr std::string_view kName = "session_ended";
  events::DisconnectReason reason = events::DisconnectReason::kClosed;
  bool operator==(const SessionEndedPush&) const = default;
};
// A message from the server's operators.
struct SystemNoticePush {
  static constexpr std::string_view kName = "system";
  std::string text;
  bool operator==(const SystemNoticePush&) const = default;
};

class Projections;
void add_session_projection(Projections& p);

}  // namespace chatd::projections
