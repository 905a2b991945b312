#include "net/session_logic.hpp"

#include <cassert>

#include "core/text_rules.hpp"

namespace chatd {
namespace {

bool is_abuse(events::DisconnectReason reason) {
  return reason == events::DisconnectReason::kMalformed || reason == events::DisconnectReason::kFlooding;
}

// Fills in the client id of a command that acts for a client.
void set_client(Command& command, ClientId client) {
  std::visit(
      [client](auto& c) {
        if constexpr (requires { c.client; }) c.client = client;
      },
      command);
}

// Scratch space for the sessions of one thread: a frame is decoded and an answer encoded only
// inside one call, and no call re-enters another session's, so they can share it. The capacity it
// keeps is paid once per thread, not once per connection.
struct Scratch {
  Decoded decoded;
  std::string frame;
};
thread_local Scratch scratch;

// An empty frame buffer to build into; the session's transport copies what it keeps.
std::string& empty_frame() {
  scratch.frame.clear();
  return scratch.frame;
}

}  // namespace

SessionLogic::SessionLogic(const WireDialect& dialect, const SessionOptions& options, CaptchaService* captcha,
                           SessionIo& io, std::string addr, TimeMs now)
    : dialect_(dialect),
      options_(options),
      captcha_(captcha && captcha->enabled() && options.captcha_required ? captcha : nullptr),
      io_(io),
      addr_(std::move(addr)),
      idle_(options.idle, now),
      limiter_(options.rate_per_sec, options.rate_burst, now) {}

void SessionLogic::open() {
  if (closing_) return;  // shut down before the handshake completed
  if (captcha_) challenge_ = std::make_unique<captcha::Challenge>(captcha_->issue());
  HelloInfo info{options_.max_frame_bytes, options_.max_message_bytes, challenge_.get()};
  if (std::string& frame = empty_frame(); dialect_.hello(info, frame)) io_.send(frame);
  if (!captcha_) become_client("");
}

void SessionLogic::become_client(std::string request_id) {
  connect_pending_ = true;
  ++inflight_;
  // Connecting must not be refused for a full queue: the gates have been passed already.
  io_.submit(Connect{std::move(pending_name_), dialect_.kind(), addr_}, std::move(request_id), true);
}

void SessionLogic::gate_reply(const std::string& id, ErrorCode error, std::string_view message) {
  if (std::string& frame = empty_frame(); dialect_.gate_reply(id, error, message, frame)) io_.send(frame);
}

void SessionLogic::on_frame(std::string_view frame, TimeMs now) {
  if (closing_) return;
  idle_.on_activity(now);
  Decoded& decoded = scratch.decoded;
  dialect_.decode(frame, decoded);
  if (decoded.outcome == Decoded::Outcome::kClose)
    return shutdown(events::DisconnectReason::kMalformed, kClosePolicy, decoded.message);
  if (!limiter_.try_acquire(now)) {
    if (++rate_rejections_ > options_.max_rate_rejections)
      return shutdown(events::DisconnectReason::kFlooding, kClosePolicy, "flooding: too many commands too fast");
    return gate_reply(decoded.request.id, ErrorCode::kRateLimited, "too many commands; slow down");
  }
  rate_rejections_ = 0;
  switch (decoded.outcome) {
    case Decoded::Outcome::kReject: return gate_reply(decoded.request.id, decoded.error, decoded.message);
    case Decoded::Outcome::kIgnore: return;
    case Decoded::Outcome::kRequest: return handle_request(decoded.request);
    case Decoded::Outcome::kClose: return;  // handled above
  }
}

void SessionLogic::handle_request(Request& request) {
  if (request.kind == Request::Kind::kPing) return gate_reply(request.id, ErrorCode::kNone, "");
  if (request.kind == Request::Kind::kCaptcha) return handle_captcha(request);
  if (challenge_) {
    // Before the captcha is solved only a name is accepted, and it is kept here: no event yet.
    if (auto* name = std::get_if<SetName>(&request.command)) {
      if (auto problem = check_name(name->name); problem != NameProblem::kNone)
        return gate_reply(request.id, ErrorCode::kInvalidName, describe(problem));
      pending_name_ = std::move(name->name);
      return gate_reply(request.id, ErrorCode::kNone, "");
    }
    return gate_reply(request.id, ErrorCode::kCaptchaRequired, "solve the captcha of the hello message first");
  }
  if (inflight_ + waiting_for_client_.size() >= options_.max_inflight)
    return gate_reply(request.id, ErrorCode::kBusy, "too many commands in flight; wait for replies");
  if (client_ == kNoClient) {
    waiting_for_client_.emplace_back(std::move(request.command), std::move(request.id));
    return;
  }
  submit_command(std::move(request.command), std::move(request.id));
}

void SessionLogic::handle_captcha(Request& request) {
  if (!challenge_) return gate_reply(request.id, ErrorCode::kInvalidState, "no captcha is pending");
  captcha::Verdict verdict = captcha_->verify(request.solution, challenge_->challenge);
  if (verdict != captcha::Verdict::kOk) {
    // Moderators ask about failed captchas: record it (if the queue is full, the audit is dropped,
    // not the server).
    io_.submit(RecordCaptchaFailure{addr_, captcha::to_string(verdict)}, "", true);  // bounded: max_captcha_failures
    gate_reply(request.id, ErrorCode::kCaptchaInvalid, captcha::to_string(verdict));
    if (++captcha_failures_ >= options_.max_captcha_failures)
      shutdown(events::DisconnectReason::kMalformed, kClosePolicy, "captcha failed too many times");
    return;
  }
  challenge_.reset();
  become_client(std::move(request.id));  // the reply to the captcha is the reply to Connect
}

void SessionLogic::submit_command(Command command, std::string request_id) {
  set_client(command, client_);
  if (!io_.submit(std::move(command), request_id, false))
    return gate_reply(request_id, ErrorCode::kBusy, "the server is busy; try again");
  ++inflight_;
}

void SessionLogic::on_outbound(const Outbound& item, TimeMs now) {
  if (item.kind == Outbound::Kind::kReply) {
    // Only Connect and the client's own commands count; audits and Disconnect do not.
    bool counted = item.command_index != command_index<Disconnect>() &&
                   item.command_index != command_index<RecordCaptchaFailure>() &&
                   item.command_index != command_index<RecordRejection>();
    if (counted) {
      assert(inflight_ > 0);
      --inflight_;
    }
    if (item.command_index == command_index<Connect>()) {
      connect_pending_ = false;
      if (item.reply.ok()) {
        client_ = item.reply.client;
        idle_.on_admitted(now);
        if (closing_) {
          // The session ended while it was becoming a client: end the client too.
          disconnect_sent_ = true;
          io_.submit(Disconnect{client_, close_reason_}, "", true);
          return;
        }
        std::vector<std::pair<Command, std::string>> waiting = std::move(waiting_for_client_);
        waiting_for_client_.clear();
        for (auto& [command, id] : waiting) submit_command(std::move(command), std::move(id));
      } else if (!closing_) {
        // Only a bad pending name can make Connect fail; the gate checked it, so this is a bug.
        shutdown(events::DisconnectReason::kMalformed, kClosePolicy, "could not become a client: " + item.reply.message);
        return;
      }
    }
  } else {
    using Kind = projections::Push::Kind;
    switch (item.push.kind) {
      case Kind::kState: idle_.on_state(item.push.state, now); break;
      case Kind::kPaired: idle_.on_state(events::ClientState::kPaired, now); break;
      case Kind::kPartnerLeft: idle_.on_state(events::ClientState::kDisconnected, now); break;
      default: break;
    }
  }
  if (closing_) return;
  if (std::string& frame = empty_frame(); dialect_.outbound(item, frame)) io_.send(frame);
}

void SessionLogic::on_timer(TimeMs now) {
  if (closing_) return;
  switch (idle_.check(now)) {
    case IdleVerdict::kNone: return;
    case IdleVerdict::kGateTimeout:
      return shutdown(events::DisconnectReason::kIdleState, kClosePolicy, "captcha not solved in time");
    case IdleVerdict::kIdleState:
      return shutdown(events::DisconnectReason::kIdleState, kCloseNormal,
                      std::string("idle: ") + events::to_string(idle_.state()) + " for too long");
    case IdleVerdict::kSilent:
      return shutdown(events::DisconnectReason::kSilent, kCloseNormal, "idle: no frame and no pong for too long");
  }
}

void SessionLogic::shutdown(events::DisconnectReason reason, std::uint16_t code, std::string text) {
  if (closing_) return;
  closing_ = true;
  close_reason_ = reason;
  if (client_ != kNoClient && !disconnect_sent_) {
    disconnect_sent_ = true;
    io_.submit(Disconnect{client_, reason}, "", true);
  } else if (client_ == kNoClient && !connect_pending_ && is_abuse(reason)) {
    // Moderators ask about abusive connections even when they never became clients.
    io_.submit(RecordRejection{addr_, text}, "", true);
  }
  io_.close(code, std::move(text));
}

void SessionLogic::on_transport_closed() {
  if (!closing_) {
    closing_ = true;
    close_reason_ = events::DisconnectReason::kClosed;
  }
  if (client_ != kNoClient && !disconnect_sent_) {
    disconnect_sent_ = true;
    io_.submit(Disconnect{client_, close_reason_}, "", true);
  }
}

}  // namespace chatd
