// What audits of every domain share: checking a range against the log, finding candidate events by
// their stored bytes without decoding the others, and who a client was at some moment.
// Thread-safety: reentrant functions.
#pragma once

#include <string>
#include <string_view>

#include "core/base/status.hpp"
#include "events/codec.hpp"
#include "events/log.hpp"
#include "projections/world.hpp"

namespace chatd::replay {

// OutOfRange if the log is empty or starts after `from`; clamps `to` to the log's end.
Status check_range(const events::EventLog& log, Seq from, Seq& to);

// Decodes the events in [from, to] whose stored bytes contain `needle` and shows each to `visit`
// until it returns false. The other events are never decoded.
template <typename Visit>
Status for_each_candidate(const events::EventLog& log, Seq from, Seq to, std::string_view needle, events::Event& event,
                          Visit visit) {
  events::EventDecoder decoder;
  Status bad;
  Status scanned = log.scan_encoded(from, [&](Seq seq, std::string_view bytes) {
    if (seq > to) return false;
    if (bytes.find(needle) == std::string_view::npos) return true;
    bad = decoder.decode_scanned(seq, bytes, event);
    return bad.ok() && visit(event);
  });
  return bad.ok() ? scanned : bad;
}

// The first candidate (see for_each_candidate) that `accept`s; `found` stays 0 if none does.
template <typename Accept>
Status find_first(const events::EventLog& log, Seq from, Seq to, std::string_view needle, Accept accept, Seq& found,
                  events::Event& event) {
  found = 0;
  return for_each_candidate(log, from, to, needle, event, [&](const events::Event& e) {
    if (!accept(e)) return true;
    found = e.seq;
    return false;
  });
}

// A client as it was at some moment.
struct Party {
  ClientId id = kNoClient;
  std::string name;
  std::string addr;
};
Party party_of(const projections::World& world, ClientId id);

// "#42 2026-11-22T14:02:00.000Z ", the start of an audit line.
std::string at(Seq seq, TimeMs time);

}  // namespace chatd::replay
