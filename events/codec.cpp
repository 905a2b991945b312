#include "events/codec.hpp"

#include <simdjson.h>

#include <array>
#include <cstring>
#include <string>
#include <type_traits>

#include "core/json_text.hpp"

namespace chatd::events {

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------
namespace {

// Writes `,"name":` — every field after the fixed header starts with a comma.
void key(std::string& out, const char* name) {
  out.push_back(',');
  out.push_back('"');
  out.append(name);
  out.append("\":");
}
void field_uint(std::string& out, const char* name, std::uint64_t v) {
  key(out, name);
  append_json_uint(out, v);
}
void field_str(std::string& out, const char* name, std::string_view v) {
  key(out, name);
  append_json_string(out, v);
}
void field_pair(std::string& out, const char* name, const PairId& p) {
  key(out, name);
  // to_string() is hex and dashes only: no escaping needed.
  out.push_back('"');
  p.append_to(out);
  out.push_back('"');
}

struct FieldWriter {
  std::string& out;
  void operator()(const ServerStarted& e) const { field_uint(out, "ended_clients", e.ended_clients); }
  void operator()(const ClientConnected& e) const {
    field_uint(out, "client", e.client);
    field_str(out, "name", e.name);
    field_str(out, "dialect", to_string(e.dialect));
    field_str(out, "addr", e.addr);
  }
  void operator()(const NameChanged& e) const {
    field_uint(out, "client", e.client);
    field_str(out, "name", e.name);
  }
  void operator()(const SearchStarted& e) const { field_uint(out, "client", e.client); }
  void operator()(const SearchCancelled& e) const { field_uint(out, "client", e.client); }
  void operator()(const Paired& e) const {
    field_pair(out, "pair", e.pair);
    field_uint(out, "seeker", e.seeker);
    field_uint(out, "waiter", e.waiter);
  }
  void operator()(const MessageSent& e) const {
    field_pair(out, "pair", e.pair);
    field_uint(out, "from", e.from);
    field_str(out, "text", e.text);
  }
  void operator()(const PairLeft& e) const {
    field_pair(out, "pair", e.pair);
    field_uint(out, "by", e.by);
  }
  void operator()(const Reported& e) const {
    field_uint(out, "reporter", e.reporter);
    field_uint(out, "reported", e.reported);
    field_pair(out, "pair", e.pair);
    field_str(out, "reason", e.reason);
  }
  void operator()(const ClientDisconnected& e) const {
    field_uint(out, "client", e.client);
    field_str(out, "reason", to_string(e.reason));
  }
  void operator()(const CaptchaFailed& e) const {
    field_str(out, "addr", e.addr);
    field_str(out, "reason", e.reason);
  }
  void operator()(const ConnectionRejected& e) const {
    field_str(out, "addr", e.addr);
    field_str(out, "reason", e.reason);
  }
};

}  // namespace

void encode_to(const Event& event, std::string& out) {
  out.append("{\"v\":");
  append_json_uint(out, static_cast<std::uint64_t>(kSchemaVersion));
  out.append(",\"seq\":");
  append_json_uint(out, event.seq);
  out.append(",\"t\":");
  append_json_int(out, event.time);
  out.append(",\"type\":\"");
  out.append(type_name(event.payload));  // stable ASCII identifiers, no escaping needed
  out.push_back('"');
  std::visit(FieldWriter{out}, event.payload);
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

// Every field name the schema knows, with the one JSON type it has in every event type. A single
// pass over the object fills these slots; the event is then built from them, so field order never
// matters and each value is read exactly once (as ondemand requires).
enum class Kind : std::uint8_t { kUint, kInt, kString };
enum Slot : std::uint8_t {
  kV, kSeq, kT, kType, kEndedClients, kClient, kName, kDialect, kAddr, kPair, kSeeker, kWaiter,
  kFrom, kText, kBy, kReporter, kReported, kReason, kSlotCount
};
struct SlotInfo {
  const char* name;
  Kind kind;
};
constexpr std::array<SlotInfo, kSlotCount> kSlots{{
    {"v", Kind::kUint},        {"seq", Kind::kUint},      {"t", Kind::kInt},
    {"type", Kind::kString},   {"ended_clients", Kind::kUint},
    {"client", Kind::kUint},   {"name", Kind::kString},   {"dialect", Kind::kString},
    {"addr", Kind::kString},   {"pair", Kind::kString},   {"seeker", Kind::kUint},
    {"waiter", Kind::kUint},   {"from", Kind::kUint},     {"text", Kind::kString},
    {"by", Kind::kUint},       {"reporter", Kind::kUint}, {"reported", Kind::kUint},
    {"reason", Kind::kString},
}};

// A field name's bytes as one integer (names of up to 8 bytes), so finding a slot compares
// integers, not strings: the decoder meets about seven fields per event.
constexpr std::uint64_t pack(std::string_view name) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < name.size() && i < 8; ++i) v |= std::uint64_t{static_cast<unsigned char>(name[i])} << (8 * i);
  return v;
}

int slot_of(std::string_view name) {
  if (name.size() > 8) return name == kSlots[kEndedClients].name ? kEndedClients : -1;
  static constexpr auto kPacked = [] {
    std::array<std::uint64_t, kSlotCount> p{};
    for (std::size_t i = 0; i < kSlotCount; ++i) p[i] = pack(kSlots[i].name);
    return p;
  }();
  static constexpr auto kLength = [] {
    std::array<std::size_t, kSlotCount> n{};
    for (std::size_t i = 0; i < kSlotCount; ++i) n[i] = std::string_view(kSlots[i].name).size();
    return n;
  }();
  const std::uint64_t key = pack(name);
  for (int i = 0; i < kSlotCount; ++i)
    if (kLength[static_cast<std::size_t>(i)] == name.size() && kPacked[static_cast<std::size_t>(i)] == key) return i;
  return -1;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kUint: return "an unsigned integer";
    case Kind::kInt: return "an integer";
    case Kind::kString: return "a string";
  }
  return "?";
}

struct Fields {
  std::array<bool, kSlotCount> present{};
  std::array<std::uint64_t, kSlotCount> u{};
  std::array<std::int64_t, kSlotCount> i{};
  // Views into the parser's string buffer: valid until the parser's next document.
  std::array<std::string_view, kSlotCount> s{};
};

}  // namespace

struct EventDecoder::Impl {
  simdjson::ondemand::parser parser;
  // Input copied here so simdjson may read SIMDJSON_PADDING bytes past the end; reused across
  // calls so steady-state decoding allocates nothing but the event's own strings.
  std::unique_ptr<char[]> buf;
  std::size_t buf_capacity = 0;
  Fields fields;

  void ensure_capacity(std::size_t needed) {
    if (needed <= buf_capacity) return;
    std::size_t cap = buf_capacity == 0 ? 1024 : buf_capacity;
    while (cap < needed) cap *= 2;
    buf = std::make_unique<char[]>(cap);
    buf_capacity = cap;
  }

  Status parse_fields(std::string_view json);
  Status build(Event& out) const;
};

namespace {

Status json_error(const char* where, simdjson::error_code ec) {
  return Status::Corruption(std::string("malformed JSON (") + where + "): " + simdjson::error_message(ec));
}

}  // namespace

Status EventDecoder::Impl::parse_fields(std::string_view json) {
  fields.present.fill(false);

  // ondemand does not reject bytes after the top-level value; an encoded event always ends
  // with '}', so check that here (trailing garbage would otherwise pass unnoticed).
  std::size_t end = json.size();
  while (end > 0 && (json[end - 1] == ' ' || json[end - 1] == '\n' || json[end - 1] == '\r' ||
                     json[end - 1] == '\t'))
    --end;
  if (end == 0) return Status::Corruption("empty event");
  if (json[end - 1] != '}') return Status::Corruption("event is not a single JSON object");

  ensure_capacity(json.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(buf.get(), json.data(), json.size());
  std::memset(buf.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);

  simdjson::ondemand::document doc;
  if (auto ec = parser.iterate(buf.get(), json.size(), buf_capacity).get(doc)) return json_error("document", ec);
  simdjson::ondemand::object obj;
  if (auto ec = doc.get_object().get(obj)) {
    if (ec == simdjson::INCORRECT_TYPE) return Status::Corruption("event is not a JSON object");
    return json_error("document", ec);
  }

  // A wrong-typed field is remembered rather than reported at once: a log from a newer chatd
  // must be reported as Unsupported even if its fields changed type, and "v" may come last.
  std::string type_error;
  for (auto field_result : obj) {
    simdjson::ondemand::field field;
    if (auto ec = std::move(field_result).get(field)) return json_error("field", ec);
    // The key's raw bytes, up to its closing quote: the writer never escapes a key, so a key with
    // an escape can only be unknown, and an unknown field is skipped (its value is still parsed).
    const char* raw = field.key().raw();
    const char* close = static_cast<const char*>(std::memchr(raw, '"', static_cast<std::size_t>(buf.get() + buf_capacity - raw)));
    if (close == nullptr) return json_error("key", simdjson::STRING_ERROR);
    int slot = slot_of(std::string_view(raw, static_cast<std::size_t>(close - raw)));
    if (slot < 0) continue;  // unknown fields are skipped: ondemand steps over the value
    auto idx = static_cast<std::size_t>(slot);
    simdjson::ondemand::value& value = field.value();
    simdjson::ondemand::json_type jt;
    if (auto ec = value.type().get(jt)) return json_error(kSlots[idx].name, ec);
    const Kind kind = kSlots[idx].kind;
    bool good = false;
    if (kind == Kind::kString) {
      if (jt == simdjson::ondemand::json_type::string) {
        if (auto ec = value.get_string().get(fields.s[idx])) return json_error(kSlots[idx].name, ec);
        good = true;
      }
    } else if (jt == simdjson::ondemand::json_type::number) {
      // A negative, fractional or too large number is a type error, not malformed JSON.
      good = kind == Kind::kUint ? !value.get_uint64().get(fields.u[idx]) : !value.get_int64().get(fields.i[idx]);
    }
    if (!good) {
      if (type_error.empty())
        type_error = std::string("field '") + kSlots[idx].name + "' must be " + kind_name(kind);
      continue;
    }
    fields.present[idx] = true;
  }

  if (fields.present[kV]) {
    if (fields.u[kV] > static_cast<std::uint64_t>(kSchemaVersion))
      return Status::Unsupported("log written by a newer chatd: schema version " + std::to_string(fields.u[kV]));
    if (fields.u[kV] == 0) return Status::Corruption("schema version 0 is not valid");
  }
  if (!type_error.empty()) return Status::Corruption(type_error);
  return Status::Ok();
}

namespace {

// Reads the required fields of one event type; the first missing one is the error.
struct Reader {
  const Fields& f;
  std::string_view type;
  Status status;

  bool need(Slot s) {
    if (!status.ok()) return false;
    if (f.present[s]) return true;
    status = Status::Corruption(std::string(type) + ": missing field '" + kSlots[s].name + "'");
    return false;
  }
  std::uint64_t u(Slot s) { return need(s) ? f.u[s] : 0; }
  std::string str(Slot s) { return need(s) ? std::string(f.s[s]) : std::string(); }
  PairId pair(Slot s) {
    if (!need(s)) return {};
    auto p = PairId::parse(f.s[s]);
    if (!p) {
      status = Status::Corruption(std::string(type) + ": field '" + kSlots[s].name + "' is not a UUID");
      return {};
    }
    return *p;
  }
  Dialect dialect() {
    if (!need(kDialect)) return {};
    auto d = dialect_from(f.s[kDialect]);
    if (!d) {
      status = Status::Corruption(std::string(type) + ": unknown dialect '" + std::string(f.s[kDialect]) + "'");
      return {};
    }
    return *d;
  }
  DisconnectReason disconnect_reason() {
    if (!need(kReason)) return {};
    auto r = disconnect_reason_from(f.s[kReason]);
    if (!r) {
      status = Status::Corruption(std::string(type) + ": unknown disconnect reason '" +
                                  std::string(f.s[kReason]) + "'");
      return {};
    }
    return *r;
  }
};

}  // namespace

Status EventDecoder::Impl::build(Event& out) const {
  const Fields& f = fields;
  for (Slot s : {kV, kSeq, kT, kType})
    if (!f.present[s]) return Status::Corruption(std::string("missing field '") + kSlots[s].name + "'");

  const std::string_view type = f.s[kType];
  Reader r{f, type, Status::Ok()};
  Payload payload;
  if (type == "server_started") {
    payload = ServerStarted{r.u(kEndedClients)};
  } else if (type == "client_connected") {
    ClientConnected e;
    e.client = r.u(kClient);
    e.name = r.str(kName);
    e.dialect = r.dialect();
    e.addr = r.str(kAddr);
    payload = std::move(e);
  } else if (type == "name_changed") {
    payload = NameChanged{r.u(kClient), r.str(kName)};
  } else if (type == "search_started") {
    payload = SearchStarted{r.u(kClient)};
  } else if (type == "search_cancelled") {
    payload = SearchCancelled{r.u(kClient)};
  } else if (type == "paired") {
    Paired e;
    e.pair = r.pair(kPair);
    e.seeker = r.u(kSeeker);
    e.waiter = r.u(kWaiter);
    payload = e;
  } else if (type == "message_sent") {
    MessageSent e;
    e.pair = r.pair(kPair);
    e.from = r.u(kFrom);
    e.text = r.str(kText);
    payload = std::move(e);
  } else if (type == "pair_left") {
    PairLeft e;
    e.pair = r.pair(kPair);
    e.by = r.u(kBy);
    payload = e;
  } else if (type == "reported") {
    Reported e;
    e.reporter = r.u(kReporter);
    e.reported = r.u(kReported);
    e.pair = r.pair(kPair);
    e.reason = r.str(kReason);
    payload = std::move(e);
  } else if (type == "client_disconnected") {
    ClientDisconnected e;
    e.client = r.u(kClient);
    e.reason = r.disconnect_reason();
    payload = e;
  } else if (type == "captcha_failed") {
    payload = CaptchaFailed{r.str(kAddr), r.str(kReason)};
  } else if (type == "connection_rejected") {
    payload = ConnectionRejected{r.str(kAddr), r.str(kReason)};
  } else {
    return Status::Corruption("unknown event type '" + std::string(type) + "'");
  }
  if (!r.status.ok()) return r.status;

  out.seq = f.u[kSeq];
  out.time = f.i[kT];
  out.payload = std::move(payload);
  return Status::Ok();
}

EventDecoder::EventDecoder() : impl_(std::make_unique<Impl>()) {}
EventDecoder::~EventDecoder() = default;

Status EventDecoder::decode(std::string_view json, Event& out) {
  // simdjson is built with exceptions on the Debian package; every call above uses the
  // error-code API, and the catch keeps an allocation failure from escaping the data path.
  try {
    Status st = impl_->parse_fields(json);
    if (!st.ok()) return st;
    return impl_->build(out);
  } catch (const std::bad_alloc&) {
    return Status::IoError("out of memory while decoding an event");
  }
}

Status EventDecoder::decode_stored(Seq seq, std::string_view bytes, Event& out) {
  Status st = decode(bytes, out);
  if (!st.ok()) {
    std::string msg = "event seq " + std::to_string(seq) + ": " + st.message();
    return st.code() == Status::Code::kUnsupported ? Status::Unsupported(std::move(msg))
                                                   : Status::Corruption(std::move(msg));
  }
  if (out.seq != seq)
    return Status::Corruption("event seq " + std::to_string(seq) + ": encoded seq is " + std::to_string(out.seq));
  return Status::Ok();
}

}  // namespace chatd::events
