// Projections: what each domain adds to the World and how it follows the log. A domain registers
// its state, its push bodies, and for event types: the apply of the types it owns, its reactions to
// other domains' events, who hears of them (notify), whom else they concern (for chatreplay's
// filters and the simulator), the facts it knows about a client, and its next deadline. The
// production domains register on first use (projections/domains.cpp, one line per domain); a test
// may add its own domain before it builds a World.
//
// A handler is a plain function, registered by address so that dispatch is one indirect call:
//   p.apply<&apply_paired>();   // Status apply_paired(World&, const events::Event&, const events::Paired&)
// Thread-safety: register only while nothing else uses the registry (at start-up, or at the start
// of a test); after that it is read-only and safe from any thread.
#pragma once

#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/base/fn_traits.hpp"
#include "events/catalog.hpp"
#include "projections/push.hpp"
#include "projections/world.hpp"

namespace chatd::projections {

// Where notify() puts the pushes an event causes.
class PushSink {
 public:
  virtual ~PushSink() = default;
  virtual void push(Push push, std::span<const Recipient> to) = 0;
  void push(Push p, std::initializer_list<Recipient> to) { push(std::move(p), std::span<const Recipient>(to.begin(), to.size())); }
};

// Whom and what an event concerns, beyond its own fields (chatreplay's filters, the simulator).
struct Subjects {
  std::vector<ClientId> clients;
  std::vector<PairId> pairs;
  std::vector<std::uint64_t> rooms;  // room ids (events::RoomId)
  std::vector<std::string_view> addrs;  // addresses the event names
  std::vector<std::string_view> names;  // names the event gives
};

// What the domains know about a client at some moment (for audits and filters).
struct ClientFacts {
  bool known = false;        // the client exists in the World
  std::string_view name;     // its name, if a domain gives it one
  std::string_view addr;     // the address it connected from
};

class Projections {
 public:
  using ApplyFn = Status (*)(World&, const events::Event&);
  using ReactFn = void (*)(World&, const events::Event&);
  using NotifyFn = void (*)(const World& before, const events::Event&, PushSink&);
  using RelateFn = void (*)(const World& before, const events::Event&, Subjects&);
  using FactsFn = void (*)(const World&, ClientId, ClientFacts&);
  using DeadlineFn = TimeMs (*)(const World&);
  using StateFactory = std::unique_ptr<DomainState> (*)();

  static Projections& instance();

  // The domain's state S: every World built afterwards holds one (S declares fields(), see
  // projections/state_codec.hpp, and is default-constructible).
  template <class S>
  void add_state(std::string_view domain) {
    if (StateSlot<S>::index >= 0) return;
    StateSlot<S>::index = static_cast<int>(states_.size());
    states_.push_back(StateInfo{domain, [] { return std::unique_ptr<DomainState>(new StateHolder<S>()); }});
  }
  template <class T>
  void add_push(std::string_view domain) {
    PushType& type = PushType::of<T>();
    if (type.index >= 0) return;
    type.index = static_cast<int>(push_types_.size());
    type.domain = domain;
    push_types_.push_back(&type);
  }

  // The one apply of event type E, by the domain that owns E. It returns Corruption, changing
  // nothing, for an event that cannot follow the World.
  template <auto Fn>
  void apply() {
    using E = Param<Fn, 2>;
    handlers(events::EventType::of<E>()).apply = [](World& w, const events::Event& e) { return Fn(w, e, e.payload.as<E>()); };
  }
  // Another domain's reaction to E, once E's owner has accepted it: it updates its own state and
  // cannot refuse (the owner's checks hold for it).
  template <auto Fn>
  void react() {
    using E = Param<Fn, 2>;
    handlers(events::EventType::of<E>()).react.push_back([](World& w, const events::Event& e) { Fn(w, e, e.payload.as<E>()); });
  }
  // Who hears of E: called with the World just before E applies.
  template <auto Fn>
  void notify() {
    using E = Param<Fn, 2>;
    handlers(events::EventType::of<E>()).notify.push_back(
        [](const World& w, const events::Event& e, PushSink& out) { Fn(w, e, e.payload.as<E>(), out); });
  }
  // Whom else E concerns than its own fields say (the partner of a message's sender, ...).
  template <auto Fn>
  void relate() {
    using E = Param<Fn, 2>;
    handlers(events::EventType::of<E>()).relate.push_back(
        [](const World& w, const events::Event& e, Subjects& out) { Fn(w, e, e.payload.as<E>(), out); });
  }
  void facts(FactsFn fn) { facts_.push_back(fn); }
  void deadline(DeadlineFn fn) { deadlines_.push_back(fn); }

  // ---- for the World, notify() and subjects_of() ----
  struct EventHandlers {
    ApplyFn apply = nullptr;
    std::vector<ReactFn> react;
    std::vector<NotifyFn> notify;
    std::vector<RelateFn> relate;
  };
  struct StateInfo {
    std::string_view domain;
    StateFactory make;
  };
  const std::vector<StateInfo>& states() const { return states_; }
  const std::vector<const PushType*>& push_types() const { return push_types_; }
  // The handlers of event type `index` (EventType::index); null if none was registered.
  const EventHandlers* handlers_of(int index) const {
    return index >= 0 && static_cast<std::size_t>(index) < by_event_.size() ? &by_event_[static_cast<std::size_t>(index)] : nullptr;
  }
  const std::vector<FactsFn>& facts() const { return facts_; }
  const std::vector<DeadlineFn>& deadlines() const { return deadlines_; }

 private:
  Projections() = default;
  EventHandlers& handlers(const events::EventType& type);

  std::vector<StateInfo> states_;
  std::vector<const PushType*> push_types_;
  std::vector<EventHandlers> by_event_;  // by EventType::index
  std::vector<FactsFn> facts_;
  std::vector<DeadlineFn> deadlines_;
};

// The refusal of an event that cannot follow the World: Corruption naming the event.
Status impossible(const events::Event& event, std::string_view why);

// The pushes `event` causes, appended to `out`; `before` is the World the event applies to.
void notify(const World& before, const events::Event& event, PushSink& out);

// The clients and pairs `event` concerns (its fields with those roles, and what the domains relate
// to it), with the addresses and names its fields carry; `before` is the World it applies to.
Subjects subjects_of(const events::Event& event, const World& before);

// What the domains know of client `id` in `world`.
ClientFacts client_facts(const World& world, ClientId id);

}  // namespace chatd::projections
