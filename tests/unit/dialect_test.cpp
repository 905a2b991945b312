// The wire dialects: exact frames in and out, for the native protocol and for lowf's.
#include <catch2/catch.hpp>

#include "net/lowf/dialect.hpp"
#include "net/native/dialect.hpp"
#include "tests/support/domains.hpp"

using namespace chatd;
using namespace chatd::events;
using namespace chatd::projections;
using Outcome = Decoded::Outcome;

namespace {

Decoded decode(const WireDialect& d, std::string_view frame) {
  Decoded out;
  d.decode(frame, out);
  return out;
}

std::optional<std::string> render(const WireDialect& d, const Outbound& item) {
  std::string out;
  const bool said = item.kind == Outbound::Kind::kReply ? d.render_reply(item, out) : d.render_push(*item.push, item.own, out);
  if (!said) return std::nullopt;
  return out;
}

Outbound push(PushBody body, bool own = false) {
  Outbound o;
  o.kind = Outbound::Kind::kPush;
  o.push = std::make_shared<const Push>(Push{std::move(body)});
  o.own = own;
  return o;
}

template <class C>
Outbound reply(std::string id, Reply r) {
  Outbound o;
  o.kind = Outbound::Kind::kReply;
  o.command = &CommandType::of<C>();
  o.request_id = std::move(id);
  o.reply = std::move(r);
  return o;
}

template <class T>
bool holds(const Command& c) {
  return c.is<T>();
}
template <class T>
const T& get(const Command& c) {
  return c.as<T>();
}

PairId a_pair() { return *PairId::parse("6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f"); }

}  // namespace

TEST_CASE("native: every op decodes to its command", "[dialect][native]") {
  NativeDialect n;
  auto d = decode(n, R"({"op":"name","id":1,"name":"Alice"})");
  REQUIRE(d.outcome == Outcome::kRequest);
  CHECK(d.request.id == "1");
  CHECK(d.request.command.as<SetName>().name == "Alice");
  CHECK(holds<Search>(decode(n, R"({"id":"x","op":"search"})").request.command));
  CHECK(holds<Leave>(decode(n, R"({"op":"leave"})").request.command));
  CHECK(get<Send>(decode(n, R"({"op":"send","text":"hi \"there\"","sent_at":5})").request.command).text == "hi \"there\"");
  CHECK(get<Report>(decode(n, R"({"op":"report","reason":"spam"})").request.command).reason == "spam");
  CHECK(get<Report>(decode(n, R"({"op":"report"})").request.command).reason.empty());
  CHECK(holds<QueryInfo>(decode(n, R"({"op":"info"})").request.command));
  CHECK(decode(n, R"({"op":"ping"})").request.kind == Request::Kind::kPing);
  auto c = decode(n, R"({"op":"captcha","solution":{"algorithm":"SHA-256","challenge":"ab","number":7,"salt":"s","signature":"cd"}})");
  REQUIRE(c.request.kind == Request::Kind::kCaptcha);
  CHECK(c.request.solution.number == 7);
  CHECK(c.request.solution.salt == "s");
  // The ALTCHA widget's base64 payload of the same solution.
  auto p = decode(n, R"({"op":"captcha","payload":"eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwiY2hhbGxlbmdlIjoiYWIiLCJudW1iZXIiOjcsInNhbHQiOiJzIiwic2lnbmF0dXJlIjoiY2QifQ=="})");
  REQUIRE(p.request.kind == Request::Kind::kCaptcha);
  CHECK(p.request.solution.challenge == "ab");
  CHECK(p.request.solution.number == 7);
}

TEST_CASE("native: bad requests get errors, non-JSON closes", "[dialect][native]") {
  NativeDialect n;
  CHECK(decode(n, "hello").outcome == Outcome::kClose);
  CHECK(decode(n, "[1,2]").outcome == Outcome::kClose);
  auto no_op = decode(n, R"({"id":3})");
  CHECK(no_op.outcome == Outcome::kReject);
  CHECK(no_op.error == errors::kBadRequest);
  CHECK(no_op.request.id == "3");
  CHECK(decode(n, R"({"op":"fly"})").error == errors::kUnknownOp);
  CHECK(decode(n, R"({"op":"send"})").error == errors::kBadRequest);
  CHECK(decode(n, R"({"op":"send","text":5})").error == errors::kBadRequest);
  CHECK(decode(n, R"({"op":"name","name":null})").error == errors::kBadRequest);
}

TEST_CASE("native: request ids are re-encoded, never echoed raw", "[dialect][native]") {
  NativeDialect n;
  CHECK(decode(n, R"({"op":"ping","id":42})").request.id == "42");
  CHECK(decode(n, R"({"op":"ping","id":-7})").request.id == "-7");
  CHECK(decode(n, R"({"op":"ping","id":"a\"b"})").request.id == R"("a\"b")");
  CHECK(decode(n, R"({"op":"ping","id":"\u00e9"})").request.id == "\"\xc3\xa9\"");
  // Ill-formed or unusable ids: refused, and the error goes out without an id.
  for (auto frame : {R"({"op":"ping","id":1x})", R"({"op":"ping","id":1.5})", R"({"op":"ping","id":[1]})",
                     R"({"op":"ping","id":true})"}) {
    auto d = decode(n, frame);
    INFO(frame);
    if (d.outcome != Outcome::kClose) {
      CHECK(d.outcome == Outcome::kReject);
      CHECK(d.request.id.empty());
    }
  }
  CHECK(decode(n, std::string(R"({"op":"ping","id":")") + std::string(100, 'x') + "\"}").request.id.size() == 102);
  CHECK(decode(n, std::string(R"({"op":"ping","id":")") + std::string(101, 'x') + "\"}").outcome == Outcome::kReject);
}

TEST_CASE("native: replies and pushes, byte for byte", "[dialect][native]") {
  NativeDialect n;
  CHECK(render(n, reply<Search>("1", Reply{})) == R"({"type":"reply","id":1,"ok":true})");
  CHECK(render(n, reply<Connect>("\"c\"", Reply{.binds_client = 9})) ==
        R"({"type":"reply","id":"c","ok":true,"client":9})");
  CHECK(render(n, reply<QueryInfo>("2", Reply{.body = InfoReply{77, 0xabc}})) ==
        R"({"type":"reply","id":2,"ok":true,"seq":77,"world_hash":"0000000000000abc"})");
  CHECK(render(n, reply<Send>("3", Reply{.error = errors::kInvalidState, .message = "no"})) ==
        R"({"type":"reply","id":3,"ok":false,"error":"invalid_state","message":"no"})");
  CHECK(render(n, reply<Send>("", Reply{})) == std::nullopt);  // no id, success: silent
  CHECK(render(n, reply<Send>("", Reply{.error = errors::kInvalidState, .message = "no"})) ==
        R"({"type":"error","error":"invalid_state","message":"no"})");

  CHECK(render(n, push(StatePush{ClientState::kLooking})) == R"({"type":"state","state":"looking"})");
  CHECK(render(n, push(StatePush{ClientState::kLooking, PairId{}, true})) == std::nullopt);  // "paired" follows
  CHECK(render(n, push(StatePush{ClientState::kDisconnected, a_pair()})) ==
        R"({"type":"state","state":"disconnected","pair":"6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f"})");
  CHECK(render(n, push(PairedPush{a_pair(), "Bob"})) ==
        R"({"type":"paired","pair":"6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f","partner":"Bob"})");
  CHECK(render(n, push(MessagePush{a_pair(), "Bob", "hi\n"})) ==
        R"({"type":"message","pair":"6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f","from":"Bob","text":"hi\n"})");
  CHECK(render(n, push(MessagePush{PairId{}, "Me", "x"}, true)) == std::nullopt);
  CHECK(render(n, push(PartnerLeftPush{a_pair()})) ==
        R"({"type":"partner_left","pair":"6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f"})");
  CHECK(render(n, push(RenamedPush{"Bob", "Robert"})) ==
        R"({"type":"partner_renamed","old":"Bob","name":"Robert"})");
  CHECK(render(n, push(SystemNoticePush{"maintenance"})) == R"({"type":"system","text":"maintenance"})");
}

TEST_CASE("every dialect says something, or says nothing on purpose, for every push type", "[dialect]") {
  // A push type no dialect renders would be dropped silently; each dialect's table must cover all.
  // (A test domain registered in the same process renders its pushes in its own tests.)
  CHECK(NativeDialect().pushes().missing(production_domains()).empty());
  CHECK(LowfDialect().pushes().missing(production_domains()).empty());
  CHECK(Projections::instance().push_types().size() >= 7);
  // The native dialect tells nobody of its own session's end; nor does lowf.
  CHECK(render(NativeDialect(), push(SessionEndedPush{})) == std::nullopt);
  CHECK(render(LowfDialect(), push(SessionEndedPush{})) == std::nullopt);
  // A renamed client's own push: the native client has its reply; the partner hears of it.
  CHECK(render(NativeDialect(), push(RenamedPush{"Bob", "Robert"}, true)) == std::nullopt);
}

TEST_CASE("lowf: commands decode exactly as lowf numbers them", "[dialect][lowf]") {
  LowfDialect l;
  CHECK(holds<Search>(decode(l, R"({"type":"command","body":0})").request.command));
  CHECK(holds<Leave>(decode(l, R"({"type":"command","body":1})").request.command));
  CHECK(get<Send>(decode(l, R"({"type":"command","body":2,"message":"yo"})").request.command).text == "yo");
  CHECK(holds<Report>(decode(l, R"({"type":"command","body":3})").request.command));
  CHECK(get<SetName>(decode(l, R"({"message":"Al","body":4,"type":"command"})").request.command).name == "Al");
}

TEST_CASE("lowf: malformed commands close the connection with a reason", "[dialect][lowf]") {
  LowfDialect l;
  for (auto frame : {"nope", R"({"type":"command"})", R"({"type":"state","body":0})", R"({"type":"command","body":5})",
                     R"({"type":"command","body":"1"})", R"({"type":"command","body":2})",
                     R"({"type":"command","body":2,"message":{"nested":true}})", R"({"type":"command","body":4,"message":7})"}) {
    INFO(frame);
    auto d = decode(l, frame);
    CHECK(d.outcome == Outcome::kClose);
    CHECK(d.message.rfind("malformed command: ", 0) == 0);
  }
}

TEST_CASE("lowf: frames out, byte for byte as lowf sends them", "[dialect][lowf]") {
  LowfDialect l;
  CHECK(render(l, reply<Search>("", Reply{})) == std::nullopt);
  CHECK(render(l, reply<Send>("", Reply{.error = errors::kInvalidState})) == std::nullopt);
  // A command the gates refused is not silent either.
  std::string gated;
  CHECK(l.gate_reply("", errors::kRateLimited, "too many commands; slow down", gated));
  CHECK(gated == R"({"type":"message","body":0,"message":"Your command was not carried out: too many commands; slow down."})");
  std::string ok;
  CHECK_FALSE(l.gate_reply("", errors::kNone, "", ok));
  // A refused message is not silent: lowf's page shows system messages.
  CHECK(render(l, reply<Send>("", Reply::failure(errors::kInvalidMessage, "the message is longer than the server allows"))) ==
        R"({"type":"message","body":0,"message":"Your message was not sent: the message is longer than the server allows."})");
  CHECK(render(l, push(StatePush{ClientState::kLooking})) == R"({"type":"state","body":1})");
  CHECK(render(l, push(StatePush{ClientState::kLooking, PairId{}, true})) == R"({"type":"state","body":1})");
  CHECK(render(l, push(StatePush{ClientState::kDisconnected})) == R"({"type":"state","body":3})");
  CHECK(render(l, push(StatePush{ClientState::kDisconnected, a_pair()})) ==
        R"({"type":"state","body":3,"message":"6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f"})");
  CHECK(render(l, push(PairedPush{PairId{}, "Bob"})) == R"({"type":"state","body":2,"message":"Bob"})");
  CHECK(render(l, push(MessagePush{PairId{}, "Al", "hello bob"}, true)) ==
        R"({"type":"message","body":"Al","message":"hello bob"})");
  CHECK(render(l, push(PartnerLeftPush{a_pair()})) ==
        R"({"type":"state","body":3,"message":"6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f"})");
  CHECK(render(l, push(RenamedPush{"Bob", "Robert"})) ==
        R"({"type":"message","body":0,"message":"Bob has changed names. Their name is now Robert."})");
  CHECK(render(l, push(SystemNoticePush{"System message: hi"})) ==
        R"({"type":"message","body":0,"message":"System message: hi"})");
  std::string hello;
  CHECK_FALSE(l.hello(HelloInfo{}, hello));
}

TEST_CASE("decoders survive random and mutated frames", "[dialect][robustness]") {
  // Not a fuzzer, but the same idea on a budget: valid frames mutated byte by byte, truncated, and
  // random bytes. Every outcome must be one of the four, with a reason when it closes.
  NativeDialect native;
  LowfDialect lowf;
  const std::vector<std::string> seeds = {
      R"({"op":"send","id":1,"text":"hello"})", R"({"op":"name","id":"x","name":"Al"})",
      R"({"op":"captcha","id":2,"solution":{"algorithm":"SHA-256","challenge":"ab","number":1,"salt":"s","signature":"c"}})",
      R"({"op":"captcha","payload":"eyJhIjoxfQ=="})", R"({"type":"command","body":2,"message":"hi"})",
      R"({"type":"command","body":4,"message":"Bob"})"};
  SeededRandom random(77);
  for (int round = 0; round < 30000; ++round) {
    std::string frame = seeds[random.uniform(seeds.size())];
    switch (random.uniform(3)) {
      case 0:
        for (int k = 0; k < 3; ++k) frame[random.uniform(frame.size())] = static_cast<char>(random.uniform(256));
        break;
      case 1: frame.resize(random.uniform(frame.size() + 1)); break;
      default:
        frame.assign(random.uniform(64), '\0');
        for (char& ch : frame) ch = static_cast<char>(random.uniform(256));
    }
    for (const WireDialect* d : {static_cast<const WireDialect*>(&native), static_cast<const WireDialect*>(&lowf)}) {
      Decoded out;
      d->decode(frame, out);
      if (out.outcome == Outcome::kClose) REQUIRE_FALSE(out.message.empty());
      if (out.outcome == Outcome::kReject) REQUIRE_FALSE(out.error.ok());
    }
  }
}
