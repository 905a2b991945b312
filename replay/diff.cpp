#include "replay/diff.hpp"

#include "core/json_text.hpp"
#include "replay/render.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {
namespace {

using events::ClientState;
using projections::Client;
using projections::Pair;
using projections::World;

std::string client_summary(const Client& c) {
  std::string s = json_quoted(c.name) + " " + to_string(c.state) + " " + to_string(c.dialect) + " " + c.addr;
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

// Walks two ordered maps in step, reporting keys only in `a`, only in `b`, and in both.
template <typename Map, typename OnlyA, typename OnlyB, typename Both>
void merge_walk(const Map& a, const Map& b, OnlyA only_a, OnlyB only_b, Both both) {
  auto ia = a.begin(), ib = b.begin();
  while (ia != a.end() || ib != b.end()) {
    if (ib == b.end() || (ia != a.end() && ia->first < ib->first)) {
      only_a(ia->second);
      ++ia;
    } else if (ia == a.end() || ib->first < ia->first) {
      only_b(ib->second);
      ++ib;
    } else {
      both(ia->second, ib->second);
      ++ia;
      ++ib;
    }
  }
}

}  // namespace

std::vector<Change> diff_worlds(const World& a, const World& b) {
  std::vector<Change> out;
  auto changed = [&](std::string subject, const char* field, std::string before, std::string after) {
    if (before != after) out.push_back({Change::Kind::kChanged, std::move(subject), field, std::move(before), std::move(after)});
  };
  merge_walk(
      a.clients, b.clients,
      [&](const Client& c) { out.push_back({Change::Kind::kRemoved, "client " + std::to_string(c.id), "", client_summary(c), ""}); },
      [&](const Client& c) { out.push_back({Change::Kind::kAdded, "client " + std::to_string(c.id), "", "", client_summary(c)}); },
      [&](const Client& x, const Client& y) {
        const std::string subject = "client " + std::to_string(x.id);
        changed(subject, "name", json_quoted(x.name), json_quoted(y.name));
        if (x.state != y.state || x.state_since != y.state_since)
          out.push_back({Change::Kind::kChanged, subject, "state",
                         std::string(to_string(x.state)) + " since " + format_utc_time(x.state_since),
                         std::string(to_string(y.state)) + " since " + format_utc_time(y.state_since)});
        changed(subject, "pair", x.pair.empty() ? "-" : x.pair.to_string(), y.pair.empty() ? "-" : y.pair.to_string());
      });
  merge_walk(
      a.pairs, b.pairs,
      [&](const Pair& p) { out.push_back({Change::Kind::kRemoved, "pair " + p.id.to_string(), "", pair_summary(p, a), ""}); },
      [&](const Pair& p) { out.push_back({Change::Kind::kAdded, "pair " + p.id.to_string(), "", "", pair_summary(p, b)}); },
      [&](const Pair& x, const Pair& y) {
        changed("pair " + x.id.to_string(), "messages", std::to_string(x.messages), std::to_string(y.messages));
      });
  changed("searching", "queue", queue(a.waiting), queue(b.waiting));
  const std::tuple<const char*, std::uint64_t, std::uint64_t> totals[] = {
      {"messages", a.messages, b.messages},
      {"reports", a.reports, b.reports},
      {"captcha_failures", a.captcha_failures, b.captcha_failures},
      {"connections_rejected", a.connections_rejected, b.connections_rejected},
      {"restarts", a.restarts, b.restarts},
      {"next_client", a.next_client, b.next_client}};
  for (const auto& [field, x, y] : totals) changed("totals", field, std::to_string(x), std::to_string(y));
  return out;
}

void write_diff_text(const World& a, const World& b, const std::vector<Change>& changes, std::string& out) {
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

void write_diff_json(const World& a, const World& b, const std::vector<Change>& changes, std::string& out) {
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
