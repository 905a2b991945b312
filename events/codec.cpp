#include "events/codec.hpp"

#include <simdjson.h>

#include <array>
#include <bit>
#include <cassert>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "core/base/json_text.hpp"
#include "events/catalog.hpp"

namespace chatd::events {

// ---------------------------------------------------------------------------------------------
// Encoding: the envelope here, the fields from the type's declaration (events/event.hpp).
// ---------------------------------------------------------------------------------------------

void encode_to(const Event& event, std::string& out) {
  assert(!event.payload.empty());
  out.append("{\"v\":");
  append_json_uint(out, static_cast<std::uint64_t>(kSchemaVersion));
  out.append(",\"seq\":");
  append_json_uint(out, event.seq);
  out.append(",\"t\":");
  append_json_int(out, event.time);
  out.append(",\"type\":\"");
  out.append(event.payload.type()->name);  // stable ASCII identifiers, no escaping needed
  out.push_back('"');
  event.payload.type()->encode_fields(event.payload.data(), out);
  out.push_back('}');
}

std::string encode(const Event& event) {
  std::string out;
  out.reserve(128);
  encode_to(event, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------
namespace {

// The envelope's fields, found by name in the one pass over the object; every other field is
// collected as a NamedScalar for the type's own decoder, since "type" may come after them.
enum Header : std::uint8_t { kV, kSeq, kT, kType, kHeaderCount, kNotHeader = kHeaderCount };
constexpr std::array<std::string_view, kHeaderCount> kHeaderNames = {"v", "seq", "t", "type"};

Header header_of(const NameKey& key) {
  static constexpr NameKey kV_ = NameKey::of("v"), kSeq_ = NameKey::of("seq"), kT_ = NameKey::of("t"), kType_ = NameKey::of("type");
  if (key.size > 4) return kNotHeader;
  return key == kV_ ? kV : key == kSeq_ ? kSeq : key == kT_ ? kT : key == kType_ ? kType : kNotHeader;
}

static_assert(std::endian::native == std::endian::little, "NameKey packs names little-endian");

// The key of a name read from the decoder's input: at least SIMDJSON_PADDING readable bytes
// follow it, so its first eight can be loaded at once.
NameKey key_of(std::string_view name) {
  NameKey k;
  k.size = name.size();
  std::memcpy(&k.head, name.data(), 8);
  if (name.size() < 8) k.head &= (std::uint64_t{1} << (8 * name.size())) - 1;
  if (name.size() > 8) std::memcpy(&k.tail, name.data() + name.size() - 8, 8);
  return k;
}

Status json_error(std::string_view where, simdjson::error_code ec) {
  return Status::Corruption("malformed JSON (" + std::string(where) + "): " + simdjson::error_message(ec));
}

}  // namespace

struct EventDecoder::Impl {
  const EventCatalog& catalog = EventCatalog::instance();
  simdjson::ondemand::parser parser;
  // Input copied here so simdjson may read SIMDJSON_PADDING bytes past the end; reused across
  // calls so steady-state decoding allocates nothing but the event's own strings.
  std::unique_ptr<char[]> buf;
  std::size_t buf_capacity = 0;

  // The pass over one event.
  std::array<bool, kHeaderCount> present{};
  std::uint64_t v = 0, seq = 0;
  std::int64_t t = 0;
  std::string_view type;
  NameKey type_key;
  std::vector<NamedScalar> fields;  // the event type's fields, as collected
  // One decoded event per type, reused: a decoded event is swapped into the caller's, so string
  // capacities circulate between them and the steady state allocates nothing.
  std::vector<Payload> spare;  // by EventType::index

  void ensure_capacity(std::size_t needed) {
    if (needed <= buf_capacity) return;
    std::size_t cap = buf_capacity == 0 ? 1024 : buf_capacity;
    while (cap < needed) cap *= 2;
    buf = std::make_unique<char[]>(cap);
    buf_capacity = cap;
  }

  // Parses `json` in place when `slack` readable bytes follow it (at least SIMDJSON_PADDING),
  // else from a padded copy.
  Status parse(std::string_view json, std::size_t slack);
  Status build(Event& out);
  Status decode(std::string_view json, std::size_t slack, Event& out);
  Status decode_stored(Seq seq, std::string_view bytes, std::size_t slack, Event& out);
};

static_assert(EventLog::kScanSlack >= simdjson::SIMDJSON_PADDING, "a scanned event must be parseable in place");

Status EventDecoder::Impl::parse(std::string_view json, std::size_t slack) {
  present.fill(false);
  fields.clear();

  // ondemand does not reject bytes after the top-level value; an encoded event always ends
  // with '}', so check that here (trailing garbage would otherwise pass unnoticed).
  std::size_t end = json.size();
  while (end > 0 && (json[end - 1] == ' ' || json[end - 1] == '\n' || json[end - 1] == '\r' ||
                     json[end - 1] == '\t'))
    --end;
  if (end == 0) return Status::Corruption("empty event");
  if (json[end - 1] != '}') return Status::Corruption("event is not a single JSON object");

  const char* input = json.data();
  if (slack < simdjson::SIMDJSON_PADDING) {
    ensure_capacity(json.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(buf.get(), json.data(), json.size());
    std::memset(buf.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
    input = buf.get();
    slack = buf_capacity - json.size();
  }
  const char* const readable_end = input + json.size() + slack;

  simdjson::ondemand::document doc;
  if (auto ec = parser.iterate(input, json.size(), json.size() + slack).get(doc)) return json_error("document", ec);
  simdjson::ondemand::object obj;
  if (auto ec = doc.get_object().get(obj)) {
    if (ec == simdjson::INCORRECT_TYPE) return Status::Corruption("event is not a JSON object");
    return json_error("document", ec);
  }

  // A wrong-typed envelope field is remembered rather than reported at once: a log from a newer
  // chatd must be reported as Unsupported even if its fields changed type, and "v" may come last.
  std::string type_error;
  for (auto field_result : obj) {
    simdjson::ondemand::field field;
    if (auto ec = std::move(field_result).get(field)) return json_error("field", ec);
    // The key's raw bytes, up to its closing quote: the writer never escapes a key, so a key with
    // an escape can only be unknown, and an unknown field is skipped (its value is still parsed).
    const char* raw = field.key().raw();
    const char* close = static_cast<const char*>(std::memchr(raw, '"', static_cast<std::size_t>(readable_end - raw)));
    if (close == nullptr) return json_error("key", simdjson::STRING_ERROR);
    const std::string_view key(raw, static_cast<std::size_t>(close - raw));
    simdjson::ondemand::value& value = field.value();
    simdjson::ondemand::json_type jt;
    if (auto ec = value.type().get(jt)) return json_error(key, ec);

    JsonScalar s;
    if (jt == simdjson::ondemand::json_type::string) {
      if (auto ec = value.get_string().get(s.text)) {
        s.kind = JsonScalar::Kind::kMalformed;  // an error if the type declares this field
        s.error = simdjson::error_message(ec);
      } else {
        s.kind = JsonScalar::Kind::kString;
      }
    } else if (jt == simdjson::ondemand::json_type::number) {
      // A negative, fractional or too large number is a type error of its field, not malformed
      // JSON. (ondemand only moves past a number it could read, so a failed read can be retried;
      // one it cannot read at all is stepped over when the object moves on.)
      if (!value.get_uint64().get(s.u)) {
        s.kind = JsonScalar::Kind::kUnsigned;
        s.fits_signed = s.u <= static_cast<std::uint64_t>(INT64_MAX);
        s.i = static_cast<std::int64_t>(s.u);
      } else if (!value.get_int64().get(s.i)) {
        s.kind = JsonScalar::Kind::kSigned;
      }
    }
    // Objects, arrays, booleans and null are stepped over by ondemand (kOther).

    const NameKey name = key_of(key);
    const Header h = header_of(name);
    if (h == kNotHeader) {
      fields.emplace_back(NamedScalar{key, name, s});
      continue;
    }
    bool good = false;
    switch (h) {
      case kV: good = s.kind == JsonScalar::Kind::kUnsigned && (v = s.u, true); break;
      case kSeq: good = s.kind == JsonScalar::Kind::kUnsigned && (seq = s.u, true); break;
      case kT: good = (s.kind == JsonScalar::Kind::kSigned || (s.kind == JsonScalar::Kind::kUnsigned && s.fits_signed)) && (t = s.i, true); break;
      case kType: good = s.kind == JsonScalar::Kind::kString && (type = s.text, type_key = NameKey::of(type), true); break;
      default: break;
    }
    if (!good && s.kind == JsonScalar::Kind::kMalformed)
      return Status::Corruption("malformed JSON (" + std::string(key) + "): " + s.error);
    if (!good) {
      if (type_error.empty())
        type_error = "field '" + std::string(key) + "' must be " +
                     (h == kV || h == kSeq ? "an unsigned integer" : h == kT ? "an integer" : "a string");
      continue;
    }
    present[h] = true;
  }
  // A closing '}' at the end is not enough: "{...}7}" ends with one too, after a whole object.
  // (simdjson 3.0 has no document::at_end(); current_location() is OUT_OF_BOUNDS exactly there.)
  const char* after = nullptr;
  if (doc.current_location().get(after) != simdjson::OUT_OF_BOUNDS)
    return Status::Corruption("event is not a single JSON object: bytes follow it");

  if (present[kV]) {
    if (v > static_cast<std::uint64_t>(kSchemaVersion))
      return Status::Unsupported("log written by a newer chatd: schema version " + std::to_string(v));
    if (v == 0) return Status::Corruption("schema version 0 is not valid");
  }
  if (!type_error.empty()) return Status::Corruption(type_error);
  return Status::Ok();
}

Status EventDecoder::Impl::build(Event& out) {
  for (std::size_t h = 0; h < kHeaderCount; ++h)
    if (!present[h]) return Status::Corruption("missing field '" + std::string(kHeaderNames[h]) + "'");
  const EventType* event_type = catalog.find(type_key, type);
  if (!event_type) return Status::Corruption("unknown event type '" + std::string(type) + "'");

  const auto index = static_cast<std::size_t>(event_type->index);
  if (spare.size() <= index) spare.resize(index + 1);
  Payload& decoded = spare[index];
  if (decoded.empty()) decoded.emplace_default(*event_type);
  Status st = event_type->decode_fields(fields, decoded.data());
  if (!st.ok()) return st;  // `out` is untouched

  out.seq = seq;
  out.time = t;
  if (out.payload.type() == event_type)
    out.payload.swap_value(decoded);  // the caller's old event becomes the spare one
  else
    out.payload = std::move(decoded);
  return Status::Ok();
}

EventDecoder::EventDecoder() : impl_(std::make_unique<Impl>()) {}
EventDecoder::~EventDecoder() = default;

Status EventDecoder::Impl::decode(std::string_view json, std::size_t slack, Event& out) {
  // simdjson is built with exceptions on the Debian package; every call above uses the
  // error-code API, and the catch keeps an allocation failure from escaping the data path.
  try {
    Status st = parse(json, slack);
    if (!st.ok()) return st;
    return build(out);
  } catch (const std::bad_alloc&) {
    return Status::IoError("out of memory while decoding an event");
  }
}

Status EventDecoder::Impl::decode_stored(Seq seq, std::string_view bytes, std::size_t slack, Event& out) {
  Status st = decode(bytes, slack, out);
  if (!st.ok()) {
    std::string msg = "event seq " + std::to_string(seq) + ": " + st.message();
    return st.code() == Status::Code::kUnsupported ? Status::Unsupported(std::move(msg))
                                                   : Status::Corruption(std::move(msg));
  }
  if (out.seq != seq)
    return Status::Corruption("event seq " + std::to_string(seq) + ": encoded seq is " + std::to_string(out.seq));
  return Status::Ok();
}

Status EventDecoder::decode(std::string_view json, Event& out) { return impl_->decode(json, 0, out); }

Status EventDecoder::decode_stored(Seq seq, std::string_view bytes, Event& out) {
  return impl_->decode_stored(seq, bytes, 0, out);
}

Status EventDecoder::decode_scanned(Seq seq, std::string_view scanned, Event& out) {
  return impl_->decode_stored(seq, scanned, EventLog::kScanSlack, out);
}

}  // namespace chatd::events
