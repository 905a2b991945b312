// EventCatalog: every event type this process knows, by its log name. The production domains are
// registered on first use (events/catalog.cpp, one line per domain); a test may add a domain of its
// own before it uses the catalog. Decoding, chatreplay's --type and the schema golden file read it.
// Thread-safety: add_domain() only while nothing else uses the catalog (at start-up, or at the start
// of a test); after that, every member is safe to call from any thread.
#pragma once

#include <string>
#include <string_view>
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

  // The type named `name`, or null. (An open-addressing table on the name's NameKey: the decoder
  // looks up every event's type.)
  const EventType* find(std::string_view name) const { return find(NameKey::of(name), name); }
  const EventType* find(const NameKey& key, std::string_view name) const {
    for (std::size_t i = slot_of(key);; i = (i + 1) & (table_.size() - 1)) {
      const Entry& e = table_[i];
      if (!e.type) return nullptr;
      if (same_name(e.key, e.type->name, key, name)) return e.type;
    }
  }
  // Every type, in registration order (EventType::index is the position here).
  const std::vector<const EventType*>& types() const { return types_; }
  // The domains the catalog was built with (not those a test added), in order.
  const std::vector<std::string_view>& production() const { return production_; }

  // The schema: one line per type, "name: field json-type [role], ...", in registration order and
  // grouped by domain; tests compare it with a golden file so that any change of the stored
  // format shows in review. `domains` limits it to those domains (all if empty).
  std::string describe(const std::vector<std::string_view>& domains = {}) const;

 private:
  struct Entry {
    NameKey key;
    const EventType* type = nullptr;
  };
  EventCatalog() : table_(16) {}
  std::size_t slot_of(const NameKey& k) const {
    return static_cast<std::size_t>((k.head * 0x9e3779b97f4a7c15ULL ^ k.tail * 0xc2b2ae3d27d4eb4fULL ^ k.size) >> 32) &
           (table_.size() - 1);
  }
  void index(const EventType& type);  // into table_

  std::vector<const EventType*> types_;
  std::vector<Entry> table_;  // a power of two in size, at most a quarter full
  std::vector<std::string_view> production_;
};

// The production domains, in the order their types are registered (EventCatalog::production()).
const std::vector<std::string_view>& production_domains();

}  // namespace chatd::events
