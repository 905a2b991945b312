// How the session domain follows the log.
#include "projections/session/state.hpp"

#include "projections/domain.hpp"

namespace chatd::projections {
namespace {

using namespace chatd::events;

Status apply_started(World& w, const Event&, const ServerStarted&) {
  SessionState& s = w.get<SessionState>();
  s.clients.clear();
  ++s.restarts;
  return Status::Ok();
}

Status apply_connected(World& w, const Event& e, const ClientConnected& p) {
  SessionState& s = w.get<SessionState>();
  if (p.client != s.next_client) return impossible(e, "client id out of order");
  s.clients.emplace(p.client, Connection{p.dialect, p.addr, e.time});
  ++s.next_client;
  return Status::Ok();
}

Status apply_disconnected(World& w, const Event& e, const ClientDisconnected& p) {
  SessionState& s = w.get<SessionState>();
  if (!s.clients.count(p.client)) return impossible(e, "unknown client");
  s.clients.erase(p.client);
  return Status::Ok();
}

Status apply_captcha_failed(World& w, const Event&, const CaptchaFailed&) {
  ++w.get<SessionState>().captcha_failures;
  return Status::Ok();
}

Status apply_rejected(World& w, const Event&, const ConnectionRejected&) {
  ++w.get<SessionState>().connections_rejected;
  return Status::Ok();
}

void notify_disconnected(const World&, const Event&, const ClientDisconnected& p, PushSink& out) {
  out.push(Push{.body = SessionEndedPush{p.reason}, .ends_client = true}, {Recipient{p.client}});
}

void session_facts(const World& w, ClientId id, ClientFacts& facts) {
  if (const Connection* c = w.get<SessionState>().find(id)) {
    facts.known = true;
    facts.addr = c->addr;
  }
}

}  // namespace

void add_session_projection(Projections& p) {
  p.add_state<SessionState>("session");
  p.add_push<SessionEndedPush>("session");
  p.add_push<SystemNoticePush>("session");
  p.apply<&apply_started>();
  p.apply<&apply_connected>();
  p.apply<&apply_disconnected>();
  p.apply<&apply_captcha_failed>();
  p.apply<&apply_rejected>();
  p.notify<&notify_disconnected>();
  p.facts(&session_facts);
}

}  // namespace chatd::projections
