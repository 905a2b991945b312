// IdleTracker: the idle deadlines of one session, as pure arithmetic on times passed in, so they
// are tested with a fake clock and the simulator runs the same code as the server.
//  - gate: a connection that has not become a client (captcha unsolved) within gate_ms;
//  - state: a client idle for longer than state_ms (what counts as idle is the domains' to say, in
//    the pushes they send: in stranger chat, LOOKING or DISCONNECTED; see projections/push.hpp);
//  - connected: a client that no domain has marked since it became one (it answers pings and does
//    nothing: lowf's CONNECTED) for longer than connected_ms;
//  - silence: no frame and no pong for longer than silence_ms.
// A timeout of 0 is off. A deadline fires at its time exactly, never before.
// Thread-safety: not thread-safe; owned by its session.
#pragma once

#include <algorithm>
#include <limits>

#include "core/base/ids.hpp"

namespace chatd {

struct IdlePolicy {
  TimeMs gate_ms = 60'000;
  TimeMs state_ms = 600'000;
  TimeMs silence_ms = 90'000;
  TimeMs connected_ms = 600'000;
};

enum class IdleVerdict { kNone, kGateTimeout, kIdleState, kSilent };

class IdleTracker {
 public:
  static constexpr TimeMs kNever = std::numeric_limits<TimeMs>::max();

  IdleTracker(IdlePolicy policy, TimeMs now) : policy_(policy), opened_(now), last_activity_(now) {}

  void on_activity(TimeMs now) { last_activity_ = std::max(last_activity_, now); }
  void on_admitted(TimeMs now) {
    admitted_ = true;
    unmarked_ = true;
    idle_label_ = kConnectedLabel;
    state_since_ = now;
  }
  // The client is doing something that is not idle (in stranger chat: paired).
  void on_active(TimeMs now) {
    unmarked_ = false;
    idle_label_ = nullptr;
    state_since_ = now;
  }
  // The client is idle, doing `label` ("looking"): its idle deadline runs from now.
  void on_idle(const char* label, TimeMs now) {
    unmarked_ = false;
    idle_label_ = label;
    state_since_ = now;
  }

  // The earliest time at which check() can return something other than kNone.
  TimeMs deadline() const {
    TimeMs d = kNever;
    if (policy_.silence_ms > 0) d = std::min(d, last_activity_ + policy_.silence_ms);
    if (!admitted_ && policy_.gate_ms > 0) d = std::min(d, opened_ + policy_.gate_ms);
    if (admitted_ && state_limit() > 0 && idle_state()) d = std::min(d, state_since_ + state_limit());
    return d;
  }

  IdleVerdict check(TimeMs now) const {
    if (!admitted_ && policy_.gate_ms > 0 && now >= opened_ + policy_.gate_ms) return IdleVerdict::kGateTimeout;
    if (admitted_ && state_limit() > 0 && idle_state() && now >= state_since_ + state_limit())
      return IdleVerdict::kIdleState;
    if (policy_.silence_ms > 0 && now >= last_activity_ + policy_.silence_ms) return IdleVerdict::kSilent;
    return IdleVerdict::kNone;
  }

  // What the client is idle doing, or null.
  const char* idle_label() const { return idle_label_; }
  bool admitted() const { return admitted_; }
  TimeMs last_activity() const { return last_activity_; }

 private:
  static constexpr const char* kConnectedLabel = "connected";
  bool idle_state() const { return idle_label_ != nullptr; }
  TimeMs state_limit() const { return unmarked_ ? policy_.connected_ms : policy_.state_ms; }

  IdlePolicy policy_;
  TimeMs opened_;
  TimeMs last_activity_;
  bool admitted_ = false;
  bool unmarked_ = false;             // admitted, and no domain has marked the client since
  const char* idle_label_ = nullptr;  // a string constant of a domain, or kConnectedLabel
  TimeMs state_since_ = 0;
};

}  // namespace chatd
