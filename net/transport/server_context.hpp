// ServerContext: what the listener and its sessions share: options, dialects, the engine runner,
// the captcha service, the admission counts, and the registry of open sessions (for shutdown).
// Thread-safety: used only on the network thread (`operators` and `tls` too, which SIGHUP replaces
// there), except `runner` and `captcha` (thread-safe) and
// `live_connections` (atomic).
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "net/config.hpp"
#include "net/engine/engine_runner.hpp"
#include "net/metrics.hpp"
#include "net/lowf/dialect.hpp"
#include "net/native/dialect.hpp"
#include "net/palette/dialect.hpp"
#include "net/session/captcha_service.hpp"
#include "net/session/credential_pool.hpp"
#include "net/session/credential_process.hpp"
#include "net/session/session_logic.hpp"
#include "net/session/admission.hpp"
#include "net/transport/deadline_queue.hpp"
#include "net/transport/tls.hpp"

namespace chatd {

// The real wall clock, in ms since the epoch: event times and captcha expiry.
class SystemClock final : public Clock {
 public:
  TimeMs now_ms() override;
};

// A monotonic clock in ms: session deadlines and rate limits, which must not jump when the
// system clock is set.
class MonotonicClock final : public Clock {
 public:
  TimeMs now_ms() override;
};

// What the server may do to a running session from outside it.
class ManagedSession {
 public:
  virtual ~ManagedSession() = default;
  virtual std::size_t queued_bytes() const = 0;
  // Ends the session for `reason` (posted: safe to call from inside another session's call).
  virtual void end(events::DisconnectReason reason, std::uint16_t code, std::string text) = 0;
  // A wake-up the session put in ServerContext::deadlines for `when` has come due at `now`.
  virtual void on_deadline(TimeMs when, TimeMs now) = 0;
  // The server's own notice to this session's client (posted, as end()).
  virtual void notice(std::string text) = 0;
};

// Completion of every coroutine chatd spawns: an exception escaping a session is reported on
// stderr and ends that session only, never the server.
void report_coroutine_failure(std::exception_ptr error);

struct ServerContext {
  ServerContext(const Config& config, EngineRunner& runner, CaptchaService& captcha);

  const Config& config;
  EngineRunner& runner;
  CaptchaService& captcha;
  MonotonicClock clock;  // for sessions
  NativeDialect native;
  LowfDialect lowf;
  PaletteDialect palette;
  OperatorTokens operators;  // filled before the server starts and on SIGHUP; the options point at it
  std::unique_ptr<TlsCredentials> tls;  // with --tls-cert: the main port (and --palette-tls's) speak TLS
  Argon2idHasher hasher;
  // Thread-safe; its results are posted back to the sessions' thread.
  std::unique_ptr<CredentialService> credentials;
  SessionOptions native_options;
  SessionOptions lowf_options;
  SessionOptions palette_options;

  // Connection objects alive, on any thread: a session's coroutines may have ended while the engine
  // still holds it (a Connect in flight, whose reply must still be answered with a Disconnect), so
  // a stopping server waits for this, not only for `connections`, before it stops the network
  // thread; otherwise that Disconnect was never submitted and the log kept the client connected.
  std::atomic<std::size_t> live_connections{0};

  // Network thread only.
  Admission admission;  // every connection from its accept to its close
  FailureThrottle password_failures;  // wrong passwords per address; the options point at it
  FailureThrottle password_work;      // hashes and checks per address
  FailureThrottle target_failures;    // wrong passwords per account, from every address
  std::size_t queued_bytes = 0;  // outbound bytes queued in all sessions
  bool stopping = false;
  // The running sessions: registered when they start, removed when their coroutine ends.
  std::unordered_map<std::uint64_t, ManagedSession*> sessions;
  std::uint64_t next_session = 1;
  // The sessions' watchdog wake-ups, served by the server's one timer. A session whose push makes
  // the earliest entry calls wake_deadline_timer(), so the timer is moved earlier.
  DeadlineQueue deadlines;
  std::function<void()> wake_deadline_timer = [] {};
  // Set by chatd's main before the server starts: the version /metrics names, and the storage's
  // families (the log's size), which the server does not own.
  std::string version;
  std::function<void(metrics::Exposition&)> storage_metrics;
};

}  // namespace chatd
