// MemoryLog: an EventLog kept in memory, for tests and the simulator. It stores each event
// encoded, as the LMDB log does, so scan() really goes through the codec and a test sees the same
// decode errors the durable log would give.
// Thread-safety: every member function may be called from any thread; a mutex guards the events and the keys.
// The visitor of a scan runs without the lock held, so it may call append() or last_seq().
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "events/log.hpp"

namespace chatd::events {

class MemoryLog final : public EventLog {
 public:
  MemoryLog() = default;
  MemoryLog(const MemoryLog&) = delete;
  MemoryLog& operator=(const MemoryLog&) = delete;

  // InvalidArgument when the batch's seqs do not continue last_seq() one by one.
  Status append(std::span<const Event> batch) override;
  using EventLog::append_encoded;
  Status append_encoded(Seq first_seq, std::span<const std::string> encoded, std::span<const KeyChange> keys) override;
  Status read_keys(const KeyVisitor& visit) const override;
  Seq last_seq() const override;
  Status scan_encoded(Seq from, const EncodedVisitor& visit) const override;
  Status read_encoded(Seq seq, std::string& out) const override;

  // Replaces the stored bytes of event `seq` (tests of corruption handling); NotFound if absent.
  Status corrupt_for_test(Seq seq, std::string bytes);

 private:
  Status scan_chunks(Seq from, const EncodedVisitor& visit) const;

  mutable std::mutex mutex_;
  std::vector<std::string> encoded_;  // encoded_[i] holds seq i + 1
  std::map<std::string, SealKey, std::less<>> keys_;
};

}  // namespace chatd::events
