#include "replay/audit.hpp"

#include <algorithm>
#include <variant>

#include "core/json_text.hpp"
#include "events/codec.hpp"
#include "replay/render.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {
namespace {

using namespace chatd::events;
using projections::World;

Status check_range(const EventLog& log, Seq from, Seq& to) {
  const Seq last = log.last_seq();
  if (last == 0) return Status::OutOfRange("the log is empty");
  if (from > last)
    return Status::OutOfRange("seq " + std::to_string(from) + " is after the end of the log (last seq " +
                              std::to_string(last) + ")");
  to = std::min(to, last);
  return Status::Ok();
}

// Decodes the events in [from, to] whose stored bytes contain `needle` and shows each to
// `visit` until it returns false. The other events are never decoded.
template <typename Visit>
Status for_each_candidate(const EventLog& log, Seq from, Seq to, std::string_view needle, Event& event, Visit visit) {
  EventDecoder decoder;
  Status bad;
  Status scanned = log.scan_encoded(from, [&](Seq seq, std::string_view bytes) {
    if (seq > to) return false;
    if (bytes.find(needle) == std::string_view::npos) return true;
    bad = decoder.decode_stored(seq, bytes, event);
    return bad.ok() && visit(event);
  });
  return bad.ok() ? scanned : bad;
}

// The first candidate (see for_each_candidate) that `accept`s; `found` stays 0 if none does.
template <typename Accept>
Status find_first(const EventLog& log, Seq from, Seq to, std::string_view needle, Accept accept, Seq& found,
                  Event& event) {
  found = 0;
  return for_each_candidate(log, from, to, needle, event, [&](const Event& e) {
    if (!accept(e)) return true;
    found = e.seq;
    return false;
  });
}

Party party_of(const World& world, ClientId id) {
  Party p;
  p.id = id;
  if (const projections::Client* c = world.find(id)) {
    p.name = c->name;
    p.addr = c->addr;
  }
  return p;
}

std::string at(Seq seq, TimeMs time) { return "#" + std::to_string(seq) + " " + format_utc_time(time) + " "; }

// The names the pair's sides had at the end of the transcript.
std::pair<std::string, std::string> names_at_end(const Transcript& t) {
  std::string n1 = t.user1.name, n2 = t.user2.name;
  for (const TranscriptLine& line : t.lines)
    if (line.kind == TranscriptLine::Kind::kNameChange) (line.client == t.user1.id ? n1 : n2) = line.text;
  return {n1, n2};
}

}  // namespace

Status build_transcript(History& history, const EventLog& log, const PairId& pair, Seq from, Seq to, Transcript& out) {
  Status st = check_range(log, from, to);
  if (!st.ok()) return st;
  const std::string id = pair.to_string();
  Event event;
  Seq start = 0;
  bool started_earlier = false;
  st = find_first(log, from, to, id,
                  [&](const Event& e) {
                    if (const auto* p = std::get_if<Paired>(&e.payload); p && p->pair == pair) return true;
                    // Any other event of this pair first: it started before `from`.
                    started_earlier = started_earlier || pair_of(e, World{}) == pair;
                    return started_earlier;
                  },
                  start, event);
  if (!st.ok()) return st;
  if (start == 0) return Status::NotFound("no pair " + id + " starts between seq " + std::to_string(from) + " and " + std::to_string(to));
  if (started_earlier)
    return Status::NotFound("pair " + id + " started before seq " + std::to_string(from) + " (seq " +
                            std::to_string(start) + " already belongs to it)");

  World world;
  st = history.world_at(start - 1, world);
  if (!st.ok()) return st;
  const auto& paired = std::get<Paired>(event.payload);
  Transcript t;
  t.pair = pair;
  t.start_seq = start;
  t.start_time = event.time;
  t.user1 = party_of(world, paired.waiter);
  t.user2 = party_of(world, paired.seeker);
  std::string name1 = t.user1.name, name2 = t.user2.name;
  auto name_of = [&](ClientId c) -> std::string& { return c == t.user1.id ? name1 : name2; };
  auto side = [&](ClientId c) { return c == t.user1.id || c == t.user2.id; };

  History::Observer observe = [&](const Event& e, std::string_view) {
    if (e.seq == start) return true;
    const auto end = [&](std::string how) {
      t.end_seq = e.seq;
      t.end_time = e.time;
      t.end = std::move(how);
      return false;
    };
    if (const auto* m = std::get_if<MessageSent>(&e.payload); m && m->pair == pair) {
      t.lines.push_back({TranscriptLine::Kind::kMessage, e.seq, e.time, m->from, name_of(m->from), m->text});
    } else if (const auto* n = std::get_if<NameChanged>(&e.payload); n && side(n->client)) {
      t.lines.push_back({TranscriptLine::Kind::kNameChange, e.seq, e.time, n->client, name_of(n->client), n->name});
      name_of(n->client) = n->name;
    } else if (const auto* l = std::get_if<PairLeft>(&e.payload); l && l->pair == pair) {
      return end("left by " + std::to_string(l->by) + " " + json_quoted(name_of(l->by)));
    } else if (const auto* d = std::get_if<ClientDisconnected>(&e.payload); d && side(d->client)) {
      return end(std::to_string(d->client) + " " + json_quoted(name_of(d->client)) + " disconnected (" + to_string(d->reason) + ")");
    } else if (std::holds_alternative<ServerStarted>(e.payload)) {
      return end("the server restarted");
    }
    return true;
  };
  st = history.replay(world, to, &observe);
  if (!st.ok()) return st;
  out = std::move(t);
  return Status::Ok();
}

std::string lowf_chat_log(const Transcript& t, std::string_view site) {
  std::string out;
  out.append(site);
  out += " conversation\n\nThis is a conversation between " + t.user1.name + " and " + t.user2.name + ".\n\n";
  for (const TranscriptLine& line : t.lines) {
    if (line.kind == TranscriptLine::Kind::kMessage)
      out += line.name + ": " + line.text + "\n";
    else
      out += line.name + " has changed names. Their name is now " + line.text + ".\n";
  }
  return out;
}

std::string transcript_text(const Transcript& t) {
  std::string out = "pair " + t.pair.to_string() + "\n";
  out += at(t.start_seq, t.start_time) + "paired: " + std::to_string(t.user1.id) + " " + json_quoted(t.user1.name) +
         " (waiting, " + t.user1.addr + ") with " + std::to_string(t.user2.id) + " " + json_quoted(t.user2.name) +
         " (searching, " + t.user2.addr + ")\n";
  if (t.omitted_lines) out += "(" + std::to_string(t.omitted_lines) + " earlier lines omitted)\n";
  for (const TranscriptLine& line : t.lines) {
    out += at(line.seq, line.time);
    if (line.kind == TranscriptLine::Kind::kMessage)
      out += std::to_string(line.client) + " " + json_quoted(line.name) + ": " + json_quoted(line.text) + "\n";
    else
      out += std::to_string(line.client) + " renamed " + json_quoted(line.name) + " -> " + json_quoted(line.text) + "\n";
  }
  if (t.end_seq)
    out += at(t.end_seq, t.end_time) + "ended: " + t.end + "\n";
  else
    out += "(still paired at the end of the range)\n";
  return out;
}

Status find_reports(const EventLog& log, Seq from, Seq to, std::vector<Seq>& out) {
  Status st = check_range(log, from, to);
  if (!st.ok()) return st;
  out.clear();
  Event event;
  for (Seq next = from; next <= to;) {
    Seq found = 0;
    st = find_first(log, next, to, "\"type\":\"reported\"",
                    [](const Event& e) { return std::holds_alternative<Reported>(e.payload); }, found, event);
    if (!st.ok()) return st;
    if (found == 0) break;
    out.push_back(found);
    next = found + 1;
  }
  return Status::Ok();
}

Status build_report(History& history, const EventLog& log, Seq seq, std::size_t last_lines, ReportContext& out) {
  Event event;
  Status st = log.read(seq, event);
  if (st.code() == Status::Code::kNotFound)
    return Status::OutOfRange("no event with seq " + std::to_string(seq) + " (last seq " + std::to_string(log.last_seq()) + ")");
  if (!st.ok()) return st;
  const auto* report = std::get_if<Reported>(&event.payload);
  if (!report)
    return Status::NotFound("no report at seq " + std::to_string(seq) + " (it is " + type_name(event.payload) + ")");
  World before;
  st = history.world_at(seq - 1, before);
  if (!st.ok()) return st;
  ReportContext r;
  r.seq = seq;
  r.time = event.time;
  r.reason = report->reason;
  st = build_transcript(history, log, report->pair, 1, seq - 1, r.transcript);
  if (!st.ok()) return st;
  auto [name1, name2] = names_at_end(r.transcript);
  const Transcript& t = r.transcript;
  auto as_at_report = [&](ClientId id) {
    Party p = party_of(before, id);
    if (!before.find(id)) {  // gone by then: the last name and address it had in the pair
      p.name = id == t.user1.id ? name1 : name2;
      p.addr = id == t.user1.id ? t.user1.addr : t.user2.addr;
    }
    return p;
  };
  r.reporter = as_at_report(report->reporter);
  r.reported = as_at_report(report->reported);
  if (r.transcript.lines.size() > last_lines) {
    r.transcript.omitted_lines = r.transcript.lines.size() - last_lines;
    r.transcript.lines.erase(r.transcript.lines.begin(),
                             r.transcript.lines.begin() + static_cast<std::ptrdiff_t>(r.transcript.omitted_lines));
  }
  out = std::move(r);
  return Status::Ok();
}

std::string lowf_report_json(const ReportContext& r) {
  const Transcript& t = r.transcript;
  auto [name1, name2] = names_at_end(t);
  // lowf reads the pair's users' names when the report is written: their names at the report.
  for (const Party* p : {&r.reporter, &r.reported}) {
    if (p->id == t.user1.id) name1 = p->name;
    if (p->id == t.user2.id) name2 = p->name;
  }
  std::string out = "{\"reporter_id\":";
  append_json_string(out, std::to_string(r.reporter.id));
  out += ",\"reporter_ip\":";
  append_json_string(out, r.reporter.addr);
  out += ",\"reporter_name\":";
  append_json_string(out, r.reporter.name);
  out += ",\"rpairid\":";
  append_json_string(out, t.pair.to_string());
  out += ",\"info\":{\"user1id\":";
  append_json_string(out, std::to_string(t.user1.id));
  out += ",\"user1ip\":";
  append_json_string(out, t.user1.addr);
  out += ",\"user1name\":";
  append_json_string(out, name1);
  out += ",\"user2id\":";
  append_json_string(out, std::to_string(t.user2.id));
  out += ",\"user2ip\":";
  append_json_string(out, t.user2.addr);
  out += ",\"user2name\":";
  append_json_string(out, name2);
  out += "}}";
  return out;
}

std::string report_text(const ReportContext& r) {
  std::string out = "report #" + std::to_string(r.seq) + " at " + format_utc_time(r.time) + "\n";
  out += "  reporter: " + std::to_string(r.reporter.id) + " " + json_quoted(r.reporter.name) + " from " + r.reporter.addr + "\n";
  out += "  reported: " + std::to_string(r.reported.id) + " " + json_quoted(r.reported.name) + " from " + r.reported.addr + "\n";
  if (!r.reason.empty()) out += "  reason: " + json_quoted(r.reason) + "\n";
  out += "  the pair, up to the report:\n";
  std::string body = transcript_text(r.transcript);
  std::size_t begin = 0;
  while (begin < body.size()) {
    std::size_t end = body.find('\n', begin);
    out += "    " + body.substr(begin, end - begin) + "\n";
    begin = end + 1;
  }
  return out;
}

Status build_client_history(History& history, const EventLog& log, ClientId id, Seq to, TimeMs captcha_window_ms,
                            ClientHistory& out) {
  Status st = check_range(log, 1, to);
  if (!st.ok()) return st;
  Event event;
  Seq connected = 0;
  const std::string needle = "\"type\":\"client_connected\",\"client\":" + std::to_string(id) + ",";
  st = find_first(log, 1, to, needle,
                  [&](const Event& e) {
                    const auto* c = std::get_if<ClientConnected>(&e.payload);
                    return c && c->client == id;
                  },
                  connected, event);
  if (!st.ok()) return st;
  if (connected == 0) return Status::NotFound("client " + std::to_string(id) + " never connected up to seq " + std::to_string(to));
  const auto& hello = std::get<ClientConnected>(event.payload);
  ClientHistory h;
  h.client = Party{id, hello.name, hello.addr};
  h.connected_seq = connected;
  h.connected_time = event.time;

  // The address's captcha failures and rejections shortly before it connected.
  if (captcha_window_ms > 0 && connected > 1) {
    Seq window_start = 1;
    // The first event at or after the window's start.
    Status found = history.seq_at_time(event.time - captcha_window_ms - 1, window_start);
    window_start = found.ok() ? window_start + 1 : 1;
    std::string addr_field = "\"addr\":";
    append_json_string(addr_field, hello.addr);
    Event e;
    st = for_each_candidate(log, window_start, connected - 1, addr_field, e, [&](const Event& x) {
      if (const auto* c = std::get_if<CaptchaFailed>(&x.payload); c && c->addr == hello.addr)
        h.lines.push_back(at(x.seq, x.time) + "before connecting: captcha failed from " + c->addr + " (" + c->reason + ")");
      if (const auto* r = std::get_if<ConnectionRejected>(&x.payload); r && r->addr == hello.addr)
        h.lines.push_back(at(x.seq, x.time) + "before connecting: a connection from " + r->addr + " was rejected (" + r->reason + ")");
      return true;
    });
    if (!st.ok()) return st;
  }

  World world;
  st = history.world_at(connected - 1, world);
  if (!st.ok()) return st;
  std::string name = hello.name;
  PairId pair;
  ClientId partner = kNoClient;
  std::string partner_name;
  std::uint64_t sent = 0, received = 0;
  auto pair_summary = [&] {
    return "pair " + pair.to_string() + " (" + std::to_string(sent) + " sent, " + std::to_string(received) + " received)";
  };
  History::Observer observe = [&](const Event& e, std::string_view) {
    const std::string when = at(e.seq, e.time);
    const auto line = [&](std::string what) { h.lines.push_back(when + what); };
    const auto finish = [&](std::string what) {
      line(std::move(what));
      h.end_seq = e.seq;
      return false;
    };
    if (const auto* c = std::get_if<ClientConnected>(&e.payload); c && c->client == id) {
      line("connected as " + json_quoted(c->name) + " from " + c->addr + " (" + to_string(c->dialect) + ")");
    } else if (const auto* n = std::get_if<NameChanged>(&e.payload)) {
      if (n->client == id) {
        line("renamed " + json_quoted(name) + " -> " + json_quoted(n->name));
        name = n->name;
      } else if (n->client == partner) {
        line("partner " + std::to_string(partner) + " renamed " + json_quoted(partner_name) + " -> " + json_quoted(n->name));
        partner_name = n->name;
      }
    } else if (const auto* s = std::get_if<SearchStarted>(&e.payload); s && s->client == id) {
      line("started searching");
    } else if (const auto* s = std::get_if<SearchCancelled>(&e.payload); s && s->client == id) {
      line("stopped searching");
    } else if (const auto* p = std::get_if<Paired>(&e.payload); p && (p->seeker == id || p->waiter == id)) {
      pair = p->pair;
      partner = p->seeker == id ? p->waiter : p->seeker;
      sent = received = 0;
      const projections::Client* other = world.find(partner);
      partner_name = other ? other->name : "";
      line(std::string("paired with ") + std::to_string(partner) + " " + json_quoted(partner_name) + " from " +
           (other ? other->addr : "?") + " in pair " + pair.to_string() + (p->seeker == id ? " (it searched)" : " (it was waiting)"));
    } else if (const auto* m = std::get_if<MessageSent>(&e.payload); m && partner != kNoClient && m->pair == pair) {
      ++(m->from == id ? sent : received);
    } else if (const auto* l = std::get_if<PairLeft>(&e.payload); l && partner != kNoClient && l->pair == pair) {
      line((l->by == id ? "left " : "partner " + std::to_string(partner) + " left ") + pair_summary());
      partner = kNoClient;
    } else if (const auto* r = std::get_if<Reported>(&e.payload); r && (r->reporter == id || r->reported == id)) {
      line(r->reporter == id ? "reported " + std::to_string(r->reported) + " for pair " + r->pair.to_string() +
                                   (r->reason.empty() ? "" : ": " + json_quoted(r->reason))
                             : "was reported by " + std::to_string(r->reporter) + " for pair " + r->pair.to_string() +
                                   (r->reason.empty() ? "" : ": " + json_quoted(r->reason)));
    } else if (const auto* d = std::get_if<ClientDisconnected>(&e.payload)) {
      if (d->client == id)
        return finish(std::string("disconnected: ") + to_string(d->reason) +
                      (partner != kNoClient ? ", ending " + pair_summary() : ""));
      if (partner != kNoClient && d->client == partner) {
        line("partner " + std::to_string(partner) + " disconnected (" + to_string(d->reason) + "), ending " + pair_summary());
        partner = kNoClient;
      }
    } else if (std::holds_alternative<ServerStarted>(e.payload) && e.seq > connected) {
      return finish("its session ended with a server restart");
    }
    return true;
  };
  st = history.replay(world, to, &observe);
  if (!st.ok()) return st;
  out = std::move(h);
  return Status::Ok();
}

}  // namespace chatd::replay
