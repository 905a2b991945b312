#include "projections/notify.hpp"

namespace chatd::projections {
namespace {

using namespace chatd::events;
using Kind = Push::Kind;

class Notifier {
 public:
  Notifier(const World& w, std::vector<Push>& out) : w_(w), out_(out) {}

  void operator()(const SearchStarted& e) { state(e.client, ClientState::kLooking, PairId{}); }
  void operator()(const SearchCancelled& e) { state(e.client, ClientState::kDisconnected, PairId{}); }
  void operator()(const Paired& e) {
    const Client* seeker = w_.find(e.seeker);
    const Client* waiter = w_.find(e.waiter);
    if (!seeker || !waiter) return;
    // The seeker hears first, as lowf sends user1 first.
    paired(*seeker, *waiter, e.pair);
    paired(*waiter, *seeker, e.pair);
  }
  void operator()(const MessageSent& e) {
    const Client* from = w_.find(e.from);
    if (!from) return;
    Push echo{.to = e.from, .kind = Kind::kMessage, .pair = e.pair, .name = from->name, .text = e.text, .own = true};
    out_.push_back(echo);
    Push delivery = echo;
    delivery.to = from->partner;
    delivery.own = false;
    out_.push_back(std::move(delivery));
  }
  void operator()(const PairLeft& e) {
    const Client* by = w_.find(e.by);
    if (!by) return;
    state(e.by, ClientState::kDisconnected, e.pair);
    out_.push_back(Push{.to = by->partner, .kind = Kind::kPartnerLeft, .state = ClientState::kDisconnected, .pair = e.pair});
  }
  void operator()(const NameChanged& e) {
    const Client* c = w_.find(e.client);
    if (!c || c->state != ClientState::kPaired) return;
    for (ClientId to : {c->id, c->partner})
      out_.push_back(Push{.to = to, .kind = Kind::kNameChanged, .name = e.name, .old_name = c->name, .own = to == c->id});
  }
  void operator()(const ClientDisconnected& e) {
    const Client* c = w_.find(e.client);
    if (!c || c->state != ClientState::kPaired) return;
    out_.push_back(Push{.to = c->partner, .kind = Kind::kPartnerLeft, .state = ClientState::kDisconnected, .pair = c->pair});
  }
  // Events nobody is told about: the reply to the requester says enough.
  void operator()(const ServerStarted&) {}
  void operator()(const ClientConnected&) {}
  void operator()(const Reported&) {}
  void operator()(const CaptchaFailed&) {}
  void operator()(const ConnectionRejected&) {}

 private:
  void state(ClientId to, ClientState s, const PairId& pair) {
    out_.push_back(Push{.to = to, .kind = Kind::kState, .state = s, .pair = pair});
  }
  void paired(const Client& to, const Client& partner, const PairId& pair) {
    out_.push_back(Push{.to = to.id, .kind = Kind::kPaired, .state = ClientState::kPaired, .pair = pair, .name = partner.name});
  }

  const World& w_;
  std::vector<Push>& out_;
};

}  // namespace

void notify(const World& before, const events::Event& event, std::vector<Push>& out) {
  std::visit(Notifier(before, out), event.payload);
}

}  // namespace chatd::projections
