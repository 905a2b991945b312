// The World: everything the server knows, as derived from the log by apply(). It is rebuilt on
// every start and by every replay; `hash()` lets tests and tools check that two Worlds are equal.
// Thread-safety: not thread-safe. The engine owns the live World; tools own their own copies.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "events/event.hpp"

namespace chatd::projections {

using events::ClientState;
using events::Dialect;

struct Client {
  ClientId id = kNoClient;
  std::string name;
  ClientState state = ClientState::kConnected;
  Dialect dialect = Dialect::kNative;
  std::string addr;
  TimeMs connected_at = 0;
  TimeMs state_since = 0;  // when the client entered `state`; idle deadlines are measured from it
  // The pair the client is in (when PAIRED).
  PairId pair;
  ClientId partner = kNoClient;
  // The pair before, which the client may still report, once (forgotten at the next pairing).
  PairId last_pair;
  ClientId last_partner = kNoClient;
  bool last_pair_reported = false;
};

struct Pair {
  PairId id;
  ClientId seeker = kNoClient;
  ClientId waiter = kNoClient;
  TimeMs started = 0;
  std::uint64_t messages = 0;

  ClientId partner_of(ClientId c) const { return c == seeker ? waiter : seeker; }
};

struct World {
  std::map<ClientId, Client> clients;
  std::map<PairId, Pair> pairs;
  std::vector<ClientId> waiting;  // LOOKING clients, in the order they started searching
  ClientId next_client = 1;
  Seq last_seq = 0;
  TimeMs last_time = 0;
  // Running totals, for operators and tests.
  std::uint64_t messages = 0;
  std::uint64_t reports = 0;
  std::uint64_t captcha_failures = 0;
  std::uint64_t connections_rejected = 0;
  std::uint64_t restarts = 0;

  const Client* find(ClientId id) const;

  // A stable 64-bit hash of the whole World (FNV-1a over a canonical encoding): equal Worlds have
  // equal hashes on every machine and in every run. It costs a pass over the whole World.
  std::uint64_t hash() const;
};

// Applies one event. Uses only the event's own fields. An event that cannot follow the current
// World (e.g. pairing a client that is not looking) returns Corruption and changes nothing.
Status apply(World& world, const events::Event& event);

}  // namespace chatd::projections
