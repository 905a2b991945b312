#include "core/decide.hpp"

namespace chatd {

Decision decide(const projections::World& world, const Command& command, const Context& context) {
  Decision d;
  d.reply = decide_into(world, command, context, d.events);
  return d;
}

}  // namespace chatd
