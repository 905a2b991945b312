#include "events/log.hpp"

#include "events/codec.hpp"

namespace chatd::events {

Status EventLog::scan(Seq from, const Visitor& visit) const {
  EventDecoder decoder;
  Event event;
  Status bad;
  Status scanned = scan_encoded(from, [&](Seq seq, std::string_view bytes) {
    bad = decoder.decode_stored(seq, bytes, event);
    return bad.ok() && visit(event);
  });
  if (!bad.ok()) return bad;
  return scanned;
}

Status EventLog::read(Seq seq, Event& out) const {
  std::string bytes;
  Status st = read_encoded(seq, bytes);
  if (!st.ok()) return st;
  EventDecoder decoder;
  return decoder.decode_stored(seq, bytes, out);
}

}  // namespace chatd::events
