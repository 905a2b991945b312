#include "projections/world.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "projections/domain.hpp"

namespace chatd::projections {

World::World() {
  const auto& states = Projections::instance().states();
  states_.reserve(states.size());
  for (const Projections::StateInfo& info : states) states_.push_back(info.make());
}

World::World(const World& other) : last_seq(other.last_seq), last_time(other.last_time) {
  states_.reserve(other.states_.size());
  for (const auto& s : other.states_) states_.push_back(s->clone());
  hashed_seq_ = other.hashed_seq_;
  hashed_ = other.hashed_;
}

World& World::operator=(const World& other) {
  if (this != &other) *this = World(other);
  return *this;
}

std::uint64_t World::hash() const {
  if (hashed_seq_ == last_seq) return hashed_;
  WorldHasher h;
  h.u64(last_seq);
  h.u64(static_cast<std::uint64_t>(last_time));
  for (const auto& s : states_) s->write(h);
  hashed_ = h.value();
  hashed_seq_ = last_seq;
  return hashed_;
}

TimeMs World::next_deadline() const {
  TimeMs next = kNoDeadline;
  for (Projections::DeadlineFn fn : Projections::instance().deadlines()) next = std::min(next, fn(*this));
  return next;
}

Status apply(World& world, const events::Event& event) {
  static const Projections& projections = Projections::instance();
  if (event.seq != world.last_seq + 1)
    return Status::Corruption("event seq " + std::to_string(event.seq) + " does not follow " +
                              std::to_string(world.last_seq));
  const events::EventType* type = event.payload.type();
  const Projections::EventHandlers* h = type ? projections.handlers_of(type->index) : nullptr;
  if (!h || !h->apply)
    return Status::Corruption("event seq " + std::to_string(event.seq) + " (" + std::string(events::type_name(event.payload)) +
                              "): no domain applies this event type");
  Status s = h->apply(world, event);
  if (!s.ok()) return s;
  for (Projections::ReactFn react : h->react) react(world, event);
  world.last_seq = event.seq;
  world.last_time = event.time;
  return s;
}

Projections::EventHandlers& Projections::handlers(const events::EventType& type) {
  // Every event type a projection handles is in the catalog (which numbers the types).
  events::EventCatalog::instance();
  if (type.index < 0) {
    std::fprintf(stderr, "chatd: a projection handles event type '%.*s', which no domain registered in the event catalog\n",
                 static_cast<int>(type.name.size()), type.name.data());
    std::abort();
  }
  if (by_event_.size() <= static_cast<std::size_t>(type.index)) by_event_.resize(static_cast<std::size_t>(type.index) + 1);
  return by_event_[static_cast<std::size_t>(type.index)];
}

Status impossible(const events::Event& e, std::string_view why) {
  return Status::Corruption("event seq " + std::to_string(e.seq) + " (" + std::string(events::type_name(e.payload)) +
                            "): " + std::string(why));
}

void notify(const World& before, const events::Event& event, PushSink& out) {
  const events::EventType* type = event.payload.type();
  const Projections::EventHandlers* h = type ? Projections::instance().handlers_of(type->index) : nullptr;
  if (!h) return;
  for (Projections::NotifyFn fn : h->notify) fn(before, event, out);
}

Subjects subjects_of(const events::Event& event, const World& before) {
  Subjects out;
  const events::EventType* type = event.payload.type();
  if (!type) return out;
  for (const events::FieldInfo& f : type->fields) {
    const events::FieldValue v = f.read(event.payload.data());
    switch (f.options.role) {
      case events::Role::kClient:
        if (v.u != kNoClient) out.clients.push_back(v.u);
        break;
      case events::Role::kPair: out.pairs.push_back(v.uuid); break;
      case events::Role::kAddr: out.addrs.push_back(v.text); break;
      case events::Role::kName: out.names.push_back(v.text); break;
      case events::Role::kRoom:
        if (v.u != 0) out.rooms.push_back(v.u);
        break;
      case events::Role::kNone: break;
    }
  }
  if (const Projections::EventHandlers* h = Projections::instance().handlers_of(type->index))
    for (Projections::RelateFn fn : h->relate) fn(before, event, out);
  std::erase(out.clients, kNoClient);
  std::erase_if(out.pairs, [](const PairId& p) { return p.empty(); });
  return out;
}

ClientFacts client_facts(const World& world, ClientId id) {
  ClientFacts facts;
  for (Projections::FactsFn fn : Projections::instance().facts()) fn(world, id, facts);
  return facts;
}

}  // namespace chatd::projections
