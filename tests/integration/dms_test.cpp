// Integration tests of DMs: the real chatd over real WebSocket, every op, its pushes and its errors
// as a client sees them, a DM's privacy from everyone else, and chatreplay's view and audit of it.
#include <catch2/catch.hpp>

#include <string>
#include <thread>

#include "tests/integration/clients.hpp"
#include "tests/integration/harness.hpp"

using namespace chatd;
using namespace chatd::testing;
using namespace std::chrono_literals;

namespace {

using Client = std::unique_ptr<WsClient>;

}  // namespace

TEST_CASE("dms: open, send, my_dms and close over WebSocket, heard by exactly the two sides", "[integration][dms]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  Client alice = native_client(chatd.port(), "alice");
  Client bob = native_client(chatd.port(), "bob");
  Client carol = native_client(chatd.port(), "carol");

  CHECK(ask(*alice, "o", R"({"op":"open_dm","id":"o","to":"bob"})") ==
        R"({"type":"reply","id":"o","ok":true,"dm":1,"with":"bob","last_number":0,"opened":true})");
  CHECK(bob->recv() == std::optional<std::string>(R"({"type":"dm_opened","dm":1,"with":"alice"})"));
  CHECK(ask(*bob, "o", R"({"op":"open_dm","id":"o","to":"alice"})") ==
        R"({"type":"reply","id":"o","ok":true,"dm":1,"with":"alice","last_number":0,"opened":false})");

  CHECK(ask(*alice, "s", R"({"op":"send_dm","id":"s","dm":1,"text":"psst \"bob\""})") == R"({"type":"reply","id":"s","ok":true})");
  auto own = alice->recv();
  auto theirs = bob->recv();
  REQUIRE(own);
  REQUIRE(theirs);
  CHECK(theirs->find(R"({"type":"dm_message","dm":1,"number":1,"time":)") == 0);
  CHECK(theirs->find(R"("from":"alice","text":"psst \"bob\""})") != std::string::npos);
  CHECK(own->find(R"("number":1,)") != std::string::npos);
  CHECK(own->find(R"("own":true})") != std::string::npos);
  REQUIRE(ask(*bob, "s2", R"({"op":"send_dm","id":"s2","dm":1,"text":"hi"})").find("\"ok\":true") != std::string::npos);
  REQUIRE(alice->recv_until(R"("number":2)"));

  CHECK(ask(*bob, "m", R"({"op":"my_dms","id":"m"})") ==
        R"({"type":"reply","id":"m","ok":true,"dms":[{"dm":1,"with":"alice","last_number":2}]})");
  CHECK(ask(*carol, "m", R"({"op":"my_dms","id":"m"})") == R"({"type":"reply","id":"m","ok":true,"dms":[]})");

  // Carol is told nothing of it, and its id opens nothing to her: the answer is the one an id
  // never handed out gets.
  const std::string hers = ask(*carol, "x", R"({"op":"send_dm","id":"x","dm":1,"text":"let me in"})");
  const std::string never = ask(*carol, "y", R"({"op":"send_dm","id":"y","dm":7,"text":"let me in"})");
  CHECK(error_of(hers) == "no_such_dm");
  CHECK(hers.substr(hers.find("\"ok\"")) == never.substr(never.find("\"ok\"")));
  CHECK(error_of(ask(*carol, "c", R"({"op":"close_dm","id":"c","dm":1})")) == "no_such_dm");
  // (the next frame Carol gets is the answer to her next question: no push came before it)
  carol->send(R"({"op":"my_dms","id":"q"})");
  CHECK(carol->recv() == std::optional<std::string>(R"({"type":"reply","id":"q","ok":true,"dms":[]})"));

  CHECK(ask(*bob, "c", R"({"op":"close_dm","id":"c","dm":1})") == R"({"type":"reply","id":"c","ok":true})");
  CHECK(alice->recv() == std::optional<std::string>(R"({"type":"dm_closed","dm":1,"with":"bob","why":"closed"})"));
  CHECK(error_of(ask(*alice, "s3", R"({"op":"send_dm","id":"s3","dm":1,"text":"gone?"})")) == "no_such_dm");

  // A side that goes away ends the DM for the other.
  REQUIRE(ask(*carol, "o", R"({"op":"open_dm","id":"o","to":"alice"})").find(R"("dm":2)") != std::string::npos);
  REQUIRE(alice->recv_until("dm_opened"));
  carol.reset();
  CHECK(alice->recv_until("dm_closed") == std::optional<std::string>(R"({"type":"dm_closed","dm":2,"with":"carol","why":"left"})"));
}

TEST_CASE("dms: every refusal has its code and changes nothing", "[integration][dms]") {
  TempDir data;
  ChatdProcess chatd(data.path(), kNoCaptcha);
  Client alice = native_client(chatd.port(), "alice");
  Client twin1 = native_client(chatd.port(), "twin");
  Client twin2 = native_client(chatd.port(), "twin");
  WsClient lowf(chatd.port(), "/lowf");
  lowf.send(R"({"type":"command","body":4,"message":"lowfer"})");
  bool named = false;  // (lowf has no reply: wait until the name is the World's)
  for (int i = 0; i < 50 && !named; ++i, std::this_thread::sleep_for(50ms))
    named = ask(*alice, "w", R"({"op":"online","id":"w"})").find("\"lowfer\"") != std::string::npos;
  REQUIRE(named);
  CHECK(error_of(ask(*alice, "0", R"({"op":"open_dm","id":"0","to":"lowfer"})")) == "no_such_user");  // lowf's page shows no DM
  CHECK(error_of(ask(*alice, "1", R"({"op":"open_dm","id":"1","to":"nobody"})")) == "no_such_user");
  CHECK(error_of(ask(*alice, "2", R"({"op":"open_dm","id":"2","to":"alice"})")) == "self_dm");
  CHECK(error_of(ask(*alice, "3", R"({"op":"open_dm","id":"3","to":"twin"})")) == "ambiguous_name");
  CHECK(error_of(ask(*alice, "4", R"({"op":"open_dm","id":"4"})")) == "bad_request");
  CHECK(error_of(ask(*alice, "5", R"({"op":"open_dm","id":"5","to":7})")) == "bad_request");
  CHECK(error_of(ask(*alice, "6", R"({"op":"send_dm","id":"6","dm":"one","text":"x"})")) == "bad_request");
  CHECK(error_of(ask(*alice, "7", R"({"op":"send_dm","id":"7","dm":1})")) == "bad_request");
  CHECK(error_of(ask(*alice, "8", R"({"op":"open_dm","id":"8","to":""})")) == "invalid_name");
  REQUIRE(chatd.stop() == 0);
  CHECK(events_of<events::DmOpened>(read_log(data.path())).empty());
}

TEST_CASE("chatreplay: open DMs at a moment and a DM's audit", "[integration][dms][replay]") {
  TempDir data;
  {
    ChatdProcess chatd(data.path(), kNoCaptcha);
    Client alice = native_client(chatd.port(), "alice");
    Client bob = native_client(chatd.port(), "bob");
    REQUIRE(ask(*alice, "o", R"({"op":"open_dm","id":"o","to":"bob"})").find("\"ok\":true") != std::string::npos);
    REQUIRE(ask(*alice, "s", R"({"op":"send_dm","id":"s","dm":1,"text":"hi \u001b[2J bob"})").find("\"ok\":true") != std::string::npos);
    REQUIRE(ask(*bob, "c", R"({"op":"close_dm","id":"c","dm":1})").find("\"ok\":true") != std::string::npos);
    REQUIRE(chatd.stop() == 0);
  }
  const auto log = read_log(data.path());
  Seq sent = 0;
  for (const auto& e : log)
    if (e.payload.is<events::DmSent>()) sent = e.seq;
  REQUIRE(sent > 0);

  auto state = run_command({CHATREPLAY_BINARY, "state", "--data", data.path(), "--at-seq", std::to_string(sent)});
  REQUIRE(state.code == 0);
  CHECK(state.out.find("dms (1 open):\n  1 1 \"alice\"") != std::string::npos);
  CHECK(state.out.find(" with 2 \"bob\"") != std::string::npos);
  CHECK(state.out.find("last message 1\n") != std::string::npos);
  auto end = run_command({CHATREPLAY_BINARY, "state", "--data", data.path()});
  CHECK(end.out.find("dms (0 open):\n") != std::string::npos);

  auto at_sent = run_command({CHATREPLAY_BINARY, "audit", "dm", "1", "--data", data.path(), "--to-seq", std::to_string(sent)});
  REQUIRE(at_sent.code == 0);
  CHECK(at_sent.out.find("dm 1: 1 \"alice\"") == 0);
  CHECK(at_sent.out.find("open at #" + std::to_string(sent)) != std::string::npos);
  CHECK(at_sent.out.find("[1] 1 \"alice\": \"hi \\u001b[2J bob\"") != std::string::npos);  // terminal-safe
  CHECK(at_sent.out.find("closed by") == std::string::npos);
  auto whole = run_command({CHATREPLAY_BINARY, "audit", "dm", "1", "--data", data.path()});
  REQUIRE(whole.code == 0);
  CHECK(whole.out.find("(not open at seq") != std::string::npos);
  CHECK(whole.out.find("closed by 2 \"bob\"") != std::string::npos);
  CHECK(run_command({CHATREPLAY_BINARY, "audit", "dm", "9", "--data", data.path()}).code != 0);
  CHECK(run_command({CHATREPLAY_BINARY, "audit", "dm", "x", "--data", data.path()}).code != 0);

  auto bobs = run_command({CHATREPLAY_BINARY, "events", "--data", data.path(), "--client", "2"});
  REQUIRE(bobs.code == 0);
  CHECK(bobs.out.find("dm_sent dm=1") != std::string::npos);  // the recipient's filter finds it
}
