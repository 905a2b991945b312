// NativeDialect: chatd's own JSON protocol (docs/protocol.md). Requests carry an "op" and an
// optional "id"; every request with an id gets exactly one reply with that id.
// Thread-safety: stateless; see WireDialect.
#pragma once

#include "net/dialect.hpp"

namespace chatd {

class NativeDialect final : public WireDialect {
 public:
  events::Dialect kind() const override { return events::Dialect::kNative; }
  void decode(std::string_view frame, Decoded& out) const override;
  bool hello(const HelloInfo& info, std::string& out) const override;
  bool outbound(const Outbound& item, std::string& out) const override;
  bool gate_reply(const std::string& id, ErrorCode error, std::string_view message, std::string& out) const override;
};

}  // namespace chatd
