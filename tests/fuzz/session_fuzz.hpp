// What the two dialect targets share: one frame as a client would send it, decoded, then handed to
// the real SessionLogic in three states: a client already; before the captcha is solved; waiting
// for its Connect's reply, over the rate, with operator tokens configured.
// Thread-safety: one thread (the fuzzer's).
#pragma once

#include <string_view>

#include "core/session/commands.hpp"
#include "net/session/captcha_service.hpp"
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
    case Decoded::Outcome::kIgnore:
    case Decoded::Outcome::kQuit: break;
  }
  NullIo io;
  {  // a client already: every domain command's path
    static const SessionOptions options = [] {
      SessionOptions o;
      o.captcha_required = false;
      o.rate_per_sec = 0;
      return o;
    }();
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
  {  // before the captcha is solved: the gate, the admission a name shapes, a solution's check
    static ManualClock clock{1'795'310'400'000};
    static CaptchaService captcha({}, 1'000, 60'000, std::make_unique<SeededRandom>(5), clock);
    static const SessionOptions options;  // the captcha required
    SessionLogic session(dialect, options, &captcha, io, "192.0.2.2", 0);
    session.open();
    session.on_frame(frame, 1);
    session.on_frame(frame, 2);
    session.on_transport_closed();
  }
  {  // waiting for Connect's reply, over the rate, with operators configured
    static const OperatorTokens operators = [] {
      OperatorTokens t;
      t.add("a-fuzzing-operator-token");
      return t;
    }();
    static const SessionOptions options = [] {
      SessionOptions o;
      o.captcha_required = false;
      o.rate_per_sec = 1;
      o.rate_burst = 1;
      o.max_inflight = 2;
      o.operators = &operators;
      return o;
    }();
    SessionLogic session(dialect, options, nullptr, io, "192.0.2.3", 0);
    session.open();
    for (TimeMs now = 1; now < 4 && !session.closing(); ++now) {
      if (session.reading_paused()) break;
      const TimeMs ready = session.frame_ready_at(now);
      session.on_frame(frame, ready);
    }
    session.on_transport_closed();
  }
}

}  // namespace chatd::fuzz
