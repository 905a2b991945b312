// The production domains in chatreplay, one line per domain: their views of the World, in the order
// `state` and `diff` show them, and their audits.
#include "replay/accounts/audit.hpp"
#include "replay/accounts/view.hpp"
#include "replay/dms/audit.hpp"
#include "replay/dms/view.hpp"
#include "replay/rooms/audit.hpp"
#include "replay/rooms/view.hpp"
#include "replay/session/view.hpp"
#include "replay/stranger/audit.hpp"
#include "replay/stranger/view.hpp"
#include "replay/views.hpp"

namespace chatd::replay {

const std::vector<DomainView>& views() {
  static const std::vector<DomainView> all = {stranger_view(), rooms_view(), dms_view(), accounts_view(), session_view()};
  return all;
}

const std::vector<Audit>& audits() {
  static const std::vector<Audit> all = [] {
    std::vector<Audit> a = stranger_audits();
    for (Audit& room : rooms_audits()) a.push_back(std::move(room));
    for (Audit& dm : dms_audits()) a.push_back(std::move(dm));
    for (Audit& account : accounts_audits()) a.push_back(std::move(account));
    return a;
  }();
  return all;
}

const std::vector<NamedSubject>& named_subjects() {
  static const std::vector<NamedSubject> all = {{"--room", events::Role::kRoom, &find_room}};
  return all;
}

}  // namespace chatd::replay
