// IdleTracker: the idle deadlines of one session, as pure arithmetic on times passed in, so they
// are tested with a fake clock and the simulator runs the same code as the server.
//  - gate: a connection that has not become a client (captcha unsolved) within gate_ms;
//  - state: a client LOOKING or DISCONNECTED for longer than state_ms;
//  - silence: no frame and no pong for longer than silence_ms.
// A timeout of 0 is off. A deadline fires at its time exactly, never before.
// Thread-safety: not thread-safe; owned by its session.
#pragma once

#include <algorithm>
#include <limits>

#include "core/ids.hpp"
#include "events/event.hpp"

namespace chatd {

struct IdlePolicy {
  TimeMs gate_ms = 60'000;
  TimeMs state_ms = 600'000;
  TimeMs silence_ms = 90'000;
};

enum class IdleVerdict { kNone, kGateTimeout, kIdleState, kSilent };

class IdleTracker {
 public:
  static constexpr TimeMs kNever = std::numeric_limits<TimeMs>::max();

  IdleTracker(IdlePolicy policy, TimeMs now) : policy_(policy), opened_(now), last_activity_(now) {}

  void on_activity(TimeMs now) { last_activity_ = std::max(last_activity_, now); }
  void on_admitted(TimeMs now) {
    admitted_ = true;
    on_state(events::ClientState::kConnected, now);
  }
  void on_state(events::ClientState state, TimeMs now) {
    state_ = state;
    state_since_ = now;
  }

  // The earliest time at which check() can return something other than kNone.
  TimeMs deadline() const {
    TimeMs d = kNever;
    if (policy_.silence_ms > 0) d = std::min(d, last_activity_ + policy_.silence_ms);
    if (!admitted_ && policy_.gate_ms > 0) d = std::min(d, opened_ + policy_.gate_ms);
    if (admitted_ && policy_.state_ms > 0 && idle_state()) d = std::min(d, state_since_ + policy_.state_ms);
    return d;
  }

  IdleVerdict check(TimeMs now) const {
    if (!admitted_ && policy_.gate_ms > 0 && now >= opened_ + policy_.gate_ms) return IdleVerdict::kGateTimeout;
    if (admitted_ && policy_.state_ms > 0 && idle_state() && now >= state_since_ + policy_.state_ms)
      return IdleVerdict::kIdleState;
    if (policy_.silence_ms > 0 && now >= last_activity_ + policy_.silence_ms) return IdleVerdict::kSilent;
    return IdleVerdict::kNone;
  }

  events::ClientState state() const { return state_; }
  bool admitted() const { return admitted_; }
  TimeMs last_activity() const { return last_activity_; }

 private:
  bool idle_state() const {
    return state_ == events::ClientState::kLooking || state_ == events::ClientState::kDisconnected;
  }

  IdlePolicy policy_;
  TimeMs opened_;
  TimeMs last_activity_;
  bool admitted_ = false;
  events::ClientState state_ = events::ClientState::kConnected;
  TimeMs state_since_ = 0;
};

}  // namespace chatd
