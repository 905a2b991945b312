// The stranger domain's rules.
#include <cassert>

#include "core/base/text_rules.hpp"
#include "core/session/commands.hpp"
#include "core/stranger/commands.hpp"
#include "core/stranger/errors.hpp"
#include "projections/stranger/state.hpp"

namespace chatd {
namespace {

using namespace chatd::events;
using projections::ClientState;
using projections::Stranger;
using projections::StrangerState;


Reply check_name_of(std::string_view name) {
  if (auto problem = check_name(name); problem != NameProblem::kNone) return Reply::failure(errors::kInvalidName, describe(problem));
  return Reply{};
}

}  // namespace

Reply SetName::decide(const projections::World& w, ClientId actor, const SetName& c, const Context&, Decided& out) {
  const Stranger* client = w.get<StrangerState>().find(actor);
  if (!client) return not_connected();
  if (Reply bad = check_name_of(c.name); !bad.ok()) return bad;
  if (client->state == ClientState::kLooking || client->state == ClientState::kBanned)
    return Reply::failure(errors::kInvalidState, "the name cannot change while looking for a partner");
  if (client->name == c.name) return Reply{};  // already so: nothing to record
  if (c.unique)
    for (const auto& [id, other] : w.get<StrangerState>().clients)
      if (id != actor && other.name == c.name) return Reply::failure(errors::kNameTaken, "another client online has that name");
  return accept(out, NameChanged{actor, c.name});
}

Reply SetName::before_admission(const Command& command, Command& admission) {
  const SetName& c = command.as<SetName>();
  if (Reply bad = check_name_of(c.name); !bad.ok()) return bad;
  admission.as<Connect>().name = c.name;
  return Reply{};
}

Reply Search::decide(const projections::World& w, ClientId actor, const Search&, const Context& ctx, Decided& out) {
  const StrangerState& s = w.get<StrangerState>();
  const Stranger* client = s.find(actor);
  if (!client) return not_connected();
  if (client->state != ClientState::kConnected && client->state != ClientState::kDisconnected)
    return Reply::failure(errors::kInvalidState, "search is allowed only when not paired and not already looking");
  if (s.waiting.empty()) return accept(out, SearchStarted{actor});
  assert(ctx.random != nullptr);
  const ClientId waiter = s.waiting[ctx.random->uniform(s.waiting.size())];
  assert(waiter != actor);
  return accept(out, Paired{draw_pair_id(*ctx.random), actor, waiter});
}

Reply Leave::decide(const projections::World& w, ClientId actor, const Leave&, const Context&, Decided& out) {
  const Stranger* client = w.get<StrangerState>().find(actor);
  if (!client) return not_connected();
  if (client->state == ClientState::kLooking) return accept(out, SearchCancelled{actor});
  if (client->state == ClientState::kPaired) return accept(out, PairLeft{client->pair, actor});
  return Reply::failure(errors::kInvalidState, "leave is allowed only when looking or paired");
}

Reply Send::decide(const projections::World& w, ClientId actor, const Send& c, const Context& ctx, Decided& out) {
  const Stranger* client = w.get<StrangerState>().find(actor);
  if (!client) return not_connected();
  if (client->state != ClientState::kPaired) return Reply::failure(errors::kInvalidState, "send is allowed only when paired");
  if (auto problem = check_message(c.text, ctx.limits.max_message_bytes); problem != MessageProblem::kNone)
    return Reply::failure(errors::kInvalidMessage, describe(problem));
  return accept(out, MessageSent{client->pair, actor, c.text});
}

Reply Report::decide(const projections::World& w, ClientId actor, const Report& c, const Context& ctx, Decided& out) {
  const Stranger* client = w.get<StrangerState>().find(actor);
  if (!client) return not_connected();
  if (client->state == ClientState::kPaired)
    return Reply::failure(errors::kInvalidState, "report the partner after the chat has ended");
  if (client->last_pair.empty()) return Reply::failure(errors::kNoPreviousPair, "there is no previous partner to report");
  if (client->last_pair_reported) return Reply::failure(errors::kAlreadyReported, "this partner was already reported");
  if (c.reason.size() > ctx.limits.max_report_reason_bytes || utf8_length(c.reason) < 0)
    return Reply::failure(errors::kInvalidReason, "the reason is too long or not valid UTF-8");
  return accept(out, Reported{actor, client->last_partner, client->last_pair, c.reason});
}

}  // namespace chatd
