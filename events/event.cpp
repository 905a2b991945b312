#include "events/event.hpp"

#include <array>
#include <utility>

namespace chatd::events {
namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> lookup(const std::array<std::pair<Enum, const char*>, N>& table, std::string_view s) {
  for (const auto& [value, name] : table)
    if (s == name) return value;
  return std::nullopt;
}

template <typename Enum, std::size_t N>
const char* name_of(const std::array<std::pair<Enum, const char*>, N>& table, Enum e) {
  for (const auto& [value, name] : table)
    if (value == e) return name;
  return "?";
}

constexpr std::array<std::pair<ClientState, const char*>, 5> kStates{{
    {ClientState::kConnected, "connected"},
    {ClientState::kLooking, "looking"},
    {ClientState::kPaired, "paired"},
    {ClientState::kDisconnected, "disconnected"},
    {ClientState::kBanned, "banned"},
}};
constexpr std::array<std::pair<Dialect, const char*>, 2> kDialects{{
    {Dialect::kNative, "native"},
    {Dialect::kLowf, "lowf"},
}};
constexpr std::array<std::pair<DisconnectReason, const char*>, 7> kReasons{{
    {DisconnectReason::kClosed, "closed"},
    {DisconnectReason::kIdleState, "idle"},
    {DisconnectReason::kSilent, "silent"},
    {DisconnectReason::kSlowReader, "slow_reader"},
    {DisconnectReason::kMalformed, "malformed"},
    {DisconnectReason::kFlooding, "flooding"},
    {DisconnectReason::kServerShutdown, "server_shutdown"},
}};

struct TypeNamer {
  const char* operator()(const ServerStarted&) const { return "server_started"; }
  const char* operator()(const ClientConnected&) const { return "client_connected"; }
  const char* operator()(const NameChanged&) const { return "name_changed"; }
  const char* operator()(const SearchStarted&) const { return "search_started"; }
  const char* operator()(const SearchCancelled&) const { return "search_cancelled"; }
  const char* operator()(const Paired&) const { return "paired"; }
  const char* operator()(const MessageSent&) const { return "message_sent"; }
  const char* operator()(const PairLeft&) const { return "pair_left"; }
  const char* operator()(const Reported&) const { return "reported"; }
  const char* operator()(const ClientDisconnected&) const { return "client_disconnected"; }
  const char* operator()(const CaptchaFailed&) const { return "captcha_failed"; }
  const char* operator()(const ConnectionRejected&) const { return "connection_rejected"; }
};

}  // namespace

const char* to_string(ClientState s) { return name_of(kStates, s); }
const char* to_string(Dialect d) { return name_of(kDialects, d); }
const char* to_string(DisconnectReason r) { return name_of(kReasons, r); }
std::optional<ClientState> client_state_from(std::string_view s) { return lookup(kStates, s); }
std::optional<Dialect> dialect_from(std::string_view s) { return lookup(kDialects, s); }
std::optional<DisconnectReason> disconnect_reason_from(std::string_view s) { return lookup(kReasons, s); }

const char* type_name(const Payload& payload) { return std::visit(TypeNamer{}, payload); }

}  // namespace chatd::events
