// The server's own commands: Start, decided once as the engine starts (restarts are events: the
// rules end what the previous run left), and Tick, which the runner (and the simulator) submits
// when the World's next deadline has come: the domains' tick rules turn due deadlines into events
// (rooms' expiry, accounts' purges, the test domain's scheduled echoes; expired bans to come). Domains
// register their rules for both (core/domains.cpp, one line per domain).
// Thread-safety: register rules only at start-up (or at the start of a test); then read-only.
#pragma once

#include <string_view>
#include <vector>

#include "core/command.hpp"
#include "core/decide.hpp"

namespace chatd {

class Lifecycle {
 public:
  using Rule = void (*)(const projections::World&, const Context&, Decided& out);

  static Lifecycle& instance();

  void on_start(Rule rule) { start_.push_back(rule); }
  void on_tick(Rule rule) { tick_.push_back(rule); }
  const std::vector<Rule>& start_rules() const { return start_; }
  const std::vector<Rule>& tick_rules() const { return tick_; }

 private:
  Lifecycle() = default;
  std::vector<Rule> start_;
  std::vector<Rule> tick_;
};

// The engine is starting on the World rebuilt from the log.
struct Start {
  static constexpr std::string_view kName = "start";
  static constexpr CommandTraits kTraits{.needs_client = false, .counts_in_flight = false, .essential = true};
  static Reply decide(const projections::World& w, ClientId actor, const Start&, const Context& ctx, Decided& out);
  bool operator==(const Start&) const = default;
};

// A deadline of the World has come (World::next_deadline() <= the batch's time).
struct Tick {
  static constexpr std::string_view kName = "tick";
  static constexpr CommandTraits kTraits{.needs_client = false, .counts_in_flight = false, .essential = true};
  static Reply decide(const projections::World& w, ClientId actor, const Tick&, const Context& ctx, Decided& out);
  bool operator==(const Tick&) const = default;
};

}  // namespace chatd
