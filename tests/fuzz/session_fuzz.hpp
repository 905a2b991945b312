// What the two dialect targets share: a client of a session with the captcha off, fed one frame as
// a client would send it, through the real SessionLogic (decode, then every gate).
// Thread-safety: one thread (the fuzzer's).
#pragma once

#include <string_view>

#include "core/session/commands.hpp"
#include "net/session/session_logic.hpp"
#include "tests/fuzz/fuzz_target.hpp"

namespace chatd::fuzz {

// A transport that keeps nothing: the property is the logic's, not the bytes'.
struct NullIo final : SessionIo {
  void send(Frame) override {}
  void close(std::uint16_t, std::string reason) override { FUZZ_CHECK(!reason.empty()); }
  bool submit(Command command, std::string) override {
    FUZZ_CHECK(!command.body.empty());  // a dialect never submits an empty command
    return true;
  }
};

// Decodes `frame` with `dialect` and checks what a decode promises, then hands it to a session
// that is a client already.
inline void decode_and_handle(const WireDialect& dialect, std::string_view frame) {
  Decoded decoded;
  dialect.decode(frame, decoded);
  switch (decoded.outcome) {
    case Decoded::Outcome::kReject: FUZZ_CHECK(!decoded.error.ok()); break;
    case Decoded::Outcome::kClose: FUZZ_CHECK(!decoded.message.empty()); break;
    case Decoded::Outcome::kRequest:
      if (decoded.request.kind == Request::Kind::kCommand) FUZZ_CHECK(!decoded.request.command.body.empty());
      break;
    case Decoded::Outcome::kIgnore: break;
  }
  static const SessionOptions options = [] {
    SessionOptions o;
    o.captcha_required = false;
    o.rate_per_sec = 0;
    return o;
  }();
  NullIo io;
  SessionLogic session(dialect, options, nullptr, io, "192.0.2.1", 0);
  session.open();
  Outbound connected;
  connected.kind = Outbound::Kind::kReply;
  connected.command = &CommandType::of<Connect>();
  connected.reply.binds_client = 7;
  session.on_outbound(std::move(connected), 0);
  session.on_frame(frame, 1);
  session.on_transport_closed();
}

}  // namespace chatd::fuzz
