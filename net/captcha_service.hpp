// CaptchaService: the server's one captcha Issuer, shared by all sessions.
// Thread-safety: thread-safe (one mutex; issuing and verifying take microseconds).
#pragma once

#include <memory>
#include <mutex>

#include "core/captcha.hpp"

namespace chatd {

class CaptchaService {
 public:
  CaptchaService(std::array<std::uint8_t, 32> key, std::uint64_t difficulty, TimeMs lifetime_ms,
                 std::unique_ptr<Random> random)
      : issuer_(key, difficulty, lifetime_ms, 1 << 20), random_(std::move(random)) {}

  captcha::Challenge issue(TimeMs now) {
    std::lock_guard lock(mu_);
    return issuer_.issue(now, *random_);
  }
  captcha::Verdict verify(const captcha::Solution& solution, std::string_view issued, TimeMs now) {
    std::lock_guard lock(mu_);
    return issuer_.verify(solution, issued, now);
  }
  bool enabled() const { return issuer_.enabled(); }

 private:
  std::mutex mu_;
  captcha::Issuer issuer_;          // guarded by mu_
  std::unique_ptr<Random> random_;  // guarded by mu_
};

}  // namespace chatd
