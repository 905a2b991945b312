// A domain that exists only in the tests: `echo`. It shows what adding a feature costs: one
// command, its events, its state and its push, each declared once, in files of their own (this one
// and echo_domain.cpp), registered into the server's layers without editing a central file:
//   - events: Echoed (the text told back) and EchoScheduled (to be told back at `due`);
//   - state: how many echoes were told, and the ones waiting for their time (a deadline: the
//     engine submits a Tick then, and the tick rule turns due echoes into Echoed events);
//   - command: Echo{text, after_ms}, op "echo" of the native dialect;
//   - push: EchoPush, to the client who asked, rendered by the native dialect (lowf says nothing).
// Thread-safety: install() before the registries are used by more than one thread.
#pragma once

#include <map>
#include <string>
#include <tuple>

#include "core/command.hpp"
#include "core/decide.hpp"
#include "events/event.hpp"
#include "net/lowf/dialect.hpp"
#include "net/native/dialect.hpp"

namespace chatd::echo {

struct Echoed {
  static constexpr std::string_view kType = "echoed";
  ClientId client = kNoClient;
  std::string text;
  TimeMs due = 0;  // the deadline it was scheduled for; 0: told at once
  static constexpr auto fields() {
    using events::field;
    return std::tuple{field<&Echoed::client>("client", events::Role::kClient), field<&Echoed::text>("text"),
                      field<&Echoed::due>("due")};
  }
  bool operator==(const Echoed&) const = default;
};

struct EchoScheduled {
  static constexpr std::string_view kType = "echo_scheduled";
  ClientId client = kNoClient;
  std::string text;
  TimeMs due = 0;
  static constexpr auto fields() {
    using events::field;
    return std::tuple{field<&EchoScheduled::client>("client", events::Role::kClient), field<&EchoScheduled::text>("text"),
                      field<&EchoScheduled::due>("due")};
  }
  bool operator==(const EchoScheduled&) const = default;
};

struct Pending {
  ClientId client = kNoClient;
  std::string text;
  static constexpr auto fields() {
    return std::tuple{events::field<&Pending::client>("client"), events::field<&Pending::text>("text")};
  }
  bool operator==(const Pending&) const = default;
};

struct EchoState {
  std::uint64_t echoes = 0;
  std::multimap<TimeMs, Pending> scheduled;  // by due time
  static constexpr auto fields() {
    return std::tuple{events::field<&EchoState::echoes>("echoes"), events::field<&EchoState::scheduled>("scheduled")};
  }
};

struct EchoPush {
  static constexpr std::string_view kName = "echo";
  std::string text;
  bool operator==(const EchoPush&) const = default;
};

struct Echo {
  static constexpr std::string_view kName = "echo";
  static constexpr CommandTraits kTraits{};
  std::string text;
  TimeMs after_ms = 0;
  static Reply decide(const projections::World& w, ClientId actor, const Echo& c, const Context& ctx, Decided& out);
  bool operator==(const Echo&) const = default;
};

// Registers the domain in the event catalog, the projections and the server's rules (idempotent).
void install();
// Its part of a dialect.
void add_to(NativeDialect& native);
void add_to(LowfDialect& lowf);

}  // namespace chatd::echo
