#include "tests/unit/echo_domain.hpp"

#include "core/base/json_text.hpp"
#include "core/lifecycle.hpp"
#include "events/catalog.hpp"
#include "events/session/events.hpp"
#include "projections/domain.hpp"
#include "projections/session/state.hpp"

namespace chatd::echo {
namespace {

using events::Event;

// ---- projection ----

Status apply_echoed(projections::World& w, const Event& e, const Echoed& p) {
  EchoState& s = w.get<EchoState>();
  if (p.due != 0) {
    auto [begin, end] = s.scheduled.equal_range(p.due);
    auto it = std::find_if(begin, end, [&](const auto& kv) { return kv.second == Pending{p.client, p.text}; });
    if (it == end) return projections::impossible(e, "no such echo is scheduled");
    s.scheduled.erase(it);
  }
  ++s.echoes;
  return Status::Ok();
}

Status apply_scheduled(projections::World& w, const Event&, const EchoScheduled& p) {
  w.get<EchoState>().scheduled.emplace(p.due, Pending{p.client, p.text});
  return Status::Ok();
}

// A client that goes away is told nothing more.
void react_disconnected(projections::World& w, const Event&, const events::ClientDisconnected& p) {
  std::erase_if(w.get<EchoState>().scheduled, [&](const auto& kv) { return kv.second.client == p.client; });
}

void notify_echoed(const projections::World&, const Event&, const Echoed& p, projections::PushSink& out) {
  out.push(projections::Push{.body = EchoPush{p.text}}, {projections::Recipient{p.client}});
}

TimeMs next_due(const projections::World& w) {
  const auto& scheduled = w.get<EchoState>().scheduled;
  return scheduled.empty() ? projections::kNoDeadline : scheduled.begin()->first;
}

// ---- rules ----

void tell_due_echoes(const projections::World& w, const Context& ctx, Decided& out) {
  for (const auto& [due, pending] : w.get<EchoState>().scheduled) {
    if (due > ctx.now) break;
    out.push_back(Echoed{pending.client, pending.text, due});
  }
}

// ---- dialects ----

void build_echo(NativeDialect::Fields& f, Decoded& out) {
  out.request.command = Echo{std::move(*f.text("text")), static_cast<TimeMs>(f.number("after").value_or(0))};
}

bool render_native(const EchoPush& p, bool, std::string& out) {
  out += "{\"type\":\"echo\",\"text\":";
  append_json_string(out, p.text);
  out += '}';
  return true;
}

bool render_lowf(const EchoPush&, bool, std::string&) { return false; }  // lowf cannot say it

}  // namespace

Reply Echo::decide(const projections::World& w, ClientId actor, const Echo& c, const Context& ctx, Decided& out) {
  if (!w.get<projections::SessionState>().find(actor)) return Reply::failure(errors::kNotConnected, "not a client");
  if (c.text.empty()) return Reply::failure(errors::kBadRequest, "nothing to echo");
  if (c.after_ms <= 0) return accept(out, Echoed{actor, c.text, 0});
  return accept(out, EchoScheduled{actor, c.text, ctx.now + c.after_ms});
}

void install() {
  static const bool installed = [] {
    events::EventCatalog::instance().add_domain("echo", events::EventList<Echoed, EchoScheduled>{});
    projections::Projections& p = projections::Projections::instance();
    p.add_state<EchoState>("echo");
    p.add_push<EchoPush>("echo");
    p.apply<&apply_echoed>();
    p.apply<&apply_scheduled>();
    p.react<&react_disconnected>();
    p.notify<&notify_echoed>();
    p.deadline(&next_due);
    Lifecycle::instance().on_tick(&tell_due_echoes);
    return true;
  }();
  (void)installed;
}

void add_to(NativeDialect& native) {
  using Type = NativeDialect::FieldType;
  native.add_op("echo", {{"text", Type::kString, true}, {"after", Type::kUint}}, &build_echo);
  native.pushes().add<&render_native>();
}

void add_to(LowfDialect& lowf) { lowf.pushes().add<&render_lowf>(); }

}  // namespace chatd::echo
