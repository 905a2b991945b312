#include "replay/render.hpp"

#include <cassert>
#include <cinttypes>
#include <cstdio>

#include "core/base/json_text.hpp"
#include "core/base/text_rules.hpp"
#include "events/catalog.hpp"
#include "projections/domain.hpp"
#include "replay/time_text.hpp"
#include "replay/views.hpp"

namespace chatd::replay {
namespace {

using events::FieldKind;
using events::Role;
using projections::World;

void json_key(std::string& out, const char* key) {
  out += '"';
  out += key;
  out += "\":";
}

std::vector<Total> all_totals(const World& w) {
  std::vector<Total> totals;
  for (const DomainView& v : views())
    if (v.totals) v.totals(w, totals);
  return totals;
}

}  // namespace

std::vector<std::string> all_event_types() {
  std::vector<std::string> names;
  for (const events::EventType* t : events::EventCatalog::instance().types()) names.emplace_back(t->name);
  return names;
}

std::string hex64(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

std::string json_quoted(std::string_view text) {
  std::string json;
  append_json_string(json, text);  // C0 controls escaped already
  std::string out;
  out.reserve(json.size());
  append_with_controls_escaped(out, json, &append_u_escape);
  return out;
}

std::string describe_client(ClientId id, const World& world) {
  std::string out = std::to_string(id);
  if (const projections::ClientFacts facts = projections::client_facts(world, id); facts.known)
    out += " " + json_quoted(facts.name);
  return out;
}

std::string describe_event(const events::Event& event, const World& before) {
  std::string out = "#" + std::to_string(event.seq) + " " + format_utc_time(event.time) + " ";
  out += events::type_name(event.payload);
  if (event.payload.empty()) return out;
  for (const events::FieldInfo& f : event.payload.type()->fields) {
    const events::FieldValue v = f.read(event.payload.data());
    if (f.options.omit_when_empty && v.kind == FieldKind::kString && v.text.empty()) continue;
    out += ' ';
    out += f.label();
    out += '=';
    switch (v.kind) {
      case FieldKind::kUint: out += f.options.role == Role::kClient ? describe_client(v.u, before) : std::to_string(v.u); break;
      case FieldKind::kInt: out += std::to_string(v.i); break;
      case FieldKind::kUuid: v.uuid.append_to(out); break;
      case FieldKind::kEnum: out += v.text; break;
      case FieldKind::kString:
        if (f.options.secret)
          out += v.text.empty() ? "(none)" : "(set)";
        else if (f.options.role == Role::kAddr)
          out += v.text;  // addresses are shown as they are
        else
          out += json_quoted(v.text);
        break;
    }
  }
  return out;
}

void write_world_text(const World& w, const ViewContext& context, std::string& out) {
  out += "seq " + std::to_string(w.last_seq) + " at " + (w.last_seq ? format_utc_time(w.last_time) : "-") + "  hash " +
         hex64(w.hash()) + "\n";
  out += "totals:";
  bool first = true;
  for (const Total& t : all_totals(w)) {
    if (!t.in_text) continue;
    std::string name = t.name;
    for (char& c : name)
      if (c == '_') c = ' ';
    out += (first ? " " : ", ") + name + " " + std::to_string(t.value);
    first = false;
  }
  out += "\n";
  for (const DomainView& v : views())
    if (v.text) v.text(w, context, out);
}

void write_world_json(const World& w, const ViewContext& context, std::string& out) {
  out += "{\"seq\":";
  append_json_uint(out, w.last_seq);
  out += ",\"time\":";
  append_json_string(out, w.last_seq ? format_utc_time(w.last_time) : "");
  out += ",\"t\":";
  append_json_int(out, w.last_time);
  out += ",\"hash\":";
  append_json_string(out, hex64(w.hash()));
  out += ",\"totals\":{";
  bool first = true;
  for (const Total& t : all_totals(w)) {
    if (!first) out += ',';
    first = false;
    json_key(out, t.name);
    append_json_uint(out, t.value);
  }
  out += '}';
  for (const DomainView& v : views())
    if (v.json) v.json(w, context, out);
  out += "}\n";
}

}  // namespace chatd::replay

namespace chatd::replay {

ViewContext ViewContext::of(const events::EventLog& log) {
  ViewContext context;
  // A key store that cannot be read shows everything sealed as erased: never a clear value.
  (void)log.read_keys([&](std::string_view subject, const SealKey&) { context.key_subjects.emplace(subject); });
  return context;
}

}  // namespace chatd::replay
