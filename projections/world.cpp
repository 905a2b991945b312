#include "projections/world.hpp"

#include <algorithm>
#include <string_view>
#include <type_traits>

#include "core/fnv.hpp"
#include "projections/world_codec.hpp"

namespace chatd::projections {
namespace {

using namespace chatd::events;

Status impossible(const Event& e, std::string_view why) {
  return Status::Corruption("event seq " + std::to_string(e.seq) + " (" + type_name(e.payload) +
                            "): " + std::string(why));
}

void remove_waiting(World& w, ClientId c) {
  auto it = std::find(w.waiting.begin(), w.waiting.end(), c);
  if (it != w.waiting.end()) w.waiting.erase(it);
}

void set_state(Client& c, ClientState s, TimeMs t) {
  c.state = s;
  c.state_since = t;
}

// Ends the pair `c` is in: both sides become DISCONNECTED and remember it as their last pair.
void end_pair(World& w, Client& c, TimeMs t) {
  auto pit = w.pairs.find(c.pair);
  if (pit == w.pairs.end()) return;
  for (ClientId id : {pit->second.seeker, pit->second.waiter}) {
    auto cit = w.clients.find(id);
    if (cit == w.clients.end()) continue;
    Client& side = cit->second;
    side.last_pair = side.pair;
    side.last_partner = side.partner;
    side.last_pair_reported = false;
    side.pair = PairId{};
    side.partner = kNoClient;
    set_state(side, ClientState::kDisconnected, t);
  }
  w.pairs.erase(pit);
}

class Applier {
 public:
  Applier(World& w, const Event& e) : w_(w), e_(e) {}

  Status operator()(const ServerStarted&) {
    w_.clients.clear();
    w_.pairs.clear();
    w_.waiting.clear();
    ++w_.restarts;
    return Status::Ok();
  }
  Status operator()(const ClientConnected& p) {
    if (p.client != w_.next_client) return impossible(e_, "client id out of order");
    Client c;
    c.id = p.client;
    c.name = p.name;
    c.dialect = p.dialect;
    c.addr = p.addr;
    c.connected_at = e_.time;
    c.state_since = e_.time;
    w_.clients.emplace(c.id, std::move(c));
    ++w_.next_client;
    return Status::Ok();
  }
  Status operator()(const NameChanged& p) {
    Client* c = client(p.client);
    if (!c) return impossible(e_, "unknown client");
    c->name = p.name;
    return Status::Ok();
  }
  Status operator()(const SearchStarted& p) {
    Client* c = client(p.client);
    if (!c) return impossible(e_, "unknown client");
    if (c->state != ClientState::kConnected && c->state != ClientState::kDisconnected)
      return impossible(e_, "client cannot search in its state");
    set_state(*c, ClientState::kLooking, e_.time);
    w_.waiting.push_back(c->id);
    return Status::Ok();
  }
  Status operator()(const SearchCancelled& p) {
    Client* c = client(p.client);
    if (!c || c->state != ClientState::kLooking) return impossible(e_, "client is not looking");
    remove_waiting(w_, c->id);
    set_state(*c, ClientState::kDisconnected, e_.time);
    return Status::Ok();
  }
  Status operator()(const Paired& p) {
    Client* seeker = client(p.seeker);
    Client* waiter = client(p.waiter);
    if (!seeker || !waiter || seeker == waiter) return impossible(e_, "unknown or identical clients");
    bool seeker_ok = seeker->state == ClientState::kConnected || seeker->state == ClientState::kDisconnected;
    if (!seeker_ok || waiter->state != ClientState::kLooking)
      return impossible(e_, "seeker must be free and waiter looking");
    if (w_.pairs.count(p.pair)) return impossible(e_, "pair id already in use");
    remove_waiting(w_, waiter->id);
    for (Client* side : {seeker, waiter}) {
      side->pair = p.pair;
      side->partner = side == seeker ? waiter->id : seeker->id;
      side->last_pair = PairId{};
      side->last_partner = kNoClient;
      side->last_pair_reported = false;
      set_state(*side, ClientState::kPaired, e_.time);
    }
    w_.pairs.emplace(p.pair, Pair{p.pair, p.seeker, p.waiter, e_.time, 0});
    return Status::Ok();
  }
  Status operator()(const MessageSent& p) {
    Client* c = client(p.from);
    auto pit = w_.pairs.find(p.pair);
    if (!c || pit == w_.pairs.end() || c->pair != p.pair) return impossible(e_, "sender is not in that pair");
    ++pit->second.messages;
    ++w_.messages;
    return Status::Ok();
  }
  Status operator()(const PairLeft& p) {
    Client* c = client(p.by);
    if (!c || c->state != ClientState::kPaired || c->pair != p.pair) return impossible(e_, "client is not in that pair");
    end_pair(w_, *c, e_.time);
    return Status::Ok();
  }
  Status operator()(const Reported& p) {
    Client* c = client(p.reporter);
    if (!c || c->last_pair != p.pair || c->last_partner != p.reported || c->last_pair_reported)
      return impossible(e_, "reporter has no such unreported previous pair");
    c->last_pair_reported = true;
    ++w_.reports;
    return Status::Ok();
  }
  Status operator()(const ClientDisconnected& p) {
    Client* c = client(p.client);
    if (!c) return impossible(e_, "unknown client");
    if (c->state == ClientState::kPaired) end_pair(w_, *c, e_.time);
    if (c->state == ClientState::kLooking) remove_waiting(w_, c->id);
    w_.clients.erase(p.client);
    return Status::Ok();
  }
  Status operator()(const CaptchaFailed&) {
    ++w_.captcha_failures;
    return Status::Ok();
  }
  Status operator()(const ConnectionRejected&) {
    ++w_.connections_rejected;
    return Status::Ok();
  }

 private:
  Client* client(ClientId id) {
    auto it = w_.clients.find(id);
    return it == w_.clients.end() ? nullptr : &it->second;
  }
  World& w_;
  const Event& e_;
};

// FNV-1a over the World's canonical fields (write_world), length-prefixed, so that no two
// Worlds hash the same input.
class Hasher : public Fnv1a {
 public:
  void u8(std::uint8_t v) { bytes(&v, 1); }
  void pair(const PairId& p) { bytes(p.bytes.data(), p.bytes.size()); }
};

}  // namespace

const Client* World::find(ClientId id) const {
  auto it = clients.find(id);
  return it == clients.end() ? nullptr : &it->second;
}

std::uint64_t World::hash() const {
  Hasher h;
  write_world(*this, h);
  return h.value();
}

Status apply(World& world, const events::Event& event) {
  if (event.seq != world.last_seq + 1)
    return Status::Corruption("event seq " + std::to_string(event.seq) + " does not follow " +
                              std::to_string(world.last_seq));
  Status s = std::visit(Applier(world, event), event.payload);
  if (!s.ok()) return s;
  world.last_seq = event.seq;
  world.last_time = event.time;
  return s;
}

}  // namespace chatd::projections
