// EventLog: the append-only, durable sequence of events that is the truth of the server.
// Thread-safety: append() is called by one writer (the engine). scan() and last_seq() may be called
// from other threads concurrently with append() unless an implementation says otherwise.
#pragma once

#include <functional>
#include <span>
#include <string>

#include "core/status.hpp"
#include "events/event.hpp"

namespace chatd::events {

class EventLog {
 public:
  using Visitor = std::function<bool(const Event&)>;  // return false to stop the scan

  virtual ~EventLog() = default;

  // Appends a batch whose seqs continue last_seq() without a gap. When it returns OK the whole
  // batch is durable (one transaction, one sync); on error nothing of the batch is in the log.
  virtual Status append(std::span<const Event> batch) = 0;

  // The same for events already encoded (events/codec.hpp) with seqs first_seq, first_seq + 1, ...
  // The engine encodes on its own thread so that the writer only writes.
  virtual Status append_encoded(Seq first_seq, std::span<const std::string> encoded) = 0;

  // The seq of the last durable event, 0 for an empty log.
  virtual Seq last_seq() const = 0;

  // Visits the events with seq >= from in order. An event that does not decode stops the scan with
  // Corruption naming its seq; it is never skipped silently.
  virtual Status scan(Seq from, const Visitor& visit) const = 0;
};

}  // namespace chatd::events
