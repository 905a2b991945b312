// What each domain shows of the World in chatreplay: its totals, its part of `state` (as text and
// as JSON members) and of `diff`; and the audits it offers (`chatreplay audit NAME`). The domains'
// views and audits are listed in replay/domains.cpp, one line per domain, in the order chatreplay
// shows them; events are rendered and filtered generically, from their declarations
// (replay/render.hpp).
// Thread-safety: constants.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "events/log.hpp"
#include "projections/world.hpp"
#include "replay/diff.hpp"

namespace chatd::replay {

struct Total {
  const char* name;  // JSON key and diff field; in text with '_' read as ' '
  std::uint64_t value;
  bool in_text = true;
};

// What a view knows besides the World at the point asked for: which subjects the key store holds
// now (their names, never their keys), so that what was sealed under a key erased since (a purged
// account's) is shown as erased at every point in time, not only after the purge.
struct ViewContext {
  std::set<std::string, std::less<>> key_subjects;
  bool erased(std::string_view subject) const { return !key_subjects.contains(subject); }
  static ViewContext of(const events::EventLog& log);
};

struct DomainView {
  std::string_view domain;
  void (*totals)(const projections::World&, std::vector<Total>& out) = nullptr;
  // Lines of `state`, and the ,"key":value members of `state --json`.
  void (*text)(const projections::World&, const ViewContext&, std::string& out) = nullptr;
  void (*json)(const projections::World&, const ViewContext&, std::string& out) = nullptr;
  void (*diff)(const projections::World& a, const projections::World& b, std::vector<Change>& out) = nullptr;
};

const std::vector<DomainView>& views();

class History;
struct Args;

// An audit as the command line asks for it: its options, its positional words (after the audit's
// name), and the range: the first and last seq, both in the log.
struct AuditRequest {
  const Args& args;
  std::vector<std::string> positional;
  Seq from = 1, to = 0;
};

struct Audit {
  std::string_view name;
  std::string_view usage;  // what follows "chatreplay audit NAME" on its usage line
  std::string_view help;   // its paragraph of `chatreplay audit --help`
  std::vector<std::string> value_options;
  std::vector<std::string> flag_options;
  // Writes the audit to `out` and returns an exit code (replay/cli.hpp); on failure `error` says why.
  int (*run)(const AuditRequest& request, History& history, const events::EventLog& log, std::string& out,
             std::string& error) = nullptr;
};

const std::vector<Audit>& audits();

// A subject the events filter takes by name as well as by id (`--room general`): its option, and
// how a domain turns the name into the id its events carry (Role::kRoom's), as of seq `to`.
struct NamedSubject {
  std::string_view option;
  events::Role role;
  Status (*resolve)(const events::EventLog& log, const std::string& name_or_id, Seq to, std::uint64_t& id) = nullptr;
};
const std::vector<NamedSubject>& named_subjects();

}  // namespace chatd::replay
