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

Reply reject(ErrorCode code, std::string message) {
  Reply r;
  r.error = code;
  r.message = std::move(message);
  return r;
}

// Each rule returns the reply and appends the events that record its outcome to `out_`.
class Decider {
 public:
  Decider(const World& w, const Context& ctx, std::vector<Payload>& out) : w_(w), ctx_(ctx), out_(out) {}

  Reply operator()(const Connect& c) const {
    if (!c.name.empty()) {
      if (auto problem = check_name(c.name); problem != NameProblem::kNone)
        return reject(ErrorCode::kInvalidName, describe(problem));
    }
    Reply r = accept(ClientConnected{w_.next_client, c.name, c.dialect, c.addr});
    r.client = w_.next_client;
    return r;
  }

  Reply operator()(const SetName& c) const {
    const Client* client = w_.find(c.client);
    if (!client) return not_connected();
    if (auto problem = check_name(c.name); problem != NameProblem::kNone)
      return reject(ErrorCode::kInvalidName, describe(problem));
    if (client->state == ClientState::kLooking || client->state == ClientState::kBanned)
      return reject(ErrorCode::kInvalidState, "the name cannot change while looking for a partner");
    if (client->name == c.name) return Reply{};  // already so: nothing to record
    return accept(NameChanged{c.client, c.name});
  }

  Reply operator()(const Search& c) const {
    const Client* client = w_.find(c.client);
    if (!client) return not_connected();
    if (client->state != ClientState::kConnected && client->state != ClientState::kDisconnected)
      return reject(ErrorCode::kInvalidState, "search is allowed only when not paired and not already looking");
    if (w_.waiting.empty()) return accept(SearchStarted{c.client});
    assert(ctx_.random != nullptr);
    ClientId waiter = w_.waiting[ctx_.random->uniform(w_.waiting.size())];
    assert(waiter != c.client);
    return accept(Paired{draw_pair_id(*ctx_.random), c.client, waiter});
  }

  Reply operator()(const Leave& c) const {
    const Client* client = w_.find(c.client);
    if (!client) return not_connected();
    if (client->state == ClientState::kLooking) return accept(SearchCancelled{c.client});
    if (client->state == ClientState::kPaired) return accept(PairLeft{client->pair, c.client});
    return reject(ErrorCode::kInvalidState, "leave is allowed only when looking or paired");
  }

  Reply operator()(const Send& c) const {
    const Client* client = w_.find(c.client);
    if (!client) return not_connected();
    if (client->state != ClientState::kPaired) return reject(ErrorCode::kInvalidState, "send is allowed only when paired");
    if (auto problem = check_message(c.text, ctx_.limits.max_message_bytes); problem != MessageProblem::kNone)
      return reject(ErrorCode::kInvalidMessage, describe(problem));
    return accept(MessageSent{client->pair, c.client, c.text});
  }

  Reply operator()(const Report& c) const {
    const Client* client = w_.find(c.client);
    if (!client) return not_connected();
    if (client->state == ClientState::kPaired)
      return reject(ErrorCode::kInvalidState, "report the partner after the chat has ended");
    if (client->last_pair.empty()) return reject(ErrorCode::kNoPreviousPair, "there is no previous partner to report");
    if (client->last_pair_reported) return reject(ErrorCode::kAlreadyReported, "this partner was already reported");
    if (c.reason.size() > ctx_.limits.max_report_reason_bytes || utf8_length(c.reason) < 0)
      return reject(ErrorCode::kInvalidReason, "the reason is too long or not valid UTF-8");
    return accept(Reported{c.client, client->last_partner, client->last_pair, c.reason});
  }

  Reply operator()(const Disconnect& c) const {
    if (!w_.find(c.client)) return not_connected();
    return accept(ClientDisconnected{c.client, c.reason});
  }

  Reply operator()(const RecordCaptchaFailure& c) const { return accept(CaptchaFailed{c.addr, c.reason}); }
  Reply operator()(const RecordRejection& c) const { return accept(ConnectionRejected{c.addr, c.reason}); }

  Reply operator()(const QueryInfo&) const {
    // The hash costs a pass over the World: the engine adds it, at most once per log position.
    Reply r;
    r.info_seq = w_.last_seq;
    return r;
  }

 private:
  static Reply not_connected() { return reject(ErrorCode::kNotConnected, "the session is not a connected client"); }
  Reply accept(Payload event) const {
    out_.push_back(std::move(event));
    return Reply{};
  }

  const World& w_;
  const Context& ctx_;
  std::vector<Payload>& out_;
};

}  // namespace

Reply decide_into(const World& world, const Command& command, const Context& context, std::vector<Payload>& events) {
  return std::visit(Decider(world, context, events), command);
}

Decision decide(const World& world, const Command& command, const Context& context) {
  Decision d;
  d.reply = decide_into(world, command, context, d.events);
  return d;
}

}  // namespace chatd
