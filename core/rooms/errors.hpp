// The rooms domain's error codes (see core/base/errors.hpp for the shared ones). A hidden room is
// `no_such_room` to whoever is not in it, exactly as a name no room has.
// Thread-safety: constants.
#pragma once

#include "core/base/errors.hpp"

namespace chatd::errors {
inline constexpr ErrorCode kNoSuchRoom{"no_such_room"};          // no room has that name (or it is hidden from the asker)
inline constexpr ErrorCode kInvalidRoomName{"invalid_room_name"};  // room name rules (core/base/text_rules.hpp)
inline constexpr ErrorCode kRoomExists{"room_exists"};           // a live room already has that name (case-insensitively)
inline constexpr ErrorCode kInvalidRoom{"invalid_room"};         // a title, description, limit or history out of bounds
inline constexpr ErrorCode kTooManyRooms{"too_many_rooms"};      // the server's or the client's bound of rooms is reached
inline constexpr ErrorCode kRoomFull{"room_full"};               // the room has as many members as its limit
inline constexpr ErrorCode kNotAMember{"not_a_member"};          // the op needs the client to be in the room
inline constexpr ErrorCode kNotOwner{"not_owner"};               // only the room's owner may do this
inline constexpr ErrorCode kInvalidMedia{"invalid_media"};       // a media post's URL, type or size is not acceptable
}  // namespace chatd::errors
