// SessionLogic: everything a session decides, without any I/O: the captcha gate, the rate limit,
// commands in flight, idle deadlines, the client id, and its replies' frames (pushes arrive
// rendered by the router, their bytes shared with the other recipients). It
// holds no rule of any domain but the session's own (connecting, disconnecting, the captcha): what
// a command needs (a client, an in-flight slot, the captcha first) is in its traits
// (core/command.hpp), and what makes a client idle is in the pushes it gets. The connection
// (net/transport/) only moves bytes and timers around it, and the simulator drives the very same
// code.
// Thread-safety: not thread-safe; called from its session's thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/session/idle_tracker.hpp"
#include "net/session/rate_limiter.hpp"
#include "net/session/admission.hpp"
#include "net/session/captcha_service.hpp"
#include "net/session/credentials.hpp"
#include "net/session/dialect.hpp"
#include "net/session/operator_tokens.hpp"

namespace chatd {

struct SessionOptions {
  bool captcha_required = true;
  IdlePolicy idle;
  std::uint32_t rate_per_sec = 20;
  std::uint32_t rate_burst = 40;
  // Frames that wait for the rate without a break for this long end the session as flooding: a
  // burst of up to rate_burst + rate_per_sec * flood_after_ms / 1000 frames (240) arrives whole.
  TimeMs flood_after_ms = 10'000;
  std::uint32_t max_pings_over_rate = 20;  // pings in a row without a token (they cannot wait) before "flooding"
  std::uint32_t max_captcha_failures = 3;
  std::size_t max_inflight = 32;           // commands submitted and not yet answered
  std::size_t max_frame_bytes = 65536;
  std::size_t max_message_bytes = 4096;
  const OperatorTokens* operators = nullptr;  // null or empty: no request is an operator's
  // Wrong passwords: a session's client may make this many a window (ergo's 3 a minute), and an
  // address as many as `address_failures` allows (shared by the server's sessions; null: no bound).
  std::uint32_t max_password_failures = 3;
  TimeMs password_failure_window_ms = 60'000;
  FailureThrottle* address_failures = nullptr;
  // Password work (hashes and checks, ~22 ms each) per address and window; null: no bound. It
  // keeps one address from holding the pool, whether its passwords are right or not.
  FailureThrottle* address_password_work = nullptr;
  // Wrong passwords per target a challenge names (an account's username: ergo's 3 a minute), from
  // all sessions together; past it the target takes no password until its window ends. Null: none.
  FailureThrottle* target_failures = nullptr;
};

// What the logic asks of its transport.
class SessionIo {
 public:
  virtual ~SessionIo() = default;
  virtual void send(Frame frame) = 0;
  // Starts a close handshake with `code` and `reason`; nothing more is read afterwards.
  virtual void close(std::uint16_t code, std::string reason) = 0;
  // Hands a command to the engine; false if the engine's queue is full (never for an essential one).
  virtual bool submit(Command command, std::string request_id) = 0;
  // Runs the slow credential work of `job` off this thread (net/session/credential_pool.hpp); the
  // result comes back through SessionLogic::on_credential, on the session's thread, unless the
  // session is gone. false: no credential work can be taken now (the session answers `busy`).
  virtual bool start_credential(CredentialJob job) {
    (void)job;
    return false;
  }
};

// WebSocket close codes the logic uses (RFC 6455).
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kClosePolicy = 1008;
inline constexpr std::uint16_t kCloseTooBig = 1009;

class SessionLogic {
 public:
  SessionLogic(const WireDialect& dialect, const SessionOptions& options, CaptchaService* captcha, SessionIo& io,
               std::string addr, TimeMs now);
  ~SessionLogic();  // the sessions-open gauge counts it until here
  SessionLogic(const SessionLogic&) = delete;
  SessionLogic& operator=(const SessionLogic&) = delete;

  // The connection is open: say hello, and become a client at once if no captcha is required.
  void open();
  // Backpressure (DESIGN.md principle 8): the transport reads no further frame while
  // reading_paused(), and holds a frame it has read until frame_ready_at(), so TCP pushes back on
  // the client instead of the session refusing. Paused: the commands in flight are at their bound
  // (a reply in on_outbound ends the pause; the transport asks again after each delivery).
  bool reading_paused() const;
  // A frame has been read: when it may be handed to on_frame. `now` if the rate limit has a token;
  // otherwise when the next one comes. Once frames have waited without a break for
  // flood_after_ms, the session ends as flooding (and `now` is returned: on_frame drops what a
  // closing session sends).
  TimeMs frame_ready_at(TimeMs now);
  // A whole frame. A transport that did not wait for frame_ready_at() gets `rate_limited` replies.
  void on_frame(std::string_view frame, TimeMs now);
  void on_pong(TimeMs now) { idle_.on_activity(now); }
  // A ping from the peer: a sign of life, and work (the transport answers it), so it takes a token
  // of the rate limit like a command; a flood of them ends the session as flooding.
  void on_ping(TimeMs now);
  // An item of a committed batch for this session; its frame is taken (moved to the transport).
  void on_outbound(Outbound&& item, TimeMs now);
  // The server tells the client `text` (a system notice: the shutdown countdown).
  void notice(std::string_view text);
  // The credential work started for this session is done.
  void on_credential(CredentialResult result, TimeMs now);
  // Checks the idle deadlines; closes the session if one has passed.
  void on_timer(TimeMs now);
  // The transport is gone (closed by the peer, or after our close): the engine must hear of it once.
  void on_transport_closed();
  // Ends the session for `reason`: tells the engine (once) and closes the transport.
  void shutdown(events::DisconnectReason reason, std::uint16_t code, std::string text);

  TimeMs deadline() const { return idle_.deadline(); }
  bool closing() const { return closing_; }
  const std::string& addr() const { return addr_; }

 private:
  void handle_request(Request& request, TimeMs now);
  void on_proven_reply(Outbound&& item, TimeMs now);
  void handle_captcha(Request& request);
  bool submit_command(Command command, std::string request_id);  // false: refused as busy (answered)
  // A command ready for the engine, with the secret it came with (possibly none).
  void dispatch(Command command, std::string request_id, std::string secret, std::string new_secret, TimeMs now);
  bool password_throttled(TimeMs now) const;
  void wrong_password(const std::string& request_id, const char* message, TimeMs now);
  // The id a password command goes to the engine with, which no client's id can equal, so its
  // reply is matched to it alone (a client's own ids may repeat).
  static std::string credential_request_id(std::uint64_t ticket) { return "\x01" + std::to_string(ticket); }
  // Hands `job` to the pool, within the address's budget; false: refused, and answered.
  bool start_credential_job(CredentialJob job, const std::string& request_id, TimeMs now);
  void drop_secrets();
  // The log line and the count of the server's own close of a session, or of the client's close.
  void record_close(events::DisconnectReason reason) const;
  void become_client(std::string request_id);
  void gate_reply(const std::string& id, ErrorCode error, std::string_view message);
  void send_frame(const std::string& frame);
  bool render_reply(const Outbound& item, std::string& out);

  const WireDialect& dialect_;
  std::unique_ptr<DialectSession> dialect_session_;  // a stateful dialect's (the palette); else null
  const SessionOptions& options_;
  CaptchaService* captcha_;  // null: no captcha for this session
  SessionIo& io_;
  const std::string addr_;
  IdleTracker idle_;
  RateLimiter limiter_;
  std::unique_ptr<captcha::Challenge> challenge_;  // while the captcha is unsolved; most sessions are past it
  // The Connect this session will submit, while commands sent before the captcha shape it (a name).
  std::unique_ptr<Command> admission_;
  // Commands sent before Connect's reply. A vector, not a deque: libstdc++'s deque allocates ~500
  // bytes on construction, and most sessions never hold anything here.
  struct Waiting {
    Command command;
    std::string request_id;
    std::string secret;
    std::string new_secret;
  };
  std::vector<Waiting> waiting_for_client_;
  // The one command of this session whose password is being hashed or checked, with what it
  // needs to go on; at most one at a time (argon2id is dear: a second one is `busy`).
  struct CredentialWait {
    Command command;
    std::string request_id;
    std::string secret;
    std::uint64_t ticket = 0;
    bool verifying = false;      // the pool checks the secret (else: it hashes it, or the engine has the command)
    bool verified_once = false;  // the command went back with a proof: a second challenge means the password changed
    std::uint64_t subject = 0;   // the credential the secret is checked against: what it belongs to
    std::uint64_t version = 0;   // and its version
    std::vector<CredentialProof> alternatives;  // the challenge's other credentials, in its order
    std::shared_ptr<const Command> on_failure;
    std::string throttle_key;    // the challenge's: what a wrong secret counts against ("": nothing)
    std::string new_secret;      // kReplaced: hashed once `secret` is proven
    std::string distinct_from;   // kReplaced: what new_secret may not be (the challenge's)
    void wipe_secret();  // overwrites `secret` (sodium_memzero)
    void wipe();         // and `new_secret`
  };
  std::unique_ptr<CredentialWait> credential_;
  // Submits a command that carries its proof, under the wait's internal id (its reply may be a
  // second challenge: the password changed meanwhile); the wait becomes credential_ again.
  void submit_proven(std::unique_ptr<CredentialWait> wait, Command proven);
  std::uint64_t next_ticket_ = 1;
  std::uint32_t password_failures_ = 0;  // in the window starting at password_window_start_
  TimeMs password_window_start_ = 0;
  ClientId client_ = kNoClient;
  bool connect_pending_ = false;
  bool closing_ = false;
  bool disconnect_sent_ = false;
  events::DisconnectReason close_reason_ = events::DisconnectReason::kClosed;
  std::size_t inflight_ = 0;
  TimeMs waiting_for_rate_since_ = IdleTracker::kNever;  // frames have waited for the rate since then
  std::uint32_t pings_over_rate_ = 0;                    // in a row
  std::uint32_t captcha_failures_ = 0;
  // No per-session buffers: the decoded request and the outgoing frame are built in scratch space
  // shared by the thread's sessions (session_logic.cpp), so an idle session holds none.
};

}  // namespace chatd
