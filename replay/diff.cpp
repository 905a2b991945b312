#include "replay/diff.hpp"

#include "core/base/json_text.hpp"
#include "replay/time_text.hpp"
#include "replay/views.hpp"

namespace chatd::replay {

std::vector<Change> diff_worlds(const projections::World& a, const projections::World& b) {
  std::vector<Change> out;
  std::vector<Total> ta, tb;
  for (const DomainView& v : views()) {
    if (v.diff) v.diff(a, b, out);
    if (v.totals) {
      v.totals(a, ta);
      v.totals(b, tb);
    }
  }
  for (std::size_t i = 0; i < ta.size() && i < tb.size(); ++i)
    add_if_changed(out, "totals", ta[i].name, std::to_string(ta[i].value), std::to_string(tb[i].value));
  return out;
}

void write_diff_text(const projections::World& a, const projections::World& b, const std::vector<Change>& changes, std::string& out) {
  out += "from seq " + std::to_string(a.last_seq) + (a.last_seq ? " (" + format_utc_time(a.last_time) + ")" : "") +
         " to seq " + std::to_string(b.last_seq) + (b.last_seq ? " (" + format_utc_time(b.last_time) + ")" : "") +
         ": " + std::to_string(b.last_seq - a.last_seq) + " events, " + std::to_string(changes.size()) + " changes\n";
  for (const Change& c : changes) {
    switch (c.kind) {
      case Change::Kind::kAdded: out += "+ " + c.subject + ": " + c.after + "\n"; break;
      case Change::Kind::kRemoved: out += "- " + c.subject + ": " + c.before + "\n"; break;
      case Change::Kind::kChanged: out += "~ " + c.subject + " " + c.field + ": " + c.before + " -> " + c.after + "\n"; break;
    }
  }
}

void write_diff_json(const projections::World& a, const projections::World& b, const std::vector<Change>& changes, std::string& out) {
  out += "{\"from_seq\":";
  append_json_uint(out, a.last_seq);
  out += ",\"to_seq\":";
  append_json_uint(out, b.last_seq);
  out += ",\"changes\":[";
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const Change& c = changes[i];
    if (i) out += ',';
    out += "{\"kind\":";
    append_json_string(out, c.kind == Change::Kind::kAdded ? "added" : c.kind == Change::Kind::kRemoved ? "removed" : "changed");
    out += ",\"subject\":";
    append_json_string(out, c.subject);
    if (!c.field.empty()) {
      out += ",\"field\":";
      append_json_string(out, c.field);
    }
    if (c.kind != Change::Kind::kAdded) {
      out += ",\"before\":";
      append_json_string(out, c.before);
    }
    if (c.kind != Change::Kind::kRemoved) {
      out += ",\"after\":";
      append_json_string(out, c.after);
    }
    out += '}';
  }
  out += "]}\n";
}

}  // namespace chatd::replay
