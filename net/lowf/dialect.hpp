// LowfDialect: lowf's protocol exactly as its web page speaks it (numbered commands and states,
// the sender's own message echoed, the pair id as the message of state 3, system messages as
// type "message" with body 0). Commands the state does not allow are ignored silently, as lowf
// does; a refused message and a command the gates refused are answered with a system message; a
// malformed command closes the connection with a reason (lowf left such sockets as zombies).
// lowf speaks stranger chat only: its commands are the stranger domain's, and it renders the
// stranger and session pushes.
// Thread-safety: immutable once built; see WireDialect.
#pragma once

#include "net/session/dialect.hpp"
#include "net/session/push_table.hpp"

namespace chatd {

class LowfDialect final : public WireDialect {
 public:
  LowfDialect();

  events::Dialect kind() const override { return events::Dialect::kLowf; }
  void decode(std::string_view frame, Decoded& out) const override;
  bool hello(const HelloInfo&, std::string&) const override { return false; }  // lowf's server speaks second
  // lowf answers with state changes only, and ignores a command its state does not allow; but a
  // message that was refused (too long, empty, not UTF-8) must not vanish: its sender hears why,
  // as a lowf system message.
  bool render_reply(const Outbound& item, std::string& out) const override;
  // A command the session's gates refused (rate limit, in-flight bound, captcha) is never dropped
  // silently: the client hears why, as a lowf system message (lowf's page shows them).
  bool gate_reply(const std::string& id, ErrorCode error, std::string_view message, std::string& out) const override;
  bool render_push(const projections::Push& push, bool own, std::string& out) const override {
    return pushes_.render(push, own, out);
  }
  PushTable& pushes() { return pushes_; }
  const PushTable& pushes() const { return pushes_; }

 private:
  PushTable pushes_;
};

}  // namespace chatd
