#include "replay/render.hpp"

#include <cinttypes>
#include <cstdio>
#include <variant>

#include "core/json_text.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {
namespace {

using namespace chatd::events;
using projections::World;

template <std::size_t... I>
std::vector<std::string> type_names(std::index_sequence<I...>) {
  return {type_name(Payload(std::in_place_index<I>))...};
}

std::string hex64(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

// The readable fields of each event type.
struct Describer {
  const World& before;
  std::string& out;

  void client(const char* label, ClientId id) {
    out += ' ';
    out += label;
    out += '=';
    out += describe_client(id, before);
  }
  void pair(const PairId& p) {
    out += " pair=";
    p.append_to(out);
  }
  void operator()(const ServerStarted& e) {
    out += " ended_clients=" + std::to_string(e.ended_clients);
  }
  void operator()(const ClientConnected& e) {
    out += " client=" + std::to_string(e.client) + " name=" + json_quoted(e.name) + " dialect=" + to_string(e.dialect) +
           " addr=" + e.addr;
  }
  void operator()(const NameChanged& e) {
    client("client", e.client);
    out += " new_name=" + json_quoted(e.name);
  }
  void operator()(const SearchStarted& e) { client("client", e.client); }
  void operator()(const SearchCancelled& e) { client("client", e.client); }
  void operator()(const Paired& e) {
    pair(e.pair);
    client("seeker", e.seeker);
    client("waiter", e.waiter);
  }
  void operator()(const MessageSent& e) {
    pair(e.pair);
    client("from", e.from);
    out += " text=" + json_quoted(e.text);
  }
  void operator()(const PairLeft& e) {
    pair(e.pair);
    client("by", e.by);
  }
  void operator()(const Reported& e) {
    client("reporter", e.reporter);
    client("reported", e.reported);
    pair(e.pair);
    if (!e.reason.empty()) out += " reason=" + json_quoted(e.reason);
  }
  void operator()(const ClientDisconnected& e) {
    client("client", e.client);
    out += " reason=";
    out += to_string(e.reason);
  }
  void operator()(const CaptchaFailed& e) { out += " addr=" + e.addr + " reason=" + json_quoted(e.reason); }
  void operator()(const ConnectionRejected& e) { out += " addr=" + e.addr + " reason=" + json_quoted(e.reason); }
};

void json_key(std::string& out, const char* key) {
  out += '"';
  out += key;
  out += "\":";
}

}  // namespace

const std::vector<std::string>& all_event_types() {
  static const std::vector<std::string> names = type_names(std::make_index_sequence<std::variant_size_v<Payload>>{});
  return names;
}

std::vector<ClientId> clients_of(const Event& event, const World& before) {
  auto partner = [&](ClientId c) {
    const projections::Client* client = before.find(c);
    return client && client->state == ClientState::kPaired ? client->partner : kNoClient;
  };
  std::vector<ClientId> out;
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ClientConnected> || std::is_same_v<T, NameChanged> ||
                      std::is_same_v<T, SearchStarted> || std::is_same_v<T, SearchCancelled>) {
          out.push_back(e.client);
        } else if constexpr (std::is_same_v<T, Paired>) {
          out = {e.seeker, e.waiter};
        } else if constexpr (std::is_same_v<T, MessageSent>) {
          out = {e.from, partner(e.from)};
        } else if constexpr (std::is_same_v<T, PairLeft>) {
          out = {e.by, partner(e.by)};
        } else if constexpr (std::is_same_v<T, Reported>) {
          out = {e.reporter, e.reported};
        } else if constexpr (std::is_same_v<T, ClientDisconnected>) {
          out = {e.client, partner(e.client)};
        }
      },
      event.payload);
  std::erase(out, kNoClient);
  return out;
}

PairId pair_of(const Event& event, const World& before) {
  return std::visit(
      [&](const auto& e) -> PairId {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, Paired> || std::is_same_v<T, MessageSent> || std::is_same_v<T, PairLeft> ||
                      std::is_same_v<T, Reported>) {
          return e.pair;
        } else if constexpr (std::is_same_v<T, ClientDisconnected>) {
          const projections::Client* c = before.find(e.client);
          return c && c->state == ClientState::kPaired ? c->pair : PairId{};
        } else {
          return PairId{};
        }
      },
      event.payload);
}

std::string json_quoted(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string describe_client(ClientId id, const World& world) {
  std::string out = std::to_string(id);
  if (const projections::Client* c = world.find(id)) out += " " + json_quoted(c->name);
  return out;
}

std::string describe_event(const Event& event, const World& before) {
  std::string out = "#" + std::to_string(event.seq) + " " + format_utc_time(event.time) + " " + type_name(event.payload);
  std::visit(Describer{before, out}, event.payload);
  return out;
}

void write_world_text(const World& w, std::string& out) {
  out += "seq " + std::to_string(w.last_seq) + " at " + (w.last_seq ? format_utc_time(w.last_time) : "-") +
         "  hash " + hex64(w.hash()) + "\n";
  out += "totals: messages " + std::to_string(w.messages) + ", reports " + std::to_string(w.reports) +
         ", captcha failures " + std::to_string(w.captcha_failures) + ", connections rejected " +
         std::to_string(w.connections_rejected) + ", restarts " + std::to_string(w.restarts) + "\n";
  out += "clients (" + std::to_string(w.clients.size()) + "):\n";
  for (const auto& [id, c] : w.clients) {
    out += "  " + std::to_string(id) + " " + json_quoted(c.name) + " " + to_string(c.state) + " since " +
           format_utc_time(c.state_since) + " " + to_string(c.dialect) + " " + c.addr + " connected " +
           format_utc_time(c.connected_at);
    if (c.state == ClientState::kPaired) out += " pair " + c.pair.to_string() + " partner " + std::to_string(c.partner);
    out += "\n";
  }
  out += "pairs (" + std::to_string(w.pairs.size()) + "):\n";
  for (const auto& [id, p] : w.pairs)
    out += "  " + id.to_string() + " waiter " + describe_client(p.waiter, w) + " seeker " + describe_client(p.seeker, w) +
           " since " + format_utc_time(p.started) + " messages " + std::to_string(p.messages) + "\n";
  out += "searching (" + std::to_string(w.waiting.size()) + ", oldest first):\n";
  for (ClientId c : w.waiting) {
    const projections::Client* client = w.find(c);
    out += "  " + describe_client(c, w) + (client ? " since " + format_utc_time(client->state_since) : "") + "\n";
  }
}

void write_world_json(const World& w, std::string& out) {
  out += "{\"seq\":";
  append_json_uint(out, w.last_seq);
  out += ",\"time\":";
  append_json_string(out, w.last_seq ? format_utc_time(w.last_time) : "");
  out += ",\"t\":";
  append_json_int(out, w.last_time);
  out += ",\"hash\":";
  append_json_string(out, hex64(w.hash()));
  out += ",\"totals\":{";
  const std::pair<const char*, std::uint64_t> totals[] = {
      {"messages", w.messages}, {"reports", w.reports}, {"captcha_failures", w.captcha_failures},
      {"connections_rejected", w.connections_rejected}, {"restarts", w.restarts}, {"next_client", w.next_client}};
  for (std::size_t i = 0; i < std::size(totals); ++i) {
    if (i) out += ',';
    json_key(out, totals[i].first);
    append_json_uint(out, totals[i].second);
  }
  out += "},\"clients\":[";
  bool first = true;
  for (const auto& [id, c] : w.clients) {
    if (!first) out += ',';
    first = false;
    out += "{\"id\":";
    append_json_uint(out, id);
    out += ",\"name\":";
    append_json_string(out, c.name);
    out += ",\"state\":";
    append_json_string(out, to_string(c.state));
    out += ",\"since\":";
    append_json_int(out, c.state_since);
    out += ",\"dialect\":";
    append_json_string(out, to_string(c.dialect));
    out += ",\"addr\":";
    append_json_string(out, c.addr);
    out += ",\"connected_at\":";
    append_json_int(out, c.connected_at);
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
  for (const auto& [id, p] : w.pairs) {
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
  for (std::size_t i = 0; i < w.waiting.size(); ++i) {
    if (i) out += ',';
    append_json_uint(out, w.waiting[i]);
  }
  out += "]}\n";
}

}  // namespace chatd::replay
