// The dms domain's events: direct messages between two clients online at once, chatsock's `:dm
// <user>`. A DM is a conversation of exactly two clients, opened by one of them, numbered per DM
// (1, 2, ...) like a room's messages, and over when either side closes it or goes away. A DM is
// anonymous (clients, not accounts) and nothing of it outlives its two clients but the log.
// Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>

#include "events/event.hpp"

namespace chatd::events {

// A DM's id: handed out by the World in order (1, 2, ...), never reused.
using DmId = std::uint64_t;
inline constexpr DmId kNoDm = 0;

// `from` opened DM `dm` with `to` (who had no DM with `from` open).
struct DmOpened {
  static constexpr std::string_view kType = "dm_opened";
  DmId dm = kNoDm;
  ClientId from = kNoClient;
  ClientId to = kNoClient;
  static constexpr auto fields() {
    return std::tuple{field<&DmOpened::dm>("dm"), field<&DmOpened::from>("from", Role::kClient),
                      field<&DmOpened::to>("to", Role::kClient)};
  }
  bool operator==(const DmOpened&) const = default;
};

// Message number `number` of DM `dm`, from one side to the other. Both sides are in the event so
// that either one's filter finds it without knowing the DM.
struct DmSent {
  static constexpr std::string_view kType = "dm_sent";
  DmId dm = kNoDm;
  std::uint64_t number = 0;
  ClientId from = kNoClient;
  ClientId to = kNoClient;
  std::string text;
  static constexpr auto fields() {
    return std::tuple{field<&DmSent::dm>("dm"), field<&DmSent::number>("number"), field<&DmSent::from>("from", Role::kClient),
                      field<&DmSent::to>("to", Role::kClient), field<&DmSent::text>("text")};
  }
  bool operator==(const DmSent&) const = default;
};

// `by` closed DM `dm` (a disconnect ends a client's DMs without this event).
struct DmClosed {
  static constexpr std::string_view kType = "dm_closed";
  DmId dm = kNoDm;
  ClientId by = kNoClient;
  static constexpr auto fields() { return std::tuple{field<&DmClosed::dm>("dm"), field<&DmClosed::by>("by", Role::kClient)}; }
  bool operator==(const DmClosed&) const = default;
};

using DmsEvents = EventList<DmOpened, DmSent, DmClosed>;

}  // namespace chatd::events
