// The log encoding (events/codec) and the in-memory log (events/memory_log).
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <tuple>
#include <iterator>
#include <string>
#include <vector>

#include "events/catalog.hpp"
#include "events/codec.hpp"
#include "events/memory_log.hpp"
#include "events/session/events.hpp"
#include "events/stranger/events.hpp"

using namespace chatd;
using namespace chatd::events;

namespace {

PairId pair_id(std::uint8_t fill) {
  PairId p;
  for (std::size_t i = 0; i < p.bytes.size(); ++i) p.bytes[i] = static_cast<std::uint8_t>(fill + i * 17);
  p.bytes[6] = static_cast<std::uint8_t>((p.bytes[6] & 0x0f) | 0x40);  // version 4
  p.bytes[8] = static_cast<std::uint8_t>((p.bytes[8] & 0x3f) | 0x80);  // variant
  return p;
}

// Strings a codec gets wrong first: quotes, backslashes, every control character, DEL, UTF-8 of
// 2, 3 and 4 bytes, JSON-looking text, and the empty string.
std::vector<std::string> awkward_strings() {
  std::string controls;
  for (char c = 1; c < 0x20; ++c) controls.push_back(c);
  controls.push_back('\x7f');
  return {
      "",
      "plain",
      "\"quoted\" \\back\\slash\\",
      controls,
      std::string("nul\0inside", 10),
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad\xe6\x96\x87",
      "{\"type\":\"paired\",\"v\":99}",
      "\\u0041 not an escape",
      "/slash/ and </script>",
      std::string(5000, 'x'),
  };
}

// Every event type of the catalog, its fields filled from `n` and `s` (each field's own sample of
// its type, events/fields.hpp): the list follows the declarations, so a new type is in it at once.
std::vector<Payload> every_payload(const std::string& s, std::uint64_t n) {
  std::vector<Payload> out;
  for (const EventType* type : EventCatalog::instance().types()) {
    for (std::uint64_t variant = 0; variant < 3; ++variant) {  // enums and integers take other values
      Payload p;
      p.emplace_default(*type);
      std::uint64_t k = n + variant;
      for (const FieldInfo& f : type->fields) f.fill(p.data(), k++, s);
      out.push_back(std::move(p));
    }
  }
  return out;
}

Status decode_text(const std::string& json) {
  EventDecoder decoder;
  Event e;
  return decoder.decode(json, e);
}

}  // namespace

TEST_CASE("codec: every event type round-trips with awkward strings", "[events][codec]") {
  EventDecoder decoder;  // one decoder for everything: its reused parser must not leak state
  std::uint64_t n = 0;
  std::size_t types_seen = 0;
  for (const std::string& s : awkward_strings()) {
    for (const Payload& p : every_payload(s, n)) {
      Event in{n + 1, 1795310400000 + static_cast<TimeMs>(n), p};
      const std::string json = encode(in);
      INFO(json);
      Event out;
      Status st = decoder.decode(json, out);
      REQUIRE(st.ok());
      CHECK(out.seq == in.seq);
      CHECK(out.time == in.time);
      CHECK(in.payload == out.payload);
      ++n;
    }
    types_seen = every_payload(s, 0).size() / 3;
  }
  CHECK(types_seen == EventCatalog::instance().types().size());
  CHECK(types_seen >= 12);
}

TEST_CASE("codec: the stored format is the one in tests/expected/event_schema.txt", "[events][codec][schema]") {
  // Any change to an event type, a field, its type or its role shows here, and so in review.
  std::ifstream in(std::string(CHATD_EXPECTED_DIR) + "/event_schema.txt");
  REQUIRE(in.good());
  const std::string expected((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(EventCatalog::instance().describe(production_domains()) == expected);
}

TEST_CASE("codec: extreme numbers round-trip", "[events][codec]") {
  EventDecoder decoder;
  for (TimeMs t : {TimeMs{0}, TimeMs{-1}, INT64_MIN, INT64_MAX}) {
    Event in{UINT64_MAX, t, ServerStarted{UINT64_MAX}};
    Event out;
    REQUIRE(decoder.decode(encode(in), out).ok());
    CHECK(out.seq == UINT64_MAX);
    CHECK(out.time == t);
    CHECK(out.payload.as<ServerStarted>().ended_clients == UINT64_MAX);
  }
}

TEST_CASE("codec: byte-exact encodings", "[events][codec]") {
  PairId p = *PairId::parse("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b");
  CHECK(encode(Event{7, 1795310400000, Paired{p, 3, 2}}) ==
        R"({"v":1,"seq":7,"t":1795310400000,"type":"paired","pair":"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b","seeker":3,"waiter":2})");
  CHECK(encode(Event{1, 5, ClientConnected{9, "a\"b\\c\n\x01", Dialect::kLowf, "10.0.0.1"}}) ==
        R"({"v":1,"seq":1,"t":5,"type":"client_connected","client":9,"name":"a\"b\\c\n\u0001","dialect":"lowf","addr":"10.0.0.1"})");
  CHECK(encode(Event{2, 6, ClientDisconnected{4, DisconnectReason::kSlowReader}}) ==
        R"({"v":1,"seq":2,"t":6,"type":"client_disconnected","client":4,"reason":"slow_reader"})");
  CHECK(encode(Event{3, 7, ServerStarted{0}}) == R"({"v":1,"seq":3,"t":7,"type":"server_started","ended_clients":0})");

  std::string appended = "prefix";
  encode_to(Event{4, 8, SearchStarted{1}}, appended);
  CHECK(appended == R"(prefix{"v":1,"seq":4,"t":8,"type":"search_started","client":1})");
}

TEST_CASE("codec: field order and unknown fields do not matter", "[events][codec]") {
  EventDecoder decoder;
  Event out;
  REQUIRE(decoder.decode(
                     R"( {"text":"hi","from":5,"extra":{"nested":[1,2,{"x":null}]},"type":"message_sent","pair":"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b","t":-3,"seq":12,"v":1} )",
                     out)
              .ok());
  CHECK(out.seq == 12);
  CHECK(out.time == -3);
  const auto& m = out.payload.as<MessageSent>();
  CHECK(m.from == 5);
  CHECK(m.text == "hi");
  CHECK(m.pair.to_string() == "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b");
  // Escapes written by other JSON writers decode too.
  REQUIRE(decoder.decode(R"({"v":1,"seq":1,"t":0,"type":"name_changed","client":1,"name":"\u00e9\ud83d\ude00\/"})", out).ok());
  CHECK(out.payload.as<NameChanged>().name == "\xc3\xa9\xf0\x9f\x98\x80/");
}

TEST_CASE("codec: bad input is rejected with the right code and a useful message", "[events][codec]") {
  using C = Status::Code;
  struct Case {
    std::string json;
    C code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {R"({"v":1,"seq":1,"t":0,"type":"teleported","client":1})", C::kCorruption, "unknown event type 'teleported'"},
      {R"({"v":1,"seq":1,"t":0,"type":"paired","pair":"6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b","seeker":3})",
       C::kCorruption, "paired: missing field 'waiter'"},
      {R"({"v":1,"seq":1,"t":0,"type":"name_changed","client":1})", C::kCorruption, "missing field 'name'"},
      // A key sharing a known name's first 8 bytes is another key, not that one.
      {R"({"v":1,"seq":1,"t":0,"type":"server_started","ended_cl":5})", C::kCorruption, "missing field 'ended_clients'"},
      {R"({"v":1,"t":0,"type":"search_started","client":1})", C::kCorruption, "missing field 'seq'"},
      {R"({"seq":1,"t":0,"type":"search_started","client":1})", C::kCorruption, "missing field 'v'"},
      {R"({"v":1,"seq":1,"t":0,"client":1})", C::kCorruption, "missing field 'type'"},
      {R"({"v":1,"seq":1,"t":0,"type":"search_started","client":"7"})", C::kCorruption,
       "field 'client' must be an unsigned integer"},
      {R"({"v":1,"seq":1,"t":0,"type":"search_started","client":-7})", C::kCorruption,
       "field 'client' must be an unsigned integer"},
      {R"({"v":1,"seq":1,"t":0,"type":"search_started","client":1.5})", C::kCorruption,
       "field 'client' must be an unsigned integer"},
      {R"({"v":1,"seq":1,"t":"now","type":"search_started","client":1})", C::kCorruption, "field 't' must be an integer"},
      {R"({"v":1,"seq":1,"t":0,"type":7,"client":1})", C::kCorruption, "field 'type' must be a string"},
      {R"({"v":1,"seq":1,"t":0,"type":"name_changed","client":1,"name":null})", C::kCorruption,
       "field 'name' must be a string"},
      {R"({"v":1,"seq":1,"t":0,"type":"pair_left","pair":"not-a-uuid","by":1})", C::kCorruption,
       "field 'pair' is not a UUID"},
      {R"({"v":1,"seq":1,"t":0,"type":"client_connected","client":1,"name":"a","dialect":"klingon","addr":"x"})",
       C::kCorruption, "unknown dialect 'klingon'"},
      {R"({"v":1,"seq":1,"t":0,"type":"client_disconnected","client":1,"reason":"bored"})", C::kCorruption,
       "unknown disconnect reason 'bored'"},
      {R"({"v":2,"seq":1,"t":0,"type":"search_started","client":1})", C::kUnsupported,
       "log written by a newer chatd: schema version 2"},
      // A newer version wins over anything else wrong: its fields may legitimately differ.
      {R"({"client":"x","type":"hologram","seq":1,"t":0,"v":3})", C::kUnsupported, "schema version 3"},
      {R"({"v":0,"seq":1,"t":0,"type":"search_started","client":1})", C::kCorruption, "schema version 0"},
      {R"([1,2,3])", C::kCorruption, "not a single JSON object"},
      {R"("text")", C::kCorruption, "not a single JSON object"},
      {"", C::kCorruption, "empty"},
      {R"({"v":1,"seq":1,"t":0,"type":"search_started","client":1)", C::kCorruption, "not a single JSON object"},
      {R"({"v":1,"seq":1,"t":0,"type":"search_started","client":1}garbage)", C::kCorruption, ""},
      // Ends with '}' like an event, after a whole object (the in-place fuzz case found it).
      {R"({"v":1,"seq":1,"t":0,"type":"search_started","client":4}7})", C::kCorruption, "bytes follow it"},
      {R"({"v":1,"seq":1,"t":0,"type":"search_started","client":1,})", C::kCorruption, "malformed JSON"},
      {R"({"v":1,"seq":1,"t":0,"type":"name_changed","client":1,"name":"unterminated})", C::kCorruption, ""},
      // A declared field that does not parse is malformed; a number too large for any type is a
      // type error (an unknown field holding either is skipped: see the next test).
      {R"({"v":1,"seq":1,"t":0,"type":"name_changed","client":1,"name":"bad \q escape"})", C::kCorruption, "malformed JSON (name)"},
      {R"({"v":1,"seq":1,"t":0,"type":"server_started","ended_clients":1e400})", C::kCorruption,
       "field 'ended_clients' must be an unsigned integer"},
      {"{\"v\":1,\"seq\":1,\"t\":0,\"type\":\"name_changed\",\"client\":1,\"name\":\"\xff\"}", C::kCorruption, ""},
  };
  EventDecoder decoder;
  for (const Case& c : cases) {
    INFO(c.json);
    Event out;
    out.seq = 4242;
    Status st = decoder.decode(c.json, out);
    INFO(st.ToString());
    CHECK(st.code() == c.code);
    CHECK(st.message().find(c.says) != std::string::npos);
    CHECK(out.seq == 4242);  // a failed decode leaves the event alone
    // The decoder is still usable after any failure.
    Event ok;
    REQUIRE(decoder.decode(R"({"v":1,"seq":2,"t":0,"type":"search_started","client":1})", ok).ok());
    CHECK(ok.seq == 2);
  }
  CHECK(decode_text(R"({"v":1,"seq":1,"t":0,"type":"search_started","client":1})").ok());
}

namespace {

// A type of a test domain whose field names are longer than 8 and than 16 bytes (the decoder
// compares names as integers up to 16 bytes and their middle beyond), one of them a name another
// type uses with another JSON type ("reason" is a string elsewhere).
struct LongNames {
  static constexpr std::string_view kType = "long_names_for_a_test";
  ClientId recipient = kNoClient;
  TimeMs expires_at = 0;
  std::string a_rather_long_field_name_indeed;
  std::uint64_t reason = 0;
  static constexpr auto fields() {
    return std::tuple{field<&LongNames::recipient>("recipient", Role::kClient), field<&LongNames::expires_at>("expires_at"),
                      field<&LongNames::a_rather_long_field_name_indeed>("a_rather_long_field_name_indeed"),
                      field<&LongNames::reason>("reason")};
  }
  bool operator==(const LongNames&) const = default;
};

}  // namespace

TEST_CASE("codec: field names of any length, and a name's type is its event's", "[events][codec]") {
  EventCatalog::instance().add_domain("codec_test", EventList<LongNames>{});
  const Event in{3, 9, LongNames{7, -5, "x", 42}};
  const std::string json = encode(in);
  CHECK(json == R"({"v":1,"seq":3,"t":9,"type":"long_names_for_a_test","recipient":7,"expires_at":-5,)"
                R"("a_rather_long_field_name_indeed":"x","reason":42})");
  EventDecoder decoder;
  Event out;
  REQUIRE(decoder.decode(json, out).ok());
  CHECK(out == in);
  // Any order; a name that differs only in its middle bytes is another name.
  REQUIRE(decoder.decode(R"({"reason":1,"a_rather_long_field_name_indeed":"y","a_rather_XXXX_field_name_indeed":"z",)"
                         R"("expires_at":2,"recipient":3,"type":"long_names_for_a_test","t":0,"seq":1,"v":1})",
                         out)
              .ok());
  CHECK(out.payload.as<LongNames>() == LongNames{3, 2, "y", 1});
  Status missing = decoder.decode(R"({"v":1,"seq":1,"t":0,"type":"long_names_for_a_test","recipient":3,"expires_at":2,"reason":1,)"
                                  R"("a_rather_XXXX_field_name_indeed":"z"})",
                                  out);
  CHECK(missing.message().find("missing field 'a_rather_long_field_name_indeed'") != std::string::npos);
  // "reason" is an unsigned integer here and a string in reported: each type checks its own.
  CHECK(decoder.decode(R"({"v":1,"seq":1,"t":0,"type":"long_names_for_a_test","recipient":3,"expires_at":2,"reason":"no",)"
                       R"("a_rather_long_field_name_indeed":"z"})",
                       out)
            .message()
            .find("field 'reason' must be an unsigned integer") != std::string::npos);
}

TEST_CASE("codec: fields the type does not declare are skipped, whatever they hold", "[events][codec]") {
  EventDecoder decoder;
  Event out;
  REQUIRE(decoder.decode(R"({"v":1,"seq":1,"t":0,"type":"search_started","client":4,"x":"bad \q escape","y":1e400,"name":5})", out).ok());
  CHECK(out.payload.as<SearchStarted>().client == 4);
  // A field's type is its event's: "name" is a string in name_changed, and no field of search_started.
  REQUIRE(decoder.decode(R"({"v":1,"seq":2,"t":0,"type":"name_changed","client":4,"name":"Al"})", out).ok());
  CHECK(out.payload.as<NameChanged>().name == "Al");
}

TEST_CASE("codec: mutated encodings never crash the decoder and never half-decode", "[events][codec]") {
  EventDecoder decoder;
  SeededRandom random(31);
  std::vector<std::string> encoded;
  Seq seq = 1;
  for (const Payload& p : every_payload("name \"q\" \xc3\xa9", 7)) encoded.push_back(encode(Event{seq++, 1795310400000, p}));
  int rejected = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text = encoded[random.uniform(encoded.size())];
    if (random.uniform(2) == 0)
      text[random.uniform(text.size())] = static_cast<char>(random.uniform(256));
    else
      text.resize(random.uniform(text.size()));
    Event out;
    out.seq = 999;
    Status s = decoder.decode(text, out);
    if (!s.ok()) {
      ++rejected;
      REQUIRE(out.seq == 999);  // a failed decode leaves the output alone
      REQUIRE_FALSE(s.message().empty());
    }
  }
  CHECK(rejected > 10000);  // most mutations break the event; the others decode to a valid one
}

TEST_CASE("codec: a scanned event parsed in place decodes as a copy does, whatever follows it", "[events][codec]") {
  // decode_scanned reads the bytes where a scan left them, with the next event's bytes (or the
  // chunk's slack) after them; mutated events must fail or succeed as a padded copy does.
  EventDecoder in_place, copied;
  SeededRandom random(47);
  std::vector<std::pair<Seq, std::string>> encoded;
  Seq seq = 1;
  for (const std::string& s : awkward_strings())
    for (const Payload& p : every_payload(s, seq)) {
      encoded.emplace_back(seq, encode(Event{seq, 1795310400000, p}));
      ++seq;
    }
  const std::vector<std::string> followers = {std::string(EventLog::kScanSlack, '"'), std::string(EventLog::kScanSlack, '\\'),
                                              std::string(EventLog::kScanSlack, '}'), std::string(EventLog::kScanSlack, '\0')};
  for (int round = 0; round < 20000; ++round) {
    const auto& [stored_seq, original] = encoded[random.uniform(encoded.size())];
    std::string text = original;
    if (round % 2 == 1) text[random.uniform(text.size())] = static_cast<char>(random.uniform(256));
    if (round % 4 == 3) text.resize(random.uniform(text.size()));
    std::string buffer = text + (round % 5 == 4 ? encoded[random.uniform(encoded.size())].second : followers[random.uniform(followers.size())]);
    buffer.resize(std::max(buffer.size(), text.size() + EventLog::kScanSlack), 'x');
    Event a, b;
    const Status sa = in_place.decode_scanned(stored_seq, std::string_view(buffer.data(), text.size()), a);
    const Status sb = copied.decode_stored(stored_seq, text, b);
    INFO(text);
    // The same verdict and code. The message may differ for broken JSON: simdjson names a syntax
    // error by what it meets, and it may look past the event's end into the slack (a copy's slack
    // is zeros, a scan's is the next event), e.g. "ended early" where a copy says "missing field".
    REQUIRE(sa.code() == sb.code());
    if (!sa.ok()) REQUIRE(sa.message().rfind("event seq " + std::to_string(stored_seq) + ": ", 0) == 0);
    if (sa.ok()) REQUIRE(a.payload == b.payload);
  }
}

TEST_CASE("memory log: append, scan, continuity", "[events][memory_log]") {
  MemoryLog log;
  CHECK(log.last_seq() == 0);
  std::vector<Event> batch;
  for (Seq s = 1; s <= 10000; ++s) batch.push_back(Event{s, static_cast<TimeMs>(s), MessageSent{pair_id(1), s, "m" + std::to_string(s)}});
  REQUIRE(log.append(std::span<const Event>(batch).first(3)).ok());
  REQUIRE(log.append(std::span<const Event>(batch).subspan(3)).ok());
  CHECK(log.last_seq() == 10000);

  SECTION("gap and repeat rejected, log unchanged") {
    Event gap{10002, 0, SearchStarted{1}};
    Status st = log.append(std::span<const Event>(&gap, 1));
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(st.message().find("expected 10001") != std::string::npos);
    Event repeat{10000, 0, SearchStarted{1}};
    CHECK(log.append(std::span<const Event>(&repeat, 1)).code() == Status::Code::kInvalidArgument);
    std::vector<Event> holey{{10001, 0, SearchStarted{1}}, {10003, 0, SearchStarted{1}}};
    CHECK(log.append(holey).code() == Status::Code::kInvalidArgument);
    CHECK(log.last_seq() == 10000);
    CHECK(log.append({}).ok());
  }
  SECTION("scan all, from the middle, past the end, and stop early") {
    Seq expect = 1;
    REQUIRE(log.scan(0, [&](const Event& e) {
                  CHECK(e.seq == expect);
                  CHECK(e.payload.as<MessageSent>().text == "m" + std::to_string(expect));
                  ++expect;
                  return true;
                }).ok());
    CHECK(expect == 10001);
    expect = 4097;
    REQUIRE(log.scan(4097, [&](const Event& e) { return e.seq == expect++; }).ok());
    CHECK(expect == 10001);
    int visits = 0;
    REQUIRE(log.scan(10001, [&](const Event&) { return ++visits, true; }).ok());
    CHECK(visits == 0);
    REQUIRE(log.scan(5, [&](const Event&) { return ++visits < 3; }).ok());
    CHECK(visits == 3);
  }
  SECTION("corruption is reported with its seq, after the good events") {
    REQUIRE(log.corrupt_for_test(5000, "{not json").ok());
    CHECK(log.corrupt_for_test(20000, "x").code() == Status::Code::kNotFound);
    Seq visited = 0;
    Status st = log.scan(1, [&](const Event& e) { return visited = e.seq, true; });
    CHECK(st.code() == Status::Code::kCorruption);
    CHECK(st.message().rfind("event seq 5000: ", 0) == 0);
    CHECK(visited == 4999);
    REQUIRE(log.corrupt_for_test(5000, R"({"v":9,"seq":5000,"t":0,"type":"x"})").ok());
    CHECK(log.scan(4990, [](const Event&) { return true; }).code() == Status::Code::kUnsupported);
  }
  SECTION("the visitor may append") {
    Seq next = log.last_seq() + 1;
    REQUIRE(log.scan(9999, [&](const Event&) {
                  Event e{next++, 0, SearchStarted{1}};
                  return log.append(std::span<const Event>(&e, 1)).ok() && next < 10010;
                }).ok());
    CHECK(log.last_seq() >= 10002);
  }
}
