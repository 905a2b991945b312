#include "events/log.hpp"

#include "events/codec.hpp"

namespace chatd::events {

Status EventLog::scan(Seq from, const Visitor& visit) const {
  EventDecoder decoder;
  Event event;
  Status bad;
  Status scanned = scan_encoded(from, [&](Seq seq, std::string_view bytes) {
    bad = decoder.decode_scanned(seq, bytes, event);
    return bad.ok() && visit(event);
  });
  if (!bad.ok()) return bad;
  return scanned;
}

ScanChunk::ScanChunk(std::size_t expected_bytes, std::size_t expected_events) {
  arena_.reserve(expected_bytes + EventLog::kScanSlack);
  ends_.reserve(expected_events);
}

void ScanChunk::clear() {
  arena_.clear();
  ends_.clear();
}

void ScanChunk::add(std::string_view bytes) {
  arena_.append(bytes);
  ends_.push_back(arena_.size());
}

bool ScanChunk::visit(Seq first, const EventLog::EncodedVisitor& visit) {
  arena_.resize(bytes() + EventLog::kScanSlack, ' ');
  std::size_t begin = 0;
  for (std::size_t i = 0; i < ends_.size(); ++i) {
    if (!visit(first + i, std::string_view(arena_.data() + begin, ends_[i] - begin))) return false;
    begin = ends_[i];
  }
  return true;
}

Status EventLog::read(Seq seq, Event& out) const {
  std::string bytes;
  Status st = read_encoded(seq, bytes);
  if (!st.ok()) return st;
  EventDecoder decoder;
  return decoder.decode_stored(seq, bytes, out);
}

}  // namespace chatd::events
