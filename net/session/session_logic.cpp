#include "net/session/session_logic.hpp"

#include <algorithm>
#include <cassert>

#include <sodium.h>

#include "core/session/commands.hpp"
#include "net/log.hpp"
#include "net/metrics.hpp"
#include "projections/session/state.hpp"

namespace chatd {
namespace {

bool is_abuse(events::DisconnectReason reason) {
  return reason == events::DisconnectReason::kMalformed || reason == events::DisconnectReason::kFlooding;
}

// Scratch space for the sessions of one thread: a frame is decoded and an answer encoded only
// inside one call, and no call re-enters another session's, so they can share it. The capacity it
// keeps is paid once per thread, not once per connection.
struct Scratch {
  Decoded decoded;
  std::string frame;
};
thread_local Scratch scratch;

// An empty frame buffer to build into; the session's transport gets a copy of what it keeps.
std::string& empty_frame() {
  scratch.frame.clear();
  return scratch.frame;
}

}  // namespace

SessionLogic::SessionLogic(const WireDialect& dialect, const SessionOptions& options, CaptchaService* captcha,
                           SessionIo& io, std::string addr, TimeMs now)
    : dialect_(dialect),
      dialect_session_(dialect.open_session()),
      options_(options),
      captcha_(captcha && captcha->enabled() && options.captcha_required ? captcha : nullptr),
      io_(io),
      addr_(std::move(addr)),
      idle_(options.idle, now),
      limiter_(options.rate_per_sec, options.rate_burst, now) {
  const auto d = static_cast<std::size_t>(dialect_.kind());
  metrics::process().sessions_open[d].add(1);
  metrics::process().sessions_started[d].add();
}

SessionLogic::~SessionLogic() { metrics::process().sessions_open[static_cast<std::size_t>(dialect_.kind())].add(-1); }

void SessionLogic::send_frame(const std::string& frame) { io_.send(Frame::copy_of(frame)); }

void SessionLogic::open() {
  if (closing_) return;  // shut down before the handshake completed
  if (captcha_) {
    challenge_ = std::make_unique<captcha::Challenge>(captcha_->issue());
    metrics::process().captcha_issued.add();
  }
  HelloInfo info{options_.max_frame_bytes, options_.max_message_bytes, challenge_.get()};
  std::string& frame = empty_frame();
  if (dialect_session_ ? dialect_session_->hello(info, frame) : dialect_.hello(info, frame)) send_frame(frame);
  if (!captcha_) become_client("");
}

void SessionLogic::become_client(std::string request_id) {
  connect_pending_ = true;
  ++inflight_;
  Command connect = admission_ ? std::move(*admission_) : Command{Connect{}};
  admission_.reset();
  connect.as<Connect>().dialect = dialect_.kind();
  connect.as<Connect>().addr = addr_;
  io_.submit(std::move(connect), std::move(request_id));  // essential: the gates have been passed
}

void SessionLogic::gate_reply(const std::string& id, ErrorCode error, std::string_view message) {
  std::string& frame = empty_frame();
  if (dialect_session_ ? dialect_session_->gate_reply(id, error, message, frame) : dialect_.gate_reply(id, error, message, frame))
    send_frame(frame);
}

bool SessionLogic::render_reply(const Outbound& item, std::string& out) {
  return dialect_session_ ? dialect_session_->render_reply(item, out) : dialect_.render_reply(item, out);
}

void SessionLogic::on_ping(TimeMs now) {
  if (closing_) return;
  idle_.on_activity(now);
  // The transport has answered it already (a ping cannot wait), so an over-rate ping only counts.
  if (limiter_.try_acquire(now))
    pings_over_rate_ = 0;
  else if (++pings_over_rate_ > options_.max_pings_over_rate)
    shutdown(events::DisconnectReason::kFlooding, kClosePolicy, "flooding: too many pings too fast");
}

bool SessionLogic::reading_paused() const {
  return !closing_ && (inflight_ + waiting_for_client_.size() >= options_.max_inflight ||
                       (dialect_session_ && dialect_session_->holds_input()));
}

TimeMs SessionLogic::frame_ready_at(TimeMs now) {
  if (closing_) return now;
  const TimeMs ready = limiter_.next_token_at(now);
  if (ready == now) {
    waiting_for_rate_since_ = IdleTracker::kNever;  // a break: the client came back under the rate
    return now;
  }
  if (waiting_for_rate_since_ == IdleTracker::kNever) {
    waiting_for_rate_since_ = now;
    metrics::process().rate_limit_waits.add();
  }
  if (now - waiting_for_rate_since_ >= options_.flood_after_ms) {
    shutdown(events::DisconnectReason::kFlooding, kClosePolicy, "flooding: too many commands too fast");
    return now;
  }
  return ready;
}

void SessionLogic::on_frame(std::string_view frame, TimeMs now) {
  if (closing_) return;
  idle_.on_activity(now);
  Decoded& decoded = scratch.decoded;
  if (dialect_session_) {
    decoded = Decoded{};
    dialect_session_->decode(frame, decoded);
  } else {
    dialect_.decode(frame, decoded);
  }
  if (!decoded.local.empty()) send_frame(decoded.local);
  if (decoded.outcome == Decoded::Outcome::kClose)
    return shutdown(events::DisconnectReason::kMalformed, kClosePolicy, decoded.message);
  if (decoded.outcome == Decoded::Outcome::kQuit) return shutdown(events::DisconnectReason::kClosed, kCloseNormal, decoded.message);
  if (!limiter_.try_acquire(now)) {
    // Only a transport that did not wait for frame_ready_at() gets here.
    return gate_reply(decoded.request.id, errors::kRateLimited, "too many commands; slow down");
  }
  switch (decoded.outcome) {
    case Decoded::Outcome::kReject: return gate_reply(decoded.request.id, decoded.error, decoded.message);
    case Decoded::Outcome::kIgnore: return;
    case Decoded::Outcome::kRequest: return handle_request(decoded.request, now);
    case Decoded::Outcome::kClose:
    case Decoded::Outcome::kQuit: return;  // handled above
  }
}

void SessionLogic::handle_request(Request& request, TimeMs now) {
  if (request.kind == Request::Kind::kPing) return gate_reply(request.id, errors::kNone, "");
  if (request.kind == Request::Kind::kCaptcha) return handle_captcha(request);
  if (request.command.body.empty())  // a dialect's bug, answered rather than crashed on
    return gate_reply(request.id, errors::kBadRequest, "the request asks for nothing");
  const CommandType& type = request.command.type();
  if (challenge_) {
    // Before the captcha is solved, a command may only shape the admission (no event yet).
    if (!type.before_admission)
      return gate_reply(request.id, errors::kCaptchaRequired, "solve the captcha of the hello message first");
    if (!admission_) admission_ = std::make_unique<Command>(Connect{});
    Reply r = type.before_admission(request.command, *admission_);
    return gate_reply(request.id, r.error, r.message);
  }
  if (type.traits.operators_only && !(options_.operators && options_.operators->admits(request.token)))
    return gate_reply(request.id, errors::kForbidden, "for operators only: send the operator token");
  if (type.traits.counts_in_flight && inflight_ + waiting_for_client_.size() >= options_.max_inflight)
    return gate_reply(request.id, errors::kBusy, "too many commands in flight; wait for replies");
  if (!request.secret.empty() && type.traits.credential == CredentialUse::kNone)  // a dialect's bug
    return gate_reply(request.id, errors::kBadRequest, "this request takes no password");
  if (type.traits.credential == CredentialUse::kReplaced && (request.secret.empty() || request.new_secret.empty()))
    return gate_reply(request.id, errors::kBadRequest, "this request takes the old password and the new one");
  if (type.traits.needs_client && client_ == kNoClient) {
    waiting_for_client_.push_back(
        Waiting{std::move(request.command), std::move(request.id), std::move(request.secret), std::move(request.new_secret)});
    return;
  }
  dispatch(std::move(request.command), std::move(request.id), std::move(request.secret), std::move(request.new_secret), now);
}

void SessionLogic::dispatch(Command command, std::string request_id, std::string secret, std::string new_secret, TimeMs now) {
  const CredentialUse use = command.type().traits.credential;
  const bool issue = use == CredentialUse::kHashed && command.type().wants_issued_secret && command.type().wants_issued_secret(command);
  if (issue && !secret.empty()) {
    sodium_memzero(secret.data(), secret.size());
    return gate_reply(request_id, errors::kBadRequest, "a password, or a secret the server makes: not both");
  }
  if (secret.empty() && !issue) {
    submit_command(std::move(command), std::move(request_id));
    return;
  }
  // Its replies are told apart by their id (the engine may ask for the password first).
  if (request_id.empty()) return gate_reply(request_id, errors::kBadRequest, "a request with a password needs an id");
  auto wipe = [&] {
    sodium_memzero(secret.data(), secret.size());
    sodium_memzero(new_secret.data(), new_secret.size());
  };
  // The rules are the stored secret's: the new one's when it replaces another (a made one has none).
  const std::string& stored = use == CredentialUse::kReplaced ? new_secret : secret;
  if (!issue && command.type().check_secret)
    if (Reply bad = command.type().check_secret(command, stored); !bad.ok()) {
      wipe();
      return gate_reply(request_id, bad.error, bad.message);
    }
  if (use == CredentialUse::kReplaced && new_secret == secret) {
    wipe();
    return gate_reply(request_id, errors::kWeakPassword, "the new password is the old one");
  }
  if (credential_) {
    wipe();
    return gate_reply(request_id, errors::kBusy, "one password at a time: wait for the reply");
  }
  if (password_throttled(now)) {
    wipe();
    return gate_reply(request_id, errors::kRateLimited, "too many wrong passwords; wait a minute");
  }
  auto wait = std::make_unique<CredentialWait>();
  wait->command = std::move(command);
  wait->request_id = std::move(request_id);
  wait->ticket = next_ticket_++;
  if (use == CredentialUse::kHashed) {
    const auto kind = issue ? CredentialJob::Kind::kIssue : CredentialJob::Kind::kHash;
    if (!start_credential_job(CredentialJob{kind, wait->ticket, std::move(secret), ""}, wait->request_id, now)) return;
    ++inflight_;  // it holds a slot while it is hashed
    credential_ = std::move(wait);
    return;
  }
  // kProven, kReplaced: the engine says whether a password is needed, and against which hash.
  wait->secret = std::move(secret);
  wait->new_secret = std::move(new_secret);
  Command copy = wait->command;
  const std::string internal_id = credential_request_id(wait->ticket);
  credential_ = std::move(wait);
  if (!submit_command(std::move(copy), internal_id)) {
    gate_reply(credential_->request_id, errors::kBusy, "the server is busy; try again");
    drop_secrets();
    credential_.reset();
  }
}

bool SessionLogic::start_credential_job(CredentialJob job, const std::string& request_id, TimeMs now) {
  if (options_.address_password_work) {
    const auto key = Admission::key_of_text(addr_);
    if (options_.address_password_work->blocked(key ? *key : addr_, now)) {
      sodium_memzero(job.secret.data(), job.secret.size());
      gate_reply(request_id, errors::kRateLimited, "too many passwords from your address; wait a minute");
      return false;
    }
    // Counts the work, right or wrong: each hash a job checks (a login by email checks several).
    for (std::size_t i = 0; i <= job.alternatives.size(); ++i) options_.address_password_work->failed(key ? *key : addr_, now);
  }
  if (io_.start_credential(std::move(job))) return true;
  gate_reply(request_id, errors::kBusy, "the server is busy checking passwords; try again");
  return false;
}

void SessionLogic::CredentialWait::wipe_secret() { sodium_memzero(secret.data(), secret.size()); }
void SessionLogic::CredentialWait::wipe() {
  wipe_secret();
  sodium_memzero(new_secret.data(), new_secret.size());
}

void SessionLogic::drop_secrets() {
  if (credential_) credential_->wipe();
  for (Waiting& w : waiting_for_client_) {
    sodium_memzero(w.secret.data(), w.secret.size());
    sodium_memzero(w.new_secret.data(), w.new_secret.size());
  }
}

bool SessionLogic::password_throttled(TimeMs now) const {
  if (password_failures_ >= options_.max_password_failures && now < password_window_start_ + options_.password_failure_window_ms)
    return true;
  if (!options_.address_failures) return false;
  const auto key = Admission::key_of_text(addr_);
  return options_.address_failures->blocked(key ? *key : addr_, now);
}

void SessionLogic::wrong_password(const std::string& request_id, const char* message, TimeMs now) {
  if (now >= password_window_start_ + options_.password_failure_window_ms) {
    password_window_start_ = now;
    password_failures_ = 0;
  }
  ++password_failures_;
  if (options_.address_failures) {
    const auto key = Admission::key_of_text(addr_);
    options_.address_failures->failed(key ? *key : addr_, now);
  }
  gate_reply(request_id, errors::kWrongPassword, message);
}

void SessionLogic::on_proven_reply(Outbound&& item, TimeMs now) {
  std::unique_ptr<CredentialWait> wait = std::move(credential_);
  item.request_id = wait->request_id;  // the client's own id again
  if (item.reply.error == errors::kCredentialNeeded) {
    const auto* challenge = item.reply.body.get_if<CredentialChallenge>();
    if (!challenge || wait->verified_once) {
      // Verified, yet asked again: the password (or the room of that name) changed meanwhile.
      wait->wipe();
      return gate_reply(item.request_id, errors::kWrongPassword, "the password changed; try again");
    }
    if (!challenge->throttle_key.empty() && options_.target_failures &&
        options_.target_failures->blocked(challenge->throttle_key, now)) {
      wait->wipe();
      return gate_reply(item.request_id, errors::kRateLimited, "too many wrong passwords for it; wait a minute");
    }
    wait->verifying = true;
    wait->throttle_key = challenge->throttle_key;
    wait->subject = challenge->subject;
    wait->version = challenge->version;
    wait->on_failure = challenge->on_failure;
    wait->distinct_from = challenge->distinct_from;
    CredentialJob job{CredentialJob::Kind::kVerify, wait->ticket, wait->secret, challenge->hash, {}};
    for (const CredentialCandidate& other : challenge->alternatives) {
      job.alternatives.push_back(other.hash);
      wait->alternatives.push_back(other.proof);
    }
    if (!start_credential_job(std::move(job), item.request_id, now)) {
      wait->wipe();
      return;
    }
    ++inflight_;  // it holds a slot while it is checked
    credential_ = std::move(wait);
    return;
  }
  // The engine needed no password (already in the room, the owner, no password) or decided with
  // the proof: the reply is the command's.
  wait->wipe();
  if (std::string& frame = empty_frame(); render_reply(item, frame)) send_frame(frame);
}

void SessionLogic::on_credential(CredentialResult result, TimeMs now) {
  if (!credential_ || credential_->ticket != result.ticket || closing_) return;
  std::unique_ptr<CredentialWait> wait = std::move(credential_);
  if (result.unavailable) {  // not checked at all: no wrong password is counted
    assert(inflight_ > 0);
    --inflight_;
    wait->wipe();
    return gate_reply(wait->request_id, errors::kBusy, "passwords cannot be checked right now; try again");
  }
  if (!wait->verifying) {  // hashed
    assert(inflight_ > 0);
    --inflight_;
    if (!result.ok) return gate_reply(wait->request_id, errors::kBusy, "the password could not be hashed; try again");
    wait->command.type().with_credential(wait->command, std::move(result.hash), wait->subject, wait->version);
    if (!result.secret.empty() && wait->command.type().with_issued_secret)
      wait->command.type().with_issued_secret(wait->command, std::move(result.secret));
    if (!wait->verified_once) {  // kHashed: the reply is the command's
      submit_command(std::move(wait->command), std::move(wait->request_id));
      return;
    }
    // kReplaced, proven and hashed: its reply may still be a challenge (the password changed meanwhile).
    Command proven = wait->command;
    return submit_proven(std::move(wait), std::move(proven));
  }
  assert(inflight_ > 0);
  --inflight_;
  wait->wipe_secret();
  const bool matched = result.ok || std::find(result.alternatives_matched.begin(), result.alternatives_matched.end(), true) !=
                                        result.alternatives_matched.end();
  if (!matched) {
    wait->wipe();
    if (wait->on_failure) {  // an audit: who tried a wrong password where (bounded by the throttle)
      Command audit = *wait->on_failure;
      io_.submit(std::move(audit), "");
    }
    if (!wait->throttle_key.empty() && options_.target_failures) options_.target_failures->failed(wait->throttle_key, now);
    return wrong_password(wait->request_id, "wrong password", now);
  }
  wait->verifying = false;
  wait->verified_once = true;
  wait->secret.clear();  // wiped above: not needed again
  if (wait->command.type().traits.credential == CredentialUse::kReplaced) {
    // The old password is proven: now the new one is hashed (the proof rides along).
    std::string fresh = std::move(wait->new_secret);
    if (!wait->distinct_from.empty() && fresh == wait->distinct_from) {
      sodium_memzero(fresh.data(), fresh.size());
      return gate_reply(wait->request_id, errors::kWeakPassword, "a password is not the username");
    }
    if (!start_credential_job(CredentialJob{CredentialJob::Kind::kHash, wait->ticket, std::move(fresh), ""}, wait->request_id, now))
      return;
    ++inflight_;  // it holds a slot while it is hashed
    credential_ = std::move(wait);
    return;
  }
  Command proven = wait->command;
  if (result.ok) proven.type().with_credential(proven, "", wait->subject, wait->version);
  for (std::size_t i = 0; i < wait->alternatives.size() && i < result.alternatives_matched.size(); ++i)
    if (result.alternatives_matched[i])
      proven.type().with_credential(proven, "", wait->alternatives[i].subject, wait->alternatives[i].version);
  submit_proven(std::move(wait), std::move(proven));
}

void SessionLogic::submit_proven(std::unique_ptr<CredentialWait> wait, Command proven) {
  const std::string internal_id = credential_request_id(wait->ticket);
  credential_ = std::move(wait);
  if (!submit_command(std::move(proven), internal_id)) {
    gate_reply(credential_->request_id, errors::kBusy, "the server is busy; try again");
    credential_.reset();
  }
}

void SessionLogic::handle_captcha(Request& request) {
  if (!challenge_) return gate_reply(request.id, errors::kInvalidState, "no captcha is pending");
  captcha::Verdict verdict = captcha_->verify(request.solution, challenge_->challenge);
  (verdict == captcha::Verdict::kOk ? metrics::process().captcha_solved : metrics::process().captcha_failed).add();
  if (verdict != captcha::Verdict::kOk) {
    // Moderators ask about failed captchas: record it (essential; bounded by max_captcha_failures).
    io_.submit(RecordCaptchaFailure{addr_, captcha::to_string(verdict)}, "");
    gate_reply(request.id, errors::kCaptchaInvalid, captcha::to_string(verdict));
    if (++captcha_failures_ >= options_.max_captcha_failures)
      shutdown(events::DisconnectReason::kMalformed, kClosePolicy, "captcha failed too many times");
    return;
  }
  challenge_.reset();
  become_client(std::move(request.id));  // the reply to the captcha is the reply to Connect
}

bool SessionLogic::submit_command(Command command, std::string request_id) {
  const CommandTraits traits = command.type().traits;
  if (traits.needs_client) command.actor = client_;
  if (!io_.submit(std::move(command), request_id)) {
    // (A password command's caller answers with the client's own id.)
    if (request_id.empty() || request_id[0] != '\x01') gate_reply(request_id, errors::kBusy, "the server is busy; try again");
    return false;
  }
  if (traits.counts_in_flight) ++inflight_;
  return true;
}

void SessionLogic::on_outbound(Outbound&& item, TimeMs now) {
  if (item.kind == Outbound::Kind::kReply) {
    if (item.command && item.command->traits.counts_in_flight) {
      assert(inflight_ > 0);
      --inflight_;
    }
    if (item.command == &CommandType::of<Connect>()) {
      connect_pending_ = false;
      if (item.reply.ok()) {
        client_ = item.reply.binds_client;
        idle_.on_admitted(now);
        if (closing_) {
          // The session ended while it was becoming a client: end the client too.
          disconnect_sent_ = true;
          io_.submit(Command{Disconnect{close_reason_}, client_}, "");
          return;
        }
        std::vector<Waiting> waiting = std::move(waiting_for_client_);
        waiting_for_client_.clear();
        for (Waiting& w : waiting)
          dispatch(std::move(w.command), std::move(w.request_id), std::move(w.secret), std::move(w.new_secret), now);
      } else if (!closing_) {
        // Only a bad pending name can make Connect fail; the gate checked it, so this is a bug.
        shutdown(events::DisconnectReason::kMalformed, kClosePolicy, "could not become a client: " + item.reply.message);
        return;
      }
    }
    if (closing_) return;
    if (credential_ && !credential_->verifying && item.request_id == credential_request_id(credential_->ticket))
      return on_proven_reply(std::move(item), now);
    if (item.reply.error == errors::kCredentialNeeded) {
      // Asked for no password where one is needed (the engine's answer is never shown as it is).
      item.reply = Reply::failure(errors::kWrongPassword, "this needs a password");
    }
    if (std::string& frame = empty_frame(); render_reply(item, frame)) send_frame(frame);
    return;
  }
  switch (item.idle.kind) {
    case projections::IdleMark::Kind::kActive: idle_.on_active(item.idle.domain, now); break;
    case projections::IdleMark::Kind::kIdle: idle_.on_idle(item.idle.domain, item.idle.label, now); break;
    case projections::IdleMark::Kind::kUnchanged: break;
  }
  if (item.ends_client && !closing_) {
    // The engine ended this client (not the session's own Disconnect): it is gone already.
    disconnect_sent_ = true;
    closing_ = true;
    io_.close(kClosePolicy, "the server ended the session");
    return;
  }
  if (closing_) return;
  if (!item.frame) return;
  if (!dialect_session_) return io_.send(std::move(item.frame));
  if (std::string& frame = empty_frame(); dialect_session_->show_push(item.frame.view(), item.own, frame)) send_frame(frame);
}

void SessionLogic::notice(std::string_view text) {
  if (closing_ || client_ == kNoClient) return;
  const projections::Push push{.body = projections::SystemNoticePush{std::string(text)}};
  std::string shared;
  if (!dialect_.render_push(push, false, shared)) return;
  if (!dialect_session_) return send_frame(shared);
  if (std::string& frame = empty_frame(); dialect_session_->show_push(shared, false, frame)) send_frame(frame);
}

void SessionLogic::on_timer(TimeMs now) {
  if (closing_) return;
  // While the server does not read (the in-flight bound), it cannot see the client's pongs: the
  // silence is the server's, not the client's.
  if (reading_paused()) idle_.on_activity(now);
  switch (idle_.check(now)) {
    case IdleVerdict::kNone: return;
    case IdleVerdict::kGateTimeout:
      return shutdown(events::DisconnectReason::kIdleState, kClosePolicy, "captcha not solved in time");
    case IdleVerdict::kIdleState:
      return shutdown(events::DisconnectReason::kIdleState, kCloseNormal,
                      std::string("idle: ") + idle_.idle_label() + " for too long");
    case IdleVerdict::kSilent:
      return shutdown(events::DisconnectReason::kSilent, kCloseNormal, "idle: no frame and no pong for too long");
  }
}

// Those of abusive or stuck clients are what an operator watches for (info); the others (the
// client's own close, idle, shutdown) only at debug. The reason's name only: a close's text may
// quote what the client sent.
void SessionLogic::record_close(events::DisconnectReason reason) const {
  using events::DisconnectReason;
  metrics::process().sessions_closed[static_cast<std::size_t>(reason)].add();
  const bool abuse = is_abuse(reason) || reason == DisconnectReason::kSlowReader;
  log::Line line(abuse ? log::Level::kInfo : log::Level::kDebug,
                 reason == DisconnectReason::kSlowReader ? "slow_reader"
                 : reason == DisconnectReason::kFlooding ? "flooding"
                 : reason == DisconnectReason::kMalformed ? "malformed_input"
                                                          : "session_closed");
  line.field("reason", events::to_string(reason)).field("dialect", events::to_string(dialect_.kind()));
  if (client_ != kNoClient) line.field("client", client_);
  line.peer("peer", addr_);
}

void SessionLogic::shutdown(events::DisconnectReason reason, std::uint16_t code, std::string text) {
  if (closing_) return;
  closing_ = true;
  drop_secrets();
  close_reason_ = reason;
  record_close(reason);
  if (client_ != kNoClient && !disconnect_sent_) {
    disconnect_sent_ = true;
    io_.submit(Command{Disconnect{reason}, client_}, "");
  } else if (client_ == kNoClient && !connect_pending_ && is_abuse(reason)) {
    // Moderators ask about abusive connections even when they never became clients.
    io_.submit(RecordRejection{addr_, text}, "");
  }
  io_.close(code, std::move(text));
}

void SessionLogic::on_transport_closed() {
  drop_secrets();
  if (!closing_) {
    closing_ = true;
    close_reason_ = events::DisconnectReason::kClosed;
    record_close(close_reason_);
  }
  if (client_ != kNoClient && !disconnect_sent_) {
    disconnect_sent_ = true;
    io_.submit(Command{Disconnect{close_reason_}, client_}, "");
  }
}

}  // namespace chatd
