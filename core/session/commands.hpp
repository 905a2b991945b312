// The session domain's commands: a connection becomes a client, a client goes away, the audits of
// connections that never became clients, and the operators' query of the log position.
// Thread-safety: plain values.
#pragma once

#include <string>

#include "core/command.hpp"
#include "core/decide.hpp"
#include "events/session/events.hpp"

namespace chatd {

class Lifecycle;
void add_session_rules(Lifecycle& lifecycle);

// A connection passed the gates and becomes a client (the name may be empty, as in lowf). Its
// reply binds the session to the new client.
struct Connect {
  static constexpr std::string_view kName = "connect";
  // Never refused for a full queue: the gates have been passed already.
  static constexpr CommandTraits kTraits{.needs_client = false, .counts_in_flight = true, .essential = true};
  std::string name;
  events::Dialect dialect = events::Dialect::kNative;
  std::string addr;
  static Reply decide(const projections::World& w, ClientId actor, const Connect& c, const Context& ctx, Decided& out);
  bool operator==(const Connect&) const = default;
};

// The actor's session ended (closed by the client, or by the server for `reason`).
struct Disconnect {
  static constexpr std::string_view kName = "disconnect";
  static constexpr CommandTraits kTraits{.needs_client = true, .counts_in_flight = false, .essential = true};
  events::DisconnectReason reason = events::DisconnectReason::kClosed;
  static Reply decide(const projections::World& w, ClientId actor, const Disconnect& c, const Context& ctx, Decided& out);
  bool operator==(const Disconnect&) const = default;
};

// Audit: a connection failed the captcha (bounded per connection by the session's gate).
struct RecordCaptchaFailure {
  static constexpr std::string_view kName = "record_captcha_failure";
  static constexpr CommandTraits kTraits{.needs_client = false, .counts_in_flight = false, .essential = true};
  std::string addr;
  std::string reason;
  static Reply decide(const projections::World& w, ClientId actor, const RecordCaptchaFailure& c, const Context& ctx,
                      Decided& out);
  bool operator==(const RecordCaptchaFailure&) const = default;
};

// Audit: a connection that never became a client was closed for abuse (one per connection).
struct RecordRejection {
  static constexpr std::string_view kName = "record_rejection";
  static constexpr CommandTraits kTraits{.needs_client = false, .counts_in_flight = false, .essential = true};
  std::string addr;
  std::string reason;
  static Reply decide(const projections::World& w, ClientId actor, const RecordRejection& c, const Context& ctx,
                      Decided& out);
  bool operator==(const RecordRejection&) const = default;
};

// Asks for the log position and World hash as of this command: for operators only (they tell
// about everyone's activity, and the hash costs a pass over the World once per log position).
struct QueryInfo {
  static constexpr std::string_view kName = "info";
  static constexpr CommandTraits kTraits{.operators_only = true};
  static Reply decide(const projections::World& w, ClientId actor, const QueryInfo& c, const Context& ctx, Decided& out);
  bool operator==(const QueryInfo&) const = default;
};

// QueryInfo's reply body.
struct InfoReply {
  Seq seq = 0;
  std::uint64_t world_hash = 0;
  bool operator==(const InfoReply&) const = default;
};

}  // namespace chatd
