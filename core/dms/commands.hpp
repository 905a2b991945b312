// The dms domain's commands: open a DM with a client online (by its name), send in it, close it,
// and list one's open DMs. Each acts for its actor, the session's client, which must be a side of
// the DM it names: a DM's id names nothing to anyone else (`no_such_dm`, exactly as an id never
// handed out).
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/command.hpp"
#include "core/decide.hpp"
#include "events/dms/events.hpp"

namespace chatd {

// Opens a DM with the client online named `to`; with one open between them already, answers with
// it (harmless, like joining a room twice). Names are not unique across dialects: several clients
// of that name are `ambiguous_name`, never a guess.
struct OpenDm {
  static constexpr std::string_view kName = "open_dm";
  static constexpr CommandTraits kTraits{};
  std::string to;
  static Reply decide(const projections::World& w, ClientId actor, const OpenDm& c, const Context& ctx, Decided& out);
  bool operator==(const OpenDm&) const = default;
};

struct SendDm {
  static constexpr std::string_view kName = "send_dm";
  static constexpr CommandTraits kTraits{};
  events::DmId dm = events::kNoDm;
  std::string text;
  static Reply decide(const projections::World& w, ClientId actor, const SendDm& c, const Context& ctx, Decided& out);
  bool operator==(const SendDm&) const = default;
};

struct CloseDm {
  static constexpr std::string_view kName = "close_dm";
  static constexpr CommandTraits kTraits{};
  events::DmId dm = events::kNoDm;
  static Reply decide(const projections::World& w, ClientId actor, const CloseDm& c, const Context& ctx, Decided& out);
  bool operator==(const CloseDm&) const = default;
};

struct MyDms {
  static constexpr std::string_view kName = "my_dms";
  static constexpr CommandTraits kTraits{};
  static Reply decide(const projections::World& w, ClientId actor, const MyDms& c, const Context& ctx, Decided& out);
  bool operator==(const MyDms&) const = default;
};

// ---- reply bodies ------------------------------------------------------------------------------

// One open DM as its side sees it: with whom (the other side's name) and its latest number.
struct DmListing {
  events::DmId dm = events::kNoDm;
  std::string with;
  std::uint64_t last_number = 0;
  bool operator==(const DmListing&) const = default;
};

// OpenDm's reply: the DM (`opened`: this request opened it; false: it was open already).
struct DmReply {
  DmListing dm;
  bool opened = false;
  bool operator==(const DmReply&) const = default;
};

struct DmsReply {
  std::vector<DmListing> dms;  // in the order they opened
  bool operator==(const DmsReply&) const = default;
};

}  // namespace chatd
