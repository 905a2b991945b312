// IdleTracker: the idle deadlines of one session, as pure arithmetic on times passed in, so they
// are tested with a fake clock and the simulator runs the same code as the server.
//  - gate: a connection that has not become a client (captcha unsolved) within gate_ms;
//  - state: a client idle for longer than state_ms (what counts as idle is the domains' to say, in
//    the pushes they send: in stranger chat, LOOKING or DISCONNECTED; see projections/push.hpp).
//    Each domain's latest mark is kept: the client is idle while none of them says active;
//  - connected: a client that no domain has marked since it became one (it answers pings and does
//    nothing: lowf's CONNECTED) for longer than connected_ms;
//  - silence: no frame and no pong for longer than silence_ms.
// A timeout of 0 is off. A deadline fires at its time exactly, never before.
// Thread-safety: not thread-safe; owned by its session.
#pragma once

#include <algorithm>
#include <limits>
#include <string_view>

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
  // Domain `domain` says the client is doing something that is not idle (in stranger chat: paired;
  // in rooms: in one).
  void on_active(std::string_view domain, TimeMs now) { mark(domain, nullptr, now); }
  // Domain `domain` says the client is idle, doing `label` ("looking"). When no other domain says
  // it is active, its idle deadline runs from now.
  void on_idle(std::string_view domain, const char* label, TimeMs now) { mark(domain, label, now); }

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

  // A domain's latest mark: idle (with its label) or active (label null).
  struct DomainMark {
    std::string_view domain;
    const char* idle_label = nullptr;
  };
  static constexpr std::size_t kMaxDomains = 8;

  void mark(std::string_view domain, const char* idle_label, TimeMs now) {
    std::size_t i = 0;
    while (i < marks_count_ && marks_[i].domain != domain) ++i;
    if (i == marks_count_) {
      if (marks_count_ == kMaxDomains) i = kMaxDomains - 1;  // more domains than marks: a bug, kept safe
      else ++marks_count_;
    }
    marks_[i] = DomainMark{domain, idle_label};
    unmarked_ = false;
    bool any_active = false;
    for (std::size_t k = 0; k < marks_count_; ++k) any_active = any_active || marks_[k].idle_label == nullptr;
    // Active: no idle deadline. Idle: this mark's label, from now (another domain's idle mark was
    // older, and this one is what the client now does).
    if (any_active) idle_label_ = nullptr;
    else if (idle_label) idle_label_ = idle_label;
    state_since_ = now;
  }

  IdlePolicy policy_;
  TimeMs opened_;
  TimeMs last_activity_;
  bool admitted_ = false;
  bool unmarked_ = false;             // admitted, and no domain has marked the client since
  const char* idle_label_ = nullptr;  // a string constant of a domain, or kConnectedLabel
  TimeMs state_since_ = 0;
  DomainMark marks_[kMaxDomains];
  std::size_t marks_count_ = 0;
};

}  // namespace chatd
