// LowfDialect: lowf's protocol exactly as its web page speaks it (numbered commands and states,
// the sender's own message echoed, the pair id as the message of state 3, system messages as
// type "message" with body 0). Rejected commands are ignored silently, as lowf does; but a
// malformed command closes the connection with a reason (lowf left such sockets as zombies).
// Thread-safety: stateless; see WireDialect.
#pragma once

#include "net/dialect.hpp"

namespace chatd {

class LowfDialect final : public WireDialect {
 public:
  events::Dialect kind() const override { return events::Dialect::kLowf; }
  void decode(std::string_view frame, Decoded& out) const override;
  bool hello(const HelloInfo&, std::string&) const override { return false; }  // lowf's server speaks second
  bool outbound(const Outbound& item, std::string& out) const override;
  bool gate_reply(const std::string&, ErrorCode, std::string_view, std::string&) const override { return false; }
};

}  // namespace chatd
