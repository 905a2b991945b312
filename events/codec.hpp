// The log's encoding of an event: one compact JSON object with its schema version "v", its "seq",
// its time "t" (ms since the epoch), its "type" and the type's fields, e.g.
//   {"v":1,"seq":7,"t":1795310400000,"type":"paired","pair":"6f1c…","seeker":3,"waiter":2}
// Thread-safety: encode functions are reentrant. An EventDecoder holds a reusable parser and is
// used by one thread at a time; give each thread its own.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/base/status.hpp"
#include "events/event.hpp"
#include "events/log.hpp"

namespace chatd::events {

// Appends the encoding of `event` to `out`.
void encode_to(const Event& event, std::string& out);
std::string encode(const Event& event);

class EventDecoder {
 public:
  EventDecoder();
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;

  // Decodes one encoded event. Unknown types, missing fields and versions newer than
  // kSchemaVersion are errors (Corruption or Unsupported) that say what is wrong.
  Status decode(std::string_view json, Event& out);

  // Decodes the stored bytes of event `seq` (a log's key): the error names the seq, keeps
  // Unsupported for a newer schema (upgrade; nothing is damaged) and is Corruption otherwise, also
  // when the encoded seq is not `seq`.
  Status decode_stored(Seq seq, std::string_view bytes, Event& out);

  // decode_stored for the bytes a scan visits (EventLog::EncodedVisitor): they are followed by
  // EventLog::kScanSlack readable bytes, so they are parsed where they lie. A rebuild spends ~3 %
  // of its time copying each event into a padded buffer otherwise.
  Status decode_scanned(Seq seq, std::string_view scanned, Event& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chatd::events
