#include "events/catalog.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "events/accounts/events.hpp"
#include "events/dms/events.hpp"
#include "events/rooms/events.hpp"
#include "events/session/events.hpp"
#include "events/stranger/events.hpp"

namespace chatd::events {

EventCatalog& EventCatalog::instance() {
  static EventCatalog& catalog = *[] {
    auto* c = new EventCatalog();  // never destroyed: a log may be decoded during static destruction
    c->add_domain("session", SessionEvents{});
    c->add_domain("accounts", AccountsEvents{});
    c->add_domain("stranger", StrangerEvents{});
    c->add_domain("rooms", RoomsEvents{});
    c->add_domain("dms", DmsEvents{});
    for (const EventType* t : c->types_)
      if (std::find(c->production_.begin(), c->production_.end(), t->domain) == c->production_.end())
        c->production_.push_back(t->domain);
    return c;
  }();
  return catalog;
}

const std::vector<std::string_view>& production_domains() { return EventCatalog::instance().production(); }

void EventCatalog::add(std::string_view domain, EventType& type) {
  if (type.index >= 0) return;  // registered already
  if (find(type.name)) {
    std::fprintf(stderr, "chatd: two event types are named '%.*s'\n", static_cast<int>(type.name.size()),
                 type.name.data());
    std::abort();
  }
  type.index = static_cast<int>(types_.size());
  type.domain = domain;
  types_.push_back(&type);
  if (types_.size() * 4 > table_.size()) {
    table_.assign(table_.size() * 2, Entry{});
    for (const EventType* t : types_) index(*t);
  } else {
    index(type);
  }
}

void EventCatalog::index(const EventType& type) {
  const NameKey key = NameKey::of(type.name);
  std::size_t i = slot_of(key);
  while (table_[i].type) i = (i + 1) & (table_.size() - 1);
  table_[i] = Entry{key, &type};
}

namespace {

const char* role_text(Role role) {
  switch (role) {
    case Role::kNone: return "";
    case Role::kClient: return " [client]";
    case Role::kPair: return " [pair]";
    case Role::kAddr: return " [addr]";
    case Role::kName: return " [name]";
    case Role::kRoom: return " [room]";
  }
  return " [?]";
}

}  // namespace

std::string EventCatalog::describe(const std::vector<std::string_view>& domains) const {
  std::string out = "# the log's event types, schema version " + std::to_string(kSchemaVersion) +
                    ": type: field json-type [role], ... (events/<domain>/events.hpp)\n";
  std::string_view domain;
  for (const EventType* t : types_) {
    if (!domains.empty() && std::find(domains.begin(), domains.end(), t->domain) == domains.end()) continue;
    if (t->domain != domain) {
      domain = t->domain;
      out += "# domain " + std::string(domain) + "\n";
    }
    out += std::string(t->name) + ":";
    for (std::size_t i = 0; i < t->fields.size(); ++i) {
      const FieldInfo& f = t->fields[i];
      out += (i ? ", " : " ") + std::string(f.name) + " " + f.type_text() + role_text(f.options.role);
    }
    out += "\n";
  }
  return out;
}

}  // namespace chatd::events
