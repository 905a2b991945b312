#include "replay/stranger/view.hpp"

#include "core/base/json_text.hpp"
#include "core/base/sorted_entries.hpp"
#include "projections/session/state.hpp"
#include "projections/stranger/state.hpp"
#include "replay/render.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {
namespace {

using projections::ClientState;
using projections::Connection;
using projections::Pair;
using projections::SessionState;
using projections::Stranger;
using projections::StrangerState;
using projections::World;

const Connection& connection_of(const World& w, ClientId id) {
  static const Connection kUnknown;
  const Connection* c = w.get<SessionState>().find(id);
  return c ? *c : kUnknown;
}

void totals(const World& w, std::vector<Total>& out) {
  const StrangerState& s = w.get<StrangerState>();
  out.push_back({"messages", s.messages});
  out.push_back({"reports", s.reports});
}

void text(const World& w, const ViewContext&, std::string& out) {
  const StrangerState& s = w.get<StrangerState>();
  out += "clients (" + std::to_string(s.clients.size()) + "):\n";
  for (const auto& [id, c] : s.clients) {
    const Connection& conn = connection_of(w, id);
    out += "  " + std::to_string(id) + " " + json_quoted(c.name) + " " + events::to_string(c.state) + " since " +
           format_utc_time(c.state_since) + " " + events::to_string(conn.dialect) + " " + conn.addr + " connected " +
           format_utc_time(conn.connected_at);
    if (c.state == ClientState::kPaired) out += " pair " + c.pair.to_string() + " partner " + std::to_string(c.partner);
    out += "\n";
  }
  out += "pairs (" + std::to_string(s.pairs.size()) + "):\n";
  for (const auto* entry : sorted_entries(s.pairs)) {
    const auto& [id, p] = *entry;
    out += "  " + id.to_string() + " waiter " + describe_client(p.waiter, w) + " seeker " + describe_client(p.seeker, w) +
           " since " + format_utc_time(p.started) + " messages " + std::to_string(p.messages) + "\n";
  }
  out += "searching (" + std::to_string(s.waiting.size()) + ", oldest first):\n";
  for (ClientId c : s.waiting) {
    const Stranger* client = s.find(c);
    out += "  " + describe_client(c, w) + (client ? " since " + format_utc_time(client->state_since) : "") + "\n";
  }
}

void json(const World& w, const ViewContext&, std::string& out) {
  const StrangerState& s = w.get<StrangerState>();
  out += ",\"clients\":[";
  bool first = true;
  for (const auto& [id, c] : s.clients) {
    const Connection& conn = connection_of(w, id);
    if (!first) out += ',';
    first = false;
    out += "{\"id\":";
    append_json_uint(out, id);
    out += ",\"name\":";
    append_json_string(out, c.name);
    out += ",\"state\":";
    append_json_string(out, events::to_string(c.state));
    out += ",\"since\":";
    append_json_int(out, c.state_since);
    out += ",\"dialect\":";
    append_json_string(out, events::to_string(conn.dialect));
    out += ",\"addr\":";
    append_json_string(out, conn.addr);
    out += ",\"connected_at\":";
    append_json_int(out, conn.connected_at);
    if (c.state == ClientState::kPaired) {
      out += ",\"pair\":\"";
      c.pair.append_to(out);
      out += "\",\"partner\":";
      append_json_uint(out, c.partner);
    }
    out += '}';
  }
  out += "],\"pairs\":[";
  first = true;
  for (const auto* entry : sorted_entries(s.pairs)) {
    const auto& [id, p] = *entry;
    if (!first) out += ',';
    first = false;
    out += "{\"pair\":\"";
    id.append_to(out);
    out += "\",\"waiter\":";
    append_json_uint(out, p.waiter);
    out += ",\"seeker\":";
    append_json_uint(out, p.seeker);
    out += ",\"started\":";
    append_json_int(out, p.started);
    out += ",\"messages\":";
    append_json_uint(out, p.messages);
    out += '}';
  }
  out += "],\"searching\":[";
  for (std::size_t i = 0; i < s.waiting.size(); ++i) {
    if (i) out += ',';
    append_json_uint(out, s.waiting[i]);
  }
  out += ']';
}

std::string client_summary(const World& w, ClientId id, const Stranger& c) {
  const Connection& conn = connection_of(w, id);
  std::string s = json_quoted(c.name) + " " + events::to_string(c.state) + " " + events::to_string(conn.dialect) + " " + conn.addr;
  if (c.state == ClientState::kPaired) s += " pair " + c.pair.to_string();
  return s;
}

std::string pair_summary(const Pair& p, const World& w) {
  return "waiter " + describe_client(p.waiter, w) + ", seeker " + describe_client(p.seeker, w) + ", " +
         std::to_string(p.messages) + " messages";
}

std::string queue(const std::vector<ClientId>& waiting) {
  std::string s;
  for (ClientId c : waiting) s += (s.empty() ? "" : " ") + std::to_string(c);
  return s.empty() ? "(none)" : s;
}

void diff(const World& a, const World& b, std::vector<Change>& out) {
  const StrangerState& sa = a.get<StrangerState>();
  const StrangerState& sb = b.get<StrangerState>();
  merge_walk(
      sa.clients, sb.clients,
      [&](ClientId id, const Stranger& c) {
        out.push_back({Change::Kind::kRemoved, "client " + std::to_string(id), "", client_summary(a, id, c), ""});
      },
      [&](ClientId id, const Stranger& c) {
        out.push_back({Change::Kind::kAdded, "client " + std::to_string(id), "", "", client_summary(b, id, c)});
      },
      [&](ClientId id, const Stranger& x, const Stranger& y) {
        const std::string subject = "client " + std::to_string(id);
        add_if_changed(out, subject, "name", json_quoted(x.name), json_quoted(y.name));
        if (x.state != y.state || x.state_since != y.state_since)
          out.push_back({Change::Kind::kChanged, subject, "state",
                         std::string(events::to_string(x.state)) + " since " + format_utc_time(x.state_since),
                         std::string(events::to_string(y.state)) + " since " + format_utc_time(y.state_since)});
        add_if_changed(out, subject, "pair", x.pair.empty() ? "-" : x.pair.to_string(), y.pair.empty() ? "-" : y.pair.to_string());
      });
  merge_walk(
      sa.pairs, sb.pairs,
      [&](const PairId& id, const Pair& p) { out.push_back({Change::Kind::kRemoved, "pair " + id.to_string(), "", pair_summary(p, a), ""}); },
      [&](const PairId& id, const Pair& p) { out.push_back({Change::Kind::kAdded, "pair " + id.to_string(), "", "", pair_summary(p, b)}); },
      [&](const PairId& id, const Pair& x, const Pair& y) {
        add_if_changed(out, "pair " + id.to_string(), "messages", std::to_string(x.messages), std::to_string(y.messages));
      });
  add_if_changed(out, "searching", "queue", queue(sa.waiting), queue(sb.waiting));
}

}  // namespace

DomainView stranger_view() { return DomainView{"stranger", &totals, &text, &json, &diff}; }

}  // namespace chatd::replay
