// Integration tests of accounts: the real chatd over real WebSocket, with real argon2id on its
// credential pool. Every op, its errors as a client sees them, tokens across a restart, a revoked
// device's client told and shut out, and the log's file holding nothing a user typed in clear.
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

const std::string kSignup =
    R"({"op":"signup","id":"s","username":"alice_w","email":"Alice.W@Example.org","display_name":"Alice Wonder",)"
    R"("password":"correct horse battery","device_name":"laptop"})";

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The reply's text up from "ok": what two replies with different ids have in common.
std::string body_of(const std::string& reply) { return reply.substr(reply.find("\"ok\"")); }

}  // namespace

TEST_CASE("accounts: signup, login, tokens, devices, revoke and logout over WebSocket", "[integration][accounts]") {
  TempDir data;
  std::string first_token;
  {
    ChatdProcess chatd(data.path(), kNoCaptcha);
    Client alice = native_client(chatd.port(), "alice");
    const std::string signed_up = ask(*alice, "s", kSignup);
    REQUIRE(ok(signed_up));
    CHECK(signed_up.find(R"("account":1,"username":"alice_w","display_name":"Alice Wonder","device":1,"token":")") !=
          std::string::npos);
    first_token = field(signed_up, "token");
    CHECK(first_token.size() == 43);

    // A second client logs in with the password: a new device, a new token.
    Client phone = native_client(chatd.port(), "phone");
    const std::string in = ask(*phone, "l", R"({"op":"login","id":"l","username":"alice_w","password":"correct horse battery","device_name":"phone"})");
    REQUIRE(ok(in));
    CHECK(in.find(R"("account":1,"username":"alice_w","display_name":"Alice Wonder","device":2,"token":")") != std::string::npos);
    const std::string phone_token = field(in, "token");
    CHECK(phone_token != first_token);

    // The first client sees both devices, and which one it is on.
    const std::string devices = ask(*alice, "d", R"({"op":"devices","id":"d"})");
    CHECK(devices.find(R"("devices":[{"device":1,"name":"laptop","created":)") != std::string::npos);
    CHECK(devices.find(R"("current":true},{"device":2,"name":"phone","created":)") != std::string::npos);

    // It revokes the phone's device: the phone is told, and its token logs in no more.
    CHECK(ask(*alice, "r", R"({"op":"revoke_device","id":"r","device":2})") == R"({"type":"reply","id":"r","ok":true})");
    CHECK(phone->recv() == std::optional<std::string>(R"({"type":"logged_out","account":1,"device":2,"why":"revoked"})"));
    CHECK(error_of(ask(*phone, "d", R"({"op":"devices","id":"d"})")) == "not_logged_in");
    CHECK(error_of(ask(*phone, "t", R"({"op":"login_token","id":"t","token":")" + phone_token + R"("})")) == "invalid_token");
    CHECK(error_of(ask(*alice, "r2", R"({"op":"revoke_device","id":"r2","device":2})")) == "no_such_device");
    CHECK(chatd.stop() == 0);
  }

  // After a restart the key store is the same: the first token still logs in, the password too.
  ChatdProcess chatd(data.path(), kNoCaptcha);
  Client again = native_client(chatd.port(), "again");
  CHECK(ask(*again, "t", R"({"op":"login_token","id":"t","token":")" + first_token + R"("})") ==
        R"({"type":"reply","id":"t","ok":true,"account":1,"username":"alice_w","display_name":"Alice Wonder","device":1})");
  CHECK(error_of(ask(*again, "t2", R"({"op":"login_token","id":"t2","token":")" + first_token + R"("})")) == "logged_in");
  Client other = native_client(chatd.port(), "other");
  CHECK(ok(ask(*other, "l", R"({"op":"login","id":"l","username":"alice_w","password":"correct horse battery"})")));

  // A logout revokes its own device: that token is done.
  CHECK(ask(*again, "o", R"({"op":"logout","id":"o"})") == R"({"type":"reply","id":"o","ok":true})");
  CHECK(error_of(ask(*again, "o2", R"({"op":"logout","id":"o2"})")) == "not_logged_in");
  CHECK(error_of(ask(*again, "t3", R"({"op":"login_token","id":"t3","token":")" + first_token + R"("})")) == "invalid_token");
}

TEST_CASE("accounts: bad signups and logins get their codes, and an unknown username is a wrong password", "[integration][accounts]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  Client alice = native_client(chatd.port(), "alice");
  REQUIRE(ok(ask(*alice, "s", kSignup)));
  Client bob = native_client(chatd.port(), "bob");
  auto signup = [&](const std::string& fields) {
    return error_of(ask(*bob, "s", R"({"op":"signup","id":"s",)" + fields + "}"));
  };
  const std::string good = R"("email":"bob@example.org","display_name":"Bob","password":"a good password")";
  CHECK(signup(R"("username":"alice_w",)" + good) == "username_taken");
  CHECK(signup(R"("username":"Bobby",)" + good) == "invalid_username");
  CHECK(signup(R"("username":"bob",)" + good) == "invalid_username");
  CHECK(signup(R"("username":"bobby","email":"bob@","display_name":"Bob","password":"a good password")") == "invalid_email");
  CHECK(signup(R"("username":"bobby","email":"bob@example.org","display_name":"","password":"a good password")") ==
        "invalid_display_name");
  CHECK(signup(R"("username":"bobby","email":"bob@example.org","display_name":"Bob","password":"short")") == "weak_password");
  CHECK(signup(R"("username":"bobby","email":"bob@example.org","display_name":"Bob","password":"bobby")") == "weak_password");
  CHECK(signup(R"("username":"bobby","email":"bob@example.org","display_name":"Bob","password":"")") == "weak_password");
  CHECK(signup(R"("username":"bobby","email":"bob@example.org","display_name":"Bob")") == "bad_request");
  CHECK(error_of(ask(*alice, "s2", R"({"op":"signup","id":"s2","username":"alice_two",)" + good + "}")) == "logged_in");

  // Wrong password and unknown username: one answer, after the same argon2id work.
  const std::string wrong = ask(*bob, "w", R"({"op":"login","id":"w","username":"alice_w","password":"not the password"})");
  const std::string unknown = ask(*bob, "u", R"({"op":"login","id":"u","username":"nobody_here","password":"not the password"})");
  CHECK(error_of(wrong) == "wrong_password");
  CHECK(body_of(wrong) == body_of(unknown));
  CHECK(error_of(ask(*bob, "t", R"({"op":"login_token","id":"t","token":"made-up"})")) == "invalid_token");
  CHECK(error_of(ask(*bob, "o", R"({"op":"logout","id":"o"})")) == "not_logged_in");

  // Another account may share an email; the second signup works once the rules are met.
  CHECK(ok(ask(*bob, "s3", R"({"op":"signup","id":"s3","username":"bobby","email":"alice.w@example.org","display_name":"Bob","password":"a good password"})")));
}

TEST_CASE("accounts: nothing a user typed at signup is in the log's file in clear, nor in chatreplay", "[integration][accounts][replay]") {
  TempDir data;
  {
    ChatdProcess chatd(data.path(), kNoCaptcha);
    Client alice = native_client(chatd.port(), "alice");
    REQUIRE(ok(ask(*alice, "s", kSignup)));
    REQUIRE(ok(ask(*alice, "d", R"({"op":"devices","id":"d"})")));
    CHECK(chatd.stop() == 0);
  }
  const std::string file = read_whole(data.path() + "/data.mdb");
  REQUIRE(file.size() > 0);
  REQUIRE(file.find("account_created") != std::string::npos);  // the events are there, readable
  const char* const typed[] = {"alice_w", "Alice.W@Example.org", "alice.w@example.org", "Example.org", "Alice Wonder",
                               "correct horse", "laptop", "argon2id"};
  for (const char* clear : typed) CHECK(file.find(clear) == std::string::npos);

  // chatreplay rebuilds the same World, shows the account and its device, and nothing sealed.
  auto verify = run_command({CHATREPLAY_BINARY, "verify", "--data", data.path()});
  CHECK(verify.code == 0);
  auto state = run_command({CHATREPLAY_BINARY, "state", "--data", data.path()});
  REQUIRE(state.code == 0);
  CHECK(state.out.find("accounts (1, 0 logged in):\n  1 created ") != std::string::npos);
  CHECK(state.out.find("username and profile sealed, 1 devices\n    device 1 added ") != std::string::npos);
  auto json = run_command({CHATREPLAY_BINARY, "state", "--data", data.path(), "--json"});
  REQUIRE(json.code == 0);
  CHECK(json.out.find(R"("accounts":[{"id":1,"created":)") != std::string::npos);
  auto all = run_command({CHATREPLAY_BINARY, "events", "--data", data.path()});
  REQUIRE(all.code == 0);
  CHECK(all.out.find("account_created account=1") != std::string::npos);
  for (const std::string& out : {state.out, json.out, all.out})
    for (const char* clear : typed) CHECK(out.find(clear) == std::string::npos);
}

TEST_CASE("accounts: three wrong passwords a minute for a username hold its logins, from every connection", "[integration][accounts]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  Client alice = native_client(chatd.port(), "alice");
  REQUIRE(ok(ask(*alice, "s", kSignup)));
  // Three connections, a wrong password each, for an existing username and for an unknown one.
  for (const char* username : {"alice_w", "nobody_here"})
    for (int i = 0; i < 3; ++i) {
      Client guesser = native_client(chatd.port(), "g");
      CHECK(error_of(ask(*guesser, "w", std::string(R"({"op":"login","id":"w","username":")") + username +
                                            R"(","password":"not the password"})")) == "wrong_password");
    }
  // Now even the right password waits, and an unknown username is held the same: the throttle
  // tells no username apart.
  Client owner = native_client(chatd.port(), "owner");
  const std::string held = ask(*owner, "l", R"({"op":"login","id":"l","username":"alice_w","password":"correct horse battery"})");
  const std::string unknown = ask(*owner, "u", R"({"op":"login","id":"u","username":"nobody_here","password":"x"})");
  CHECK(error_of(held) == "rate_limited");
  CHECK(body_of(held) == body_of(unknown));
  // Another username is not held up.
  CHECK(error_of(ask(*owner, "o", R"({"op":"login","id":"o","username":"other_user","password":"whatever it is"})")) ==
        "wrong_password");
}
