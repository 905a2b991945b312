// EventCatalog: every event type this process knows, by its log name. The production domains are
// registered on first use (events/catalog.cpp, one line per domain); a test may add a domain of its
// own before it uses the catalog. Decoding, chatreplay's --type and the schema golden file read it.
// Thread-safety: add_domain() only while nothing else uses the catalog (at start-up, or at the start
// of a test); after that, every member is safe to call from any thread.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "events/event.hpp"

namespace chatd::events {

class EventCatalog {
 public:
  static EventCatalog& instance();

  // Registers the types of `domain`, in order. Registering a type again is harmless; a new type
  // whose name another type already has is a programming error and aborts.
  template <class... E>
  void add_domain(std::string_view domain, EventList<E...>) {
    (add(domain, EventType::of<E>()), ...);
  }
  void add(std::string_view domain, EventType& type);

  // The type named `name`, or null.
  const EventType* find(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
  }
  // Every type, in registration order (EventType::index is the position here).
  const std::vector<const EventType*>& types() const { return types_; }

  // The schema: one line per type, "name: field json-type [role], ...", in registration order and
  // grouped by domain; tests compare it with a golden file so that any change of the stored
  // format shows in review. `domains` limits it to those domains (all if empty).
  std::string describe(const std::vector<std::string_view>& domains = {}) const;

 private:
  EventCatalog() = default;
  std::vector<const EventType*> types_;
  std::unordered_map<std::string_view, const EventType*> by_name_;
};

// The production domains, in the order their types are registered.
const std::vector<std::string_view>& production_domains();

}  // namespace chatd::events
