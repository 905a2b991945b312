// Integration tests of rooms: the real chatd over real WebSocket, every op and its errors as a
// client sees them, resume across a restart, and hidden rooms that never leak.
#include <catch2/catch.hpp>

#include <string>

#include "tests/integration/clients.hpp"
#include "tests/integration/harness.hpp"

using namespace chatd;
using namespace chatd::testing;
using namespace std::chrono_literals;

namespace {

using Client = std::unique_ptr<WsClient>;

// The text of every "room_message" push among the next frames, until none comes for `quiet`.
std::vector<std::string> drain(WsClient& c, std::chrono::milliseconds quiet = 300ms) {
  std::vector<std::string> frames;
  while (auto f = c.recv(quiet)) frames.push_back(*f);
  return frames;
}

}  // namespace

TEST_CASE("rooms: create, list, join, post, members, my rooms, online, leave and delete", "[integration][rooms]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  Client alice = native_client(chatd.port(), "Alice");
  Client bob = native_client(chatd.port(), "Bob");

  CHECK(ask(*alice, "c",
            R"({"op":"create_room","id":"c","room":"General","title":"General chat","description":"For general conversations.","limit":10})") ==
        R"({"type":"reply","id":"c","ok":true,"room":"General","room_id":1,"topic":"text","title":"General chat",)"
        R"("description":"For general conversations.","visibility":"public","limit":10,"owner":true,"members":1,)"
        R"("last_number":0,"gap":false,"history":[]})");
  CHECK(error_of(ask(*bob, "c2", R"({"op":"create_room","id":"c2","room":"general"})")) == "room_exists");

  CHECK(ask(*bob, "l", R"({"op":"rooms","id":"l"})") ==
        R"({"type":"reply","id":"l","ok":true,"rooms":[{"room":"General","topic":"text","title":"General chat",)"
        R"("description":"For general conversations.","visibility":"public","limit":10,"members":1}]})");

  const std::string joined = ask(*bob, "j", R"({"op":"join","id":"j","room":"GENERAL"})");
  CHECK(ok(joined));
  CHECK(joined.find(R"("owner":false,"members":2)") != std::string::npos);
  CHECK(alice->recv() == std::optional<std::string>(R"({"type":"member_joined","room":"General","room_id":1,"name":"Bob"})"));

  // A post reaches every member once, the sender marked as its own, numbered per room.
  CHECK(ask(*alice, "p", R"({"op":"post","id":"p","room":"general","text":"hello \"all\""})") ==
        R"({"type":"reply","id":"p","ok":true})");
  auto own = alice->recv();
  auto theirs = bob->recv();
  REQUIRE(own);
  REQUIRE(theirs);
  CHECK(theirs->find(R"({"type":"room_message","room":"General","room_id":1,"number":1,"time":)") == 0);
  CHECK(theirs->find(R"("from":"Alice","kind":"text","text":"hello \"all\""})") != std::string::npos);
  CHECK(own->find(R"("number":1)") != std::string::npos);
  CHECK(own->find(R"("own":true})") != std::string::npos);

  CHECK(ask(*bob, "m", R"({"op":"members","id":"m","room":"general"})") ==
        R"({"type":"reply","id":"m","ok":true,"members":["Alice","Bob"],"total":2})");
  CHECK(ask(*bob, "mine", R"({"op":"my_rooms","id":"mine"})") ==
        R"({"type":"reply","id":"mine","ok":true,"rooms":["General"],"total":1})");
  CHECK(ask(*bob, "o", R"({"op":"online","id":"o"})") == R"({"type":"reply","id":"o","ok":true,"names":["Alice","Bob"],"total":2})");

  // An image post, and the errors of posts.
  CHECK(ok(ask(*bob, "img",
               R"({"op":"post","id":"img","room":"General","kind":"image","url":"https://example.org/cat.png","media_type":"image/png","bytes":2048,"text":"cat"})")));
  auto img = alice->recv_until("room_message");
  REQUIRE(img);
  CHECK(img->find(R"("number":2,)") != std::string::npos);
  CHECK(img->find(R"("kind":"image","text":"cat","url":"https://example.org/cat.png","media_type":"image/png","bytes":2048})") !=
        std::string::npos);
  CHECK(error_of(ask(*bob, "e1", R"({"op":"post","id":"e1","room":"General","kind":"image","url":"http://x.org/a.png","media_type":"image/png","bytes":1})")) ==
        "invalid_media");
  CHECK(error_of(ask(*bob, "e2", R"({"op":"post","id":"e2","room":"General","kind":"sound","text":"x"})")) == "bad_request");
  CHECK(error_of(ask(*bob, "e3", R"({"op":"post","id":"e3","room":"General","text":""})")) == "invalid_message");
  CHECK(error_of(ask(*bob, "e4", R"({"op":"post","id":"e4","room":"nowhere","text":"x"})")) == "no_such_room");
  CHECK(error_of(ask(*bob, "e5", R"({"op":"post","id":"e5","text":"x"})")) == "bad_request");
  CHECK(error_of(ask(*bob, "e6", R"({"op":"update_room","id":"e6","room":"General","title":"mine"})")) == "not_owner");
  CHECK(ok(ask(*bob, "e7", R"({"op":"join","id":"e7","room":"General","password":"x"})")));  // none needed: harmless
  CHECK(error_of(ask(*bob, "e8", R"({"op":"create_room","id":"e8","room":"bad name"})")) == "invalid_room_name");
  CHECK(error_of(ask(*bob, "e9", R"({"op":"create_room","id":"e9","room":"x","limit":"ten"})")) == "bad_request");

  // The owner changes the room; members hear of it.
  CHECK(ok(ask(*alice, "u", R"({"op":"update_room","id":"u","room":"General","description":"New.","limit":5})")));
  CHECK(bob->recv_until("room_updated") ==
        std::optional<std::string>(R"({"type":"room_updated","room":"General","room_id":1,"title":"General chat","description":"New.","visibility":"public","limit":5})"));

  CHECK(ok(ask(*bob, "lv", R"({"op":"leave_room","id":"lv","room":"General"})")));
  CHECK(alice->recv_until("member_left") == std::optional<std::string>(R"({"type":"member_left","room":"General","room_id":1,"name":"Bob"})"));
  CHECK(error_of(ask(*bob, "lv2", R"({"op":"leave_room","id":"lv2","room":"General"})")) == "not_a_member");
  CHECK(ok(ask(*bob, "j2", R"({"op":"join","id":"j2","room":"General"})")));
  CHECK(ok(ask(*alice, "d", R"({"op":"delete_room","id":"d","room":"General"})")));
  CHECK(bob->recv_until("room_deleted") == std::optional<std::string>(R"({"type":"room_deleted","room":"General","room_id":1,"why":"owner"})"));
  CHECK(ask(*bob, "l2", R"({"op":"rooms","id":"l2"})") == R"({"type":"reply","id":"l2","ok":true,"rooms":[]})");

  alice.reset();
  bob.reset();
  REQUIRE(chatd.stop() == 0);
  const auto log = read_log(data.path());
  CHECK(events_of<events::RoomPosted>(log).size() == 2);
  CHECK(events_of<events::RoomJoined>(log).size() == 3);  // the creator's, Bob's twice
  CHECK(events_of<events::RoomDeleted>(log).size() == 1);
}

TEST_CASE("rooms: the user limit is enforced, and joining twice is harmless", "[integration][rooms]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  Client a = native_client(chatd.port(), "A");
  Client b = native_client(chatd.port(), "B");
  Client c = native_client(chatd.port(), "C");
  REQUIRE(ok(ask(*a, "c", R"({"op":"create_room","id":"c","room":"pair","limit":2})")));
  REQUIRE(ok(ask(*b, "j", R"({"op":"join","id":"j","room":"pair"})")));
  const std::string again = ask(*b, "j2", R"({"op":"join","id":"j2","room":"pair"})");
  CHECK(ok(again));
  CHECK(again.find(R"("members":2)") != std::string::npos);
  CHECK(error_of(ask(*c, "j", R"({"op":"join","id":"j","room":"pair"})")) == "room_full");
  // One post, one delivery each: B's second join did not make it a member twice.
  REQUIRE(ok(ask(*a, "p", R"({"op":"post","id":"p","room":"pair","text":"once"})")));
  int seen = 0;
  for (const auto& f : drain(*b)) seen += f.find("\"text\":\"once\"") != std::string::npos;
  CHECK(seen == 1);
  // A disconnect frees the place.
  b.reset();
  REQUIRE(a->recv_until("member_left"));
  CHECK(ok(ask(*c, "j2", R"({"op":"join","id":"j2","room":"pair"})")));
}

TEST_CASE("rooms: resume across a chatd restart, with and without a gap", "[integration][rooms]") {
  TempDir data;
  std::string room_id;
  {
    ChatdProcess chatd(data.path(), kNoCaptcha);
    Client a = native_client(chatd.port(), "A");
    const std::string created = ask(*a, "c", R"({"op":"create_room","id":"c","room":"log","history":5})");
    REQUIRE(ok(created));
    for (int i = 1; i <= 3; ++i)
      REQUIRE(ok(ask(*a, "p" + std::to_string(i), R"({"op":"post","id":"p)" + std::to_string(i) + R"(","room":"log","text":"m)" +
                                                       std::to_string(i) + "\"}")));
    REQUIRE(chatd.stop() == 0);
  }
  ChatdProcess chatd(data.path(), kNoCaptcha);
  Client a = native_client(chatd.port(), "A");
  // The room and its history survived; presence did not (A must join again).
  CHECK(ask(*a, "mine", R"({"op":"my_rooms","id":"mine"})") == R"({"type":"reply","id":"mine","ok":true,"rooms":[],"total":0})");
  const std::string resumed = ask(*a, "r", R"({"op":"join","id":"r","room":"log","since":1,"room_id":1})");
  CHECK(resumed.find(R"("members":1,"last_number":3,"gap":false,"history":[{"number":2,)") != std::string::npos);
  CHECK(resumed.find(R"("text":"m3"}])") != std::string::npos);
  CHECK(resumed.find(R"("text":"m1")") == std::string::npos);

  for (int i = 4; i <= 9; ++i)
    REQUIRE(ok(ask(*a, "p" + std::to_string(i), R"({"op":"post","id":"p)" + std::to_string(i) + R"(","room":"log","text":"m)" +
                                                     std::to_string(i) + "\"}")));
  Client b = native_client(chatd.port(), "B");
  // B last saw message 2; 3 and 4 are older than the 5 kept (5-9): an explicit gap, and what is kept.
  const std::string gap = ask(*b, "g", R"({"op":"join","id":"g","room":"log","since":2,"room_id":1})");
  CHECK(gap.find(R"("last_number":9,"gap":true,"history":[{"number":5,)") != std::string::npos);
  CHECK(gap.find(R"("text":"m9"}])") != std::string::npos);
  // Up to date: nothing to send, no gap.
  CHECK(ask(*b, "u", R"({"op":"join","id":"u","room":"log","since":9,"room_id":1})").find(R"("gap":false,"history":[])") !=
        std::string::npos);
}

TEST_CASE("rooms: a hidden room never reaches a non-member: not in lists, errors or pushes", "[integration][rooms]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  Client owner = native_client(chatd.port(), "Owner");
  Client member = native_client(chatd.port(), "Member");
  Client outsider = native_client(chatd.port(), "Outsider");
  REQUIRE(ok(ask(*owner, "c", R"({"op":"create_room","id":"c","room":"snowpStaff","visibility":"hidden","description":"staff only"})")));
  REQUIRE(ok(ask(*owner, "c2", R"({"op":"create_room","id":"c2","room":"lobby"})")));
  REQUIRE(ok(ask(*outsider, "j", R"({"op":"join","id":"j","room":"lobby"})")));
  REQUIRE(ok(ask(*member, "j", R"({"op":"join","id":"j","room":"snowpstaff"})")));
  REQUIRE(ok(ask(*owner, "p", R"({"op":"post","id":"p","room":"snowpStaff","text":"staff news"})")));

  std::vector<std::string> seen;
  seen.push_back(ask(*outsider, "l", R"({"op":"rooms","id":"l"})"));
  // Every op but join answers for the hidden room as for a name no room has.
  const std::vector<std::pair<std::string, std::string>> probes = {
      {"m", R"({"op":"members","id":"m","room":"snowpStaff"})"},
      {"p", R"({"op":"post","id":"p","room":"snowpStaff","text":"x"})"},
      {"lv", R"({"op":"leave_room","id":"lv","room":"snowpStaff"})"},
      {"u", R"({"op":"update_room","id":"u","room":"snowpStaff","title":"x"})"},
      {"d", R"({"op":"delete_room","id":"d","room":"snowpStaff"})"},
  };
  for (const auto& [id, frame] : probes) {
    const std::string hidden = ask(*outsider, id, frame);
    std::string absent_frame = frame;
    absent_frame.replace(absent_frame.find("snowpStaff"), 10, "noSuchRoom");
    const std::string absent = ask(*outsider, id, absent_frame);
    CHECK(error_of(hidden) == "no_such_room");
    CHECK(hidden == absent);  // byte for byte: nothing tells them apart
    seen.push_back(hidden);
  }
  seen.push_back(ask(*outsider, "mine", R"({"op":"my_rooms","id":"mine"})"));
  for (const auto& f : drain(*outsider)) seen.push_back(f);
  for (const auto& f : seen) {
    CHECK(f.find("snowpStaff") == std::string::npos);
    CHECK(f.find("staff") == std::string::npos);
  }
  // The member hears the room; the owner's post reached it.
  bool heard = false;
  for (const auto& f : drain(*member)) heard = heard || f.find("staff news") != std::string::npos;
  CHECK(heard);
}

TEST_CASE("rooms: a post in a room of 50 reaches each member once, in order", "[integration][rooms]") {
  TempDir data;
  ChatdProcess chatd(data.path(), {"--captcha-difficulty", "0", "--rate", "0"});
  std::vector<Client> members;
  Client speaker = native_client(chatd.port(), "Speaker");
  REQUIRE(ok(ask(*speaker, "c", R"({"op":"create_room","id":"c","room":"big"})")));
  for (int i = 0; i < 50; ++i) {
    members.push_back(native_client(chatd.port(), "m" + std::to_string(i)));
    REQUIRE(ok(ask(*members.back(), "j", R"({"op":"join","id":"j","room":"big"})")));
  }
  for (int n = 1; n <= 20; ++n) speaker->send(R"({"op":"post","room":"big","text":"n)" + std::to_string(n) + "\"}");
  for (auto& m : members) {
    std::vector<int> got;
    while (got.size() < 20) {
      auto f = m->recv_until("room_message");
      REQUIRE(f);
      const auto at = f->find("\"text\":\"n") + 9;
      got.push_back(std::stoi(f->substr(at)));
    }
    std::vector<int> want(20);
    for (int i = 0; i < 20; ++i) want[i] = i + 1;
    CHECK(got == want);
    CHECK_FALSE(m->recv_until("room_message", 100ms));  // and nothing twice
  }
}

TEST_CASE("chatreplay: a room's members at a moment, its transcript, --room and state", "[integration][rooms][replay]") {
  TempDir data;
  {
    ChatdProcess chatd(data.path(), kNoCaptcha);
    Client alice = native_client(chatd.port(), "Alice");
    Client bob = native_client(chatd.port(), "Bob");
    Client carol = native_client(chatd.port(), "Carol");
    REQUIRE(ok(ask(*alice, "c", R"({"op":"create_room","id":"c","room":"General","visibility":"hidden"})")));
    REQUIRE(ok(ask(*bob, "j", R"({"op":"join","id":"j","room":"general"})")));
    REQUIRE(ok(ask(*alice, "p", R"({"op":"post","id":"p","room":"general","text":"hi \u001b[2J bob"})")));
    REQUIRE(ok(ask(*carol, "c", R"({"op":"create_room","id":"c","room":"other"})")));
    REQUIRE(ok(ask(*carol, "p", R"({"op":"post","id":"p","room":"other","text":"elsewhere"})")));
    REQUIRE(ok(ask(*bob, "l", R"({"op":"leave_room","id":"l","room":"general"})")));
    REQUIRE(ok(ask(*bob, "j2", R"({"op":"join","id":"j2","room":"general"})")));
    bob.reset();
    REQUIRE(alice->recv_until("member_left"));
    REQUIRE(chatd.stop() == 0);
  }
  const auto log = read_log(data.path());
  Seq both_in = 0;  // the seq at which Alice and Bob were both in the room, before Bob left
  for (const auto& e : log)
    if (e.payload.is<events::RoomPosted>() && e.payload.as<events::RoomPosted>().text == "elsewhere") both_in = e.seq;
  REQUIRE(both_in > 0);

  auto at_both = run_command({CHATREPLAY_BINARY, "audit", "room", "general", "--data", data.path(), "--to-seq",
                              std::to_string(both_in)});
  REQUIRE(at_both.code == 0);
  CHECK(at_both.out.find("room 1 \"General\"\nmembers at #" + std::to_string(both_in)) == 0);
  CHECK(at_both.out.find("(2):\n  1 \"Alice\" since ") != std::string::npos);
  CHECK(at_both.out.find("  2 \"Bob\" since ") != std::string::npos);
  CHECK(at_both.out.find("created \"General\" by 1 \"Alice\": text, hidden, no limit, history 100") != std::string::npos);
  CHECK(at_both.out.find("2 \"Bob\" joined") != std::string::npos);
  CHECK(at_both.out.find("[1] 1 \"Alice\": \"hi \\u001b[2J bob\"") != std::string::npos);  // terminal-safe
  CHECK(at_both.out.find("elsewhere") == std::string::npos);

  auto whole = run_command({CHATREPLAY_BINARY, "audit", "room", "1", "--data", data.path()});
  REQUIRE(whole.code == 0);
  CHECK(whole.out.find("(0):\n") != std::string::npos);  // the server stopped: nobody is in it
  CHECK(whole.out.find("1 \"Alice\" disconnected (server_shutdown)") != std::string::npos);
  CHECK(whole.out.find("2 \"Bob\" left") != std::string::npos);
  CHECK(whole.out.find("2 \"Bob\" disconnected (closed)") != std::string::npos);
  CHECK(whole.out.find("the server restarted: the presence of 1 members ended") == std::string::npos);  // SIGTERM: clients closed first

  auto events = run_command({CHATREPLAY_BINARY, "events", "--data", data.path(), "--room", "General"});
  REQUIRE(events.code == 0);
  CHECK(events.out.find("room_created room=1") != std::string::npos);
  CHECK(events.out.find("client_disconnected client=2") != std::string::npos);  // it ended Bob's presence
  CHECK(events.out.find("elsewhere") == std::string::npos);
  CHECK(events.out.find("room=2") == std::string::npos);

  auto state = run_command({CHATREPLAY_BINARY, "state", "--data", data.path(), "--at-seq", std::to_string(both_in)});
  REQUIRE(state.code == 0);
  CHECK(state.out.find("rooms (2):\n  1 \"General\" hidden text no limit owner 1 \"Alice\"") != std::string::npos);
  CHECK(state.out.find("members (2): 1 \"Alice\" since ") != std::string::npos);

  auto none = run_command({CHATREPLAY_BINARY, "audit", "room", "nosuch", "--data", data.path()});
  CHECK(none.code != 0);
}

TEST_CASE("rooms: a password room over WebSocket, argon2id off the engine, the password never stored", "[integration][rooms][password]") {
  TempDir data;
  const std::string password = "correct-horse-battery-9";
  {
    ChatdProcess chatd(data.path(), kNoCaptcha);
    Client owner = native_client(chatd.port(), "Owner");
    Client guest = native_client(chatd.port(), "Guest");
    Client guesser = native_client(chatd.port(), "Guesser");
    REQUIRE(ok(ask(*owner, "c", R"({"op":"create_room","id":"c","room":"vault","password":")" + password + "\"}")));
    CHECK(error_of(ask(*guest, "n", R"({"op":"join","id":"n","room":"vault"})")) == "wrong_password");
    CHECK(error_of(ask(*guest, "w", R"({"op":"join","id":"w","room":"vault","password":"nope"})")) == "wrong_password");
    const std::string in = ask(*guest, "r", R"({"op":"join","id":"r","room":"vault","password":")" + password + "\"}");
    CHECK(ok(in));
    CHECK(in.find("password") == std::string::npos);  // nothing of it in the reply
    CHECK(owner->recv_until("member_joined"));
    // Three wrong a minute, then the client must wait: the fourth is not even checked.
    for (int i = 0; i < 3; ++i)
      CHECK(error_of(ask(*guesser, "g" + std::to_string(i), R"({"op":"join","id":"g)" + std::to_string(i) +
                                                                R"(","room":"vault","password":"guess)" + std::to_string(i) + "\"}")) ==
            "wrong_password");
    CHECK(error_of(ask(*guesser, "g3", R"({"op":"join","id":"g3","room":"vault","password":")" + password + "\"}")) == "rate_limited");
    // The owner changes the password: the old one no longer opens it.
    REQUIRE(ok(ask(*owner, "u", R"({"op":"update_room","id":"u","room":"vault","password":"second-secret-77"})")));
    REQUIRE(ok(ask(*guest, "l", R"({"op":"leave_room","id":"l","room":"vault"})")));
    CHECK(error_of(ask(*guest, "old", R"({"op":"join","id":"old","room":"vault","password":")" + password + "\"}")) == "wrong_password");
    CHECK(ok(ask(*guest, "new", R"({"op":"join","id":"new","room":"vault","password":"second-secret-77"})")));
    REQUIRE(chatd.stop() == 0);
  }
  // Only argon2id hashes are stored; neither password is anywhere in the file.
  std::ifstream file(data.path() + "/data.mdb", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  CHECK(bytes.find(password) == std::string::npos);
  CHECK(bytes.find("second-secret-77") == std::string::npos);
  CHECK(bytes.find("$argon2id$v=19$m=19456,t=2,p=1$") != std::string::npos);
  const auto log = read_log(data.path());
  CHECK(events_of<events::RoomPasswordFailed>(log).size() == 5);  // the guest's wrong one, the guesser's three, the old one
  auto events = run_command({CHATREPLAY_BINARY, "events", "--data", data.path(), "--type", "room_created,room_updated"});
  REQUIRE(events.code == 0);
  CHECK(events.out.find("password=(set)") != std::string::npos);
  CHECK(events.out.find("argon2id") == std::string::npos);
}

TEST_CASE("rooms from the configuration: created, changed, removed between runs, and their history kept", "[integration][rooms][config]") {
  TempDir data;
  // chatd --hash-password writes the hash a configuration holds instead of the password.
  const std::string hash_file = data.path() + "/../chatd-test-password-" + std::to_string(getpid());
  std::ofstream(hash_file) << "staff-only-pass\n";
  const CommandResult hashed = run_command({"/bin/sh", "-c", std::string(CHATD_BINARY) + " --hash-password < " + hash_file});
  std::remove(hash_file.c_str());
  REQUIRE(hashed.code == 0);
  const std::string hash = hashed.out.substr(0, hashed.out.find('\n'));
  REQUIRE(hash.rfind("$argon2id$", 0) == 0);

  auto with_rooms = [&](std::vector<std::string> rooms) {
    std::vector<std::string> args = kNoCaptcha;
    for (auto& r : rooms) args.insert(args.end(), {"--room", r});
    return args;
  };
  {
    ChatdProcess chatd(data.path(), with_rooms({"general|description=For general conversations.", "games|limit=2|description=For game related discussions.",
                                                "snowpStaff|hidden|password-hash=" + hash}));
    Client a = native_client(chatd.port(), "A");
    CHECK(ask(*a, "l", R"({"op":"rooms","id":"l"})").find(R"("rooms":[{"room":"games","topic":"text","title":"","description":"For game related discussions.","visibility":"public","limit":2,"members":0},{"room":"general")") != std::string::npos);
    const std::string joined = ask(*a, "j", R"({"op":"join","id":"j","room":"general"})");
    CHECK(joined.find(R"("owner":false)") != std::string::npos);
    CHECK(error_of(ask(*a, "d", R"({"op":"delete_room","id":"d","room":"general"})")) == "not_owner");  // the operator's
    REQUIRE(ok(ask(*a, "p", R"({"op":"post","id":"p","room":"general","text":"kept"})")));
    CHECK(error_of(ask(*a, "s", R"({"op":"join","id":"s","room":"snowpStaff","password":"wrong"})")) == "wrong_password");
    CHECK(ok(ask(*a, "s2", R"({"op":"join","id":"s2","room":"snowpStaff","password":"staff-only-pass"})")));
    REQUIRE(ok(ask(*a, "c", R"({"op":"create_room","id":"c","room":"lounge"})")));  // a client's room
    REQUIRE(chatd.stop() == 0);
  }
  {
    // general's description changed, games is gone, a configured lounge meets the client's room.
    ChatdProcess chatd(data.path(), with_rooms({"general|description=Talk about anything.", "lounge|description=ours"}));
    CHECK(chatd.log_text().find("info rooms_configured created=0 updated=1 removed=2\n") != std::string::npos);
    CHECK(chatd.log_text().find("warn room_config_conflict detail=\"lounge: a client's room has that name") != std::string::npos);
    Client b = native_client(chatd.port(), "B");
    const std::string listed = ask(*b, "l", R"({"op":"rooms","id":"l"})");
    CHECK(listed.find(R"("description":"Talk about anything.")") != std::string::npos);
    CHECK(listed.find("games") == std::string::npos);
    const std::string joined = ask(*b, "j", R"({"op":"join","id":"j","room":"general"})");
    CHECK(joined.find(R"("text":"kept"})") != std::string::npos);  // its history survived both
    REQUIRE(chatd.stop() == 0);
  }
  {
    ChatdProcess again(data.path(), with_rooms({"general|description=Talk about anything.", "lounge|description=ours"}));
    CHECK(again.log_text().find("rooms_configured") == std::string::npos);  // nothing to change
  }
  const auto log = read_log(data.path());
  CHECK(events_of<events::RoomUpdated>(log).size() == 1);
  bool config_end = false;
  for (const auto& d : events_of<events::RoomDeleted>(log)) config_end = config_end || d.why == events::RoomEnd::kConfig;
  CHECK(config_end);

  const CommandResult bad = run_command({CHATD_BINARY, "--check-config", "--room", "bad name", "--room", "x|limit=ten", "--room",
                                          "y|password-hash=plain", "--room", "z", "--room", "Z"});
  CHECK(bad.code == 1);
  CHECK(bad.out.find("problem: --room: 'bad name': ") != std::string::npos);
  CHECK(bad.out.find("problem: --room: x: limit=ten needs a number") != std::string::npos);
  CHECK(bad.out.find("problem: --room: y: password-hash= takes an argon2id hash") != std::string::npos);
  CHECK(bad.out.find("problem: --room: 'Z' is configured twice") != std::string::npos);
}
