// The stranger domain's events: one-on-one chat between strangers, as lowf had it (a name, a
// search, a pair, messages, leaving, reporting the partner afterwards).
// Thread-safety: plain values.
#pragma once

#include <string>
#include <tuple>

#include "events/event.hpp"

namespace chatd::events {

struct NameChanged {
  static constexpr std::string_view kType = "name_changed";
  ClientId client = kNoClient;
  std::string name;
  static constexpr auto fields() {
    return std::tuple{field<&NameChanged::client>("client", Role::kClient),
                      field<&NameChanged::name>("name", FieldOptions{.role = Role::kName, .label = "new_name"})};
  }
  bool operator==(const NameChanged&) const = default;
};

// The client waits for a partner (nobody suitable was waiting).
struct SearchStarted {
  static constexpr std::string_view kType = "search_started";
  ClientId client = kNoClient;
  static constexpr auto fields() { return std::tuple{field<&SearchStarted::client>("client", Role::kClient)}; }
  bool operator==(const SearchStarted&) const = default;
};

// The client stopped waiting.
struct SearchCancelled {
  static constexpr std::string_view kType = "search_cancelled";
  ClientId client = kNoClient;
  static constexpr auto fields() { return std::tuple{field<&SearchCancelled::client>("client", Role::kClient)}; }
  bool operator==(const SearchCancelled&) const = default;
};

// `seeker` searched and was paired at once with `waiter`, drawn from those waiting.
struct Paired {
  static constexpr std::string_view kType = "paired";
  PairId pair;
  ClientId seeker = kNoClient;
  ClientId waiter = kNoClient;
  static constexpr auto fields() {
    return std::tuple{field<&Paired::pair>("pair", Role::kPair), field<&Paired::seeker>("seeker", Role::kClient),
                      field<&Paired::waiter>("waiter", Role::kClient)};
  }
  bool operator==(const Paired&) const = default;
};

struct MessageSent {
  static constexpr std::string_view kType = "message_sent";
  PairId pair;
  ClientId from = kNoClient;
  std::string text;
  static constexpr auto fields() {
    return std::tuple{field<&MessageSent::pair>("pair", Role::kPair), field<&MessageSent::from>("from", Role::kClient),
                      field<&MessageSent::text>("text")};
  }
  bool operator==(const MessageSent&) const = default;
};

// `by` left the pair; both sides are now DISCONNECTED.
struct PairLeft {
  static constexpr std::string_view kType = "pair_left";
  PairId pair;
  ClientId by = kNoClient;
  static constexpr auto fields() {
    return std::tuple{field<&PairLeft::pair>("pair", Role::kPair), field<&PairLeft::by>("by", Role::kClient)};
  }
  bool operator==(const PairLeft&) const = default;
};

struct Reported {
  static constexpr std::string_view kType = "reported";
  ClientId reporter = kNoClient;
  ClientId reported = kNoClient;
  PairId pair;
  std::string reason;
  static constexpr auto fields() {
    return std::tuple{field<&Reported::reporter>("reporter", Role::kClient),
                      field<&Reported::reported>("reported", Role::kClient), field<&Reported::pair>("pair", Role::kPair),
                      field<&Reported::reason>("reason", FieldOptions{.omit_when_empty = true})};
  }
  bool operator==(const Reported&) const = default;
};

using StrangerEvents = EventList<NameChanged, SearchStarted, SearchCancelled, Paired, MessageSent, PairLeft, Reported>;

}  // namespace chatd::events
