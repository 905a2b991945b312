#include "replay/cli.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "events/codec.hpp"
#include "events/lmdb_log.hpp"
#include "projections/domain.hpp"
#include "replay/args.hpp"
#include "replay/diff.hpp"
#include "replay/history.hpp"
#include "replay/render.hpp"
#include "replay/snapshot.hpp"
#include "replay/time_text.hpp"
#include "replay/verify.hpp"
#include "replay/views.hpp"

namespace chatd::replay {
namespace {

constexpr Seq kNoSeq = std::numeric_limits<Seq>::max();

const char* const kUsage =
    "usage: chatreplay <command> --data DIR [options]\n"
    "\n"
    "Reads a chatd data folder (read-only; safe on a running server's folder).\n"
    "\n"
    "commands:\n"
    "  events   list events, filtered; --follow keeps printing new ones\n"
    "  state    the World at a seq or a time: clients, pairs, searches, rooms and their members\n"
    "  audit    pair transcripts, reports with context, client histories\n"
    "  verify   check the whole log and rebuild the World twice\n"
    "  diff     what changed in the World between two points\n"
    "\n"
    "`chatreplay <command> --help` describes a command. Times are UTC: 2026-11-22T14:02:00Z\n"
    "(seconds and .fff optional) or milliseconds since the epoch.\n"
    "\n"
    "common options:\n"
    "  --data DIR            the folder chatd writes (its --data)\n"
    "  --snapshots DIR       where World snapshots are kept (default DIR/snapshots)\n"
    "  --snapshot-every N    events between snapshots (default 50000)\n"
    "  --no-snapshots        neither read nor write snapshots\n"
    "\n"
    "exit codes: 0 ok, 1 problem found (verify, corrupt event), 2 usage, 3 no data folder,\n"
    "4 log from a newer chatd, 5 seq or time outside the log, 6 nothing matched.\n";

// The event types in parentheses, wrapped at 96 columns: the first line starts at column `first`,
// the others at `indent`.
std::string type_list(std::size_t first, std::size_t indent) {
  std::string out, line;
  std::size_t column = first;
  for (const std::string& t : all_event_types()) {
    const std::string item = (out.empty() && line.empty() ? "(" : "") + t;
    if (!line.empty() && column + line.size() + item.size() + 3 > 96) {
      out += line + ",\n" + std::string(indent, ' ');
      line.clear();
      column = indent;
    }
    line += (line.empty() ? "" : ", ") + item;
  }
  return out + line + ")";
}

std::string events_help() {
  return "usage: chatreplay events --data DIR [filters] [--json] [--limit N] [--follow]\n"
         "\n"
         "Lists events in log order, one readable line each (with --json: the stored JSON, one per line).\n"
         "filters (all must hold):\n"
         "  --type T[,T…]         event types " +
         type_list(36, 24) +
         "\n"
         "  --client ID           events about the client (a message or leave also concerns the partner)\n"
         "  --name NAME           events about a client that had this exact name at that moment\n"
         "  --pair UUID           events of the pair (including a disconnect that ended it)\n"
         "  --room NAME|ID        events of the room (a name: the latest room created with it),\n"
         "                        including the disconnects that ended a member's presence\n"
         "  --addr ADDR           events of clients or connections from this address\n"
         "  --from-seq N --to-seq N --from TIME --to TIME   the range (inclusive)\n"
         "  --limit N             stop after N matching events\n"
         "  --follow              at the end of the log, wait for new events (until --to-seq/--to or Ctrl-C)\n";
}

const char* const kStateHelp =
    "usage: chatreplay state --data DIR [--at-seq N | --at TIME] [--json] [--hash]\n"
    "\n"
    "The World as of seq N, or as of the last event at or before TIME (default: the end of the log):\n"
    "every client with its state, name, dialect and address, every pair, the search queue, totals.\n"
    "  --hash    print only the seq and the World's hash (compare with chatd's `info`)\n";

std::string audit_help() {
  std::string usage, help;
  for (const Audit& a : audits()) {
    usage += std::string(usage.empty() ? "usage: " : "       ") + "chatreplay audit " + std::string(a.name) + " " +
             std::string(a.usage) + "\n";
    help += a.help;
  }
  return usage + "\n" + help +
         "range:   --from-seq N / --from TIME (where the search starts) and --to-seq N / --to TIME, or\n"
         "         --at-seq N / --at TIME (the point in time to answer at).\n";
}

const char* const kVerifyHelp =
    "usage: chatreplay verify --data DIR\n"
    "\n"
    "Checks every event up to the last one when it starts: seqs without gaps, each event decodes\n"
    "and can follow the previous ones, times never go backwards. Then rebuilds the World a second\n"
    "time and compares the hashes, and checks each snapshot against the World at its seq.\n"
    "Exit 0 if all holds; 1 with the first bad seq otherwise.\n";

const char* const kDiffHelp =
    "usage: chatreplay diff --data DIR (--from-seq N | --from TIME) [--to-seq N | --to TIME] [--json]\n"
    "\n"
    "What changed in the World between the two points (default end: the end of the log): clients\n"
    "that connected, left or changed (name, state, pair), pairs started and ended, the search\n"
    "queue, totals.\n";

struct CommandSpec {
  std::string help;
  std::set<std::string> value_options;
  std::set<std::string> flag_options;
};

const std::set<std::string> kCommonValues = {"--data", "--snapshots", "--snapshot-every"};
const std::set<std::string> kCommonFlags = {"--no-snapshots", "--help"};
const std::set<std::string> kRange = {"--from-seq", "--to-seq", "--from", "--to", "--at-seq", "--at"};

const std::map<std::string, CommandSpec>& specs() {
  static const std::map<std::string, CommandSpec> s = [] {
    CommandSpec audit{audit_help(), kRange, {}};
    for (const Audit& a : audits()) {
      audit.value_options.insert(a.value_options.begin(), a.value_options.end());
      audit.flag_options.insert(a.flag_options.begin(), a.flag_options.end());
    }
    return std::map<std::string, CommandSpec>{
        {"events", {events_help(), {"--type", "--client", "--name", "--pair", "--addr", "--room", "--limit", "--from-seq", "--to-seq", "--from", "--to"}, {"--json", "--follow"}}},
        {"state", {kStateHelp, {"--at-seq", "--at"}, {"--json", "--hash"}}},
        {"audit", audit},
        {"verify", {kVerifyHelp, {}, {}}},
        {"diff", {kDiffHelp, {"--from-seq", "--to-seq", "--from", "--to"}, {"--json"}}},
    };
  }();
  return s;
}

// A failure with its exit code and message.
struct Failure {
  int code = kExitOk;
  std::string message;
};

}  // namespace

int exit_code_of(const Status& st) {
  switch (st.code()) {
    case Status::Code::kOk: return kExitOk;
    case Status::Code::kUnsupported: return kExitNewerSchema;
    case Status::Code::kOutOfRange: return kExitOutOfRange;
    case Status::Code::kNotFound: return kExitNoMatch;
    case Status::Code::kInvalidArgument: return kExitUsage;
    case Status::Code::kCorruption:
    case Status::Code::kIoError: return kExitProblem;
  }
  return kExitProblem;
}

namespace {

std::optional<Failure> parse_args(const std::vector<std::string>& raw, Args& args) {
  if (raw.empty()) return Failure{kExitUsage, kUsage};
  args.command = raw[0];
  if (args.command == "--help" || args.command == "-h" || args.command == "help") return Failure{kExitOk, kUsage};
  auto spec = specs().find(args.command);
  if (spec == specs().end()) return Failure{kExitUsage, "unknown command '" + args.command + "'\n\n" + kUsage};
  for (std::size_t i = 1; i < raw.size(); ++i) {
    const std::string& a = raw[i];
    if (a.rfind("--", 0) != 0) {
      args.positional.push_back(a);
      continue;
    }
    std::string key = a, value;
    bool inline_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      key = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    const bool takes_value = kCommonValues.count(key) || spec->second.value_options.count(key);
    const bool is_flag = kCommonFlags.count(key) || spec->second.flag_options.count(key);
    if (!takes_value && !is_flag)
      return Failure{kExitUsage, "chatreplay " + args.command + ": unknown option " + key + "\n\n" + spec->second.help};
    if (is_flag) {
      if (inline_value) return Failure{kExitUsage, "option " + key + " takes no value"};
      args.flags.insert(key);
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= raw.size()) return Failure{kExitUsage, "option " + key + " needs a value"};
      value = raw[++i];
    }
    args.values[key] = value;
  }
  if (args.flags.count("--help")) return Failure{kExitOk, spec->second.help};
  if (!args.value("--data")) return Failure{kExitUsage, "chatreplay " + args.command + ": --data DIR is required\n\n" + spec->second.help};
  return std::nullopt;
}

// The open data folder and what every command needs around it.
struct Session {
  std::unique_ptr<events::LmdbLog> log;
  std::optional<SnapshotStore> snapshots;
  std::optional<History> history;
};

std::optional<Failure> open_session(const Args& args, Session& s) {
  const std::string dir = *args.value("--data");
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return Failure{kExitNoData, "no data folder at " + dir};
  if (!std::filesystem::exists(dir + "/data.mdb", ec))
    return Failure{kExitNoData, dir + " holds no chatd log (no data.mdb); give chatd's --data folder"};
  events::LmdbLog::Options options;
  options.read_only = true;
  Status st = events::LmdbLog::open(dir, options, &s.log);
  if (!st.ok()) return Failure{kExitNoData, "cannot open the log in " + dir + ": " + st.ToString()};
  if (!args.flags.count("--no-snapshots")) {
    Seq every = SnapshotStore::kDefaultEvery;
    if (const std::string* v = args.value("--snapshot-every")) {
      auto n = parse_count(*v);
      if (!n || *n == 0) return Failure{kExitUsage, "--snapshot-every needs a positive number, not '" + *v + "'"};
      every = *n;
    }
    const std::string* sd = args.value("--snapshots");
    s.snapshots.emplace(sd ? *sd : dir + "/snapshots", every);
  }
  s.history.emplace(*s.log, s.snapshots ? &*s.snapshots : nullptr);
  return std::nullopt;
}

// Resolves a point given as a seq option or a time option. `time_is_upper`: a time names the last
// event at or before it; otherwise the first event at or after it.
std::optional<Failure> resolve_point(const Args& args, Session& s, const char* seq_key, const char* time_key,
                                     bool time_is_upper, Seq& out) {
  if (args.has(seq_key) && args.has(time_key))
    return Failure{kExitUsage, std::string("give ") + seq_key + " or " + time_key + ", not both"};
  if (const std::string* v = args.value(seq_key)) {
    auto n = parse_count(*v);
    if (!n) return Failure{kExitUsage, std::string(seq_key) + " needs a seq number, not '" + *v + "'"};
    out = *n;
    return std::nullopt;
  }
  if (const std::string* v = args.value(time_key)) {
    auto t = parse_utc_time(*v);
    if (!t) return Failure{kExitUsage, std::string(time_key) + ": cannot read '" + *v + "' as a UTC time (e.g. 2026-11-22T14:02:00Z)"};
    Seq seq = 0;
    Status st = s.history->seq_at_time(time_is_upper ? *t : *t - 1, seq);
    if (!st.ok()) {
      if (!time_is_upper && st.code() == Status::Code::kOutOfRange && s.log->last_seq() > 0) {
        out = 1;  // a start before the first event starts at the first event
        return std::nullopt;
      }
      return Failure{exit_code_of(st), std::string(time_key) + " " + *v + ": " + st.message()};
    }
    out = time_is_upper ? seq : seq + 1;
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Failure> check_seq(const Session& s, Seq seq, const char* what) {
  const Seq last = s.log->last_seq();
  if (last == 0) return Failure{kExitOutOfRange, "the log is empty"};
  if (seq > last)
    return Failure{kExitOutOfRange, std::string(what) + " seq " + std::to_string(seq) + " is after the end of the log (last seq " + std::to_string(last) + ")"};
  return std::nullopt;
}

void flush(std::string& buf, std::ostream& out) {
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  buf.clear();
}

// ---- events ----------------------------------------------------------------------------------

struct EventFilter {
  std::set<std::string> types;
  std::optional<ClientId> client;
  std::optional<std::string> name;
  std::optional<PairId> pair;
  std::optional<std::string> addr;
  std::optional<std::uint64_t> room;  // --room, resolved to its id

  bool matches(const events::Event& e, const projections::World& before) const {
    if (!types.empty() && !types.count(std::string(events::type_name(e.payload)))) return false;
    if (!pair && !client && !name && !addr && !room) return true;
    const projections::Subjects s = projections::subjects_of(e, before);
    if (room && std::find(s.rooms.begin(), s.rooms.end(), *room) == s.rooms.end()) return false;
    if (pair && std::find(s.pairs.begin(), s.pairs.end(), *pair) == s.pairs.end()) return false;
    if (client && std::find(s.clients.begin(), s.clients.end(), *client) == s.clients.end()) return false;
    // A name or an address: one the event carries, or one of a client it concerns, at that moment.
    auto any = [&](const std::vector<std::string_view>& carried, const std::string& wanted, auto fact) {
      if (std::find(carried.begin(), carried.end(), wanted) != carried.end()) return true;
      for (ClientId c : s.clients)
        if (const projections::ClientFacts f = projections::client_facts(before, c); f.known && fact(f) == wanted) return true;
      return false;
    };
    if (name && !any(s.names, *name, [](const projections::ClientFacts& f) { return f.name; })) return false;
    if (addr && !any(s.addrs, *addr, [](const projections::ClientFacts& f) { return f.addr; })) return false;
    return true;
  }
};

std::optional<Failure> parse_filter(const Args& args, EventFilter& f) {
  if (const std::string* v = args.value("--type")) {
    const std::vector<std::string> all = all_event_types();
    std::size_t begin = 0;
    while (begin <= v->size()) {
      std::size_t end = v->find(',', begin);
      if (end == std::string::npos) end = v->size();
      std::string t = v->substr(begin, end - begin);
      if (std::find(all.begin(), all.end(), t) == all.end()) {
        std::string list;
        for (const auto& n : all) list += (list.empty() ? "" : ", ") + n;
        return Failure{kExitUsage, "--type: unknown event type '" + t + "' (types: " + list + ")"};
      }
      f.types.insert(t);
      begin = end + 1;
    }
  }
  if (const std::string* v = args.value("--client")) {
    auto n = parse_count(*v);
    if (!n || *n == 0) return Failure{kExitUsage, "--client needs a client id, not '" + *v + "'"};
    f.client = *n;
  }
  if (const std::string* v = args.value("--name")) f.name = *v;
  if (const std::string* v = args.value("--addr")) f.addr = *v;
  if (const std::string* v = args.value("--pair")) {
    auto p = PairId::parse(*v);
    if (!p) return Failure{kExitUsage, "--pair needs a pair id (a UUID), not '" + *v + "'"};
    f.pair = *p;
  }
  return std::nullopt;
}

int cmd_events(const Args& args, Session& s, std::ostream& out, std::ostream& err, const std::atomic<bool>* stop) {
  EventFilter filter;
  if (auto f = parse_filter(args, filter)) return err << f->message << "\n", f->code;
  for (const NamedSubject& subject : named_subjects())
    if (const std::string* v = args.value(std::string(subject.option))) {
      std::uint64_t id = 0;
      if (Status st = subject.resolve(*s.log, *v, s.log->last_seq(), id); !st.ok())
        return err << subject.option << ": " << st.ToString() << "\n", exit_code_of(st);
      if (subject.role == events::Role::kRoom) filter.room = id;
    }
  std::optional<std::uint64_t> limit;
  if (const std::string* v = args.value("--limit")) {
    limit = parse_count(*v);
    if (!limit || *limit == 0) return err << "--limit needs a positive number, not '" << *v << "'\n", kExitUsage;
  }
  const bool follow = args.flags.count("--follow") > 0;
  const bool json = args.flags.count("--json") > 0;
  Seq from = 1, to = kNoSeq;
  std::optional<TimeMs> from_time, to_time;  // --follow keeps times as times: they may lie ahead
  if (follow) {
    for (auto [key, slot] : {std::pair{"--from", &from_time}, std::pair{"--to", &to_time}}) {
      if (const std::string* v = args.value(key)) {
        *slot = parse_utc_time(*v);
        if (!*slot) return err << key << ": cannot read '" << *v << "' as a UTC time (e.g. 2026-11-22T14:02:00Z)\n", kExitUsage;
      }
    }
    if (args.has("--from-seq") && from_time) return err << "give --from-seq or --from, not both\n", kExitUsage;
    if (args.has("--to-seq") && to_time) return err << "give --to-seq or --to, not both\n", kExitUsage;
    if (const std::string* v = args.value("--from-seq")) {
      if (!parse_count(*v)) return err << "--from-seq needs a seq number, not '" << *v << "'\n", kExitUsage;
      from = *parse_count(*v);
    }
    if (const std::string* v = args.value("--to-seq")) {
      if (!parse_count(*v)) return err << "--to-seq needs a seq number, not '" << *v << "'\n", kExitUsage;
      to = *parse_count(*v);
    }
  } else {
    if (auto f = resolve_point(args, s, "--from-seq", "--from", false, from)) return err << f->message << "\n", f->code;
    if (auto f = resolve_point(args, s, "--to-seq", "--to", true, to)) return err << f->message << "\n", f->code;
  }
  from = std::max<Seq>(from, 1);
  if (to != kNoSeq && from > to) return err << "the range is empty: from seq " << from << " > to seq " << to << "\n", kExitUsage;
  if (!follow) {
    if (auto f = check_seq(s, from, "--from")) return err << f->message << "\n", f->code;
    if (to != kNoSeq)
      if (auto f = check_seq(s, to, "--to")) return err << f->message << "\n", f->code;
  }

  projections::World world;
  Status st = s.history->world_at(std::min(from - 1, s.log->last_seq()), world);
  if (!st.ok()) return err << st.ToString() << "\n", exit_code_of(st);

  std::string buf;
  std::uint64_t printed = 0;
  bool done = false;
  History::Observer observe = [&](const events::Event& e, std::string_view bytes) {
    if (e.seq > to || (to_time && e.time > *to_time)) {
      done = true;
      return false;
    }
    // Before the start (--follow only: a start ahead of the log) the World is built, not shown.
    if (e.seq >= from && (!from_time || e.time >= *from_time) && filter.matches(e, world)) {
      if (json)
        buf.append(bytes).push_back('\n');
      else
        buf += describe_event(e, world) + "\n";
      if (buf.size() > (1 << 16)) flush(buf, out);
      if (limit && ++printed >= *limit) done = true;
      else if (!limit) ++printed;
    }
    if (e.seq == to) done = true;
    return !done;
  };
  for (;;) {
    st = s.history->replay(world, to, &observe);
    flush(buf, out);
    if (!st.ok()) return err << st.ToString() << "\n", exit_code_of(st);
    if (!out.flush()) return kExitProblem;  // the reader went away (`… --follow | head`)
    if (done || !follow || (stop && stop->load())) break;
    out.flush();
    // Poll for new events: a live server's log grows; each scan is its own short read txn.
    for (int i = 0; i < 10 && s.log->last_seq() == world.last_seq && !(stop && stop->load()); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (stop && stop->load()) break;
  }
  for (const std::string& w : s.history->warnings()) err << "warning: " << w << "\n";
  if (printed == 0 && !follow) {
    err << "no event matches the filters between seq " << from << " and " << world.last_seq << "\n";
    return kExitNoMatch;
  }
  return kExitOk;
}

// ---- state, diff ------------------------------------------------------------------------------

int cmd_state(const Args& args, Session& s, std::ostream& out, std::ostream& err) {
  Seq at = s.log->last_seq();
  if (auto f = resolve_point(args, s, "--at-seq", "--at", true, at)) return err << f->message << "\n", f->code;
  if (auto f = check_seq(s, std::max<Seq>(at, 1), "--at")) return err << f->message << "\n", f->code;
  projections::World world;
  Status st = s.history->world_at(at, world);
  if (!st.ok()) return err << st.ToString() << "\n", exit_code_of(st);
  std::string buf;
  if (args.flags.count("--hash")) {
    char hash[20];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(world.hash()));
    buf = "seq " + std::to_string(world.last_seq) + " hash " + hash + "\n";
  } else if (args.flags.count("--json")) {
    write_world_json(world, ViewContext::of(*s.log), buf);
  } else {
    write_world_text(world, ViewContext::of(*s.log), buf);
  }
  flush(buf, out);
  for (const std::string& w : s.history->warnings()) err << "warning: " << w << "\n";
  return kExitOk;
}

int cmd_diff(const Args& args, Session& s, std::ostream& out, std::ostream& err) {
  if (!args.has("--from-seq") && !args.has("--from")) return err << "diff needs --from-seq N or --from TIME\n\n" << kDiffHelp, kExitUsage;
  Seq from = 0, to = s.log->last_seq();
  if (auto f = resolve_point(args, s, "--from-seq", "--from", true, from)) return err << f->message << "\n", f->code;
  if (auto f = resolve_point(args, s, "--to-seq", "--to", true, to)) return err << f->message << "\n", f->code;
  if (auto f = check_seq(s, std::max(from, to), "--to")) return err << f->message << "\n", f->code;
  if (from > to) return err << "--from (seq " << from << ") is after --to (seq " << to << ")\n", kExitUsage;
  projections::World a, b;
  Status st = s.history->world_at(from, a);
  if (st.ok()) {
    b = a;
    st = s.history->replay(b, to);
  }
  if (!st.ok()) return err << st.ToString() << "\n", exit_code_of(st);
  std::string buf;
  auto changes = diff_worlds(a, b);
  if (args.flags.count("--json"))
    write_diff_json(a, b, changes, buf);
  else
    write_diff_text(a, b, changes, buf);
  flush(buf, out);
  return kExitOk;
}

// ---- audit -----------------------------------------------------------------------------------

// The audit range: where searches start (--from…) and the point answered at (--to… / --at…).
std::optional<Failure> audit_range(const Args& args, Session& s, Seq& from, Seq& to) {
  from = 1;
  to = s.log->last_seq();
  if ((args.has("--to-seq") || args.has("--to")) && (args.has("--at-seq") || args.has("--at")))
    return Failure{kExitUsage, "give --to… or --at…, not both"};
  if (auto f = resolve_point(args, s, "--from-seq", "--from", false, from)) return f;
  if (auto f = resolve_point(args, s, "--to-seq", "--to", true, to)) return f;
  if (auto f = resolve_point(args, s, "--at-seq", "--at", true, to)) return f;
  if (auto f = check_seq(s, std::max<Seq>({from, to, 1}), "the range's")) return f;
  if (from > to) return Failure{kExitUsage, "the range is empty: from seq " + std::to_string(from) + " > to seq " + std::to_string(to)};
  return std::nullopt;
}

int cmd_audit(const Args& args, Session& s, std::ostream& out, std::ostream& err) {
  const std::string help = specs().at("audit").help;
  std::string names;
  for (const Audit& a : audits()) names += (names.empty() ? "" : ", ") + std::string(a.name);
  if (args.positional.empty()) return err << "audit needs a subject: " << names << "\n\n" << help, kExitUsage;
  const std::string& what = args.positional[0];
  auto audit = std::find_if(audits().begin(), audits().end(), [&](const Audit& a) { return a.name == what; });
  if (audit == audits().end()) return err << "unknown audit '" << what << "': use " << names << "\n\n" << help, kExitUsage;
  AuditRequest request{args, std::vector<std::string>(args.positional.begin() + 1, args.positional.end())};
  if (auto f = audit_range(args, s, request.from, request.to)) return err << f->message << "\n", f->code;
  std::string buf, error;
  const int code = audit->run(request, *s.history, *s.log, buf, error);
  if (code != kExitOk) return err << error << "\n", code;
  flush(buf, out);
  for (const std::string& w : s.history->warnings()) err << "warning: " << w << "\n";
  return kExitOk;
}

// ---- verify ----------------------------------------------------------------------------------

int cmd_verify(Session& s, std::ostream& out, std::ostream& err) {
  VerifyReport r;
  Status st = verify_log(*s.log, s.snapshots ? &*s.snapshots : nullptr, r);
  if (!st.ok()) return err << st.ToString() << "\n", exit_code_of(st);
  char hash[20];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(r.hash));
  for (const std::string& p : r.snapshot_problems) err << "warning: " << p << " (delete it; it is rebuilt)\n";
  if (!r.ok()) {
    out << "FAILED at seq " << r.bad_seq << ": " << r.problem << "\n"
        << r.events << " events before it are good\n";
    return r.problem_code == Status::Code::kUnsupported ? kExitNewerSchema : kExitProblem;
  }
  out << "ok: " << r.events << " events (seq 1.." << r.checked_up_to << ")";
  if (r.events) out << " from " << format_utc_time(r.first_time) << " to " << format_utc_time(r.last_time);
  out << "\nWorld hash " << hash << ", the same when rebuilt twice\n"
      << r.snapshots_checked << " snapshots checked, " << r.snapshot_problems.size() << " refused\n";
  return kExitOk;
}

}  // namespace

int run_chatreplay(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err,
                   const std::atomic<bool>* stop) {
  Args args;
  if (auto f = parse_args(raw, args)) {
    (f->code == kExitOk ? out : err) << f->message;
    return f->code;
  }
  Session s;
  if (auto f = open_session(args, s)) return err << f->message << "\n", f->code;
  try {
    if (args.command == "events") return cmd_events(args, s, out, err, stop);
    if (args.command == "state") return cmd_state(args, s, out, err);
    if (args.command == "audit") return cmd_audit(args, s, out, err);
    if (args.command == "verify") return cmd_verify(s, out, err);
    return cmd_diff(args, s, out, err);
  } catch (const std::bad_alloc&) {
    err << "out of memory\n";
    return kExitProblem;
  }
}

}  // namespace chatd::replay
