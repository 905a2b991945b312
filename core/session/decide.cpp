// The session domain's rules.
#include "core/base/text_rules.hpp"
#include "core/lifecycle.hpp"
#include "core/session/commands.hpp"
#include "projections/session/state.hpp"

namespace chatd {
namespace {

using namespace chatd::events;
using projections::SessionState;

// At a start, every session of the previous run is over.
void end_previous_run(const projections::World& w, const Context&, Decided& out) {
  out.push_back(ServerStarted{w.get<SessionState>().clients.size()});
}

}  // namespace

void add_session_rules(Lifecycle& lifecycle) { lifecycle.on_start(&end_previous_run); }

Reply Connect::decide(const projections::World& w, ClientId, const Connect& c, const Context&, Decided& out) {
  if (!c.name.empty()) {
    if (auto problem = check_name(c.name); problem != NameProblem::kNone)
      return Reply::failure(errors::kInvalidName, describe(problem));
  }
  const ClientId id = w.get<SessionState>().next_client;
  Reply r = accept(out, ClientConnected{id, c.name, c.dialect, c.addr});
  r.binds_client = id;
  return r;
}

Reply Disconnect::decide(const projections::World& w, ClientId actor, const Disconnect& c, const Context&, Decided& out) {
  if (!w.get<SessionState>().find(actor)) return Reply::failure(errors::kNotConnected, "the session is not a connected client");
  return accept(out, ClientDisconnected{actor, c.reason});
}

Reply RecordCaptchaFailure::decide(const projections::World&, ClientId, const RecordCaptchaFailure& c, const Context&,
                                   Decided& out) {
  return accept(out, CaptchaFailed{c.addr, c.reason});
}

Reply RecordRejection::decide(const projections::World&, ClientId, const RecordRejection& c, const Context&, Decided& out) {
  return accept(out, ConnectionRejected{c.addr, c.reason});
}

Reply QueryInfo::decide(const projections::World& w, ClientId, const QueryInfo&, const Context&, Decided&) {
  // The hash costs a pass over the World; the World remembers it per log position.
  Reply r;
  r.body = InfoReply{w.last_seq, w.hash()};
  return r;
}

}  // namespace chatd
