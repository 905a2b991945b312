#include "replay/dms/audit.hpp"

#include "core/base/json_text.hpp"
#include "events/session/events.hpp"
#include "projections/dms/state.hpp"
#include "replay/args.hpp"
#include "replay/cli.hpp"
#include "replay/render.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {

using namespace chatd::events;
using projections::Dm;
using projections::DmsState;
using projections::World;

Status build_dm_audit(History& history, const EventLog& log, DmId dm, Seq from, Seq to, DmAudit& out) {
  Status st = check_range(log, from, to);
  if (!st.ok()) return st;
  World world;
  st = history.world_at(from - 1, world);
  if (!st.ok()) return st;
  DmAudit a;
  a.dm = dm;
  if (const Dm* d = world.get<DmsState>().find(dm)) {
    a.opener = describe_client(d->opener, world);
    a.peer = describe_client(d->peer, world);
  }
  auto line = [&](const Event& e, const std::string& what) { a.lines.push_back(at(e.seq, e.time) + what); };
  auto side = [&](ClientId c) {
    const Dm* d = world.get<DmsState>().find(dm);
    return d && d->has(c);
  };
  History::Observer observe = [&](const Event& e, std::string_view) {
    if (const auto* o = e.payload.get_if<DmOpened>(); o && o->dm == dm) {
      a.opener = describe_client(o->from, world);
      a.peer = describe_client(o->to, world);
      line(e, "opened by " + a.opener + " with " + a.peer);
    } else if (const auto* m = e.payload.get_if<DmSent>(); m && m->dm == dm) {
      line(e, "[" + std::to_string(m->number) + "] " + describe_client(m->from, world) + ": " + json_quoted(m->text));
    } else if (const auto* c = e.payload.get_if<DmClosed>(); c && c->dm == dm) {
      line(e, "closed by " + describe_client(c->by, world));
    } else if (const auto* x = e.payload.get_if<ClientDisconnected>(); x && side(x->client)) {
      line(e, describe_client(x->client, world) + " disconnected (" + to_string(x->reason) + "): the DM ended");
    } else if (e.payload.is<ServerStarted>() && world.get<DmsState>().find(dm)) {
      line(e, "the server restarted: the DM ended");
    }
    return true;
  };
  st = history.replay(world, to, &observe);
  if (!st.ok()) return st;
  if (const Dm* d = world.get<DmsState>().find(dm)) {
    a.open_at_end = true;
    a.last_number = d->last_number;
  }
  if (a.opener.empty() && a.lines.empty())
    return Status::NotFound("dm " + std::to_string(dm) + " has no event up to seq " + std::to_string(to));
  out = std::move(a);
  return Status::Ok();
}

std::string dm_audit_text(const DmAudit& a, Seq to, TimeMs to_time) {
  std::string out = "dm " + std::to_string(a.dm) + ": " + a.opener + " with " + a.peer + "\n";
  out += a.open_at_end ? "open at " + at(to, to_time) + "(last message " + std::to_string(a.last_number) + ")\n"
                       : "(not open at seq " + std::to_string(to) + ")\n";
  for (const std::string& line : a.lines) out += line + "\n";
  return out;
}

namespace {

int run_dm(const AuditRequest& r, History& history, const EventLog& log, std::string& out, std::string& error) {
  const std::optional<std::uint64_t> id = r.positional.size() == 1 ? parse_count(r.positional[0]) : std::nullopt;
  if (!id || *id == 0) {
    error = "usage: chatreplay audit dm ID --data DIR [range]";
    return kExitUsage;
  }
  DmAudit a;
  Status st = build_dm_audit(history, log, *id, r.from, r.to, a);
  if (st.ok()) {
    Event last;
    st = log.read(std::min(r.to, log.last_seq()), last);
    if (st.ok()) out = dm_audit_text(a, last.seq, last.time);
  }
  if (!st.ok()) {
    error = st.ToString();
    return exit_code_of(st);
  }
  return kExitOk;
}

}  // namespace

std::vector<Audit> dms_audits() {
  return {Audit{"dm", "ID --data DIR [range]",
                "dm       one DM (its id is in dm_opened and dm_sent events: `events --client ID`): its two\n"
                "         sides, whether it was open at the end of the range, and over the range its opening,\n"
                "         every message, its close or the disconnect or restart that ended it.\n",
                {}, {}, &run_dm}};
}

}  // namespace chatd::replay
