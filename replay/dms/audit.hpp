// The dms domain's audit over a log: one DM's sides, whether it was open at a moment, and what
// happened in it over a range (opened, every message, closed, a side's disconnect, a restart).
// Thread-safety: reentrant functions; a History is used by one thread at a time.
#pragma once

#include <string>
#include <vector>

#include "core/base/status.hpp"
#include "events/dms/events.hpp"
#include "events/log.hpp"
#include "replay/audits.hpp"
#include "replay/history.hpp"
#include "replay/views.hpp"

namespace chatd::replay {

struct DmAudit {
  events::DmId dm = events::kNoDm;
  std::string opener, peer;        // as they were when it opened ("3 \"alice\" from 10.0.0.1")
  bool open_at_end = false;        // still open at `to`
  std::uint64_t last_number = 0;   // at `to` (or when it ended)
  std::vector<std::string> lines;  // "#seq time what", over [from, to]
};

// DM `dm` over [from, to]. NotFound if it has no event up to `to`.
Status build_dm_audit(History& history, const events::EventLog& log, events::DmId dm, Seq from, Seq to, DmAudit& out);
std::string dm_audit_text(const DmAudit& audit, Seq to, TimeMs to_time);

// `chatreplay audit dm`, for the command line (replay/domains.cpp).
std::vector<Audit> dms_audits();

}  // namespace chatd::replay
