// The rooms domain's commands: create, change and delete rooms; join (and resume), leave, post; and
// the read-only questions (the public rooms, a room's members, one's rooms, everyone online). Each
// acts for its actor, the session's client. Rooms are named by their name in requests (matched
// case-insensitively); a hidden room is answered for as if it did not exist to whoever is not in it,
// except by a join, which is how one gets in.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/accounts/social.hpp"
#include "core/command.hpp"
#include "core/decide.hpp"
#include "projections/rooms/state.hpp"

namespace chatd {

// Creates a room and joins its creator to it (the reply is a join's). With a password, the session
// hashes it first (argon2id) and the command carries only the hash.
struct CreateRoom {
  static constexpr std::string_view kName = "create_room";
  static constexpr CommandTraits kTraits{.credential = CredentialUse::kHashed};
  std::string name;
  std::string title;
  std::string description;
  events::MediaKind topic = events::MediaKind::kText;
  events::Visibility visibility = events::Visibility::kPublic;
  std::uint64_t limit = 0;
  std::optional<std::uint64_t> history;  // messages to keep; none: the server's default
  std::string password_hash;             // set by the session only; empty: no password
  static void with_credential(CreateRoom& c, std::string hash, std::uint64_t, std::uint64_t) { c.password_hash = std::move(hash); }
  static Reply decide(const projections::World& w, ClientId actor, const CreateRoom& c, const Context& ctx, Decided& out);
  bool operator==(const CreateRoom&) const = default;
};

// Changes the settings given (the others stay); by the owner only. A new password is hashed by the
// session; an empty one removes the password.
struct UpdateRoom {
  static constexpr std::string_view kName = "update_room";
  static constexpr CommandTraits kTraits{.credential = CredentialUse::kHashed};
  std::string room;
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<events::Visibility> visibility;
  std::optional<std::uint64_t> limit;
  std::optional<std::string> password_hash;  // "" removes the password; a hash is set by the session only
  static void with_credential(UpdateRoom& c, std::string hash, std::uint64_t, std::uint64_t) { c.password_hash = std::move(hash); }
  static Reply decide(const projections::World& w, ClientId actor, const UpdateRoom& c, const Context& ctx, Decided& out);
  bool operator==(const UpdateRoom&) const = default;
};

struct DeleteRoom {
  static constexpr std::string_view kName = "delete_room";
  static constexpr CommandTraits kTraits{};
  std::string room;
  static Reply decide(const projections::World& w, ClientId actor, const DeleteRoom& c, const Context& ctx, Decided& out);
  bool operator==(const DeleteRoom&) const = default;
};

// Joins a room, or (already in it) asks for its history again. With `since` (the number of the
// last message the client has) the reply holds exactly the messages after it, or says `gap` when
// some of them are older than the history kept; `room_id` (the id the client knew the room by)
// tells a room deleted and created again under the same name, whose numbers start anew. A room
// with a password answers kCredentialNeeded until the session proves the client's password (the
// owner and those already in it need none).
struct JoinRoom {
  static constexpr std::string_view kName = "join";
  static constexpr CommandTraits kTraits{.credential = CredentialUse::kProven};
  std::string room;
  std::optional<std::uint64_t> since;
  std::optional<events::RoomId> room_id;
  // Set by the session only, once the password is verified: which room's password, which version.
  std::optional<CredentialProof> proven;
  static void with_credential(JoinRoom& c, std::string, std::uint64_t room, std::uint64_t version) {
    c.proven = CredentialProof{room, version};
  }
  static Reply decide(const projections::World& w, ClientId actor, const JoinRoom& c, const Context& ctx, Decided& out);
  bool operator==(const JoinRoom&) const = default;
};

struct LeaveRoom {
  static constexpr std::string_view kName = "leave_room";
  static constexpr CommandTraits kTraits{};
  std::string room;
  static Reply decide(const projections::World& w, ClientId actor, const LeaveRoom& c, const Context& ctx, Decided& out);
  bool operator==(const LeaveRoom&) const = default;
};

// A message to a room: text, or a reference to an image or a video with an optional caption.
struct PostRoom {
  static constexpr std::string_view kName = "post";
  static constexpr CommandTraits kTraits{};
  std::string room;
  events::MediaKind kind = events::MediaKind::kText;
  std::string text;
  std::string url;
  std::string media_type;
  std::uint64_t bytes = 0;
  static Reply decide(const projections::World& w, ClientId actor, const PostRoom& c, const Context& ctx, Decided& out);
  bool operator==(const PostRoom&) const = default;
};

// Audit: the session verified a wrong password for the room (bounded by its throttle).
struct RecordWrongPassword {
  static constexpr std::string_view kName = "record_wrong_password";
  static constexpr CommandTraits kTraits{.counts_in_flight = false};
  events::RoomId room = events::kNoRoom;
  static Reply decide(const projections::World& w, ClientId actor, const RecordWrongPassword& c, const Context& ctx, Decided& out);
  bool operator==(const RecordWrongPassword&) const = default;
};

// The public rooms, by name, a page at a time (those whose key is after `after`: the wire's cursor).
struct ListRooms {
  static constexpr std::string_view kName = "rooms";
  static constexpr CommandTraits kTraits{};
  std::string after;
  static Reply decide(const projections::World& w, ClientId actor, const ListRooms& c, const Context& ctx, Decided& out);
  bool operator==(const ListRooms&) const = default;
};

// The members of a room the actor is in.
struct ListMembers {
  static constexpr std::string_view kName = "members";
  static constexpr CommandTraits kTraits{};
  std::string room;
  static Reply decide(const projections::World& w, ClientId actor, const ListMembers& c, const Context& ctx, Decided& out);
  bool operator==(const ListMembers&) const = default;
};

// The rooms the actor is in.
struct MyRooms {
  static constexpr std::string_view kName = "my_rooms";
  static constexpr CommandTraits kTraits{};
  static Reply decide(const projections::World& w, ClientId actor, const MyRooms& c, const Context& ctx, Decided& out);
  bool operator==(const MyRooms&) const = default;
};

// The public rooms created by the accounts the actor's account follows (Rooms' wish), by room id
// after `after`, kRoomsPerPage at a time.
struct FollowedRooms {
  static constexpr std::string_view kName = "followed_rooms";
  static constexpr CommandTraits kTraits{};
  events::RoomId after = events::kNoRoom;
  static Reply decide(const projections::World& w, ClientId actor, const FollowedRooms& c, const Context& ctx, Decided& out);
  bool operator==(const FollowedRooms&) const = default;
};

// Everyone online, by name (chatsock's :listall).
struct ListOnline {
  static constexpr std::string_view kName = "online";
  static constexpr CommandTraits kTraits{};
  static Reply decide(const projections::World& w, ClientId actor, const ListOnline& c, const Context& ctx, Decided& out);
  bool operator==(const ListOnline&) const = default;
};

// ---- reply bodies ------------------------------------------------------------------------------

// How many names a list reply holds at most, and how many rooms a page of ListRooms holds.
inline constexpr std::size_t kMaxListedNames = 1'000;
inline constexpr std::size_t kRoomsPerPage = 100;
// The most bytes of messages (texts, captions and URLs) one join reply carries: beyond it the
// oldest are left out and the reply says `gap`, so that a reply never outgrows a session's queue.
inline constexpr std::size_t kMaxHistoryReplyBytes = 512 * 1024;

// CreateRoom's and JoinRoom's reply: the room as the member sees it, and its history.
struct JoinReply {
  events::RoomId room = events::kNoRoom;
  std::string name;
  events::MediaKind topic = events::MediaKind::kText;
  events::RoomSettings settings;
  bool owner = false;               // the requester owns the room
  std::uint64_t members = 0;        // present, the requester included
  std::uint64_t last_number = 0;    // the number of the room's latest message
  std::vector<projections::RoomMessage> history;  // oldest first
  bool gap = false;                 // messages the client asked for (or older kept ones) are missing
  bool operator==(const JoinReply&) const = default;
};

struct RoomListing {
  std::string name;
  events::MediaKind topic = events::MediaKind::kText;
  events::RoomSettings settings;
  std::uint64_t members = 0;
  bool operator==(const RoomListing&) const = default;
};

struct RoomsReply {
  std::vector<RoomListing> rooms;
  std::string next;  // pass as `after` for the next page; empty: this was the last
  bool operator==(const RoomsReply&) const = default;
};

// ListMembers', ListOnline's and MyRooms' reply: names (of clients, or of rooms), and how many
// there are in all (more than the names when the list was cut at kMaxListedNames).
struct NamesReply {
  std::vector<std::string> names;
  std::uint64_t total = 0;
  bool operator==(const NamesReply&) const = default;
};

// FollowedRooms' reply: each room with the account that created it, by room id.
struct FollowedRoomsReply {
  std::vector<std::pair<events::AccountId, RoomListing>> rooms;
  events::RoomId next_after = events::kNoRoom;  // pass as `after` for the next page; 0: no more
  bool operator==(const FollowedRoomsReply&) const = default;
};

// ListMembers' reply: the members' names, as NamesReply's, and the account card of each member
// logged in to one, with the card fields the reader may see (core/accounts/social.hpp).
struct MembersReply {
  std::vector<std::string> names;
  std::uint64_t total = 0;
  std::vector<std::pair<std::uint32_t, AccountCard>> accounts;  // (index in names, card)
  bool operator==(const MembersReply&) const = default;
};

// A room the operator's configuration names (chatd --room): it has no owner and never expires.
struct ConfiguredRoom {
  std::string name;
  std::string title;
  std::string description;
  events::MediaKind topic = events::MediaKind::kText;
  events::Visibility visibility = events::Visibility::kPublic;
  std::uint64_t limit = 0;
  std::optional<std::uint64_t> history;
  std::string password_hash;  // argon2id (chatd --hash-password writes one); empty: none
  bool operator==(const ConfiguredRoom&) const = default;
};

// Brings the rooms of the configuration into the World as chatd starts: creates the missing ones,
// updates those whose settings changed, deletes the configured rooms the configuration no longer
// has. A client's room of the same name is left alone and reported. The server's own: no client.
struct ConfigureRooms {
  static constexpr std::string_view kName = "configure_rooms";
  static constexpr CommandTraits kTraits{.needs_client = false, .counts_in_flight = false, .essential = true};
  std::vector<ConfiguredRoom> rooms;
  static Reply decide(const projections::World& w, ClientId actor, const ConfigureRooms& c, const Context& ctx, Decided& out);
  bool operator==(const ConfigureRooms&) const = default;
};

// ConfigureRooms' reply: what it changed, and the names it could not take.
struct ConfigureReport {
  std::uint64_t created = 0, updated = 0, deleted = 0;
  std::vector<std::string> conflicts;  // "NAME: why"
  bool operator==(const ConfigureReport&) const = default;
};

class Lifecycle;
// The rooms' tick rule: rooms past their expiry end (core/domains.cpp registers it).
void add_rooms_rules(Lifecycle& lifecycle);


}  // namespace chatd
