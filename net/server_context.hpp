// ServerContext: what the listener and its sessions share: options, dialects, the engine runner,
// the captcha service, and the registry of open sessions (for per-address limits and shutdown).
// Thread-safety: used only on the network thread, except `runner` and `captcha` (thread-safe).
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <unordered_map>

#include "net/captcha_service.hpp"
#include "net/config.hpp"
#include "net/engine_runner.hpp"
#include "net/lowf_dialect.hpp"
#include "net/native_dialect.hpp"
#include "net/session_logic.hpp"

namespace chatd {

// The real wall clock, in ms since the epoch; sessions and the engine get it through Clock.
class SystemClock final : public Clock {
 public:
  TimeMs now_ms() override;
};

// Completion of every coroutine chatd spawns: an exception escaping a session is reported on
// stderr and ends that session only, never the server.
void report_coroutine_failure(std::exception_ptr error);

struct ServerContext {
  ServerContext(const Config& config, EngineRunner& runner, CaptchaService& captcha);

  const Config& config;
  EngineRunner& runner;
  CaptchaService& captcha;
  SystemClock clock;
  NativeDialect native;
  LowfDialect lowf;
  SessionOptions native_options;
  SessionOptions lowf_options;

  // Network thread only.
  std::unordered_map<std::string, std::size_t> connections_by_address;
  std::size_t connections = 0;
  bool stopping = false;
  // Called by each session when it starts and when it ends; shutdown() ends all of them.
  std::unordered_map<std::uint64_t, std::function<void()>> shutdown_hooks;
  std::uint64_t next_session = 1;
};

}  // namespace chatd
