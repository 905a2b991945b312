// EventLog: the append-only, durable sequence of events that is the truth of the server.
// Thread-safety: append() is called by one writer (the engine). scan() and last_seq() may be called
// from other threads concurrently with append() unless an implementation says otherwise.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/base/status.hpp"
#include "events/event.hpp"

namespace chatd::events {

class EventLog {
 public:
  using Visitor = std::function<bool(const Event&)>;  // return false to stop the scan
  // Sees each event's stored bytes (events/codec.hpp), valid only during the call.
  using EncodedVisitor = std::function<bool(Seq seq, std::string_view encoded)>;

  virtual ~EventLog() = default;

  // Appends a batch whose seqs continue last_seq() without a gap. When it returns OK the whole
  // batch is durable (one transaction, one sync); on error nothing of the batch is in the log.
  virtual Status append(std::span<const Event> batch) = 0;

  // The same for events already encoded (events/codec.hpp) with seqs first_seq, first_seq + 1, ...
  // The engine encodes on its own thread so that the writer only writes.
  virtual Status append_encoded(Seq first_seq, std::span<const std::string> encoded) = 0;

  // The seq of the last durable event, 0 for an empty log.
  virtual Seq last_seq() const = 0;

  // Visits the stored bytes of the events with seq >= from, in order, without decoding them (tools
  // filter on the bytes and decode only what they keep). A gap in the seqs stops the scan with
  // Corruption naming the last good seq. The visitor runs outside any lock or transaction.
  virtual Status scan_encoded(Seq from, const EncodedVisitor& visit) const = 0;

  // The stored bytes of event `seq`; NotFound if the log has no such event.
  virtual Status read_encoded(Seq seq, std::string& out) const = 0;

  // Visits the decoded events with seq >= from in order (scan_encoded + the codec). An event that
  // does not decode, or whose encoded seq is not its key, stops the scan with Corruption naming
  // its seq (Unsupported for a newer schema); it is never skipped silently.
  Status scan(Seq from, const Visitor& visit) const;

  // Decodes event `seq` (read_encoded + the codec, with the same checks as scan()).
  Status read(Seq seq, Event& out) const;
};

}  // namespace chatd::events
