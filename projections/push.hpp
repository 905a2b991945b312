// Pushes: what clients are told when an event happens, as notify() derives it. A push is an
// envelope around a per-domain body; each dialect renders the bodies it can say (net/<dialect>/),
// and a push meant for many sessions is rendered once per dialect and its bytes shared by all of
// them (net/engine/router.cpp).
// Thread-safety: plain values; a PushType is written only while the registry is built.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/base/erased.hpp"
#include "core/base/ids.hpp"

namespace chatd::projections {

inline constexpr std::size_t kPushCapacity = 80;

// One push body type (PushType::of<T>()). A body type declares `static constexpr std::string_view
// kName` and `operator==`.
struct PushType : ValueOps {
  static constexpr std::size_t kCapacity = kPushCapacity;
  std::string_view name;
  // Set when the domain registers it (projections/domain.hpp): dialects index their renderers by it.
  int index = -1;
  std::string_view domain;

  template <class T>
  static PushType& of();
};

template <class T>
PushType& PushType::of() {
  static constinit PushType type = [] {
    PushType t;
    static_cast<ValueOps&>(t) = value_ops<T, kPushCapacity>();
    t.name = T::kName;
    return t;
  }();
  return type;
}

using PushBody = Erased<PushType, kPushCapacity>;

// How a push changes its recipients' idle deadline (a client idle for too long is disconnected).
// Each domain marks for itself: a client is idle only when no domain says it is active (paired in
// stranger chat, or in a room), so one domain's "idle" never overrides another's "active".
struct IdleMark {
  enum class Kind : std::uint8_t { kUnchanged, kActive, kIdle };
  Kind kind = Kind::kUnchanged;
  const char* label = "";   // kIdle: what the client is doing, for the close reason ("idle: looking for too long")
  const char* domain = "";  // the domain that marks: a string constant (compared by content)

  static IdleMark active(const char* domain) { return {Kind::kActive, "", domain}; }
  static IdleMark idle(const char* label, const char* domain) { return {Kind::kIdle, label, domain}; }
};

struct Push {
  PushBody body;
  IdleMark idle;
  // Its recipients stop being clients with it: the router forgets their sessions afterwards (and a
  // session that is not closing already closes).
  bool ends_client = false;
};

struct Recipient {
  ClientId client = kNoClient;
  bool own = false;  // the push is about the recipient's own action (its message, echoed)
};

}  // namespace chatd::projections
