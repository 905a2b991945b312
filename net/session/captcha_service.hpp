// CaptchaService: the server's one captcha Issuer, shared by all sessions. Challenges expire on
// wall-clock time (ALTCHA puts a Unix time in the salt), so it reads its own wall clock; sessions
// measure their idle deadlines on a monotonic one.
// Thread-safety: thread-safe (one mutex; issuing and verifying take microseconds).
#pragma once

#include <memory>
#include <mutex>

#include "core/session/captcha.hpp"

namespace chatd {

class CaptchaService {
 public:
  // `wall_clock` must be thread-safe and outlive the service.
  CaptchaService(std::array<std::uint8_t, 32> key, std::uint64_t difficulty, TimeMs lifetime_ms,
                 std::unique_ptr<Random> random, Clock& wall_clock)
      : issuer_(key, difficulty, lifetime_ms, 1 << 20), random_(std::move(random)), clock_(wall_clock) {}

  captcha::Challenge issue() {
    std::lock_guard lock(mu_);
    return issuer_.issue(clock_.now_ms(), *random_);
  }
  captcha::Verdict verify(const captcha::Solution& solution, std::string_view issued) {
    std::lock_guard lock(mu_);
    return issuer_.verify(solution, issued, clock_.now_ms());
  }
  bool enabled() const { return issuer_.enabled(); }

 private:
  std::mutex mu_;
  captcha::Issuer issuer_;          // guarded by mu_
  std::unique_ptr<Random> random_;  // guarded by mu_
  Clock& clock_;
};

}  // namespace chatd
