// The wire dialects: exact frames in and out, for the native protocol and for lowf's.
#include <catch2/catch.hpp>

#include "net/lowf_dialect.hpp"
#include "net/native_dialect.hpp"

using namespace chatd;
using namespace chatd::events;
using Outcome = Decoded::Outcome;
using Kind = projections::Push::Kind;

namespace {

Decoded decode(const WireDialect& d, std::string_view frame) {
  Decoded out;
  d.decode(frame, out);
  return out;
}

std::optional<std::string> render(const WireDialect& d, const Outbound& item) {
  std::string out;
  if (!d.outbound(item, out)) return std::nullopt;
  return out;
}

Outbound push(projections::Push p) {
  Outbound o;
  o.kind = Outbound::Kind::kPush;
  o.push = std::move(p);
  return o;
}

Outbound reply(std::size_t index, std::string id, Reply r) {
  Outbound o;
  o.kind = Outbound::Kind::kReply;
  o.command_index = index;
  o.request_id = std::move(id);
  o.reply = std::move(r);
  return o;
}

PairId a_pair() { return *PairId::parse("6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f"); }

}  // namespace

TEST_CASE("native: every op decodes to its command", "[dialect][native]") {
  NativeDialect n;
  auto d = decode(n, R"({"op":"name","id":1,"name":"Alice"})");
  REQUIRE(d.outcome == Outcome::kRequest);
  CHECK(d.request.id == "1");
  CHECK(std::get<SetName>(d.request.command).name == "Alice");
  CHECK(std::holds_alternative<Search>(decode(n, R"({"id":"x","op":"search"})").request.command));
  CHECK(std::holds_alternative<Leave>(decode(n, R"({"op":"leave"})").request.command));
  CHECK(std::get<Send>(decode(n, R"({"op":"send","text":"hi \"there\"","sent_at":5})").request.command).text == "hi \"there\"");
  CHECK(std::get<Report>(decode(n, R"({"op":"report","reason":"spam"})").request.command).reason == "spam");
  CHECK(std::get<Report>(decode(n, R"({"op":"report"})").request.command).reason.empty());
  CHECK(std::holds_alternative<QueryInfo>(decode(n, R"({"op":"info"})").request.command));
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
  CHECK(no_op.error == ErrorCode::kBadRequest);
  CHECK(no_op.request.id == "3");
  CHECK(decode(n, R"({"op":"fly"})").error == ErrorCode::kUnknownOp);
  CHECK(decode(n, R"({"op":"send"})").error == ErrorCode::kBadRequest);
  CHECK(decode(n, R"({"op":"send","text":5})").error == ErrorCode::kBadRequest);
  CHECK(decode(n, R"({"op":"name","name":null})").error == ErrorCode::kBadRequest);
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
  CHECK(render(n, reply(command_index<Search>(), "1", Reply{})) == R"({"type":"reply","id":1,"ok":true})");
  CHECK(render(n, reply(command_index<Connect>(), "\"c\"", Reply{.client = 9})) ==
        R"({"type":"reply","id":"c","ok":true,"client":9})");
  CHECK(render(n, reply(command_index<QueryInfo>(), "2", Reply{.info_seq = 77, .info_hash = 0xabc})) ==
        R"({"type":"reply","id":2,"ok":true,"seq":77,"world_hash":"0000000000000abc"})");
  CHECK(render(n, reply(command_index<Send>(), "3", Reply{.error = ErrorCode::kInvalidState, .message = "no"})) ==
        R"({"type":"reply","id":3,"ok":false,"error":"invalid_state","message":"no"})");
  CHECK(render(n, reply(command_index<Send>(), "", Reply{})) == std::nullopt);  // no id, success: silent
  CHECK(render(n, reply(command_index<Send>(), "", Reply{.error = ErrorCode::kInvalidState, .message = "no"})) ==
        R"({"type":"error","error":"invalid_state","message":"no"})");

  CHECK(render(n, push({.kind = Kind::kState, .state = ClientState::kLooking})) == R"({"type":"state","state":"looking"})");
  CHECK(render(n, push({.kind = Kind::kState, .state = ClientState::kDisconnected, .pair = a_pair()})) ==
        R"({"type":"state","state":"disconnected","pair":"6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f"})");
  CHECK(render(n, push({.kind = Kind::kPaired, .pair = a_pair(), .name = "Bob"})) ==
        R"({"type":"paired","pair":"6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f","partner":"Bob"})");
  CHECK(render(n, push({.kind = Kind::kMessage, .pair = a_pair(), .name = "Bob", .text = "hi\n"})) ==
        R"({"type":"message","pair":"6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f","from":"Bob","text":"hi\n"})");
  CHECK(render(n, push({.kind = Kind::kMessage, .name = "Me", .text = "x", .own = true})) == std::nullopt);
  CHECK(render(n, push({.kind = Kind::kPartnerLeft, .pair = a_pair()})) ==
        R"({"type":"partner_left","pair":"6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f"})");
  CHECK(render(n, push({.kind = Kind::kNameChanged, .name = "Robert", .old_name = "Bob"})) ==
        R"({"type":"partner_renamed","old":"Bob","name":"Robert"})");
  CHECK(render(n, push({.kind = Kind::kSystem, .text = "maintenance"})) == R"({"type":"system","text":"maintenance"})");
}

TEST_CASE("lowf: commands decode exactly as lowf numbers them", "[dialect][lowf]") {
  LowfDialect l;
  CHECK(std::holds_alternative<Search>(decode(l, R"({"type":"command","body":0})").request.command));
  CHECK(std::holds_alternative<Leave>(decode(l, R"({"type":"command","body":1})").request.command));
  CHECK(std::get<Send>(decode(l, R"({"type":"command","body":2,"message":"yo"})").request.command).text == "yo");
  CHECK(std::holds_alternative<Report>(decode(l, R"({"type":"command","body":3})").request.command));
  CHECK(std::get<SetName>(decode(l, R"({"message":"Al","body":4,"type":"command"})").request.command).name == "Al");
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
  CHECK(render(l, reply(command_index<Search>(), "", Reply{})) == std::nullopt);
  CHECK(render(l, reply(command_index<Send>(), "", Reply{.error = ErrorCode::kInvalidState})) == std::nullopt);
  CHECK(render(l, push({.kind = Kind::kState, .state = ClientState::kLooking})) == R"({"type":"state","body":1})");
  CHECK(render(l, push({.kind = Kind::kState, .state = ClientState::kDisconnected})) == R"({"type":"state","body":3})");
  CHECK(render(l, push({.kind = Kind::kState, .state = ClientState::kDisconnected, .pair = a_pair()})) ==
        R"({"type":"state","body":3,"message":"6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f"})");
  CHECK(render(l, push({.kind = Kind::kPaired, .name = "Bob"})) == R"({"type":"state","body":2,"message":"Bob"})");
  CHECK(render(l, push({.kind = Kind::kMessage, .name = "Al", .text = "hello bob", .own = true})) ==
        R"({"type":"message","body":"Al","message":"hello bob"})");
  CHECK(render(l, push({.kind = Kind::kPartnerLeft, .pair = a_pair()})) ==
        R"({"type":"state","body":3,"message":"6f1c2d0e-8a4b-4c1f-9d2e-3b4a5c6d7e8f"})");
  CHECK(render(l, push({.kind = Kind::kNameChanged, .name = "Robert", .old_name = "Bob"})) ==
        R"({"type":"message","body":0,"message":"Bob has changed names. Their name is now Robert."})");
  CHECK(render(l, push({.kind = Kind::kSystem, .text = "System message: hi"})) ==
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
      if (out.outcome == Outcome::kReject) REQUIRE(out.error != ErrorCode::kNone);
    }
  }
}
