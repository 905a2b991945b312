// The production domains in chatreplay, one line per domain: their views of the World, in the order
// `state` and `diff` show them, and their audits.
#include "replay/session/view.hpp"
#include "replay/stranger/audit.hpp"
#include "replay/stranger/view.hpp"
#include "replay/views.hpp"

namespace chatd::replay {

const std::vector<DomainView>& views() {
  static const std::vector<DomainView> all = {stranger_view(), session_view()};
  return all;
}

const std::vector<Audit>& audits() {
  static const std::vector<Audit> all = stranger_audits();
  return all;
}

}  // namespace chatd::replay
