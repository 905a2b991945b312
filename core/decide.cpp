#include "core/decide.hpp"

#include <cassert>

#include "core/text_rules.hpp"

namespace chatd {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNone: return "ok";
    case ErrorCode::kBadRequest: return "bad_request";
    case ErrorCode::kUnknownOp: return "unknown_op";
    case ErrorCode::kInvalidName: return "invalid_name";
    case ErrorCode::kInvalidMessage: return "invalid_message";
    case ErrorCode::kInvalidState: return "invalid_state";
    case ErrorCode::kNoPreviousPair: return "no_previous_pair";
    case ErrorCode::kAlreadyReported: return "already_reported";
    case ErrorCode::kInvalidReason: return "invalid_reason";
    case ErrorCode::kNotConnected: return "not_connected";
    case ErrorCode::kCaptchaRequired: return "captcha_required";
    case ErrorCode::kCaptchaInvalid: return "captcha_invalid";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kBusy: return "busy";
  }
  return "?";
}

namespace {

using namespace chatd::events;
using projections::Client;
using projections::World;

Decision reject(ErrorCode code, std::string message) {
  Decision d;
  d.reply.error = code;
  d.reply.message = std::move(message);
  return d;
}

Decision accept(std::vector<Payload> events) {
  Decision d;
  d.events = std::move(events);
  return d;
}

class Decider {
 public:
  Decider(const World& w, const Context& ctx) : w_(w), ctx_(ctx) {}

  Decision operator()(const Connect& c) const {
    if (!c.name.empty()) {
      if (auto problem = check_name(c.name); problem != NameProblem::kNone)
        return reject(ErrorCode::kInvalidName, describe(problem));
    }
    Decision d = accept({ClientConnected{w_.next_client, c.name, c.dialect, c.addr}});
    d.reply.client = w_.next_client;
    return d;
  }

  Decision operator()(const SetName& c) const {
    const Client* client = w_.find(c.client);
    if (!client) return not_connected();
    if (auto problem = check_name(c.name); problem != NameProblem::kNone)
      return reject(ErrorCode::kInvalidName, describe(problem));
    if (client->state == ClientState::kLooking || client->state == ClientState::kBanned)
      return reject(ErrorCode::kInvalidState, "the name cannot change while looking for a partner");
    if (client->name == c.name) return accept({});  // already so: nothing to record
    return accept({NameChanged{c.client, c.name}});
  }

  Decision operator()(const Search& c) const {
    const Client* client = w_.find(c.client);
    if (!client) return not_connected();
    if (client->state != ClientState::kConnected && client->state != ClientState::kDisconnected)
      return reject(ErrorCode::kInvalidState, "search is allowed only when not paired and not already looking");
    if (w_.waiting.empty()) return accept({SearchStarted{c.client}});
    assert(ctx_.random != nullptr);
    ClientId waiter = w_.waiting[ctx_.random->uniform(w_.waiting.size())];
    assert(waiter != c.client);
    return accept({Paired{draw_pair_id(*ctx_.random), c.client, waiter}});
  }

  Decision operator()(const Leave& c) const {
    const Client* client = w_.find(c.client);
    if (!client) return not_connected();
    if (client->state == ClientState::kLooking) return accept({SearchCancelled{c.client}});
    if (client->state == ClientState::kPaired) return accept({PairLeft{client->pair, c.client}});
    return reject(ErrorCode::kInvalidState, "leave is allowed only when looking or paired");
  }

  Decision operator()(const Send& c) const {
    const Client* client = w_.find(c.client);
    if (!client) return not_connected();
    if (client->state != ClientState::kPaired) return reject(ErrorCode::kInvalidState, "send is allowed only when paired");
    if (auto problem = check_message(c.text, ctx_.limits.max_message_bytes); problem != MessageProblem::kNone)
      return reject(ErrorCode::kInvalidMessage, describe(problem));
    return accept({MessageSent{client->pair, c.client, c.text}});
  }

  Decision operator()(const Report& c) const {
    const Client* client = w_.find(c.client);
    if (!client) return not_connected();
    if (client->state == ClientState::kPaired)
      return reject(ErrorCode::kInvalidState, "report the partner after the chat has ended");
    if (client->last_pair.empty()) return reject(ErrorCode::kNoPreviousPair, "there is no previous partner to report");
    if (client->last_pair_reported) return reject(ErrorCode::kAlreadyReported, "this partner was already reported");
    if (c.reason.size() > ctx_.limits.max_report_reason_bytes || utf8_length(c.reason) < 0)
      return reject(ErrorCode::kInvalidReason, "the reason is too long or not valid UTF-8");
    return accept({Reported{c.client, client->last_partner, client->last_pair, c.reason}});
  }

  Decision operator()(const Disconnect& c) const {
    if (!w_.find(c.client)) return not_connected();
    return accept({ClientDisconnected{c.client, c.reason}});
  }

  Decision operator()(const RecordCaptchaFailure& c) const { return accept({CaptchaFailed{c.addr, c.reason}}); }
  Decision operator()(const RecordRejection& c) const { return accept({ConnectionRejected{c.addr, c.reason}}); }

  Decision operator()(const QueryInfo&) const {
    // The hash costs a pass over the World: the engine adds it, at most once per log position.
    Decision d;
    d.reply.info_seq = w_.last_seq;
    return d;
  }

 private:
  static Decision not_connected() { return reject(ErrorCode::kNotConnected, "the session is not a connected client"); }

  const World& w_;
  const Context& ctx_;
};

}  // namespace

Decision decide(const World& world, const Command& command, const Context& context) {
  return std::visit(Decider(world, context), command);
}

}  // namespace chatd
