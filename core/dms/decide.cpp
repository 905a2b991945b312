// The dms domain's rules.
#include "core/base/text_rules.hpp"
#include "core/dms/commands.hpp"
#include "core/dms/errors.hpp"
#include "core/stranger/errors.hpp"
#include "projections/dms/state.hpp"
#include "projections/session/state.hpp"
#include "projections/stranger/state.hpp"

namespace chatd {
namespace {

using namespace chatd::events;
using projections::Dm;
using projections::DmsState;
using projections::Stranger;
using projections::StrangerState;

Reply no_such_dm() { return Reply::failure(errors::kNoSuchDm, "the client has no open DM with that id"); }

std::size_t open_count(const DmsState& s, ClientId c) {
  const std::vector<DmId>* dms = s.dms_of(c);
  return dms ? dms->size() : 0;
}

// The open DM `id` if `actor` is one of its sides, else null.
const Dm* dm_of(const projections::World& w, DmId id, ClientId actor) {
  const Dm* dm = w.get<DmsState>().find(id);
  return dm && dm->has(actor) ? dm : nullptr;
}

Reply dm_reply(const StrangerState& clients, DmId id, const Dm& dm, ClientId actor, bool opened) {
  Reply reply;
  reply.body = DmReply{DmListing{id, std::string(clients.name_of(dm.other(actor))), dm.last_number}, opened};
  return reply;
}

}  // namespace

Reply OpenDm::decide(const projections::World& w, ClientId actor, const OpenDm& c, const Context& ctx, Decided& out) {
  const StrangerState& clients = w.get<StrangerState>();
  const Stranger* me = clients.find(actor);
  if (!me) return not_connected();
  if (me->name.empty()) return Reply::failure(errors::kNameRequired, "set a name before opening a DM");
  if (auto problem = check_name(c.to); problem != NameProblem::kNone) return Reply::failure(errors::kInvalidName, describe(problem));
  // A scan of the clients online: an open is rare beside messages, and a name index would be
  // one more structure every connect and rename keeps. lowf's page has no way to show a DM, so
  // its clients cannot be asked for one.
  const projections::SessionState& sessions = w.get<projections::SessionState>();
  ClientId peer = kNoClient;
  std::size_t named = 0;
  for (const auto& [id, other] : clients.clients) {
    if (id == actor || other.name != c.to) continue;
    if (const projections::Connection* conn = sessions.find(id); conn && conn->dialect == Dialect::kLowf) continue;
    peer = id, ++named;
  }
  if (named == 0)
    return me->name == c.to ? Reply::failure(errors::kSelfDm, "a DM is with someone else")
                            : Reply::failure(errors::kNoSuchUser, "nobody online who can take a DM has that name");
  if (named > 1) return Reply::failure(errors::kAmbiguousName, "more than one client online has that name");
  const DmsState& s = w.get<DmsState>();
  if (const DmId open = s.between(actor, peer); open != kNoDm) return dm_reply(clients, open, *s.find(open), actor, false);
  if (open_count(s, actor) >= ctx.limits.max_dms_per_client)
    return Reply::failure(errors::kTooManyDms, "a client may have at most " + std::to_string(ctx.limits.max_dms_per_client) + " DMs open");
  if (open_count(s, peer) >= ctx.limits.max_dms_per_client)
    return Reply::failure(errors::kTooManyDms, "that client has as many DMs open as it may");
  const DmId id = s.last_dm + 1;
  out.push_back(DmOpened{id, actor, peer});
  return dm_reply(clients, id, Dm{actor, peer, ctx.now, 0}, actor, true);
}

Reply SendDm::decide(const projections::World& w, ClientId actor, const SendDm& c, const Context& ctx, Decided& out) {
  if (!w.get<StrangerState>().find(actor)) return not_connected();
  const Dm* dm = dm_of(w, c.dm, actor);
  if (!dm) return no_such_dm();
  if (auto problem = check_message(c.text, ctx.limits.max_message_bytes); problem != MessageProblem::kNone)
    return Reply::failure(errors::kInvalidMessage, describe(problem));
  return accept(out, DmSent{c.dm, dm->last_number + 1, actor, dm->other(actor), c.text});
}

Reply CloseDm::decide(const projections::World& w, ClientId actor, const CloseDm& c, const Context&, Decided& out) {
  if (!w.get<StrangerState>().find(actor)) return not_connected();
  if (!dm_of(w, c.dm, actor)) return no_such_dm();
  return accept(out, DmClosed{c.dm, actor});
}

Reply MyDms::decide(const projections::World& w, ClientId actor, const MyDms&, const Context&, Decided&) {
  const StrangerState& clients = w.get<StrangerState>();
  if (!clients.find(actor)) return not_connected();
  const DmsState& s = w.get<DmsState>();
  DmsReply body;
  if (const std::vector<DmId>* dms = s.dms_of(actor))
    for (DmId id : *dms)
      if (const Dm* dm = s.find(id)) body.dms.push_back(DmListing{id, std::string(clients.name_of(dm->other(actor))), dm->last_number});
  Reply reply;
  reply.body = std::move(body);
  return reply;
}

}  // namespace chatd
