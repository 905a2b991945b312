// EventLog: the append-only, durable sequence of events that is the truth of the server, and beside
// it the key store that seals its personal data (DESIGN.md "Personal data is sealed").
// Thread-safety: append() is called by one writer (the engine). scan() and last_seq() may be called
// from other threads concurrently with append() unless an implementation says otherwise.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/sealing.hpp"
#include "core/base/status.hpp"
#include "events/event.hpp"

namespace chatd::events {

class EventLog {
 public:
  using Visitor = std::function<bool(const Event&)>;  // return false to stop the scan
  // Sees each event's stored bytes (events/codec.hpp), valid only during the call. The view is
  // followed in its buffer by at least kScanSlack readable bytes (of any content), so that
  // EventDecoder::decode_scanned parses it where it lies instead of copying it once more.
  using EncodedVisitor = std::function<bool(Seq seq, std::string_view encoded)>;
  static constexpr std::size_t kScanSlack = 64;  // simdjson's padding (checked in codec.cpp)

  virtual ~EventLog() = default;

  // Appends a batch whose seqs continue last_seq() without a gap. When it returns OK the whole
  // batch is durable (one transaction, one sync); on error nothing of the batch is in the log.
  virtual Status append(std::span<const Event> batch) = 0;

  // The same for events already encoded (events/codec.hpp) with seqs first_seq, first_seq + 1, ...
  // The engine encodes on its own thread so that the writer only writes. `keys` changes the key
  // store (core/base/sealing.hpp) in the same transaction: a key is never durable without the
  // events that use it, nor an erasure without the event that records it.
  virtual Status append_encoded(Seq first_seq, std::span<const std::string> encoded, std::span<const KeyChange> keys) = 0;
  Status append_encoded(Seq first_seq, std::span<const std::string> encoded) {
    return append_encoded(first_seq, encoded, {});
  }

  // Visits every key of the key store, in subject order. Keys are not events: no scan sees them,
  // and an erased one is gone from the store (the log's events keep only what it sealed).
  using KeyVisitor = std::function<void(std::string_view subject, const SealKey& key)>;
  virtual Status read_keys(const KeyVisitor& visit) const = 0;

  // The seq of the last durable event, 0 for an empty log.
  virtual Seq last_seq() const = 0;

  // Visits the stored bytes of the events with seq >= from, in order, without decoding them (tools
  // filter on the bytes and decode only what they keep), each followed by kScanSlack bytes. A gap
  // in the seqs stops the scan with Corruption naming the last good seq. The visitor runs outside any lock or transaction.
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

// The bytes of a run of consecutive events, copied out of a log while its lock or read transaction
// is held and visited after it is released, each view followed by EventLog::kScanSlack bytes.
// Thread-safety: a plain value, used by one scan.
class ScanChunk {
 public:
  explicit ScanChunk(std::size_t expected_bytes = 0, std::size_t expected_events = 0);

  void clear();
  void add(std::string_view bytes);
  std::size_t events() const { return ends_.size(); }
  std::size_t bytes() const { return ends_.empty() ? 0 : ends_.back(); }

  // Visits the events as seqs first, first + 1, ...; false when the visitor stopped the scan.
  bool visit(Seq first, const EventLog::EncodedVisitor& visit);

 private:
  std::string arena_;               // the events back to back, then the slack
  std::vector<std::size_t> ends_;   // ends_[i]: where event first + i ends in arena_
};

}  // namespace chatd::events
