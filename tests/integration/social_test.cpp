// Integration tests of profiles, follows and the account search: the real chatd over real
// WebSocket. A field of each audience (public, followers, private), read by the owner, a follower,
// another account and a client without one, on every path that shows it: the profile, a follower
// list, a search, a room's member list. None shows a reader what its audience does not include, and the log's file holds
// none of the values in clear.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>

#include "tests/integration/clients.hpp"
#include "tests/integration/harness.hpp"

using namespace chatd;
using namespace chatd::testing;

namespace {

using Client = std::unique_ptr<WsClient>;

Client signed_up(std::uint16_t port, const std::string& username) {
  Client c = native_client(port, username);
  REQUIRE(ok(ask(*c, "s", R"({"op":"signup","id":"s","username":")" + username + R"(","email":")" + username +
                              R"(@example.org","display_name":"The )" + username + R"(","password":"a long password"})")));
  return c;
}

std::string set_profile(WsClient& c, const std::string& field, const std::string& value, const std::string& visibility) {
  return ask(c, "p", R"({"op":"set_profile","id":"p","field":")" + field + R"(","value":")" + value + R"(","visibility":")" +
                         visibility + "\"}");
}

bool has(const std::string& frame, const std::string& text) { return frame.find(text) != std::string::npos; }

// The three values and what each reader may see of them.
const std::string kPublicLanguages = R"("languages":{"value":"en, nb","visibility":"public"})";
const std::string kFollowerAvatar = R"("avatar":{"value":"https://example.org/followers-only.png","visibility":"followers"})";
const std::string kPrivateCountry = R"("country":{"value":"NO","visibility":"private"})";

}  // namespace

TEST_CASE("social: profile fields over WebSocket, with their errors", "[integration][social]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  Client alice = signed_up(chatd.port(), "alice_p");
  Client guest = native_client(chatd.port(), "guest");
  CHECK(error_of(set_profile(*guest, "bio", "hi", "public")) == "not_logged_in");
  CHECK(error_of(set_profile(*alice, "email", "a@b.co", "public")) == "invalid_profile_field");
  CHECK(error_of(set_profile(*alice, "country", "Norway", "public")) == "invalid_profile_value");
  CHECK(error_of(set_profile(*alice, "country", "NO", "friends")) == "invalid_profile_value");
  CHECK(error_of(ask(*alice, "p", R"({"op":"set_profile","id":"p","field":"bio"})")) == "invalid_profile_value");
  CHECK(error_of(ask(*alice, "p", R"({"op":"set_profile","id":"p","field":"bio","visibility":"public"})")) == "not_set");
  CHECK(error_of(ask(*alice, "p", R"({"op":"set_profile","id":"p","value":"x"})")) == "bad_request");
  CHECK(error_of(ask(*alice, "c", R"({"op":"clear_profile","id":"c","field":"bio"})")) == "not_set");

  // The reply says the canonical form; a new field without a visibility is private.
  CHECK(ask(*alice, "p", R"({"op":"set_profile","id":"p","field":"languages","value":"EN,nb"})") ==
        R"({"type":"reply","id":"p","ok":true,"field":"languages","value":"en, nb","visibility":"private"})");
  CHECK(error_of(set_profile(*alice, "languages", "en, nb", "private")) == "unchanged");
  CHECK(ask(*alice, "p", R"({"op":"set_profile","id":"p","field":"languages","visibility":"public"})") ==
        R"({"type":"reply","id":"p","ok":true,"field":"languages","value":"en, nb","visibility":"public"})");
  REQUIRE(ok(set_profile(*alice, "bio", "Fjords, line one.\\nLine two.", "public")));
  CHECK(has(ask(*guest, "r", R"({"op":"profile","id":"r","username":"alice_p"})"),
            R"("bio":{"value":"Fjords, line one.\nLine two.","visibility":"public"})"));
  CHECK(ask(*alice, "c", R"({"op":"clear_profile","id":"c","field":"bio"})") == R"({"type":"reply","id":"c","ok":true})");
  CHECK(!has(ask(*guest, "r", R"({"op":"profile","id":"r","username":"alice_p"})"), "Fjords"));
  CHECK(error_of(ask(*guest, "r", R"({"op":"profile","id":"r"})")) == "bad_request");
  CHECK(error_of(ask(*guest, "r", R"({"op":"profile","id":"r","username":"nobody_here"})")) == "no_such_account");
  CHECK(error_of(ask(*guest, "r", R"({"op":"profile","id":"r","account":77})")) == "no_such_account");
}

TEST_CASE("social: follows over WebSocket, with their errors", "[integration][social]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  Client alice = signed_up(chatd.port(), "alice_p");
  Client bob = signed_up(chatd.port(), "bobby_p");
  Client guest = native_client(chatd.port(), "guest");
  CHECK(error_of(ask(*guest, "f", R"({"op":"follow","id":"f","username":"alice_p"})")) == "not_logged_in");
  CHECK(error_of(ask(*bob, "f", R"({"op":"follow","id":"f","username":"bobby_p"})")) == "self_follow");
  CHECK(error_of(ask(*bob, "f", R"({"op":"follow","id":"f","username":"nobody_here"})")) == "no_such_account");
  CHECK(error_of(ask(*bob, "f", R"({"op":"unfollow","id":"f","username":"alice_p"})")) == "not_following");
  CHECK(ask(*bob, "f", R"({"op":"follow","id":"f","username":"alice_p"})") == R"({"type":"reply","id":"f","ok":true})");
  CHECK(error_of(ask(*bob, "f", R"({"op":"follow","id":"f","account":1})")) == "already_following");

  const std::string profile = ask(*bob, "r", R"({"op":"profile","id":"r","username":"alice_p"})");
  CHECK(has(profile, R"("account":1,"username":"alice_p","display_name":"The alice_p","followers":1,"following":0,"you_follow":true,"profile":{})"));
  CHECK(has(ask(*alice, "r", R"({"op":"profile","id":"r","username":"bobby_p"})"), R"("following":1,"follows_you":true)"));
  CHECK(ask(*alice, "l", R"({"op":"followers","id":"l"})") ==
        R"({"type":"reply","id":"l","ok":true,"accounts":[{"account":2,"username":"bobby_p","display_name":"The bobby_p","profile":{}}]})");
  CHECK(has(ask(*guest, "l", R"({"op":"following","id":"l","username":"bobby_p"})"), R"("accounts":[{"account":1,"username":"alice_p")"));
  CHECK(error_of(ask(*guest, "l", R"({"op":"followers","id":"l"})")) == "not_logged_in");

  CHECK(error_of(ask(*alice, "x", R"({"op":"remove_follower","id":"x","username":"nobody_here"})")) == "no_such_account");
  CHECK(ask(*alice, "x", R"({"op":"remove_follower","id":"x","username":"bobby_p"})") == R"({"type":"reply","id":"x","ok":true})");
  CHECK(error_of(ask(*alice, "x", R"({"op":"remove_follower","id":"x","username":"bobby_p"})")) == "not_following");
  CHECK(ask(*alice, "l", R"({"op":"followers","id":"l"})") == R"({"type":"reply","id":"l","ok":true,"accounts":[]})");
  REQUIRE(ok(ask(*bob, "f", R"({"op":"follow","id":"f","username":"alice_p"})")));
  CHECK(ask(*bob, "u", R"({"op":"unfollow","id":"u","username":"alice_p"})") == R"({"type":"reply","id":"u","ok":true})");
}

TEST_CASE("social: no path shows a reader a field its audience leaves out", "[integration][social][replay]") {
  TempDir data;
  std::string live_seq, live_hash;
  {
    ChatdProcess chatd(data.path(), with_operator(data.path(), {"--captcha-difficulty", "0"}));
    Client alice = signed_up(chatd.port(), "alice_p");
    Client fan = signed_up(chatd.port(), "fanny_p");
    Client other = signed_up(chatd.port(), "other_p");
    Client guest = native_client(chatd.port(), "guest");
    REQUIRE(ok(set_profile(*alice, "languages", "en, nb", "public")));
    REQUIRE(ok(set_profile(*alice, "avatar", "https://example.org/followers-only.png", "followers")));
    REQUIRE(ok(set_profile(*alice, "country", "NO", "private")));
    REQUIRE(ok(set_profile(*alice, "phone", "+47 5550 1234", "private")));
    REQUIRE(ok(set_profile(*alice, "religion", "Follower-only creed", "followers")));
    REQUIRE(ok(ask(*fan, "f", R"({"op":"follow","id":"f","username":"alice_p"})")));
    REQUIRE(ok(ask(*alice, "f", R"({"op":"follow","id":"f","username":"other_p"})")));  // alice in other_p's followers
    REQUIRE(ok(ask(*alice, "c", R"({"op":"create_room","id":"c","room":"fjord"})")));
    for (WsClient* c : {fan.get(), other.get(), guest.get()}) REQUIRE(ok(ask(*c, "j", R"({"op":"join","id":"j","room":"fjord"})")));

    struct Reader {
      const char* who;
      WsClient* client;
      bool followers, owner;
    };
    const Reader readers[] = {{"owner", alice.get(), true, true},
                              {"follower", fan.get(), true, false},
                              {"another account", other.get(), false, false},
                              {"no account", guest.get(), false, false}};
    for (const Reader& r : readers) {
      INFO("reader: " << r.who);
      // The profile: every field the audience allows.
      const std::string profile = ask(*r.client, "r", R"({"op":"profile","id":"r","username":"alice_p"})");
      REQUIRE(ok(profile));
      CHECK(has(profile, kPublicLanguages));
      CHECK(has(profile, kFollowerAvatar) == r.followers);
      CHECK(has(profile, "Follower-only creed") == r.followers);
      CHECK(has(profile, kPrivateCountry) == r.owner);
      CHECK(has(profile, "5550 1234") == r.owner);

      // A follower list (other_p's, where alice is): her card fields, by the same audiences.
      const std::string list = ask(*r.client, "l", R"({"op":"followers","id":"l","username":"other_p"})");
      REQUIRE(has(list, R"("username":"alice_p")"));
      CHECK(has(list, kPublicLanguages));
      CHECK(has(list, kFollowerAvatar) == r.followers);
      CHECK(has(list, kPrivateCountry) == r.owner);
      CHECK(!has(list, "5550 1234"));  // not a card field: lists never show it

      // A search: by the public value it finds her and shows her card as the list does; by the
      // follower-only or the private value it finds nobody, whoever asks.
      const std::string found = ask(*r.client, "q", R"({"op":"search_accounts","id":"q","languages":"nb"})");
      REQUIRE(has(found, R"("username":"alice_p")"));
      CHECK(has(found, kFollowerAvatar) == r.followers);
      CHECK(has(found, kPrivateCountry) == r.owner);
      CHECK(ask(*r.client, "q", R"({"op":"search_accounts","id":"q","country":"NO"})") ==
            R"({"type":"reply","id":"q","ok":true,"accounts":[]})");

      // A room's member list: every member's name, and the card of each one logged in.
      const std::string members = ask(*r.client, "m", R"({"op":"members","id":"m","room":"fjord"})");
      REQUIRE(has(members, R"("members":["alice_p","fanny_p","other_p","guest"],"total":4,"accounts":[{"member":0,"account":1,"username":"alice_p","display_name":"The alice_p")"));
      CHECK(has(members, R"({"member":1,"account":2,"username":"fanny_p")"));
      CHECK(!has(members, R"("member":3)"));  // the guest has no account
      CHECK(has(members, kPublicLanguages));
      CHECK(has(members, kFollowerAvatar) == r.followers);
      CHECK(has(members, kPrivateCountry) == r.owner);
      CHECK(!has(members, "5550 1234"));
    }
    // The follower list of alice herself, read by a stranger: fanny's card, fanny's public fields.
    CHECK(has(ask(*guest, "l", R"({"op":"followers","id":"l","username":"alice_p"})"), R"("username":"fanny_p")"));
    CHECK(error_of(ask(*guest, "q", R"({"op":"search_accounts","id":"q"})")) == "invalid_search");
    CHECK(error_of(ask(*guest, "q", R"({"op":"search_accounts","id":"q","min_age":40,"max_age":30})")) == "invalid_search");

    guest->send(info_frame("i"));
    auto info = guest->recv_until(R"("id":"i")");
    REQUIRE(info);
    live_seq = number_field(*info, "seq");
    live_hash = field(*info, "world_hash");
    CHECK(chatd.stop() == 0);
  }
  // The log verifies and rebuilds the live World; alice's audit tells her profile and follows by
  // field names and audiences, never a value.
  CHECK(run_command({CHATREPLAY_BINARY, "verify", "--data", data.path()}).code == 0);
  CHECK(run_command({CHATREPLAY_BINARY, "state", "--data", data.path(), "--hash", "--at-seq", live_seq}).out ==
        "seq " + live_seq + " hash " + live_hash + "\n");
  auto audit = run_command({CHATREPLAY_BINARY, "audit", "account", "alice_p", "--data", data.path()});
  REQUIRE(audit.code == 0);
  INFO(audit.out);
  for (const char* step : {"profile field languages set by ", "visible to public, searchable", "profile field country set by ",
                           "visible to private\n", "followed by account 2", "follows account 3",
                           "5 profile fields, follows 1, followed by 1"})
    CHECK(audit.out.find(step) != std::string::npos);
  for (const char* clear : {"followers-only.png", "Follower-only creed", "5550 1234", "en, nb", "NO\n"})
    CHECK(audit.out.find(clear) == std::string::npos);
  std::ifstream in(data.path() + "/data.mdb", std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* clear : {"followers-only.png", "Follower-only creed", "5550 1234", "en, nb"}) CHECK(file.find(clear) == std::string::npos);
}

TEST_CASE("social: followers hear of a public room an account creates, and list the rooms of whom they follow",
          "[integration][social][rooms]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  Client alice = signed_up(chatd.port(), "alice_p");
  Client bob = signed_up(chatd.port(), "bobby_p");
  Client carol = signed_up(chatd.port(), "carol_p");
  Client guest = native_client(chatd.port(), "guest");
  REQUIRE(ok(ask(*bob, "f", R"({"op":"follow","id":"f","username":"alice_p"})")));

  REQUIRE(ok(ask(*alice, "c", R"({"op":"create_room","id":"c","room":"fjord","title":"Fjords"})")));
  CHECK(bob->recv() == std::optional<std::string>(R"({"type":"followed_room_created","room":"fjord","room_id":1,"account":1})"));
  // A hidden room is news to nobody: bob's next frame is the reply to what he asks next.
  REQUIRE(ok(ask(*alice, "c", R"({"op":"create_room","id":"c","room":"hideout","visibility":"hidden"})")));
  bob->send(R"({"op":"followed_rooms","id":"l"})");
  const auto listed = bob->recv();
  REQUIRE(listed);
  CHECK(*listed == R"({"type":"reply","id":"l","ok":true,"rooms":[{"room":"fjord","topic":"text","title":"Fjords","description":"",)"
                   R"("visibility":"public","limit":0,"members":1,"account":1}]})");
  CHECK(listed->find("hideout") == std::string::npos);
  // Carol follows nobody; the guest has no account; carol's room is nobody's news.
  CHECK(ask(*carol, "l", R"({"op":"followed_rooms","id":"l"})") == R"({"type":"reply","id":"l","ok":true,"rooms":[]})");
  CHECK(error_of(ask(*guest, "l", R"({"op":"followed_rooms","id":"l"})")) == "not_logged_in");
  REQUIRE(ok(ask(*carol, "c", R"({"op":"create_room","id":"c","room":"quay"})")));
  bob->send(R"({"op":"followed_rooms","id":"l2","after":1})");
  CHECK(bob->recv() == std::optional<std::string>(R"({"type":"reply","id":"l2","ok":true,"rooms":[]})"));
  CHECK(chatd.stop() == 0);
}
