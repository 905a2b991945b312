#include "events/memory_log.hpp"

#include <algorithm>
#include <new>
#include <utility>

#include "events/codec.hpp"

namespace chatd::events {
namespace {

// Events copied out per lock hold in scan(): bounds how long a scan blocks the writer and how
// much it copies at once, as the LMDB log bounds its read transactions.
constexpr std::size_t kScanChunk = 4096;

}  // namespace

Status MemoryLog::append(std::span<const Event> batch) {
  if (batch.empty()) return Status::Ok();
  // Encode before taking the lock: the batch is all or nothing, and encoding needs no state.
  std::vector<std::string> encoded;
  try {
    encoded.reserve(batch.size());
    for (const Event& e : batch) encoded.push_back(encode(e));
  } catch (const std::bad_alloc&) {
    return Status::IoError("out of memory while encoding a batch");
  }

  std::lock_guard lock(mutex_);
  Seq expected = static_cast<Seq>(encoded_.size()) + 1;
  for (const Event& e : batch) {
    if (e.seq != expected)
      return Status::InvalidArgument("seq gap: expected " + std::to_string(expected) + ", got " +
                                     std::to_string(e.seq));
    ++expected;
  }
  try {
    encoded_.insert(encoded_.end(), std::make_move_iterator(encoded.begin()),
                    std::make_move_iterator(encoded.end()));
  } catch (const std::bad_alloc&) {
    // Moves of strings do not throw, so a failed insert only failed to grow: nothing appended.
    return Status::IoError("out of memory while appending a batch");
  }
  return Status::Ok();
}

Status MemoryLog::append_encoded(Seq first_seq, std::span<const std::string> encoded, std::span<const KeyChange> keys) {
  if (encoded.empty() && keys.empty()) return Status::Ok();
  if (encoded.empty()) return Status::InvalidArgument("a key change without the events that use it");
  std::lock_guard lock(mutex_);
  Seq expected = static_cast<Seq>(encoded_.size()) + 1;
  if (first_seq != expected)
    return Status::InvalidArgument("seq gap: expected " + std::to_string(expected) + ", got " + std::to_string(first_seq));
  try {
    // Copies first, so that a failure changes nothing.
    std::map<std::string, SealKey, std::less<>> next_keys = keys_;
    for (const KeyChange& change : keys) {
      if (change.key) next_keys.insert_or_assign(change.subject, *change.key);
      else next_keys.erase(change.subject);
    }
    encoded_.insert(encoded_.end(), encoded.begin(), encoded.end());
    keys_.swap(next_keys);
  } catch (const std::bad_alloc&) {
    return Status::IoError("out of memory while appending a batch");
  }
  return Status::Ok();
}

Status MemoryLog::read_keys(const KeyVisitor& visit) const {
  std::map<std::string, SealKey, std::less<>> copy;
  {
    std::lock_guard lock(mutex_);
    copy = keys_;
  }
  for (const auto& [subject, key] : copy) visit(subject, key);
  return Status::Ok();
}

Seq MemoryLog::last_seq() const {
  std::lock_guard lock(mutex_);
  return static_cast<Seq>(encoded_.size());
}

Status MemoryLog::scan_encoded(Seq from, const EncodedVisitor& visit) const {
  try {
    return scan_chunks(from, visit);
  } catch (const std::bad_alloc&) {
    return Status::IoError("out of memory during scan");
  }
}

Status MemoryLog::scan_chunks(Seq from, const EncodedVisitor& visit) const {
  ScanChunk chunk(0, kScanChunk);
  Seq next = std::max<Seq>(from, 1);
  for (;;) {
    chunk.clear();
    {
      std::lock_guard lock(mutex_);
      if (next > encoded_.size()) return Status::Ok();
      std::size_t begin = static_cast<std::size_t>(next - 1);
      std::size_t end = std::min(encoded_.size(), begin + kScanChunk);
      for (std::size_t i = begin; i < end; ++i) chunk.add(encoded_[i]);
    }
    if (!chunk.visit(next, visit)) return Status::Ok();
    next += chunk.events();
  }
}

Status MemoryLog::read_encoded(Seq seq, std::string& out) const {
  std::lock_guard lock(mutex_);
  if (seq == 0 || seq > encoded_.size()) return Status::NotFound("no event with seq " + std::to_string(seq));
  out = encoded_[static_cast<std::size_t>(seq - 1)];
  return Status::Ok();
}

Status MemoryLog::corrupt_for_test(Seq seq, std::string bytes) {
  std::lock_guard lock(mutex_);
  if (seq == 0 || seq > encoded_.size()) return Status::NotFound("no event with seq " + std::to_string(seq));
  encoded_[static_cast<std::size_t>(seq - 1)] = std::move(bytes);
  return Status::Ok();
}

}  // namespace chatd::events
