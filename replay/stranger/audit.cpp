#include "replay/stranger/audit.hpp"

#include <algorithm>

#include "core/base/json_text.hpp"
#include "core/base/text_rules.hpp"
#include "events/session/events.hpp"
#include "events/stranger/events.hpp"
#include "projections/domain.hpp"
#include "replay/args.hpp"
#include "replay/cli.hpp"
#include "replay/render.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {
namespace {

using namespace chatd::events;
using projections::World;

// The names the pair's sides had at the end of the transcript.
std::pair<std::string, std::string> names_at_end(const Transcript& t) {
  std::string n1 = t.user1.name, n2 = t.user2.name;
  for (const TranscriptLine& line : t.lines)
    if (line.kind == TranscriptLine::Kind::kNameChange) (line.client == t.user1.id ? n1 : n2) = line.text;
  return {n1, n2};
}

// Whether `e` names `pair` itself (`nothing` is an empty World: no pair a client is in counts).
bool concerns_pair(const Event& e, const PairId& pair, const World& nothing) {
  const auto pairs = projections::subjects_of(e, nothing).pairs;
  return std::find(pairs.begin(), pairs.end(), pair) != pairs.end();
}

}  // namespace

Status build_transcript(History& history, const EventLog& log, const PairId& pair, Seq from, Seq to, Transcript& out) {
  Status st = check_range(log, from, to);
  if (!st.ok()) return st;
  const std::string id = pair.to_string();
  Event event;
  Seq start = 0;
  bool started_earlier = false;
  const World nothing;
  st = find_first(log, from, to, id,
                  [&](const Event& e) {
                    if (const auto* p = e.payload.get_if<Paired>(); p && p->pair == pair) return true;
                    // Any other event of this pair first: it started before `from`.
                    started_earlier = started_earlier || concerns_pair(e, pair, nothing);
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
  const auto& paired = event.payload.as<Paired>();
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
    if (const auto* m = e.payload.get_if<MessageSent>(); m && m->pair == pair) {
      t.lines.push_back({TranscriptLine::Kind::kMessage, e.seq, e.time, m->from, name_of(m->from), m->text});
    } else if (const auto* n = e.payload.get_if<NameChanged>(); n && side(n->client)) {
      t.lines.push_back({TranscriptLine::Kind::kNameChange, e.seq, e.time, n->client, name_of(n->client), n->name});
      name_of(n->client) = n->name;
    } else if (const auto* l = e.payload.get_if<PairLeft>(); l && l->pair == pair) {
      return end("left by " + std::to_string(l->by) + " " + json_quoted(name_of(l->by)));
    } else if (const auto* d = e.payload.get_if<ClientDisconnected>(); d && side(d->client)) {
      return end(std::to_string(d->client) + " " + json_quoted(name_of(d->client)) + " disconnected (" + to_string(d->reason) + ")");
    } else if (e.payload.is<ServerStarted>()) {
      return end("the server restarted");
    }
    return true;
  };
  st = history.replay(world, to, &observe);
  if (!st.ok()) return st;
  out = std::move(t);
  return Status::Ok();
}

namespace {

// lowf's chat log wrote a line's text as it came, so a newline in a message forged a line from
// the partner and an escape sequence reached whoever read it. The export keeps lowf's bytes for
// every text without them, and writes a backslash as \\, newline, return and tab as \n \r \t, and
// every other control or bidirectional control as \uXXXX (docs/replay.md).
std::string lowf_text(std::string_view text) {
  std::string backslashed;
  for (char c : text) {
    if (c == '\\') backslashed += '\\';
    backslashed += c;
  }
  std::string out;
  append_with_controls_escaped(out, backslashed, [](char32_t c, std::string& o) {
    if (c == '\n') o += "\\n";
    else if (c == '\r') o += "\\r";
    else if (c == '\t') o += "\\t";
    else append_u_escape(c, o);
  });
  return out;
}

}  // namespace

std::string lowf_chat_log(const Transcript& t, std::string_view site) {
  std::string out;
  out.append(lowf_text(site));
  out += " conversation\n\nThis is a conversation between " + lowf_text(t.user1.name) + " and " + lowf_text(t.user2.name) + ".\n\n";
  for (const TranscriptLine& line : t.lines) {
    if (line.kind == TranscriptLine::Kind::kMessage)
      out += lowf_text(line.name) + ": " + lowf_text(line.text) + "\n";
    else
      out += lowf_text(line.name) + " has changed names. Their name is now " + lowf_text(line.text) + ".\n";
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
                    [](const Event& e) { return e.payload.is<Reported>(); }, found, event);
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
  const auto* report = event.payload.get_if<Reported>();
  if (!report)
    return Status::NotFound("no report at seq " + std::to_string(seq) + " (it is " + std::string(type_name(event.payload)) + ")");
  World before;
  st = history.world_at(seq - 1, before);
  if (!st.ok()) return st;
  ReportContext r;
  r.seq = seq;
  r.time = event.time;
  r.reason = report->reason;
  st = build_transcript(history, log, report->pair, 1, seq - 1, r.transcript);
  if (!st.ok()) return st;
  // Not a structured binding: a lambda may not capture one before C++20's P1091 (clang 16).
  const std::pair<std::string, std::string> names = names_at_end(r.transcript);
  const Transcript& t = r.transcript;
  auto as_at_report = [&](ClientId id) {
    Party p = party_of(before, id);
    if (!projections::client_facts(before, id).known) {  // gone by then: the last name and address it had in the pair
      p.name = id == t.user1.id ? names.first : names.second;
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
                    const auto* c = e.payload.get_if<ClientConnected>();
                    return c && c->client == id;
                  },
                  connected, event);
  if (!st.ok()) return st;
  if (connected == 0) return Status::NotFound("client " + std::to_string(id) + " never connected up to seq " + std::to_string(to));
  const auto& hello = event.payload.as<ClientConnected>();
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
      if (const auto* c = x.payload.get_if<CaptchaFailed>(); c && c->addr == hello.addr)
        h.lines.push_back(at(x.seq, x.time) + "before connecting: captcha failed from " + c->addr + " (" + c->reason + ")");
      if (const auto* r = x.payload.get_if<ConnectionRejected>(); r && r->addr == hello.addr)
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
    if (const auto* c = e.payload.get_if<ClientConnected>(); c && c->client == id) {
      line("connected as " + json_quoted(c->name) + " from " + c->addr + " (" + to_string(c->dialect) + ")");
    } else if (const auto* n = e.payload.get_if<NameChanged>()) {
      if (n->client == id) {
        line("renamed " + json_quoted(name) + " -> " + json_quoted(n->name));
        name = n->name;
      } else if (n->client == partner) {
        line("partner " + std::to_string(partner) + " renamed " + json_quoted(partner_name) + " -> " + json_quoted(n->name));
        partner_name = n->name;
      }
    } else if (const auto* s = e.payload.get_if<SearchStarted>(); s && s->client == id) {
      line("started searching");
    } else if (const auto* s = e.payload.get_if<SearchCancelled>(); s && s->client == id) {
      line("stopped searching");
    } else if (const auto* p = e.payload.get_if<Paired>(); p && (p->seeker == id || p->waiter == id)) {
      pair = p->pair;
      partner = p->seeker == id ? p->waiter : p->seeker;
      sent = received = 0;
      const projections::ClientFacts other = projections::client_facts(world, partner);
      partner_name = std::string(other.name);
      line(std::string("paired with ") + std::to_string(partner) + " " + json_quoted(partner_name) + " from " +
           (other.known ? std::string(other.addr) : "?") + " in pair " + pair.to_string() + (p->seeker == id ? " (it searched)" : " (it was waiting)"));
    } else if (const auto* m = e.payload.get_if<MessageSent>(); m && partner != kNoClient && m->pair == pair) {
      ++(m->from == id ? sent : received);
    } else if (const auto* l = e.payload.get_if<PairLeft>(); l && partner != kNoClient && l->pair == pair) {
      line((l->by == id ? "left " : "partner " + std::to_string(partner) + " left ") + pair_summary());
      partner = kNoClient;
    } else if (const auto* r = e.payload.get_if<Reported>(); r && (r->reporter == id || r->reported == id)) {
      line(r->reporter == id ? "reported " + std::to_string(r->reported) + " for pair " + r->pair.to_string() +
                                   (r->reason.empty() ? "" : ": " + json_quoted(r->reason))
                             : "was reported by " + std::to_string(r->reporter) + " for pair " + r->pair.to_string() +
                                   (r->reason.empty() ? "" : ": " + json_quoted(r->reason)));
    } else if (const auto* d = e.payload.get_if<ClientDisconnected>()) {
      if (d->client == id)
        return finish(std::string("disconnected: ") + to_string(d->reason) +
                      (partner != kNoClient ? ", ending " + pair_summary() : ""));
      if (partner != kNoClient && d->client == partner) {
        line("partner " + std::to_string(partner) + " disconnected (" + to_string(d->reason) + "), ending " + pair_summary());
        partner = kNoClient;
      }
    } else if (e.payload.is<ServerStarted>() && e.seq > connected) {
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

// ---- the command line: chatreplay audit pair|report|client ------------------------------------

namespace chatd::replay {
namespace {

int failed(const Status& st, std::string& error) {
  error = st.ToString();
  return exit_code_of(st);
}

int usage(std::string message, std::string& error) {
  error = std::move(message);
  return kExitUsage;
}

int run_pair(const AuditRequest& r, History& history, const events::EventLog& log, std::string& out, std::string& error) {
  if (r.positional.size() != 1) return usage("usage: chatreplay audit pair UUID --data DIR", error);
  auto pair = PairId::parse(r.positional[0]);
  if (!pair) return usage("'" + r.positional[0] + "' is not a pair id (a UUID)", error);
  Transcript t;
  if (Status st = build_transcript(history, log, *pair, r.from, r.to, t); !st.ok()) return failed(st, error);
  const std::string* site = r.args.value("--site");
  out = r.args.flag("--lowf") ? lowf_chat_log(t, site ? *site : "lowf.codes") : transcript_text(t);
  return kExitOk;
}

int run_report(const AuditRequest& r, History& history, const events::EventLog& log, std::string& out, std::string& error) {
  if (!r.positional.empty()) return usage("usage: chatreplay audit report [--seq N] --data DIR", error);
  const bool lowf = r.args.flag("--lowf");
  std::size_t last = 20;
  if (const std::string* v = r.args.value("--last")) {
    auto n = parse_count(*v);
    if (!n) return usage("--last needs a number, not '" + *v + "'", error);
    last = *n;
  }
  if (const std::string* v = r.args.value("--seq")) {
    auto seq = parse_count(*v);
    if (!seq || *seq == 0) return usage("--seq needs a seq number, not '" + *v + "'", error);
    ReportContext report;
    if (Status st = build_report(history, log, *seq, last, report); !st.ok()) return failed(st, error);
    // lowf wrote its report files without a final newline; --lowf prints exactly such a file.
    out = lowf ? lowf_report_json(report) : report_text(report);
    return kExitOk;
  }
  std::vector<Seq> seqs;
  if (Status st = find_reports(log, r.from, r.to, seqs); !st.ok()) return failed(st, error);
  if (seqs.empty())
    return failed(Status::NotFound("no report between seq " + std::to_string(r.from) + " and " + std::to_string(r.to)), error);
  for (Seq seq : seqs) {
    ReportContext report;
    if (Status st = build_report(history, log, seq, 0, report); !st.ok()) return failed(st, error);
    if (lowf) {
      out += lowf_report_json(report) + "\n";
    } else {
      out += "#" + std::to_string(report.seq) + " " + format_utc_time(report.time) + " " + std::to_string(report.reporter.id) +
             " " + json_quoted(report.reporter.name) + " reported " + std::to_string(report.reported.id) + " " +
             json_quoted(report.reported.name) + " for pair " + report.transcript.pair.to_string() +
             (report.reason.empty() ? "" : ": " + json_quoted(report.reason)) + "\n";
    }
  }
  return kExitOk;
}

int run_client(const AuditRequest& r, History& history, const events::EventLog& log, std::string& out, std::string& error) {
  if (r.positional.size() != 1) return usage("usage: chatreplay audit client ID --data DIR", error);
  auto id = parse_count(r.positional[0]);
  if (!id || *id == 0) return usage("'" + r.positional[0] + "' is not a client id", error);
  TimeMs window = 600'000;
  if (const std::string* v = r.args.value("--captcha-window")) {
    auto n = parse_count(*v);
    if (!n || *n > 10ull * 365 * 86400) return usage("--captcha-window needs seconds (at most ten years), not '" + *v + "'", error);
    window = static_cast<TimeMs>(*n) * 1000;
  }
  ClientHistory h;
  if (Status st = build_client_history(history, log, *id, r.to, window, h); !st.ok()) return failed(st, error);
  out = "client " + std::to_string(h.client.id) + " " + json_quoted(h.client.name) + " from " + h.client.addr + "\n";
  for (const std::string& line : h.lines) out += line + "\n";
  if (!h.end_seq) out += "(still connected at seq " + std::to_string(r.to) + ")\n";
  return kExitOk;
}

}  // namespace

std::vector<Audit> stranger_audits() {
  return {
      Audit{"pair", "UUID   --data DIR [--lowf [--site NAME]] [range]",
            "pair     the pair's transcript from its start to its end: who, from where, every message and\n"
            "         rename, how it ended. --lowf prints lowf's chat-log file (--site: its first line,\n"
            "         default lowf.codes).\n",
            {"--site"}, {"--lowf"}, &run_pair},
      Audit{"report", "     --data DIR [--seq N] [--last N] [--lowf] [range]",
            "report   without --seq: every report in the range, one line each. With --seq N (the report's\n"
            "         seq): who reported whom, when, and the pair's last --last lines (default 20) before\n"
            "         it; --lowf prints lowf's report JSON.\n",
            {"--seq", "--last"}, {"--lowf"}, &run_report},
      Audit{"client", "ID   --data DIR [--captcha-window SECONDS] [range]",
            "client   the client's life: connection, names, searches, pairs (messages sent and received),\n"
            "         reports made and received, how it ended, and the captcha failures and rejections of\n"
            "         its address in the --captcha-window seconds before it connected (default 600).\n",
            {"--captcha-window"}, {}, &run_client},
  };
}

}  // namespace chatd::replay
