#include "replay/session/view.hpp"

#include "projections/session/state.hpp"

namespace chatd::replay {
namespace {

void session_totals(const projections::World& w, std::vector<Total>& out) {
  const auto& s = w.get<projections::SessionState>();
  out.push_back({"captcha_failures", s.captcha_failures});
  out.push_back({"connections_rejected", s.connections_rejected});
  out.push_back({"restarts", s.restarts});
  out.push_back({"next_client", s.next_client, false});
}

}  // namespace

DomainView session_view() { return DomainView{"session", &session_totals}; }

}  // namespace chatd::replay
