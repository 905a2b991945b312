// The dms domain's part of the World: the open DMs (their two sides, when each opened, the number
// of the latest message) and each client's open DMs. No message text is kept: a DM is "not stored
// beyond the log" (issue 12), so a later reader gets nothing back but what the log holds. Its
// pushes are below; notify (projection.cpp) says who gets them.
// Thread-safety: plain values, owned by their World.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "events/dms/events.hpp"
#include "projections/push.hpp"

namespace chatd::projections {

using events::DmId;

struct Dm {
  ClientId opener = kNoClient;
  ClientId peer = kNoClient;
  TimeMs opened = 0;
  std::uint64_t last_number = 0;  // the number of its latest message (0: none yet)

  bool has(ClientId c) const { return c != kNoClient && (c == opener || c == peer); }
  // The side that is not `c` (`c` must be a side).
  ClientId other(ClientId c) const { return c == opener ? peer : opener; }

  static constexpr auto fields() {
    return std::tuple{events::field<&Dm::opener>("opener"), events::field<&Dm::peer>("peer"), events::field<&Dm::opened>("opened"),
                      events::field<&Dm::last_number>("last_number")};
  }
  bool operator==(const Dm&) const = default;
};

struct DmsState {
  std::map<DmId, Dm> dms;                        // open ones only
  std::map<ClientId, std::vector<DmId>> of_client;  // each client's open DMs, in the order they opened
  DmId last_dm = events::kNoDm;                  // ids are handed out after it
  std::uint64_t messages = 0;                    // every DM's, ever

  const Dm* find(DmId id) const {
    auto it = dms.find(id);
    return it == dms.end() ? nullptr : &it->second;
  }
  const std::vector<DmId>* dms_of(ClientId c) const {
    auto it = of_client.find(c);
    return it == of_client.end() ? nullptr : &it->second;
  }
  // The open DM between `a` and `b`, or kNoDm (at most one is open between two clients).
  DmId between(ClientId a, ClientId b) const;

  static constexpr auto fields() {
    return std::tuple{events::field<&DmsState::last_dm>("last_dm"), events::field<&DmsState::messages>("messages"),
                      events::field<&DmsState::dms>("dms"), events::field<&DmsState::of_client>("of_client")};
  }
};

// ---- pushes ----------------------------------------------------------------------------------

// `from_name` opened DM `dm` with `to_name`: to the one it was opened with (and, as its own, to
// the opener: no dialect says it, the reply does, but it carries the idle mark).
struct DmOpenedPush {
  static constexpr std::string_view kName = "dm_opened";
  DmId dm = events::kNoDm;
  std::string from_name;
  std::string to_name;
  bool operator==(const DmOpenedPush&) const = default;
};
// A DM's message, to both sides (its sender's copy is its own).
struct DmMessagePush {
  static constexpr std::string_view kName = "dm_message";
  DmId dm = events::kNoDm;
  std::uint64_t number = 0;
  TimeMs time = 0;
  std::string from_name;
  std::string text;
  bool operator==(const DmMessagePush&) const = default;
};
// DM `dm` is over: `by_name` closed it, or went away (`left`). To the other side; the closer's own
// copy carries its idle mark.
struct DmClosedPush {
  static constexpr std::string_view kName = "dm_closed";
  DmId dm = events::kNoDm;
  std::string by_name;
  bool left = false;
  bool operator==(const DmClosedPush&) const = default;
};

class Projections;
void add_dms_projection(Projections& p);

}  // namespace chatd::projections
