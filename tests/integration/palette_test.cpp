// Integration tests of chatsock's palette: the real chatd on its palette port, driven over raw TCP as
// telnet drives it (chatsock's exact bytes), then by a real telnet in tmux, whose screen is checked.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "tests/integration/clients.hpp"
#include "tests/integration/harness.hpp"

using namespace chatd;
using namespace chatd::testing;
using namespace std::chrono_literals;

namespace {

const std::string kEsc = "\033";

// A telnet-like client: bytes in, bytes out, every wait bounded.
class LineClient {
 public:
  explicit LineClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~LineClient() { ::close(fd_); }
  void send(const std::string& bytes) { REQUIRE(::write(fd_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size())); }
  // Everything received until `needle` is in it (and it is returned), or the timeout.
  std::string until(const std::string& needle, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (got_.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline && !closed_) read_for(50ms);
    const auto at = got_.find(needle);
    if (at == std::string::npos) return "";
    std::string out = got_.substr(0, at + needle.size());
    got_.erase(0, at + needle.size());
    return out;
  }
  // What arrives within `quiet` of silence.
  std::string drain(std::chrono::milliseconds quiet = 300ms) {
    std::size_t before;
    do {
      before = got_.size();
      read_for(quiet);
    } while (got_.size() != before && !closed_);
    return std::exchange(got_, {});
  }
  // Whether the server closes the connection within 5 s (what it sends meanwhile is kept).
  bool closed() {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!closed_ && std::chrono::steady_clock::now() < deadline) read_for(100ms);
    return closed_;
  }

 private:
  void read_for(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return;
    char buf[8192];
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) closed_ = true;
    else got_.append(buf, static_cast<std::size_t>(n));
  }
  int fd_ = -1;
  std::string got_;
  bool closed_ = false;
};

const std::string kBanner = kEsc + "[2J" + kEsc + "[H\r\n/----------\\\r\n| WELCOME! |\r\n\\----------/\r\nPowered by chatsock v0.1\r\n"
                            "https://github.com/SnowpMakes/chatsock\r\n\r\nEnter a username: ";

std::vector<std::string> palette_args(std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--captcha-difficulty", "0", "--palette-listen", "127.0.0.1:0",
                                   "--room", "general|description=For general conversations.",
                                   "--room", "games|description=For game related discussions.",
                                   "--room", "snowpStaff|hidden|limit=10|description=Channel for Snowp's staff"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// A palette user past the username prompt.
std::unique_ptr<LineClient> palette_user(std::uint16_t port, const std::string& name) {
  auto c = std::make_unique<LineClient>(port);
  REQUIRE(c->until("Enter a username: ") == kBanner);
  c->send(name + "\r\n");
  REQUIRE(c->until("execute :help\r\n> ") != "");
  return c;
}

}  // namespace

TEST_CASE("palette: chatsock's banner, prompts and every command, byte for byte", "[integration][palette]") {
  TempDir data;
  ChatdProcess chatd(data.path(), palette_args());
  LineClient c(chatd.palette_port());
  CHECK(c.until("Enter a username: ") == kBanner);
  c.send("\r\n");
  CHECK(c.until("Enter a username: ") == "Enter a username: ");  // an empty line asks again
  c.send("alice\r\n");
  CHECK(c.until("> ") == "\r\nYou are now connected as 'alice'.\r\nTo chat with other people, please join a chatroom or start a DM "
                        "with a user.\r\nFor info on how to do that, and more, execute :help\r\n> ");
  auto says = [&](const std::string& line, const std::string& prompt) {
    c.send(line + "\r\n");
    return c.until(prompt);
  };
  CHECK(says(":help", "\r\n> ").rfind("Command list:\r\n  :help              - Show this list\r\n", 0) == 0);
  CHECK(says(":rooms", "\r\n> ") == "Availiable chatrooms:\r\n  - games (For game related discussions.)\r\n  - general (For general "
                                    "conversations.)\r\n\r\n> ");
  CHECK(says(":listall", "\r\n> ") == "Currently connected users:\r\n - alice\r\n\r\n> ");
  CHECK(says(":list", "\r\n> ") == "You are not connected to a chatroom or a DM! Did you mean to use :listall?\r\n\r\n> ");
  CHECK(says(":rooms now", "\r\n> ") == "This command does not expect any arguments!\r\n\r\n> ");
  CHECK(says(":join", "\r\n> ") == "The :join command expects an <chatroom> argument! See :help for details.\r\n\r\n> ");
  CHECK(says(":join nowhere", "\r\n> ") == "That chatroom does not exist!\r\n\r\n> ");
  CHECK(says(":dm bob", "\r\n> ") == "That user is not online!\r\n\r\n> ");
  CHECK(says(":dm alice", "\r\n> ") == "You cannot open a DM with yourself!\r\n\r\n> ");
  CHECK(says(":dm", "\r\n> ") == "The :dm command expects a <user> argument! See :help for details.\r\n\r\n> ");
  CHECK(says(":dm a b", "\r\n> ") == "The :dm command only expects one argument!\r\n\r\n> ");
  CHECK(says(":chat", "\r\n> ") == "You are not connected to a chatroom or a DM! Please connect to one first.\r\n\r\n> ");
  CHECK(says(":frobnicate", "\r\n> ") == "Unknown command. Maybe check ':help'?\r\n\r\n> ");
  CHECK(says("hello", "> ") == "That was not a command. Enter chat mode by executing :chat to chat.> ");
  CHECK(says(":join general", "[room/general]> ") ==
        "You joined the room 'general'!\r\nExecute :chat to enter the chat view\r\n\r\n[room/general]> ");
  CHECK(says(":join games", "[room/general]> ") ==
        "You are in the room 'general' already. Execute :close to leave it first.\r\n\r\n[room/general]> ");
  CHECK(says(":list", "[room/general]> ") == "Users connected to room 'general':\r\n  - alice\r\n\r\n[room/general]> ");

  // The chat view: chatsock's screen, its repaint, its cursor.
  const std::string view = says(":chat", "[room/general]\r\n> ");
  CHECK(view == "Entering chat view. You can leave chat view by executing :q.\r\nPlease note that you can't execute any other commands "
                "than :q while in chat view!\r\n" +
                    kEsc + "[2J" + kEsc + "[H" + std::string(20, '\n') + std::string(60 - 14, '=') + "[room/general]\r\n> ");
  c.send("hi all\r\n");
  std::string painted;
  for (int i = 0; i < 19; ++i) painted += "\r\n" + kEsc + "[2K";
  const std::string repaint = kEsc + "[s" + kEsc + "[H" + kEsc + "[2K" + painted + "[alice     ]: hi all" + kEsc + "[u";
  const std::string fix = kEsc + "[1A" + kEsc + "[1G" + kEsc + "[K> ";
  CHECK(c.until(fix) == repaint + fix);  // chatsock's order: everyone's repaint, then the sender's prompt
  CHECK(says(":q", "[room/general]> ") == kEsc + "[2J" + kEsc + "[HYou left chat view.\r\n[room/general]> ");
  CHECK(says(":close", "\r\n> ") == "You left the room 'general'.\r\n\r\n> ");

  // :quit asks first; anything but y keeps the session.
  CHECK(says(":quit", "(y/n) ") == "Are you sure you want to quit? (y/n) ");
  CHECK(says("n", "> ") == "\r\n> ");
  CHECK(says(":quit", "(y/n) ") == "Are you sure you want to quit? (y/n) ");
  c.send("y\r\n");
  CHECK(c.until("Goodbye!\r\n") == "Disconnecting. Goodbye!\r\n");
  CHECK(c.closed());

  REQUIRE(chatd.stop() == 0);
  const auto log = read_log(data.path());
  const auto connected = events_of<events::ClientConnected>(log);
  REQUIRE(connected.size() == 1);
  CHECK(connected[0].dialect == events::Dialect::kPalette);
  CHECK(events_of<events::RoomPosted>(log).at(0).text == "hi all");
  CHECK(disconnect_reasons(data.path()) == std::vector<events::DisconnectReason>{events::DisconnectReason::kClosed});
}

TEST_CASE("palette: usernames are unique among everyone online and bounded in bytes", "[integration][palette]") {
  TempDir data;
  ChatdProcess chatd(data.path(), palette_args());
  auto native = native_client(chatd.port(), "bob");
  LineClient c(chatd.palette_port());
  REQUIRE(c.until("Enter a username: ") == kBanner);
  c.send("bob\r\n");
  CHECK(c.until("Enter a username: ") == "That username is taken, please pick another one.\r\nEnter a username: ");
  c.send("averyverylongname\r\n");
  CHECK(c.until("Enter a username: ") == "That username is too long, please pick another one.\r\nEnter a username: ");
  c.send("b\033[2Jx\r\n");
  CHECK(c.until("Enter a username: ") == "That username cannot be used, please pick another one.\r\nEnter a username: ");
  c.send("carol\r\n");
  CHECK(c.until("> ").find("You are now connected as 'carol'.") != std::string::npos);
  c.send(":listall\r\n");
  CHECK(c.until("\r\n> ") == "Currently connected users:\r\n - bob\r\n - carol\r\n\r\n> ");
}

TEST_CASE("palette: a palette user and a native user in one room see each other, terminal-safe", "[integration][palette][rooms]") {
  TempDir data;
  ChatdProcess chatd(data.path(), palette_args());
  auto alice = palette_user(chatd.palette_port(), "alice");
  auto bob = native_client(chatd.port(), "bob");
  alice->send(":join general\r\n");
  REQUIRE(alice->until("[room/general]> ") != "");
  bob->send(R"({"op":"join","id":"j","room":"general"})");
  REQUIRE(bob->recv_until(R"("id":"j")"));
  alice->send(":chat\r\n");
  REQUIRE(alice->until("[room/general]\r\n> ") != "");

  // Bob's text carries an escape sequence: the palette shows it, it does not obey it.
  bob->send(R"({"op":"post","id":"p","room":"general","text":"hi \u001b[2J alice"})");
  const std::string painted = alice->until(kEsc + "[u");
  CHECK(painted.find("[bob       ]: hi \\u001b[2J alice" + kEsc + "[u") != std::string::npos);
  CHECK(painted.find(kEsc + "[2J alice") == std::string::npos);

  alice->send("hello bob\r\n");
  auto got = bob->recv_until("hello bob");
  REQUIRE(got);
  CHECK(got->find(R"("from":"alice","kind":"text","text":"hello bob")") != std::string::npos);
  // The view keeps both, oldest first.
  const std::string second = alice->until(kEsc + "[u");
  CHECK(second.find("[bob       ]: hi \\u001b[2J alice\r\n" + kEsc + "[2K[alice     ]: hello bob" + kEsc + "[u") != std::string::npos);
  alice->send(":q\r\n");
  REQUIRE(alice->until("[room/general]> ") != "");
  alice->send(":list\r\n");
  CHECK(alice->until("[room/general]> ") == "Users connected to room 'general':\r\n  - alice\r\n  - bob\r\n\r\n[room/general]> ");
  // Logged in to an account, a member is listed with its display name and username.
  bob->send(R"({"op":"signup","id":"s","username":"bob_builder","email":"bob@example.org","display_name":"Bob B.","password":"a long password"})");
  REQUIRE(bob->recv_until(R"("id":"s","ok":true)"));
  alice->send(":list\r\n");
  CHECK(alice->until("[room/general]> ") ==
        "Users connected to room 'general':\r\n  - alice\r\n  - bob (Bob B., @bob_builder)\r\n\r\n[room/general]> ");
}

TEST_CASE("palette: :dm opens a DM with a user online, its chat view, :list and :close", "[integration][palette][dms]") {
  TempDir data;
  ChatdProcess chatd(data.path(), palette_args());
  auto alice = palette_user(chatd.palette_port(), "alice");
  auto bob = palette_user(chatd.palette_port(), "bob");
  auto carol = native_client(chatd.port(), "carol");
  auto says = [](LineClient& c, const std::string& line, const std::string& prompt) {
    c.send(line + "\r\n");
    return c.until(prompt);
  };
  CHECK(says(*alice, ":dm bob", "[dm/bob]> ") == "You opened a DM with 'bob'!\r\nExecute :chat to enter the chat view\r\n\r\n[dm/bob]> ");
  CHECK(bob->until("answer.\r\n> ") == "\r\n'alice' opened a DM with you. Execute :dm alice to answer.\r\n> ");
  CHECK(says(*alice, ":join general", "[dm/bob]> ") ==
        "You are in a DM with 'bob' already. Execute :close to close it first.\r\n\r\n[dm/bob]> ");
  CHECK(says(*alice, ":list", "[dm/bob]> ") == "Users connected to the DM with 'bob':\r\n  - alice\r\n  - bob\r\n\r\n[dm/bob]> ");

  // Alice writes before Bob turns to the DM: he finds it in his chat view when he does.
  CHECK(says(*alice, ":chat", "[dm/bob]\r\n> ").find(std::string(60 - 8, '=') + "[dm/bob]\r\n> ") != std::string::npos);
  alice->send("hi bob\r\n");
  const std::string fix = kEsc + "[1A" + kEsc + "[1G" + kEsc + "[K> ";
  CHECK(alice->until(fix).find("[alice     ]: hi bob" + kEsc + "[u") != std::string::npos);
  CHECK(bob->drain().empty());  // nothing is painted outside the DM's chat view
  CHECK(says(*bob, ":dm alice", "[dm/alice]> ") ==
        "You are back in your DM with 'alice'!\r\nExecute :chat to enter the chat view\r\n\r\n[dm/alice]> ");
  const std::string view = says(*bob, ":chat", kEsc + "[u");
  CHECK(view.find(std::string(60 - 10, '=') + "[dm/alice]\r\n> ") != std::string::npos);
  CHECK(view.find("[alice     ]: hi bob" + kEsc + "[u") != std::string::npos);
  bob->send("hi alice\r\n");
  CHECK(bob->until(fix).find("[alice     ]: hi bob\r\n" + kEsc + "[2K[bob       ]: hi alice" + kEsc + "[u") != std::string::npos);
  CHECK(alice->until(kEsc + "[u").find("[bob       ]: hi alice") != std::string::npos);
  // A DM is its two sides': the third client online hears nothing of it.
  carol->send(R"({"op":"my_dms","id":"q"})");  // her next frame is its answer: no push came before it
  CHECK(carol->recv() == std::optional<std::string>(R"({"type":"reply","id":"q","ok":true,"dms":[]})"));

  // Bob closes it: Alice's chat view ends with the news.
  CHECK(says(*bob, ":q", "[dm/alice]> ").find("You left chat view.") != std::string::npos);
  CHECK(says(*bob, ":close", "\r\n> ") == "You closed the DM with 'alice'.\r\n\r\n> ");
  CHECK(alice->until("\r\n> ") == kEsc + "[2J" + kEsc + "[H\r\n'bob' closed your DM.\r\n> ");

  // A native user opens a DM with a palette user, who answers in it; and goes away.
  carol->send(R"({"op":"open_dm","id":"o","to":"alice"})");
  auto open = carol->recv_until(R"("id":"o")");
  REQUIRE(open);
  CHECK(*open == R"({"type":"reply","id":"o","ok":true,"dm":2,"with":"alice","last_number":0,"opened":true})");
  CHECK(alice->until("answer.\r\n> ") == "\r\n'carol' opened a DM with you. Execute :dm carol to answer.\r\n> ");
  says(*alice, ":dm carol", "[dm/carol]> ");
  says(*alice, ":chat", "[dm/carol]\r\n> ");
  alice->send("hello \033[2J carol\r\n");
  auto got = carol->recv_until("dm_message");
  REQUIRE(got);
  CHECK(got->find(R"("dm":2,"number":1,)") != std::string::npos);
  CHECK(got->find(R"("from":"alice","text":"hello \u001b[2J carol"})") != std::string::npos);
  CHECK(alice->until(fix).find("[alice     ]: hello \\u001b[2J carol" + kEsc + "[u") != std::string::npos);
  carol.reset();
  CHECK(alice->until("\r\n> ") ==
        kEsc + "[2J" + kEsc + "[H\r\n'carol' left: your DM is closed.\r\n> ");
  REQUIRE(chatd.stop() == 0);
  const auto log = read_log(data.path());
  CHECK(events_of<events::DmOpened>(log).size() == 2);
  CHECK(events_of<events::DmSent>(log).size() == 3);
  CHECK(events_of<events::DmClosed>(log).size() == 1);
}

TEST_CASE("palette: lines are framed whatever the segments, telnet's bytes are ignored, a line too long closes",
          "[integration][palette]") {
  TempDir data;
  ChatdProcess chatd(data.path(), palette_args({"--max-frame", "512"}));
  LineClient c(chatd.palette_port());
  REQUIRE(c.until("Enter a username: ") == kBanner);
  // Telnet negotiation (IAC DO ECHO, IAC WILL SUPPRESS-GO-AHEAD, a subnegotiation), then two lines
  // in one segment: chatsock took "alice\r\n:help" as one username.
  c.send("\xff\xfd\x01\xff\xfb\x03\xff\xfa\x18\x01\xff\xf0" "alice\r\n:listall\n");
  CHECK(c.until("\r\n> ").find("You are now connected as 'alice'.") != std::string::npos);
  CHECK(c.until("\r\n> ") == "Currently connected users:\r\n - alice\r\n\r\n> ");
  // A line split over segments, a bare CR, and telnet's CR NUL.
  c.send(":list");
  std::this_thread::sleep_for(100ms);
  c.send("all\r");
  CHECK(c.until("\r\n> ") == "Currently connected users:\r\n - alice\r\n\r\n> ");
  c.send(std::string(":listall\r\0", 10));
  CHECK(c.until("\r\n> ") == "Currently connected users:\r\n - alice\r\n\r\n> ");
  c.send(std::string(600, 'x') + "\r\n");
  CHECK(c.until("Connection closed: frame too large\r\n") != "");
  CHECK(c.closed());
  REQUIRE(chatd.stop() == 0);
  CHECK(disconnect_reasons(data.path()) == std::vector<events::DisconnectReason>{events::DisconnectReason::kMalformed});
}

TEST_CASE("palette: password and hidden rooms, a full room, a closed room", "[integration][palette][rooms]") {
  TempDir data;
  ChatdProcess chatd(data.path(), palette_args({"--room", "tiny|limit=1"}));
  auto owner = native_client(chatd.port(), "owner");
  owner->send(R"({"op":"create_room","id":"c","room":"vault","password":"open-sesame-1"})");
  REQUIRE(owner->recv_until(R"("id":"c")"));
  auto alice = palette_user(chatd.palette_port(), "alice");
  auto says = [&](const std::string& line, const std::string& prompt) {
    alice->send(line + "\r\n");
    return alice->until(prompt);
  };
  CHECK(says(":join vault", "\r\n> ") == "This is a private channel!\r\n\r\n> ");
  CHECK(says(":join vault guess", "\r\n> ") == "Wrong password!\r\n\r\n> ");
  CHECK(says(":join vault open-sesame-1", "[room/vault]> ") ==
        "You joined the room 'vault'!\r\nExecute :chat to enter the chat view\r\n\r\n[room/vault]> ");
  CHECK(says(":close", "\r\n> ") == "You left the room 'vault'.\r\n\r\n> ");
  // Hidden rooms are not listed, and joined by their name.
  CHECK(says(":rooms", "\r\n> ").find("snowpStaff") == std::string::npos);
  CHECK(says(":join snowpStaff", "[room/snowpStaff]> ").find("You joined the room 'snowpStaff'!") != std::string::npos);
  CHECK(says(":close", "\r\n> ") != "");
  auto other = native_client(chatd.port(), "other");
  other->send(R"({"op":"join","id":"t","room":"tiny"})");
  REQUIRE(other->recv_until(R"("id":"t")"));
  CHECK(says(":join tiny", "\r\n> ") == "That chatroom is full!\r\n\r\n> ");
  // The owner deletes the room its palette member is in.
  CHECK(says(":join vault open-sesame-1", "[room/vault]> ") != "");
  owner->send(R"({"op":"delete_room","id":"d","room":"vault"})");
  CHECK(alice->until("\r\n> ") == "\r\nThe room 'vault' was closed.\r\n> ");
}

TEST_CASE("palette: a graceful shutdown counts down to palette users and pushes a notice to the others",
          "[integration][palette][shutdown]") {
  TempDir data;
  ChatdProcess chatd(data.path(), palette_args({"--shutdown-notice", "1"}));
  auto alice = palette_user(chatd.palette_port(), "alice");
  auto viewer = palette_user(chatd.palette_port(), "viewer");
  viewer->send(":join general\r\n");
  REQUIRE(viewer->until("[room/general]> ") != "");
  viewer->send(":chat\r\n");
  REQUIRE(viewer->until("[room/general]\r\n> ") != "");
  auto bob = native_client(chatd.port(), "bob");
  const auto started = std::chrono::steady_clock::now();
  ::kill(chatd.pid(), SIGTERM);
  const std::string text = "The server will be shutting down in 1 seconds!!";
  CHECK(alice->until(text + kEsc + "[0;40m\r\n\r\n") == "\r\n\r\n" + kEsc + "[1;41m" + text + kEsc + "[0;40m\r\n\r\n");
  CHECK(viewer->until(kEsc + "[u").find("[" + kEsc + "[1;41mSERVER" + kEsc + "[0;40m    ]: " + kEsc + "[1;41m" + text) !=
        std::string::npos);
  CHECK(bob->recv_until("system") == std::optional<std::string>(R"({"type":"system","text":")" + text + "\"}"));
  CHECK(alice->closed());
  CHECK(std::chrono::steady_clock::now() - started >= 900ms);  // the countdown was kept
  CHECK(chatd.stop() == 0);
}

TEST_CASE("palette: a real telnet in tmux sees chatsock's screen", "[integration][palette][telnet]") {
  REQUIRE(run_command({"/bin/sh", "-c", "command -v telnet && command -v tmux"}).code == 0);
  TempDir data;
  ChatdProcess chatd(data.path(), palette_args());
  auto bob = native_client(chatd.port(), "bob");
  bob->send(R"({"op":"join","id":"j","room":"general"})");
  REQUIRE(bob->recv_until(R"("id":"j")"));
  const std::string session = "chatd-palette-" + std::to_string(getpid());
  auto tmux = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/env", "tmux", "-L", session});
    return run_command(args);
  };
  auto screen = [&] { return tmux({"capture-pane", "-p", "-t", session}).out; };
  auto wait_for = [&](const std::string& text) {
    for (int i = 0; i < 100; ++i) {
      if (screen().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  REQUIRE(tmux({"new-session", "-d", "-s", session, "-x", "80", "-y", "30", "/usr/bin/env", "telnet", "127.0.0.1",
                std::to_string(chatd.palette_port())}).code == 0);
  struct Kill {
    std::function<void()> fn;
    ~Kill() { fn(); }
  } kill_tmux{[&] { tmux({"kill-server"}); }};
  REQUIRE(wait_for("Enter a username:"));
  const std::string banner = screen();
  CHECK(banner.find("/----------\\\n| WELCOME! |\n\\----------/\nPowered by chatsock v0.1\nhttps://github.com/SnowpMakes/chatsock\n\nEnter a username:") !=
        std::string::npos);
  tmux({"send-keys", "-t", session, "alice", "Enter"});
  REQUIRE(wait_for("You are now connected as 'alice'."));
  tmux({"send-keys", "-t", session, ":join general", "Enter"});
  REQUIRE(wait_for("[room/general]>"));
  tmux({"send-keys", "-t", session, ":chat", "Enter"});
  REQUIRE(wait_for("==[room/general]"));
  tmux({"send-keys", "-t", session, "hello from telnet", "Enter"});
  REQUIRE(wait_for("[alice     ]: hello from telnet"));
  bob->send(R"({"op":"post","id":"p","room":"general","text":"hello alice"})");
  REQUIRE(wait_for("[bob       ]: hello alice"));
  // The view: 20 lines of history at the top (the newest last, on line 20), the bar, the prompt.
  std::vector<std::string> lines;
  std::istringstream rows(screen());
  for (std::string row; std::getline(rows, row);) lines.push_back(row);
  REQUIRE(lines.size() >= 22);
  INFO(screen());
  CHECK(lines[18] == "[alice     ]: hello from telnet");
  CHECK(lines[19] == "[bob       ]: hello alice");
  CHECK(lines[20] == std::string(46, '=') + "[room/general]");
  CHECK(lines[21] == ">");  // (tmux drops the trailing space of "> ")
  for (int i = 0; i < 18; ++i) CHECK(lines[i].empty());
  CHECK(bob->recv_until("hello from telnet"));
}

TEST_CASE("palette: :login asks the password without echo, logs in to the account, and :logout ends it",
          "[integration][palette][accounts]") {
  TempDir data;
  ChatdProcess chatd(data.path(), palette_args());
  auto native = native_client(chatd.port(), "web");
  const std::string signed_up = ask(*native, "s",
      R"({"op":"signup","id":"s","username":"alice_w","email":"alice@example.org","display_name":"Alice W.","password":"a long password"})");
  REQUIRE(ok(signed_up));
  auto c = palette_user(chatd.palette_port(), "alice");
  auto says = [&](const std::string& line, const std::string& until) {
    c->send(line + "\r\n");
    return c->until(until);
  };
  CHECK(says(":login", "\r\n> ") == "The :login command expects a <username>; the password is asked next.\r\n\r\n> ");
  // The password prompt turns the client's echo off (IAC WILL ECHO); the answer turns it on again.
  CHECK(says(":login alice_w", "Password: \xff\xfb\x01") == "Password: \xff\xfb\x01");
  CHECK(says("not the password", "\r\n> ") == "\xff\xfc\x01\r\nWrong username or password!\r\n\r\n> ");
  CHECK(says(":login nobody_here", "\xff\xfb\x01") != "");
  CHECK(says("a long password", "\r\n> ") == "\xff\xfc\x01\r\nWrong username or password!\r\n\r\n> ");  // the same answer
  CHECK(says(":login alice_w", "\xff\xfb\x01") != "");
  CHECK(says("a long password", "\r\n> ") == "\xff\xfc\x01\r\nYou are logged in as 'Alice W.' (@alice_w).\r\n\r\n> ");
  CHECK(says(":login alice_w", "\xff\xfb\x01") != "");
  CHECK(says("a long password", "\r\n> ") == "\xff\xfc\x01\r\nYou are logged in already! Execute :logout first.\r\n\r\n> ");
  // The login is a device of the account, named for the palette; the member list shows the account.
  const std::string devices = ask(*native, "d", R"({"op":"devices","id":"d"})");
  CHECK(devices.find(R"("name":"palette")") != std::string::npos);
  CHECK(says(":join general", "\r\n[room/general]> ") != "");
  CHECK(says(":list", "[room/general]> ") == "Users connected to room 'general':\r\n  - alice (Alice W., @alice_w)\r\n\r\n[room/general]> ");
  // A password change elsewhere signs the palette out, and says so.
  REQUIRE(ok(ask(*native, "p", R"({"op":"change_password","id":"p","password":"a long password","new_password":"another long one"})")));
  CHECK(c->until("[room/general]> ") == "\r\nYou were logged out: your password was changed.\r\n[room/general]> ");
  CHECK(says(":logout", "[room/general]> ") == "You are not logged in!\r\n\r\n[room/general]> ");
  CHECK(says(":login alice_w", "\xff\xfb\x01") != "");
  CHECK(says("another long one", "[room/general]> ").find("You are logged in as 'Alice W.'") != std::string::npos);
  CHECK(says(":logout", "[room/general]> ") == "You are logged out.\r\n\r\n[room/general]> ");
  CHECK(chatd.stop() == 0);
}
