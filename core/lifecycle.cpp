#include "core/lifecycle.hpp"

namespace chatd {

Reply Start::decide(const projections::World& w, ClientId, const Start&, const Context& ctx, Decided& out) {
  for (Lifecycle::Rule rule : Lifecycle::instance().start_rules()) rule(w, ctx, out);
  return Reply{};
}

Reply Tick::decide(const projections::World& w, ClientId, const Tick&, const Context& ctx, Decided& out) {
  for (Lifecycle::Rule rule : Lifecycle::instance().tick_rules()) rule(w, ctx, out);
  return Reply{};
}

}  // namespace chatd
