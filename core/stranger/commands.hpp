// The stranger domain's commands: one-on-one chat with a stranger, as lowf had it. Each acts for
// its actor, the session's client.
// Thread-safety: plain values.
#pragma once

#include <string>

#include "core/command.hpp"
#include "core/decide.hpp"

namespace chatd {

// The name may be given before the captcha is solved: it then becomes the name the client
// connects with, and no event is written for a session that never passes the gate.
struct SetName {
  static constexpr std::string_view kName = "name";
  static constexpr CommandTraits kTraits{};
  std::string name;
  bool unique = false;  // refused if another client online has this name (the palette's usernames)
  static Reply decide(const projections::World& w, ClientId actor, const SetName& c, const Context& ctx, Decided& out);
  static Reply before_admission(const Command& command, Command& admission);
  bool operator==(const SetName&) const = default;
};

struct Search {
  static constexpr std::string_view kName = "search";
  static constexpr CommandTraits kTraits{};
  static Reply decide(const projections::World& w, ClientId actor, const Search& c, const Context& ctx, Decided& out);
  bool operator==(const Search&) const = default;
};

struct Leave {
  static constexpr std::string_view kName = "leave";
  static constexpr CommandTraits kTraits{};
  static Reply decide(const projections::World& w, ClientId actor, const Leave& c, const Context& ctx, Decided& out);
  bool operator==(const Leave&) const = default;
};

struct Send {
  static constexpr std::string_view kName = "send";
  static constexpr CommandTraits kTraits{};
  std::string text;
  static Reply decide(const projections::World& w, ClientId actor, const Send& c, const Context& ctx, Decided& out);
  bool operator==(const Send&) const = default;
};

// Reports the previous partner, once per pair, after the chat has ended.
struct Report {
  static constexpr std::string_view kName = "report";
  static constexpr CommandTraits kTraits{};
  std::string reason;
  static Reply decide(const projections::World& w, ClientId actor, const Report& c, const Context& ctx, Decided& out);
  bool operator==(const Report&) const = default;
};

}  // namespace chatd
