// The stranger domain's part of the World: each client's name and state in lowf's sense
// (CONNECTED, LOOKING, PAIRED, DISCONNECTED, BANNED), the pairs, who is waiting, and the totals of
// messages and reports. Its pushes are below; notify (projection.cpp) says who gets them.
// Thread-safety: plain values, owned by their World.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "events/stranger/events.hpp"
#include "projections/push.hpp"

namespace chatd::projections {

// lowf's client states, with lowf's numbers.
enum class ClientState : std::uint8_t { kConnected = 0, kLooking = 1, kPaired = 2, kDisconnected = 3, kBanned = 4 };

}  // namespace chatd::projections

template <>
struct chatd::events::EnumNames<chatd::projections::ClientState> {
  using S = chatd::projections::ClientState;
  static constexpr std::string_view kWhat = "client state";
  static constexpr std::array<std::pair<S, const char*>, 5> kNames{{
      {S::kConnected, "connected"},
      {S::kLooking, "looking"},
      {S::kPaired, "paired"},
      {S::kDisconnected, "disconnected"},
      {S::kBanned, "banned"},
  }};
};

namespace chatd::projections {

// A client in stranger chat.
struct Stranger {
  std::string name;
  ClientState state = ClientState::kConnected;
  TimeMs state_since = 0;  // when the client entered `state`; idle deadlines are measured from it
  // The pair the client is in (when PAIRED).
  PairId pair;
  ClientId partner = kNoClient;
  // The pair before, which the client may still report, once (forgotten at the next pairing).
  PairId last_pair;
  ClientId last_partner = kNoClient;
  bool last_pair_reported = false;

  static constexpr auto fields() {
    return std::tuple{events::field<&Stranger::name>("name"), events::field<&Stranger::state>("state"),
                      events::field<&Stranger::state_since>("state_since"), events::field<&Stranger::pair>("pair"),
                      events::field<&Stranger::partner>("partner"), events::field<&Stranger::last_pair>("last_pair"),
                      events::field<&Stranger::last_partner>("last_partner"),
                      events::field<&Stranger::last_pair_reported>("last_pair_reported")};
  }
  bool operator==(const Stranger&) const = default;
};

struct Pair {
  ClientId seeker = kNoClient;
  ClientId waiter = kNoClient;
  TimeMs started = 0;
  std::uint64_t messages = 0;

  ClientId partner_of(ClientId c) const { return c == seeker ? waiter : seeker; }
  static constexpr auto fields() {
    return std::tuple{events::field<&Pair::seeker>("seeker"), events::field<&Pair::waiter>("waiter"), events::field<&Pair::started>("started"),
                      events::field<&Pair::messages>("messages")};
  }
  bool operator==(const Pair&) const = default;
};

struct StrangerState {
  std::map<ClientId, Stranger> clients;
  // A hash table: every message looks its pair up, and a tree's lookup was 7.6 % of a rebuild.
  // Walk it in id order with sorted_entries (core/base/sorted_entries.hpp).
  std::unordered_map<PairId, Pair, PairIdHash> pairs;
  std::vector<ClientId> waiting;  // LOOKING clients, in the order they started searching
  std::uint64_t messages = 0;
  std::uint64_t reports = 0;

  const Stranger* find(ClientId id) const {
    auto it = clients.find(id);
    return it == clients.end() ? nullptr : &it->second;
  }
  // The client's name, empty for one not connected (rooms and DMs name their members with it).
  std::string_view name_of(ClientId id) const {
    const Stranger* c = find(id);
    return c ? std::string_view(c->name) : std::string_view();
  }
  // The client's partner while it is PAIRED, else kNoClient.
  ClientId partner_of(ClientId id) const {
    const Stranger* c = find(id);
    return c && c->state == ClientState::kPaired ? c->partner : kNoClient;
  }
  static constexpr auto fields() {
    return std::tuple{events::field<&StrangerState::messages>("messages"), events::field<&StrangerState::reports>("reports"),
                      events::field<&StrangerState::clients>("clients"), events::field<&StrangerState::pairs>("pairs"),
                      events::field<&StrangerState::waiting>("waiting")};
  }
};

// ---- pushes ----------------------------------------------------------------------------------

// The client's own state changed: LOOKING, or DISCONNECTED after leaving (with the pair it left).
struct StatePush {
  static constexpr std::string_view kName = "state";
  ClientState state = ClientState::kConnected;
  PairId pair;
  // The client passed through `state` without staying in it: a search that paired at once was
  // LOOKING for no time (the World never holds it; the PairedPush follows). lowf's page needs to
  // see LOOKING before PAIRED to show the chat; the native dialect says nothing of it.
  bool passing = false;
  bool operator==(const StatePush&) const = default;
};
// Paired with `partner` (its name) in `pair`.
struct PairedPush {
  static constexpr std::string_view kName = "paired";
  PairId pair;
  std::string partner;
  bool operator==(const PairedPush&) const = default;
};
// `from` (a name) said `text` in `pair`; its sender gets it too, as its own.
struct MessagePush {
  static constexpr std::string_view kName = "message";
  PairId pair;
  std::string from;
  std::string text;
  bool operator==(const MessagePush&) const = default;
};
// The partner left `pair` or went away; the client is DISCONNECTED.
struct PartnerLeftPush {
  static constexpr std::string_view kName = "partner_left";
  PairId pair;
  bool operator==(const PartnerLeftPush&) const = default;
};
// In a pair, `old_name` is now `name` (own: the recipient renamed itself).
struct RenamedPush {
  static constexpr std::string_view kName = "renamed";
  std::string old_name;
  std::string name;
  bool operator==(const RenamedPush&) const = default;
};

class Projections;
void add_stranger_projection(Projections& p);

}  // namespace chatd::projections
