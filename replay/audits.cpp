#include "replay/audits.hpp"

#include <algorithm>

#include "projections/domain.hpp"
#include "replay/time_text.hpp"

namespace chatd::replay {

Status check_range(const events::EventLog& log, Seq from, Seq& to) {
  const Seq last = log.last_seq();
  if (last == 0) return Status::OutOfRange("the log is empty");
  if (from > last)
    return Status::OutOfRange("seq " + std::to_string(from) + " is after the end of the log (last seq " +
                              std::to_string(last) + ")");
  to = std::min(to, last);
  return Status::Ok();
}

Party party_of(const projections::World& world, ClientId id) {
  Party p;
  p.id = id;
  if (const projections::ClientFacts facts = projections::client_facts(world, id); facts.known) {
    p.name = std::string(facts.name);
    p.addr = std::string(facts.addr);
  }
  return p;
}

std::string at(Seq seq, TimeMs time) { return "#" + std::to_string(seq) + " " + format_utc_time(time) + " "; }

}  // namespace chatd::replay
