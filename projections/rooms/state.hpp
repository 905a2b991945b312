// The rooms domain's part of the World: the live rooms (settings, owner, members present, the
// numbered history kept for joiners and resumes), the index of their case-insensitive names, and
// which rooms each client is in. Presence is a client's, so it ends with the client (a disconnect,
// a restart); rooms and their history stay until they are deleted or expire. Its pushes are below;
// notify (projection.cpp) says who gets them.
// Thread-safety: plain values, owned by their World.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "events/accounts/events.hpp"
#include "events/rooms/events.hpp"
#include "projections/push.hpp"

namespace chatd::projections {

using events::MediaKind;
using events::RoomId;
using events::Visibility;

// One message of a room's history, as joiners and resumes are given it.
struct RoomMessage {
  std::uint64_t number = 0;
  TimeMs time = 0;
  ClientId from = kNoClient;
  std::string from_name;  // the sender's name when it posted
  MediaKind kind = MediaKind::kText;
  std::string text;
  std::string url;
  std::string media_type;
  std::uint64_t bytes = 0;
  static constexpr auto fields() {
    return std::tuple{events::field<&RoomMessage::number>("number"), events::field<&RoomMessage::time>("time"),
                      events::field<&RoomMessage::from>("from"), events::field<&RoomMessage::from_name>("from_name"),
                      events::field<&RoomMessage::kind>("kind"), events::field<&RoomMessage::text>("text"),
                      events::field<&RoomMessage::url>("url"), events::field<&RoomMessage::media_type>("media_type"),
                      events::field<&RoomMessage::bytes>("bytes")};
  }
  bool operator==(const RoomMessage&) const = default;
};

struct Room {
  std::string name;  // as its creator wrote it
  ClientId owner = kNoClient;
  // The account its owner was logged in to when it created the room (kNoAccount: none): whose
  // followers hear of it and find it (core/rooms: FollowedRooms).
  events::AccountId owner_account = events::kNoAccount;
  MediaKind topic = MediaKind::kText;
  events::RoomSettings settings;
  std::string password_hash;        // argon2id; empty: anyone may join
  std::uint64_t password_version = 0;  // counts the password's changes: a join's proof names one
  std::uint64_t history_limit = 0;  // messages kept, from the event that created the room
  TimeMs expire_idle_ms = 0;        // 0: never expires
  TimeMs created = 0;
  TimeMs last_activity = 0;         // the last post, join or leave
  std::uint64_t last_number = 0;    // the number of the room's latest message (0: none yet)
  std::deque<RoomMessage> history;  // the last history_limit messages, oldest first
  std::map<ClientId, TimeMs> members;  // present now, with when they joined

  bool is_member(ClientId c) const { return members.count(c) > 0; }
  bool full() const { return settings.limit > 0 && members.size() >= settings.limit; }
  // The number of the oldest message kept (last_number + 1 when none is).
  std::uint64_t first_kept() const { return history.empty() ? last_number + 1 : history.front().number; }
  // When the room expires if nothing happens in it (kNoDeadline-like max when it never does).
  TimeMs expires_at() const;

  static constexpr auto fields() {
    return std::tuple{events::field<&Room::name>("name"), events::field<&Room::owner>("owner"),
                      events::field<&Room::owner_account>("owner_account"), events::field<&Room::topic>("topic"),
                      events::field<&Room::settings>("settings"), events::field<&Room::password_hash>("password_hash"),
                      events::field<&Room::password_version>("password_version"), events::field<&Room::history_limit>("history_limit"),
                      events::field<&Room::expire_idle_ms>("expire_idle_ms"), events::field<&Room::created>("created"),
                      events::field<&Room::last_activity>("last_activity"), events::field<&Room::last_number>("last_number"),
                      events::field<&Room::history>("history"), events::field<&Room::members>("members")};
  }
  bool operator==(const Room&) const = default;
};

struct RoomsState {
  std::map<RoomId, Room> rooms;
  std::map<std::string, RoomId> by_key;             // room_name_key(name) -> id, live rooms only
  std::map<ClientId, std::vector<RoomId>> joined;   // the rooms each client is in, in the order it joined
  std::map<events::AccountId, std::set<RoomId>> by_owner_account;  // live rooms created by a logged-in client
  RoomId last_room = events::kNoRoom;               // ids are handed out after it
  std::uint64_t posts = 0;                          // every room's, ever
  std::uint64_t password_failures = 0;              // every room's, ever

  const Room* find(RoomId id) const {
    auto it = rooms.find(id);
    return it == rooms.end() ? nullptr : &it->second;
  }
  // The live room whose name has key `key` (room_name_key), or null.
  const Room* find_by_key(const std::string& key, RoomId* id = nullptr) const;
  const std::vector<RoomId>* rooms_of(ClientId c) const {
    auto it = joined.find(c);
    return it == joined.end() ? nullptr : &it->second;
  }
  // How many live rooms `c` owns.
  std::size_t owned_by(ClientId c) const;

  static constexpr auto fields() {
    return std::tuple{events::field<&RoomsState::last_room>("last_room"), events::field<&RoomsState::posts>("posts"),
                      events::field<&RoomsState::password_failures>("password_failures"),
                      events::field<&RoomsState::rooms>("rooms"), events::field<&RoomsState::by_key>("by_key"),
                      events::field<&RoomsState::joined>("joined"), events::field<&RoomsState::by_owner_account>("by_owner_account")};
  }
};

// ---- pushes ----------------------------------------------------------------------------------

// A room's message, to every member present when it committed (its sender too, as its own).
struct RoomMessagePush {
  static constexpr std::string_view kName = "room_message";
  RoomId room = events::kNoRoom;
  std::string room_name;
  RoomMessage message;
  bool operator==(const RoomMessagePush&) const = default;
};
// `name` joined or left the room (to the other members).
struct MemberJoinedPush {
  static constexpr std::string_view kName = "member_joined";
  RoomId room = events::kNoRoom;
  std::string room_name;
  std::string name;
  bool operator==(const MemberJoinedPush&) const = default;
};
struct MemberLeftPush {
  static constexpr std::string_view kName = "member_left";
  RoomId room = events::kNoRoom;
  std::string room_name;
  std::string name;
  bool operator==(const MemberLeftPush&) const = default;
};
// The room's settings changed (to its members).
struct RoomUpdatedPush {
  static constexpr std::string_view kName = "room_updated";
  RoomId room = events::kNoRoom;
  std::string room_name;
  events::RoomSettings settings;
  bool operator==(const RoomUpdatedPush&) const = default;
};
// A public room was created by an account the recipient follows (Rooms' Notify, which never ran).
struct FollowedRoomCreatedPush {
  static constexpr std::string_view kName = "followed_room_created";
  events::AccountId account = events::kNoAccount;  // who created it
  RoomId room = events::kNoRoom;
  std::string room_name;
  bool operator==(const FollowedRoomCreatedPush&) const = default;
};
// The room ended; its members are out of it.
struct RoomDeletedPush {
  static constexpr std::string_view kName = "room_deleted";
  RoomId room = events::kNoRoom;
  std::string room_name;
  events::RoomEnd why = events::RoomEnd::kOwner;
  bool operator==(const RoomDeletedPush&) const = default;
};

class Projections;
void add_rooms_projection(Projections& p);

}  // namespace chatd::projections
