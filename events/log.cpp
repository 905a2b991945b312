#include "events/log.hpp"

#include "events/codec.hpp"

namespace chatd::events {
namespace {

// Keeps the code of a decode error (a newer schema stays Unsupported: the operator must upgrade,
// nothing is damaged) and names the seq.
Status at_seq(Seq seq, const Status& st) {
  std::string msg = "event seq " + std::to_string(seq) + ": " + st.message();
  return st.code() == Status::Code::kUnsupported ? Status::Unsupported(std::move(msg))
                                                 : Status::Corruption(std::move(msg));
}

Status decode_checked(EventDecoder& decoder, Seq seq, std::string_view bytes, Event& out) {
  Status st = decoder.decode(bytes, out);
  if (!st.ok()) return at_seq(seq, st);
  if (out.seq != seq)
    return Status::Corruption("event seq " + std::to_string(seq) + ": encoded seq is " + std::to_string(out.seq));
  return Status::Ok();
}

}  // namespace

Status EventLog::scan(Seq from, const Visitor& visit) const {
  EventDecoder decoder;
  Event event;
  Status bad;
  Status scanned = scan_encoded(from, [&](Seq seq, std::string_view bytes) {
    bad = decode_checked(decoder, seq, bytes, event);
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
  return decode_checked(decoder, seq, bytes, out);
}

}  // namespace chatd::events
