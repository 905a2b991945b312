// RateLimiter: a token bucket on times passed in. `rate_per_sec` tokens flow in per second up to
// `burst`; each command takes one. Integer arithmetic in thousandths of a token, so the same
// times give the same answers everywhere.
// Thread-safety: not thread-safe; owned by its session.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/base/ids.hpp"

namespace chatd {

class RateLimiter {
 public:
  // rate_per_sec == 0 turns the limit off.
  RateLimiter(std::uint32_t rate_per_sec, std::uint32_t burst, TimeMs now)
      : rate_(rate_per_sec), capacity_milli_(std::int64_t{std::max<std::uint32_t>(burst, 1)} * 1000),
        milli_tokens_(capacity_milli_), last_(now) {}

  bool try_acquire(TimeMs now) {
    if (rate_ == 0) return true;
    refill(now);
    if (milli_tokens_ < 1000) return false;
    milli_tokens_ -= 1000;
    return true;
  }

  // When try_acquire() will next succeed: `now` if a token is there.
  TimeMs next_token_at(TimeMs now) {
    if (rate_ == 0) return now;
    refill(now);
    if (milli_tokens_ >= 1000) return now;
    const std::int64_t missing = 1000 - milli_tokens_;
    return now + (missing + rate_ - 1) / rate_;  // whole milliseconds, rounded up
  }

 private:
  void refill(TimeMs now) {
    if (now > last_) {
      // rate_ tokens per 1000 ms = rate_ milli-tokens per ms.
      milli_tokens_ = std::min(capacity_milli_, milli_tokens_ + (now - last_) * std::int64_t{rate_});
      last_ = now;
    }
  }

  std::uint32_t rate_;
  std::int64_t capacity_milli_;
  std::int64_t milli_tokens_;
  TimeMs last_;
};

}  // namespace chatd
