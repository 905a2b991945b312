// The accounts domain's audit over a log: one account's signup, devices (their tokens' hashes,
// never a token), logins and logouts, revocations, password changes, deactivation and purge, over
// a range; whether its personal data is sealed or erased (the key store as it is now decides, so
// a purged account is erased at every point in time).
// Thread-safety: reentrant functions; a History is used by one thread at a time.
#pragma once

#include <string>
#include <vector>

#include "core/base/status.hpp"
#include "events/accounts/events.hpp"
#include "events/log.hpp"
#include "replay/audits.hpp"
#include "replay/history.hpp"
#include "replay/views.hpp"

namespace chatd::replay {

struct AccountAudit {
  events::AccountId account = events::kNoAccount;
  bool erased = false;             // its key is gone from the key store
  std::string created;             // "#seq time by CLIENT", "" if before the range's log
  std::string at_end;              // its state at `to`: devices, logins, a pending purge, or purged
  std::vector<std::string> lines;  // "#seq time what", over [from, to]
};

// Account `account` over [from, to]. NotFound if it was never created up to `to`.
Status build_account_audit(History& history, const events::EventLog& log, events::AccountId account, Seq from, Seq to,
                           AccountAudit& out);
// The account that had `username` last up to `to` (found by its blind index under the key
// store's index key: no clear text is read), or kNoAccount.
Status find_account_by_username(const events::EventLog& log, const std::string& username, Seq to, events::AccountId& out);
std::string account_audit_text(const AccountAudit& audit);

// `chatreplay audit account`, for the command line (replay/domains.cpp).
std::vector<Audit> accounts_audits();

}  // namespace chatd::replay
