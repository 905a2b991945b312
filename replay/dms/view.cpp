#include "replay/dms/view.hpp"

#include "core/base/json_text.hpp"
#include "projections/dms/state.hpp"
#include "replay/render.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {
namespace {

using projections::Dm;
using projections::DmsState;
using projections::World;

void totals(const World& w, std::vector<Total>& out) {
  const DmsState& s = w.get<DmsState>();
  out.push_back({"dms_open", s.dms.size()});
  out.push_back({"dm_messages", s.messages});
}

void text(const World& w, const ViewContext&, std::string& out) {
  const DmsState& s = w.get<DmsState>();
  out += "dms (" + std::to_string(s.dms.size()) + " open):\n";
  for (const auto& [id, dm] : s.dms)
    out += "  " + std::to_string(id) + " " + describe_client(dm.opener, w) + " with " + describe_client(dm.peer, w) + " opened " +
           format_utc_time(dm.opened) + " last message " + std::to_string(dm.last_number) + "\n";
}

void json(const World& w, const ViewContext&, std::string& out) {
  out += ",\"dms\":[";
  bool first = true;
  for (const auto& [id, dm] : w.get<DmsState>().dms) {
    out += first ? "{\"id\":" : ",{\"id\":";
    first = false;
    append_json_uint(out, id);
    out += ",\"opener\":";
    append_json_uint(out, dm.opener);
    out += ",\"peer\":";
    append_json_uint(out, dm.peer);
    out += ",\"opened\":";
    append_json_int(out, dm.opened);
    out += ",\"last_number\":";
    append_json_uint(out, dm.last_number);
    out += '}';
  }
  out += ']';
}

std::string summary(const Dm& dm) {
  return "client " + std::to_string(dm.opener) + " with client " + std::to_string(dm.peer) + ", last message " +
         std::to_string(dm.last_number);
}

void diff(const World& a, const World& b, std::vector<Change>& out) {
  merge_walk(
      a.get<DmsState>().dms, b.get<DmsState>().dms,
      [&](events::DmId id, const Dm& dm) { out.push_back({Change::Kind::kRemoved, "dm " + std::to_string(id), "", summary(dm), ""}); },
      [&](events::DmId id, const Dm& dm) { out.push_back({Change::Kind::kAdded, "dm " + std::to_string(id), "", "", summary(dm)}); },
      [&](events::DmId id, const Dm& x, const Dm& y) {
        add_if_changed(out, "dm " + std::to_string(id), "last message", std::to_string(x.last_number), std::to_string(y.last_number));
      });
}

}  // namespace

DomainView dms_view() { return DomainView{"dms", &totals, &text, &json, &diff}; }

}  // namespace chatd::replay
