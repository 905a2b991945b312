// The rooms domain's events: named rooms that many clients join at once, as chatsock and Rooms had
// them (public or hidden, a user limit, a topic), with a numbered history per room so that a client
// that comes back gets what it missed. Everything a room's rules need later travels in the event
// that creates it (its history bound, its expiry), never in configuration (DESIGN.md principle 2).
// Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>

#include "events/event.hpp"

namespace chatd::events {

// A room's id: handed out by the World in order (1, 2, ...), never reused.
using RoomId = std::uint64_t;
inline constexpr RoomId kNoRoom = 0;

// Whether the room is listed (public) or joined by its name only (hidden).
enum class Visibility : std::uint8_t { kPublic = 0, kHidden = 1 };
// What a room is about, and what a post carries: Rooms' topic kinds.
enum class MediaKind : std::uint8_t { kText = 0, kImage = 1, kVideo = 2 };
// Why a room ended.
enum class RoomEnd : std::uint8_t { kOwner = 0, kExpired = 1, kConfig = 2 };

template <>
struct EnumNames<Visibility> {
  static constexpr std::string_view kWhat = "visibility";
  static constexpr std::array<std::pair<Visibility, const char*>, 2> kNames{{
      {Visibility::kPublic, "public"},
      {Visibility::kHidden, "hidden"},
  }};
};

template <>
struct EnumNames<MediaKind> {
  static constexpr std::string_view kWhat = "media kind";
  static constexpr std::array<std::pair<MediaKind, const char*>, 3> kNames{{
      {MediaKind::kText, "text"},
      {MediaKind::kImage, "image"},
      {MediaKind::kVideo, "video"},
  }};
};

template <>
struct EnumNames<RoomEnd> {
  static constexpr std::string_view kWhat = "room end";
  static constexpr std::array<std::pair<RoomEnd, const char*>, 3> kNames{{
      {RoomEnd::kOwner, "owner"},
      {RoomEnd::kExpired, "expired"},
      {RoomEnd::kConfig, "config"},  // a configured room no longer in the configuration
  }};
};

// A room's settings that its owner may change later (all of them, in every event that sets them).
struct RoomSettings {
  std::string title;
  std::string description;
  Visibility visibility = Visibility::kPublic;
  std::uint64_t limit = 0;  // members at most; 0: no limit
  static constexpr auto fields() {
    return std::tuple{field<&RoomSettings::title>("title"), field<&RoomSettings::description>("description"),
                      field<&RoomSettings::visibility>("visibility"), field<&RoomSettings::limit>("limit")};
  }
  bool operator==(const RoomSettings&) const = default;
};

// `owner` created room `room` named `name` (its case-insensitive key is unique among live rooms).
// `history` messages are kept for joiners and resumes; with no members and no post for
// `expire_idle_ms` the room ends (0: never).
struct RoomCreated {
  static constexpr std::string_view kType = "room_created";
  RoomId room = kNoRoom;
  std::string name;
  ClientId owner = kNoClient;
  MediaKind topic = MediaKind::kText;
  std::string title;
  std::string description;
  Visibility visibility = Visibility::kPublic;
  std::uint64_t limit = 0;
  std::uint64_t history = 0;
  std::int64_t expire_idle_ms = 0;
  std::string password;  // argon2id hash of the room's password; empty: none
  static constexpr auto fields() {
    return std::tuple{field<&RoomCreated::room>("room", Role::kRoom), field<&RoomCreated::name>("name"),
                      field<&RoomCreated::owner>("owner", Role::kClient), field<&RoomCreated::topic>("topic"),
                      field<&RoomCreated::title>("title", FieldOptions{.omit_when_empty = true}),
                      field<&RoomCreated::description>("description", FieldOptions{.omit_when_empty = true}),
                      field<&RoomCreated::visibility>("visibility"), field<&RoomCreated::limit>("limit"),
                      field<&RoomCreated::history>("history"), field<&RoomCreated::expire_idle_ms>("expire_idle_ms"),
                      field<&RoomCreated::password>("password", FieldOptions{.secret = true})};
  }
  RoomSettings settings() const { return RoomSettings{title, description, visibility, limit}; }
  bool operator==(const RoomCreated&) const = default;
};

// The owner changed the room's settings; the event holds all of them, as they are now (the
// password's hash too: a new one makes every earlier proof of the old one stale).
struct RoomUpdated {
  static constexpr std::string_view kType = "room_updated";
  RoomId room = kNoRoom;
  ClientId by = kNoClient;
  std::string title;
  std::string description;
  Visibility visibility = Visibility::kPublic;
  std::uint64_t limit = 0;
  std::string password;
  static constexpr auto fields() {
    return std::tuple{field<&RoomUpdated::room>("room", Role::kRoom), field<&RoomUpdated::by>("by", Role::kClient),
                      field<&RoomUpdated::title>("title"), field<&RoomUpdated::description>("description"),
                      field<&RoomUpdated::visibility>("visibility"), field<&RoomUpdated::limit>("limit"),
                      field<&RoomUpdated::password>("password", FieldOptions{.secret = true})};
  }
  RoomSettings settings() const { return RoomSettings{title, description, visibility, limit}; }
  bool operator==(const RoomUpdated&) const = default;
};

// The room ended (its owner deleted it, it expired, or the configuration no longer has it): its
// members are out, its name is free. Rooms from the configuration have no owner (kNoClient).
struct RoomDeleted {
  static constexpr std::string_view kType = "room_deleted";
  RoomId room = kNoRoom;
  ClientId by = kNoClient;  // the owner; none when it expired
  RoomEnd why = RoomEnd::kOwner;
  static constexpr auto fields() {
    return std::tuple{field<&RoomDeleted::room>("room", Role::kRoom), field<&RoomDeleted::by>("by", Role::kClient),
                      field<&RoomDeleted::why>("why")};
  }
  bool operator==(const RoomDeleted&) const = default;
};

struct RoomJoined {
  static constexpr std::string_view kType = "room_joined";
  RoomId room = kNoRoom;
  ClientId client = kNoClient;
  static constexpr auto fields() {
    return std::tuple{field<&RoomJoined::room>("room", Role::kRoom), field<&RoomJoined::client>("client", Role::kClient)};
  }
  bool operator==(const RoomJoined&) const = default;
};

// The client left the room (it asked to; a disconnect ends its presence without this event).
struct RoomLeft {
  static constexpr std::string_view kType = "room_left";
  RoomId room = kNoRoom;
  ClientId client = kNoClient;
  static constexpr auto fields() {
    return std::tuple{field<&RoomLeft::room>("room", Role::kRoom), field<&RoomLeft::client>("client", Role::kClient)};
  }
  bool operator==(const RoomLeft&) const = default;
};

// Message number `number` of the room (1, 2, ... per room): text, or a reference to an image or a
// video (an https URL, its media type and size; `text` is then its caption).
struct RoomPosted {
  static constexpr std::string_view kType = "room_posted";
  RoomId room = kNoRoom;
  std::uint64_t number = 0;
  ClientId from = kNoClient;
  MediaKind kind = MediaKind::kText;
  std::string text;
  std::string url;
  std::string media_type;
  std::uint64_t bytes = 0;
  static constexpr auto fields() {
    return std::tuple{field<&RoomPosted::room>("room", Role::kRoom), field<&RoomPosted::number>("number"),
                      field<&RoomPosted::from>("from", Role::kClient), field<&RoomPosted::kind>("kind"),
                      field<&RoomPosted::text>("text", FieldOptions{.omit_when_empty = true}),
                      field<&RoomPosted::url>("url", FieldOptions{.omit_when_empty = true}),
                      field<&RoomPosted::media_type>("media_type", FieldOptions{.omit_when_empty = true}),
                      field<&RoomPosted::bytes>("bytes")};
  }
  bool operator==(const RoomPosted&) const = default;
};

// A client gave a wrong password to join the room (an audit: bounded per client and address by
// the session's throttle).
struct RoomPasswordFailed {
  static constexpr std::string_view kType = "room_password_failed";
  RoomId room = kNoRoom;
  ClientId client = kNoClient;
  static constexpr auto fields() {
    return std::tuple{field<&RoomPasswordFailed::room>("room", Role::kRoom),
                      field<&RoomPasswordFailed::client>("client", Role::kClient)};
  }
  bool operator==(const RoomPasswordFailed&) const = default;
};

using RoomsEvents = EventList<RoomCreated, RoomUpdated, RoomDeleted, RoomJoined, RoomLeft, RoomPosted, RoomPasswordFailed>;

}  // namespace chatd::events
