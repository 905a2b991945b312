// The rules of rooms: decide() against a World, with the events applied and the pushes collected as
// the engine does; and the room name and media rules.
#include <catch2/catch.hpp>

#include "core/base/text_rules.hpp"
#include "core/lifecycle.hpp"
#include "projections/rebuild.hpp"
#include "tests/support/model.hpp"

using namespace chatd;
using namespace chatd::events;
using namespace chatd::projections;
using chatd::testing::Model;

namespace {

CreateRoom room(std::string name, Visibility visibility = Visibility::kPublic, std::uint64_t limit = 0) {
  CreateRoom c;
  c.name = std::move(name);
  c.visibility = visibility;
  c.limit = limit;
  return c;
}

JoinRoom join(std::string name, std::optional<std::uint64_t> since = std::nullopt, std::optional<RoomId> id = std::nullopt) {
  return JoinRoom{std::move(name), since, id};
}

PostRoom text(std::string room, std::string t) {
  PostRoom p;
  p.room = std::move(room);
  p.text = std::move(t);
  return p;
}

const RoomsState& rooms(const Model& m) { return m.world.get<RoomsState>(); }

JoinReply joined(const Decision& d) {
  REQUIRE(d.reply.ok());
  return d.reply.body.as<JoinReply>();
}

std::vector<std::uint64_t> numbers(const JoinReply& r) {
  std::vector<std::uint64_t> out;
  for (const RoomMessage& m : r.history) out.push_back(m.number);
  return out;
}

}  // namespace

TEST_CASE("rooms: a room name is ASCII letters, digits, '_', '-' and '.', compared without case", "[rooms]") {
  CHECK(check_room_name("general") == RoomNameProblem::kNone);
  CHECK(check_room_name("Games_2.0-x") == RoomNameProblem::kNone);
  CHECK(check_room_name("") == RoomNameProblem::kEmpty);
  CHECK(check_room_name(std::string(33, 'a')) == RoomNameProblem::kTooLong);
  CHECK(check_room_name(std::string(32, 'a')) == RoomNameProblem::kNone);
  for (const char* bad : {"_x", "-x", ".x", "a b", "a/b", "caf\xc3\xa9", "a\x1b[2J", "a:b"})
    CHECK(check_room_name(bad) == RoomNameProblem::kBadCharacter);
  CHECK(room_name_key("GeNeRaL") == "general");
}

TEST_CASE("rooms: media references are https URLs with a type of their kind", "[rooms]") {
  CHECK(valid_https_url("https://example.org/a.png"));
  CHECK(valid_https_url("https://example.org:8443/a?b=c#d"));
  for (const char* bad : {"http://example.org/a.png", "https://", "https:///x", "https://user:pw@example.org/",
                          "https://example.org/a b", "https://example.org/\"x", "javascript:alert(1)", "https://:80/x"})
    CHECK_FALSE(valid_https_url(bad));
  CHECK_FALSE(valid_https_url("https://example.org/" + std::string(2048, 'a')));
  CHECK(valid_media_type("image/png", "image"));
  CHECK(valid_media_type("video/mp4", "video"));
  CHECK(valid_media_type("IMAGE/svg+xml", "image"));
  for (const char* bad : {"image/", "image", "video/mp4", "image/p ng", "image/\"x", "/png"})
    CHECK_FALSE(valid_media_type(bad, "image"));
}

TEST_CASE("rooms: creating a room joins its creator, and names are unique without case", "[rooms]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  const JoinReply r = joined(m.run(a, room("General")));
  CHECK(r.room == 1);
  CHECK(r.name == "General");
  CHECK(r.owner);
  CHECK(r.members == 1);
  CHECK(r.history.empty());
  CHECK(rooms(m).find(1)->is_member(a));

  auto hash = m.world.hash();
  for (const char* taken : {"general", "GENERAL"}) {
    Decision d = m.run(b, room(taken));
    CHECK(d.reply.error == errors::kRoomExists);
    CHECK(d.events.empty());
  }
  CHECK(m.run(b, room("bad name")).reply.error == errors::kInvalidRoomName);
  CHECK(m.world.hash() == hash);

  // Settings out of bounds change nothing.
  CreateRoom long_title = room("other");
  long_title.title = std::string(101, 't');
  CHECK(m.run(b, long_title).reply.error == errors::kInvalidRoom);
  CreateRoom control = room("other");
  control.description = "x\x1b[2Jy";
  CHECK(m.run(b, control).reply.error == errors::kInvalidRoom);
  CreateRoom huge = room("other");
  huge.history = m.limits.max_room_history + 1;
  CHECK(m.run(b, huge).reply.error == errors::kInvalidRoom);
  CHECK(m.world.hash() == hash);

  // A nameless client is asked for a name first.
  ClientId anon = m.connect();
  CHECK(m.run(anon, room("anon")).reply.error == errors::kNameRequired);
  CHECK(m.run(anon, join("General")).reply.error == errors::kNameRequired);
}

TEST_CASE("rooms: the bounds on rooms in all and per client", "[rooms]") {
  Model m;
  m.limits.max_rooms = 3;
  m.limits.max_rooms_per_client = 2;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  CHECK(m.run(a, room("r1")).reply.ok());
  CHECK(m.run(a, room("r2")).reply.ok());
  CHECK(m.run(a, room("r3")).reply.error == errors::kTooManyRooms);
  CHECK(m.run(b, room("r3")).reply.ok());
  CHECK(m.run(b, room("r4")).reply.error == errors::kTooManyRooms);
  // Deleting frees the name and the place.
  CHECK(m.run(a, DeleteRoom{"r1"}).reply.ok());
  CHECK(m.run(b, room("R1")).reply.ok());
}

TEST_CASE("rooms: join, the limit, leave, and a second join is harmless", "[rooms]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob"), c = m.connect("Carol");
  REQUIRE(m.run(a, room("small", Visibility::kPublic, 2)).reply.ok());
  const JoinReply rb = joined(m.run(b, join("SMALL")));
  CHECK(rb.members == 2);
  CHECK_FALSE(rb.owner);
  // Bob's join reaches Alice; Bob's own copy carries his idle mark only.
  REQUIRE(m.pushes.size() == 2);
  CHECK(m.pushes[0].push.body.as<MemberJoinedPush>().name == "Bob");
  CHECK((m.pushes[0].to.size() == 1 && m.pushes[0].to[0].client == a));
  CHECK((m.pushes[1].to[0].client == b && m.pushes[1].to[0].own));
  CHECK(m.pushes[1].push.idle.kind == IdleMark::Kind::kActive);

  auto hash = m.world.hash();
  Decision again = m.run(b, join("small"));
  CHECK(again.reply.ok());
  CHECK(again.events.empty());
  CHECK(rooms(m).find(1)->members.size() == 2);  // not twice (chatsock's duplicate membership)

  Decision full = m.run(c, join("small"));
  CHECK(full.reply.error == errors::kRoomFull);
  CHECK(m.world.hash() == hash);

  CHECK(m.run(c, LeaveRoom{"small"}).reply.error == errors::kNotAMember);
  Decision left = m.run(b, LeaveRoom{"small"});
  REQUIRE(left.reply.ok());
  REQUIRE(m.pushes.size() == 2);
  CHECK(m.pushes[0].push.body.as<MemberLeftPush>().name == "Bob");
  CHECK(m.pushes[1].push.idle.kind == IdleMark::Kind::kIdle);  // in no room any more
  CHECK(m.run(c, join("small")).reply.ok());
  CHECK(m.run(b, join("nowhere")).reply.error == errors::kNoSuchRoom);
}

TEST_CASE("rooms: a client is in several rooms, and a disconnect and a restart end presence, not rooms", "[rooms]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  REQUIRE(m.run(a, room("one")).reply.ok());
  REQUIRE(m.run(a, room("two")).reply.ok());
  REQUIRE(m.run(b, join("one")).reply.ok());
  REQUIRE(m.run(b, join("two")).reply.ok());
  CHECK(*rooms(m).rooms_of(b) == std::vector<RoomId>{1, 2});
  Decision mine = m.run(b, MyRooms{});
  CHECK(mine.reply.body.as<NamesReply>().names == std::vector<std::string>{"one", "two"});

  REQUIRE(m.run(b, Disconnect{DisconnectReason::kClosed}).reply.ok());
  // Alice hears Bob leave both rooms.
  int left = 0;
  for (const auto& s : m.pushes)
    if (s.push.body.is<MemberLeftPush>() && s.reaches(a)) ++left;
  CHECK(left == 2);
  CHECK(rooms(m).find(1)->members.size() == 1);
  CHECK(rooms(m).rooms_of(b) == nullptr);

  REQUIRE(m.run(kNoClient, Start{}).reply.ok());
  CHECK(rooms(m).rooms.size() == 2);
  CHECK(rooms(m).find(1)->members.empty());
  CHECK(rooms(m).joined.empty());
}

TEST_CASE("rooms: a post reaches every member present, its sender as its own, numbered per room", "[rooms]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob"), c = m.connect("Carol");
  REQUIRE(m.run(a, room("r")).reply.ok());
  REQUIRE(m.run(b, join("r")).reply.ok());
  REQUIRE(m.run(a, text("r", "one")).reply.ok());
  REQUIRE(m.pushes.size() == 1);
  const auto& to = m.pushes[0].to;
  REQUIRE(to.size() == 2);  // one push for all, shared
  CHECK((to[0].client == a && to[0].own));
  CHECK((to[1].client == b && !to[1].own));
  const RoomMessagePush& p = m.pushes[0].push.body.as<RoomMessagePush>();
  CHECK(p.message.number == 1);
  CHECK(p.message.from_name == "Alice");
  CHECK(p.message.text == "one");
  CHECK(p.room_name == "r");
  REQUIRE(m.run(b, text("r", "two")).reply.ok());
  CHECK(m.pushes[0].push.body.as<RoomMessagePush>().message.number == 2);

  auto hash = m.world.hash();
  CHECK(m.run(c, text("r", "not in")).reply.error == errors::kNotAMember);
  CHECK(m.run(a, text("r", "")).reply.error == errors::kInvalidMessage);
  CHECK(m.run(a, text("r", std::string(m.limits.max_message_bytes + 1, 'x'))).reply.error == errors::kInvalidMessage);
  CHECK(m.run(a, text("r", "\xff")).reply.error == errors::kInvalidMessage);
  PostRoom text_with_url = text("r", "x");
  text_with_url.url = "https://example.org/";
  CHECK(m.run(a, text_with_url).reply.error == errors::kInvalidMedia);
  CHECK(m.world.hash() == hash);
}

TEST_CASE("rooms: image and video posts are references, checked and bounded", "[rooms]") {
  Model m;
  ClientId a = m.connect("Alice");
  REQUIRE(m.run(a, room("pics")).reply.ok());
  PostRoom img;
  img.room = "pics";
  img.kind = MediaKind::kImage;
  img.url = "https://example.org/cat.png";
  img.media_type = "image/png";
  img.bytes = 1234;
  img.text = "a cat";
  REQUIRE(m.run(a, img).reply.ok());
  const RoomMessage& kept = rooms(m).find(1)->history.back();
  CHECK(kept.kind == MediaKind::kImage);
  CHECK(kept.url == img.url);
  CHECK(kept.bytes == 1234);

  auto bad = [&](auto change) {
    PostRoom p = img;
    change(p);
    return m.run(a, p).reply.error;
  };
  CHECK(bad([](PostRoom& p) { p.url = "http://example.org/cat.png"; }) == errors::kInvalidMedia);
  CHECK(bad([](PostRoom& p) { p.media_type = "video/mp4"; }) == errors::kInvalidMedia);
  CHECK(bad([](PostRoom& p) { p.bytes = 0; }) == errors::kInvalidMedia);
  CHECK(bad([&](PostRoom& p) { p.bytes = m.limits.max_media_bytes + 1; }) == errors::kInvalidMedia);
  CHECK(bad([](PostRoom& p) { p.text = "\xc3"; }) == errors::kInvalidMessage);
  CHECK(rooms(m).find(1)->last_number == 1);
}

TEST_CASE("rooms: history is bounded by its creation event, and resume gives the missed messages or a gap", "[rooms]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  CreateRoom c = room("h");
  c.history = 5;
  REQUIRE(m.run(a, c).reply.ok());
  for (int i = 1; i <= 8; ++i) REQUIRE(m.run(a, text("h", "m" + std::to_string(i))).reply.ok());
  const Room& r = *rooms(m).find(1);
  CHECK(r.history.size() == 5);
  CHECK(r.first_kept() == 4);
  CHECK(r.last_number == 8);

  // A joiner gets what is kept, and no gap: it asked for none.
  const JoinReply plain = joined(m.run(b, join("h")));
  CHECK(numbers(plain) == std::vector<std::uint64_t>{4, 5, 6, 7, 8});
  CHECK_FALSE(plain.gap);
  CHECK(plain.last_number == 8);
  REQUIRE(m.run(b, LeaveRoom{"h"}).reply.ok());

  // Resumes: from inside what is kept, from the end, from before it (a gap), from the future.
  CHECK(numbers(joined(m.run(b, join("h", 6, RoomId{1})))) == std::vector<std::uint64_t>{7, 8});
  CHECK_FALSE(joined(m.run(b, join("h", 6, RoomId{1}))).gap);
  CHECK(joined(m.run(b, join("h", 8))).history.empty());
  CHECK_FALSE(joined(m.run(b, join("h", 8))).gap);
  CHECK(numbers(joined(m.run(b, join("h", 3)))) == std::vector<std::uint64_t>{4, 5, 6, 7, 8});
  CHECK_FALSE(joined(m.run(b, join("h", 3))).gap);  // 4 is the next wanted and it is kept
  const JoinReply gap = joined(m.run(b, join("h", 2)));
  CHECK(gap.gap);  // 3 is lost
  CHECK(numbers(gap) == std::vector<std::uint64_t>{4, 5, 6, 7, 8});
  CHECK(joined(m.run(b, join("h", 99))).history.empty());

  // Another room under the same name: the numbers start anew, so a resume by the old id is a gap.
  REQUIRE(m.run(a, DeleteRoom{"h"}).reply.ok());
  REQUIRE(m.run(a, room("h")).reply.ok());
  REQUIRE(m.run(a, text("h", "new")).reply.ok());
  const JoinReply other = joined(m.run(b, join("h", 6, RoomId{1})));
  CHECK(other.room == 2);
  CHECK(other.gap);
  CHECK(numbers(other) == std::vector<std::uint64_t>{1});
}

TEST_CASE("rooms: a join reply is bounded in bytes, and a resume cut by the bound says gap", "[rooms]") {
  Model m;
  m.limits.max_message_bytes = 64 * 1024;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  REQUIRE(m.run(a, room("big")).reply.ok());
  for (int i = 0; i < 12; ++i) REQUIRE(m.run(a, text("big", std::string(60 * 1024, 'x'))).reply.ok());
  const JoinReply r = joined(m.run(b, join("big", 0)));
  CHECK(r.history.size() < 12);
  CHECK(r.history.back().number == 12);  // the newest are the ones kept
  CHECK(r.gap);
}

TEST_CASE("rooms: hidden rooms are not listed and are no_such_room to non-members", "[rooms]") {
  Model m;
  ClientId owner = m.connect("Owner"), member = m.connect("Member"), other = m.connect("Other");
  REQUIRE(m.run(owner, room("secret", Visibility::kHidden)).reply.ok());
  REQUIRE(m.run(owner, room("open")).reply.ok());
  REQUIRE(m.run(member, join("secret")).reply.ok());  // by its name: how one gets in

  const RoomsReply listed = m.run(other, ListRooms{}).reply.body.as<RoomsReply>();
  REQUIRE(listed.rooms.size() == 1);
  CHECK(listed.rooms[0].name == "open");

  // To a non-member, every op but join answers as for a name no room has.
  for (ErrorCode e : {m.run(other, ListMembers{"secret"}).reply.error, m.run(other, LeaveRoom{"secret"}).reply.error,
                      m.run(other, text("secret", "x")).reply.error, m.run(other, DeleteRoom{"secret"}).reply.error,
                      m.run(other, UpdateRoom{"secret", std::string("t"), {}, {}, {}}).reply.error})
    CHECK(e == errors::kNoSuchRoom);
  CHECK(m.run(other, ListMembers{"nosuch"}).reply.error == errors::kNoSuchRoom);
  // A public room one is not in says so.
  CHECK(m.run(other, ListMembers{"open"}).reply.error == errors::kNotAMember);

  const MembersReply members = m.run(member, ListMembers{"secret"}).reply.body.as<MembersReply>();
  CHECK(members.names == std::vector<std::string>{"Owner", "Member"});
  CHECK(members.accounts.empty());  // nobody is logged in to an account
}

TEST_CASE("rooms: only the owner updates or deletes, and members hear of it", "[rooms]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  REQUIRE(m.run(a, room("r")).reply.ok());
  REQUIRE(m.run(b, join("r")).reply.ok());
  CHECK(m.run(b, UpdateRoom{"r", std::string("mine"), {}, {}, {}}).reply.error == errors::kNotOwner);
  CHECK(m.run(b, DeleteRoom{"r"}).reply.error == errors::kNotOwner);

  REQUIRE(m.run(a, UpdateRoom{"r", std::string("Title"), std::string("About"), Visibility::kHidden, 10}).reply.ok());
  const Room& r = *rooms(m).find(1);
  CHECK(r.settings == RoomSettings{"Title", "About", Visibility::kHidden, 10});
  REQUIRE(m.pushes.size() == 1);
  CHECK(m.pushes[0].reaches(b));
  CHECK(m.run(a, UpdateRoom{"r", {}, {}, {}, std::uint64_t{200'000}}).reply.error == errors::kInvalidRoom);
  CHECK(m.run(a, UpdateRoom{"r", {}, {}, {}, std::uint64_t{1}}).reply.error == errors::kInvalidRoom);  // 2 are in it
  Decision same = m.run(a, UpdateRoom{"r", std::string("Title"), {}, {}, {}});
  CHECK(same.reply.ok());
  CHECK(same.events.empty());

  REQUIRE(m.run(a, DeleteRoom{"r"}).reply.ok());
  CHECK(rooms(m).rooms.empty());
  CHECK(rooms(m).by_key.empty());
  CHECK(rooms(m).joined.empty());
  bool told = false;
  for (const auto& s : m.pushes) told = told || (s.push.body.is<RoomDeletedPush>() && s.reaches(b));
  CHECK(told);
}

TEST_CASE("rooms: an empty room expires by a tick at the time its creation event set", "[rooms]") {
  Model m;
  m.limits.room_expire_idle_ms = 60'000;
  ClientId a = m.connect("Alice");
  REQUIRE(m.run(a, room("r")).reply.ok());
  CHECK(m.world.next_deadline() == kNoDeadline);  // occupied: it does not expire
  REQUIRE(m.run(a, LeaveRoom{"r"}).reply.ok());
  const TimeMs due = m.now + 60'000;
  CHECK(m.world.next_deadline() == due);
  m.limits.room_expire_idle_ms = 1;  // configuration changes later do not move it: the event holds it
  m.now = due - 1;
  CHECK(m.run(kNoClient, Tick{}).events.empty());
  m.now = due;
  Decision tick = m.run(kNoClient, Tick{});
  REQUIRE(tick.events.size() == 1);
  CHECK(tick.events[0].as<RoomDeleted>() == RoomDeleted{1, kNoClient, RoomEnd::kExpired});
  CHECK(rooms(m).rooms.empty());
  CHECK(m.world.next_deadline() == kNoDeadline);
}

TEST_CASE("rooms: apply refuses events that cannot follow the World", "[rooms]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  REQUIRE(m.run(a, room("r")).reply.ok());
  auto refused = [&](Payload p) {
    const auto hash = m.world.hash();
    Event e{m.world.last_seq + 1, m.now, std::move(p)};
    const bool ok = projections::apply(m.world, e).ok();
    CHECK(m.world.hash() == hash);
    return !ok;
  };
  CHECK(refused(RoomCreated{1, "again", a}));                       // id handed out already
  CHECK(refused(RoomCreated{2, "R", a}));                           // name in use
  CHECK(refused(RoomCreated{2, "bad name", a}));
  CHECK(refused(RoomJoined{1, a}));                                 // already in
  CHECK(refused(RoomJoined{9, b}));                                 // no such room
  CHECK(refused(RoomLeft{1, b}));                                   // not in
  CHECK(refused(RoomPosted{1, 2, a}));                              // number 1 comes first
  CHECK(refused(RoomPosted{1, 1, b}));                              // not a member
  CHECK(refused(RoomUpdated{1, b}));                                // not the owner
  CHECK(refused(RoomDeleted{1, b, RoomEnd::kOwner}));
  CHECK(refused(RoomDeleted{1, kNoClient, RoomEnd::kExpired}));     // occupied: not expired
}

TEST_CASE("rooms: a password room asks for a proof of the password, and a new password makes old proofs stale", "[rooms]") {
  Model m;
  ClientId owner = m.connect("Owner"), b = m.connect("Bob");
  CreateRoom c = room("locked");
  c.password_hash = "$argon2id$stored";
  REQUIRE(m.run(owner, c).reply.ok());  // the owner needs no proof
  const auto hash = m.world.hash();
  Decision asked = m.run(b, join("locked"));
  CHECK(asked.reply.error == errors::kCredentialNeeded);
  CHECK(asked.events.empty());
  CHECK(m.world.hash() == hash);
  const CredentialChallenge& ch = asked.reply.body.as<CredentialChallenge>();
  CHECK(ch.hash == "$argon2id$stored");
  CHECK(ch.version == 0);
  REQUIRE(ch.on_failure);
  CHECK(ch.on_failure->as<RecordWrongPassword>().room == 1);
  CHECK(ch.on_failure->actor == b);

  CHECK(ch.subject == 1);
  JoinRoom proven = join("locked");
  proven.proven = CredentialProof{2, 0};  // a proof of another room's password (at the same version) opens nothing
  CHECK(m.run(b, proven).reply.error == errors::kCredentialNeeded);
  proven.proven = CredentialProof{1, 0};
  CHECK(m.run(b, proven).reply.ok());
  REQUIRE(m.run(b, LeaveRoom{"locked"}).reply.ok());

  UpdateRoom change{"locked", {}, {}, {}, {}};
  change.password_hash = std::string("$argon2id$new");
  REQUIRE(m.run(owner, change).reply.ok());
  CHECK(rooms(m).find(1)->password_version == 1);
  CHECK(m.run(b, proven).reply.error == errors::kCredentialNeeded);  // the proof of version 0 is stale
  proven.proven = CredentialProof{1, 1};
  CHECK(m.run(b, proven).reply.ok());

  // The audit of a wrong password, and removing the password.
  REQUIRE(m.run(b, RecordWrongPassword{1}).reply.ok());
  CHECK(rooms(m).password_failures == 1);
  UpdateRoom open{"locked", {}, {}, {}, {}};
  open.password_hash = std::string();
  REQUIRE(m.run(owner, open).reply.ok());
  ClientId carol = m.connect("Carol");
  CHECK(m.run(carol, join("locked")).reply.ok());
}
