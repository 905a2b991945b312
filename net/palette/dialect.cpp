#include "net/palette/dialect.hpp"

#include <deque>
#include <unordered_map>
#include <vector>

#include "core/accounts/commands.hpp"
#include "core/accounts/errors.hpp"
#include "core/base/text_rules.hpp"
#include "core/dms/commands.hpp"
#include "core/dms/errors.hpp"
#include "core/rooms/commands.hpp"
#include "core/rooms/errors.hpp"
#include "core/stranger/commands.hpp"
#include "core/stranger/errors.hpp"
#include "projections/accounts/state.hpp"
#include "projections/dms/state.hpp"
#include "projections/rooms/state.hpp"
#include "projections/session/state.hpp"
#include "projections/stranger/state.hpp"

namespace chatd {
namespace {

using namespace chatd::projections;

constexpr std::string_view kVersion = "0.1";
constexpr std::string_view kRepoUrl = "https://github.com/SnowpMakes/chatsock";
constexpr char kSep = '\x1f';  // between the fields of a push's shared frame (never in a name; escaped in texts)

// ---- the pushes, rendered once for every palette recipient: a tag and the fields ----

bool render_message(const RoomMessagePush& p, bool, std::string& out) {
  out += 'M';
  out += p.room_name;
  out += kSep;
  out += p.message.from_name;
  out += kSep;
  out += p.message.kind == events::MediaKind::kText ? p.message.text
                                                     : std::string(events::to_string(p.message.kind)) + " " + p.message.url +
                                                           (p.message.text.empty() ? "" : " " + p.message.text);
  return true;
}
bool render_deleted(const RoomDeletedPush& p, bool, std::string& out) {
  out += 'D';
  out += p.room_name;
  return true;
}
// A DM's pushes carry its id first: a palette session knows its DMs by id.
bool render_dm_opened(const DmOpenedPush& p, bool, std::string& out) {
  out += 'O' + std::to_string(p.dm) + kSep + p.from_name;
  return true;
}
bool render_dm_message(const DmMessagePush& p, bool, std::string& out) {
  out += 'P' + std::to_string(p.dm) + kSep + p.from_name + kSep + p.text;
  return true;
}
bool render_dm_closed(const DmClosedPush& p, bool, std::string& out) {
  out += 'C' + std::to_string(p.dm) + kSep + (p.left ? "1" : "0") + p.by_name;
  return true;
}
bool render_logged_out(const LoggedOutPush& p, bool, std::string& out) {
  out += 'L';
  out += p.why == LogoutCause::kPasswordChanged ? "your password was changed"
         : p.why == LogoutCause::kDeactivated   ? "your account was deactivated"
                                                : "this device was revoked";
  return true;
}
bool render_system(const SystemNoticePush& p, bool, std::string& out) {
  out += 'S';
  out += p.text;
  return true;
}

std::string repeat(std::string_view part, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += part;
  return s;
}

// Text from elsewhere, safe for a terminal: controls (ESC among them) and bidirectional controls
// become \uXXXX, as chatreplay shows them.
std::string terminal_safe(std::string_view text) {
  std::string out;
  append_with_controls_escaped(out, text, &append_u_escape);
  return out;
}

// What a request the palette sent is for, to word its reply.
enum class Asked : std::uint8_t { kUsername, kRooms, kJoin, kList, kListAll, kClose, kPost, kOpenDm, kCloseDm, kLogin, kLogout };

// Telnet's echo option (RFC 857): the server says it echoes, so the client stops showing what is
// typed (the password), then that it does not.
constexpr std::string_view kEchoOff = "\xff\xfb\x01";  // IAC WILL ECHO
constexpr std::string_view kEchoOn = "\xff\xfc\x01";   // IAC WONT ECHO

// The DM id a push's frame starts with (0 if none), and the rest after its separator.
events::DmId take_dm_id(std::string_view& frame) {
  events::DmId id = 0;
  std::size_t i = 0;
  for (; i < frame.size() && frame[i] >= '0' && frame[i] <= '9'; ++i) id = id * 10 + static_cast<events::DmId>(frame[i] - '0');
  if (i == frame.size() || frame[i] != kSep) return 0;
  frame.remove_prefix(i + 1);
  return id;
}

class PaletteSession final : public DialectSession {
 public:
  explicit PaletteSession(const PaletteOptions& options) : options_(options) {}

  bool hello(const HelloInfo&, std::string& out) override {
    out += "\033[2J\033[H\r\n";
    if (!options_.welcome.empty()) {
      const std::string stripes = repeat("-", options_.welcome.size());
      out += "/-" + stripes + "-\\\r\n";
      out += "| " + options_.welcome + " |\r\n";
      out += "\\-" + stripes + "-/\r\n";
      out += "Powered by chatsock v" + std::string(kVersion) + "\r\n";
      out += std::string(kRepoUrl) + "\r\n";
      out += "\r\n";
    } else {
      out += "Welcome!\r\n";
      out += "(This server is powered by chatsock v" + std::string(kVersion) + ")\r\n";
      out += "(" + std::string(kRepoUrl) + ")\r\n";
    }
    out += "Enter a username: ";
    return true;
  }

  void decode(std::string_view line, Decoded& out) override {
    switch (phase_) {
      case Phase::kUsername: return username(line, out);
      case Phase::kConfirmQuit:
        if (!line.empty() && line[0] == 'y') {
          out.local = "Disconnecting. Goodbye!\r\n";
          out.outcome = Decoded::Outcome::kQuit;  // no reason: the goodbye was said
          return;
        }
        phase_ = Phase::kMenu;
        out.local = "\r\n" + prompt();
        return;
      case Phase::kChatView: return chat_view(line, out);
      case Phase::kPassword: {
        // The line is the password of `:login <username>`: never echoed, never kept here.
        phase_ = Phase::kMenu;
        std::string password(line);
        if (password.empty()) {
          out.local = std::string(kEchoOn) + "\r\nNo password: not logged in.\r\n" + prompt();
          return;
        }
        ask(out, Login{std::move(login_username_), "palette"}, Asked::kLogin, std::move(password));
        login_username_.clear();
        out.local = std::string(kEchoOn) + "\r\n";
        return;
      }
      case Phase::kMenu: break;
    }
    if (waiting_) {  // (the transport holds lines while a reply is awaited: holds_input)
      out.local = "Wait for the answer to the last command.\r\n";
      return;
    }
    if (line.empty()) {
      out.local = prompt();
      return;
    }
    if (line[0] != ':') {
      out.local = "That was not a command. Enter chat mode by executing :chat to chat." + prompt();
      return;
    }
    std::vector<std::string_view> words;
    for (std::size_t at = 1; at <= line.size();) {
      std::size_t end = line.find(' ', at);
      if (end == std::string_view::npos) end = line.size();
      words.push_back(line.substr(at, end - at));
      at = end + 1;
    }
    command(words, out);
  }

  bool render_reply(const Outbound& item, std::string& out) override {
    auto it = asked_.find(item.request_id);
    if (it == asked_.end()) return false;  // (the Connect at open: nothing to say)
    const Asked asked = it->second;
    asked_.erase(it);
    waiting_ = false;
    const Reply& r = item.reply;
    switch (asked) {
      case Asked::kUsername:
        if (r.ok()) {
          phase_ = Phase::kMenu;
          // (The engine accepts no control character in a name; escaped all the same.)
          out += "\r\nYou are now connected as '" + terminal_safe(pending_name_) + "'.\r\n";
          out += "To chat with other people, please join a chatroom or start a DM with a user.\r\n";
          out += "For info on how to do that, and more, execute :help\r\n";
          out += prompt();
        } else {
          out += r.error == errors::kNameTaken ? "That username is taken, please pick another one.\r\n"
                                               : "That username cannot be used, please pick another one.\r\n";
          out += "Enter a username: ";
        }
        return true;
      case Asked::kRooms:
        if (r.ok()) {
          out += "Availiable chatrooms:\r\n";
          const RoomsReply& rooms = r.body.as<RoomsReply>();
          for (const RoomListing& l : rooms.rooms) out += "  - " + l.name + " (" + terminal_safe(l.settings.description) + ")\r\n";
          if (!rooms.next.empty()) out += "  (and more after " + rooms.next + ")\r\n";
        } else {
          out += terminal_safe(r.message) + "\r\n";
        }
        break;
      case Asked::kJoin:
        if (r.ok()) {
          const JoinReply& j = r.body.as<JoinReply>();
          room_ = terminal_safe(j.name);  // a room name is plain ASCII: escaping changes nothing but a forgery
          view_.clear();
          for (const RoomMessage& m : j.history) remember(PaletteDialect::chat_line(m.from_name, m.text, options_.name_limit));
          out += "You joined the room '" + room_ + "'!\r\n";
          out += "Execute :chat to enter the chat view\r\n";
        } else if (r.error == errors::kNoSuchRoom) {
          out += "That chatroom does not exist!\r\n";
        } else if (r.error == errors::kWrongPassword) {
          out += joined_with_password_ ? "Wrong password!\r\n" : "This is a private channel!\r\n";
        } else if (r.error == errors::kRoomFull) {
          out += "That chatroom is full!\r\n";
        } else {
          out += terminal_safe(r.message) + "\r\n";
        }
        break;
      case Asked::kList:
        if (r.ok()) {
          out += "Users connected to room '" + room_ + "':\r\n";
          const MembersReply& members = r.body.as<MembersReply>();
          auto account = members.accounts.begin();
          for (std::size_t i = 0; i < members.names.size(); ++i) {
            out += "  - " + terminal_safe(members.names[i]);
            // A member logged in to an account: its display name and username (chatsock had none).
            for (; account != members.accounts.end() && account->first < i; ++account) {}
            if (account != members.accounts.end() && account->first == i)
              out += " (" + terminal_safe(account->second.display_name) + ", @" + account->second.username + ")";
            out += "\r\n";
          }
        } else {
          out += terminal_safe(r.message) + "\r\n";
        }
        break;
      case Asked::kListAll:
        out += "Currently connected users:\r\n";
        if (r.ok())
          for (const std::string& name : r.body.as<NamesReply>().names) out += " - " + terminal_safe(name) + "\r\n";
        break;
      case Asked::kClose:
        if (r.ok()) out += "You left the room '" + room_ + "'.\r\n";
        else out += terminal_safe(r.message) + "\r\n";
        room_.clear();
        view_.clear();
        break;
      case Asked::kOpenDm:
        if (r.ok()) {
          const DmReply& d = r.body.as<DmReply>();
          focus_dm(d.dm.dm, terminal_safe(d.dm.with));
          out += (d.opened ? "You opened a DM with '" : "You are back in your DM with '") + dm_with_ + "'!\r\n";
          out += "Execute :chat to enter the chat view\r\n";
        } else if (r.error == errors::kNoSuchUser) {
          out += "That user is not online!\r\n";
        } else if (r.error == errors::kSelfDm) {
          out += "You cannot open a DM with yourself!\r\n";
        } else if (r.error == errors::kAmbiguousName) {
          out += "More than one user online has that name!\r\n";
        } else {
          out += terminal_safe(r.message) + "\r\n";
        }
        break;
      case Asked::kCloseDm:
        if (r.ok()) out += "You closed the DM with '" + dm_with_ + "'.\r\n";
        else out += terminal_safe(r.message) + "\r\n";
        unfocus_dm();
        break;
      case Asked::kLogin:
        if (r.ok()) {
          const LoginReply& in = r.body.as<LoginReply>();
          out += "You are logged in as '" + terminal_safe(in.display_name) + "' (@" + in.username + ").\r\n";
          if (in.deactivation_cancelled) out += "Your account was to be deleted: logging in called that off.\r\n";
        } else if (r.error == errors::kWrongPassword) {
          out += "Wrong username or password!\r\n";
        } else if (r.error == errors::kLoggedIn) {
          out += "You are logged in already! Execute :logout first.\r\n";
        } else {
          out += terminal_safe(r.message) + "\r\n";
        }
        break;
      case Asked::kLogout:
        out += r.ok() ? "You are logged out.\r\n" : "You are not logged in!\r\n";
        break;
      case Asked::kPost:
        if (r.ok()) return false;  // the own message's repaint follows, then the cursor (as chatsock)
        {
          remember("[" + server_name() + "]: " + terminal_safe(r.message));
          paint(out);
          out += "\033[1A\033[1G\033[K> ";
        }
        return true;
    }
    out += "\r\n" + prompt();
    return true;
  }

  bool gate_reply(const std::string& id, ErrorCode error, std::string_view message, std::string& out) override {
    if (error.ok()) return false;
    auto it = asked_.find(id);
    if (it != asked_.end()) {
      // A gate refused what the palette asked (busy, rate limited): it is that request's answer.
      Outbound item;
      item.request_id = id;
      item.reply = Reply::failure(error, std::string(message));
      return render_reply(item, out);
    }
    out += terminal_safe(message) + "\r\n";
    return true;
  }

  bool holds_input() const override { return waiting_; }

  bool show_push(std::string_view shared, bool own, std::string& out) override {
    if (shared.empty()) return false;
    const char tag = shared[0];
    shared.remove_prefix(1);
    if (tag == 'S') {  // the server's notice to everyone, as chatsock broadcast its shutdown
      const std::string text = "\033[1;41m" + terminal_safe(shared) + "\033[0;40m";
      if (phase_ == Phase::kChatView) {
        remember("[\033[1;41mSERVER\033[0;40m" + server_name().substr(6) + "]: " + text);
        paint(out);
      } else {
        out += "\r\n\r\n" + text + "\r\n\r\n";
      }
      return true;
    }
    if (tag == 'L') {  // logged out by another device of the account
      out += "\r\nYou were logged out: " + terminal_safe(shared) + ".\r\n" + (phase_ == Phase::kChatView ? "> " : prompt());
      return true;
    }
    if (tag == 'D') {
      if (shared != room_) return false;
      const std::string line = "The room '" + room_ + "' was closed.";
      room_.clear();
      view_.clear();
      if (phase_ == Phase::kChatView) phase_ = Phase::kMenu, out += "\033[2J\033[H";
      out += "\r\n" + line + "\r\n" + prompt();
      return true;
    }
    if (tag == 'O' || tag == 'P' || tag == 'C') return show_dm_push(tag, shared, own, out);
    if (tag != 'M') return false;
    const std::size_t a = shared.find(kSep), b = a == std::string_view::npos ? a : shared.find(kSep, a + 1);
    if (b == std::string_view::npos || shared.substr(0, a) != room_) return false;
    remember(PaletteDialect::chat_line(shared.substr(a + 1, b - a - 1), shared.substr(b + 1), options_.name_limit));
    if (phase_ != Phase::kChatView) return false;  // chatsock shows a room only in its chat view
    paint(out);
    if (own) out += "\033[1A\033[1G\033[K> ";  // the sender's typed line gives way to the prompt
    return true;
  }

 private:
  enum class Phase : std::uint8_t { kUsername, kMenu, kChatView, kConfirmQuit, kPassword };

  std::string prompt() const {
    if (!room_.empty()) return "[room/" + room_ + "]> ";
    if (dm_ != events::kNoDm) return "[dm/" + dm_with_ + "]> ";
    return "> ";
  }
  // In a room or a DM: what chatsock called being "connected to a chatroom / dm".
  bool in_conversation() const { return !room_.empty() || dm_ != events::kNoDm; }
  // "[room/general]" or "[dm/bob]": the chat view's title.
  std::string conversation_title() const { return !room_.empty() ? "[room/" + room_ + "]" : "[dm/" + dm_with_ + "]"; }

  // The DM in focus is `id` with `with` (shown escaped); what it said before comes into the view.
  void focus_dm(events::DmId id, std::string with) {
    dm_ = id;
    dm_with_ = std::move(with);
    view_.clear();
    auto it = dms_.find(id);
    if (it != dms_.end()) view_ = std::move(it->second.lines);
    dms_[id] = DmBuffer{dm_with_, {}};
  }
  void unfocus_dm() {
    dms_.erase(dm_);
    dm_ = events::kNoDm;
    dm_with_.clear();
    view_.clear();
  }

  // Something the server tells the user outside any command's answer: a line of the chat view
  // while the user is in it, else a line of its own and the prompt again.
  void notice(const std::string& text, std::string& out) {
    if (phase_ == Phase::kChatView) {
      remember("[" + server_name() + "]: " + text);
      paint(out);
    } else {
      out += "\r\n" + text + "\r\n" + prompt();
    }
  }

  // A DM's push: opened with this user, a message, the other side gone.
  bool show_dm_push(char tag, std::string_view shared, bool own, std::string& out) {
    const events::DmId id = take_dm_id(shared);
    if (id == events::kNoDm) return false;
    if (tag == 'O') {
      if (own) return false;  // the opener has its reply
      const std::string with = terminal_safe(shared);
      dms_[id] = DmBuffer{with, {}};
      notice("'" + with + "' opened a DM with you. Execute :dm " + with + " to answer.", out);
      return true;
    }
    if (tag == 'C') {
      if (own || shared.empty()) return false;  // the closer has its reply
      const bool left = shared[0] == '1';
      const std::string with = terminal_safe(shared.substr(1));
      const std::string line = "'" + with + (left ? "' left: your DM is closed." : "' closed your DM.");
      if (id != dm_) {
        if (!dms_.erase(id)) return false;
        notice(line, out);
        return true;
      }
      unfocus_dm();
      if (phase_ == Phase::kChatView) phase_ = Phase::kMenu, out += "\033[2J\033[H";
      out += "\r\n" + line + "\r\n" + prompt();
      return true;
    }
    const std::size_t a = shared.find(kSep);
    if (a == std::string_view::npos) return false;
    std::string line = PaletteDialect::chat_line(shared.substr(0, a), shared.substr(a + 1), options_.name_limit);
    if (id != dm_) {  // a DM not in focus keeps what it is told until the user turns to it
      auto it = dms_.find(id);
      if (it == dms_.end()) return false;
      std::deque<std::string>& lines = it->second.lines;
      if (lines.size() == options_.chatview_max && !lines.empty()) lines.pop_front();
      if (options_.chatview_max > 0) lines.push_back(std::move(line));
      return false;
    }
    remember(std::move(line));
    if (phase_ != Phase::kChatView) return false;
    paint(out);
    if (own) out += "\033[1A\033[1G\033[K> ";
    return true;
  }
  std::string server_name() const { return "SERVER" + repeat(" ", options_.name_limit > 6 ? options_.name_limit - 6 : 0); }

  // Sends `command` as the palette's request `asked`.
  void ask(Decoded& out, Command command, Asked asked, std::string secret = {}) {
    const std::string id = std::to_string(next_id_++);
    asked_[id] = asked;
    waiting_ = true;
    out.outcome = Decoded::Outcome::kRequest;
    out.request.id = id;
    out.request.command = std::move(command);
    out.request.secret = std::move(secret);
  }

  void username(std::string_view line, Decoded& out) {
    if (waiting_) {
      out.local = "Wait for the answer to the last command.\r\n";
      return;
    }
    if (line.empty()) {
      out.local = "Enter a username: ";
      return;
    }
    if (line.size() > options_.name_limit) {
      out.local = "That username is too long, please pick another one.\r\nEnter a username: ";
      return;
    }
    pending_name_ = std::string(line);
    SetName name{pending_name_};
    name.unique = true;
    ask(out, std::move(name), Asked::kUsername);
  }

  void chat_view(std::string_view line, Decoded& out) {
    if (line == ":q") {
      phase_ = Phase::kMenu;
      out.local = "\033[2J\033[HYou left chat view.\r\n" + prompt();
      return;
    }
    if (line.empty()) {
      out.local = "\033[1A\033[1G\033[K> ";
      return;
    }
    if (options_.message_limit > 0 && utf8_length(line) > static_cast<long>(options_.message_limit)) {
      remember("[" + server_name() + "]: messages are at most " + std::to_string(options_.message_limit) + " characters");
      paint(out.local);
      out.local += "\033[1A\033[1G\033[K> ";
      return;
    }
    if (dm_ != events::kNoDm) {
      ask(out, SendDm{dm_, std::string(line)}, Asked::kPost);
    } else {
      PostRoom post;
      post.room = room_;
      post.text = std::string(line);
      ask(out, std::move(post), Asked::kPost);
    }
    waiting_ = false;  // lines typed in the chat view are sent as they come
  }

  void command(const std::vector<std::string_view>& words, Decoded& out) {
    const std::string_view name = words[0];
    const bool bare = words.size() == 1;
    const char* const kNoArguments = "This command does not expect any arguments!\r\n";
    auto local = [&](std::string text) { out.local = std::move(text) + "\r\n" + prompt(); };
    if (name == "help") {
      return local(
          "Command list:\r\n"
          "  :help              - Show this list\r\n"
          "  :list              - List all users in the current chatroom / DM\r\n"
          "  :listall           - List all  users online\r\n"
          "  :rooms             - List all the availiable chatrooms\r\n"
          "  :join <chatroom>   - Join chatroom with the name <chatroom> (and its password, if it has one)\r\n"
          "  :dm <user>         - Open a DM with user <user>\r\n"
          "  :login <username>  - Log in to your account (the password is asked next, not shown)\r\n"
          "  :logout            - Log out of it\r\n"
          "  :close             - Close your connection with the chatroom / dm\r\n"
          "  :quit              - Close your connection with the chat server entirely\r\n");
    }
    if (name == "login") {
      if (words.size() != 2) return local("The :login command expects a <username>; the password is asked next.\r\n");
      login_username_ = std::string(words[1]);
      phase_ = Phase::kPassword;
      out.local = "Password: " + std::string(kEchoOff);
      return;
    }
    if (name == "logout") return bare ? ask(out, Logout{}, Asked::kLogout) : local(kNoArguments);
    if (name == "rooms") return bare ? ask(out, ListRooms{}, Asked::kRooms) : local(kNoArguments);
    if (name == "listall") return bare ? ask(out, ListOnline{}, Asked::kListAll) : local(kNoArguments);
    if (name == "list") {
      if (!bare) return local(kNoArguments);
      if (dm_ != events::kNoDm)
        return local("Users connected to the DM with '" + dm_with_ + "':\r\n  - " + terminal_safe(pending_name_) + "\r\n  - " +
                     dm_with_ + "\r\n");
      if (room_.empty()) return local("You are not connected to a chatroom or a DM! Did you mean to use :listall?\r\n");
      return ask(out, ListMembers{room_}, Asked::kList);
    }
    if (name == "join") {
      if (bare) return local("The :join command expects an <chatroom> argument! See :help for details.\r\n");
      if (words.size() > 3) return local("The :join command expects a <chatroom> and, for a private one, its password!\r\n");
      if (in_conversation()) return local(already_in());
      JoinRoom join{std::string(words[1]), std::nullopt, std::nullopt};
      joined_with_password_ = words.size() == 3;
      return ask(out, std::move(join), Asked::kJoin, joined_with_password_ ? std::string(words[2]) : std::string());
    }
    if (name == "close") {
      if (!bare) return local(kNoArguments);
      if (dm_ != events::kNoDm) return ask(out, CloseDm{dm_}, Asked::kCloseDm);
      if (room_.empty()) return local("You are not connected to a chatroom or a DM!\r\n");
      return ask(out, LeaveRoom{room_}, Asked::kClose);
    }
    if (name == "dm") {
      if (bare) return local("The :dm command expects a <user> argument! See :help for details.\r\n");
      if (words.size() > 2) return local("The :dm command only expects one argument!\r\n");
      if (in_conversation()) return local(already_in());
      return ask(out, OpenDm{std::string(words[1])}, Asked::kOpenDm);
    }
    if (name == "chat") {
      if (!bare) return local(kNoArguments);
      if (!in_conversation()) return local("You are not connected to a chatroom or a DM! Please connect to one first.\r\n");
      phase_ = Phase::kChatView;
      const std::string info = conversation_title();
      out.local = "Entering chat view. You can leave chat view by executing :q.\r\n"
                  "Please note that you can't execute any other commands than :q while in chat view!\r\n";
      out.local += "\033[2J\033[H" + repeat("\n", options_.chatview_max) + repeat("=", info.size() < 60 ? 60 - info.size() : 0) + info +
                   "\r\n> ";
      if (!view_.empty()) paint(out.local);  // what was said before: chatsock's view started empty
      return;
    }
    if (name == "quit") {
      if (!bare) return local(kNoArguments);
      phase_ = Phase::kConfirmQuit;
      out.local = !in_conversation() ? "Are you sure you want to quit? (y/n) "
                                : "You are connected to a chatroom / dm. Are you sure you want to close this connection and quit? (y/n) ";
      return;
    }
    local("Unknown command. Maybe check ':help'?\r\n");
  }

  std::string already_in() const {
    return !room_.empty() ? "You are in the room '" + room_ + "' already. Execute :close to leave it first.\r\n"
                          : "You are in a DM with '" + dm_with_ + "' already. Execute :close to close it first.\r\n";
  }

  void remember(std::string line) {
    if (view_.size() == options_.chatview_max && !view_.empty()) view_.pop_front();
    if (options_.chatview_max > 0) view_.push_back(std::move(line));
  }

  // chatsock's repaint: the whole view from the top, the cursor kept where it was.
  void paint(std::string& out) const {
    out += "\033[s\033[H\033[2K";
    out += repeat("\r\n\033[2K", options_.chatview_max > view_.size() ? options_.chatview_max - view_.size() : 0);
    for (std::size_t i = 0; i < view_.size(); ++i) {
      if (i) out += "\r\n\033[2K";
      out += view_[i];
    }
    out += "\033[u";
  }

  const PaletteOptions& options_;
  Phase phase_ = Phase::kUsername;
  bool waiting_ = false;  // a command's reply is awaited (lines typed meanwhile are dropped, as chatsock did not read them)
  bool joined_with_password_ = false;
  std::string pending_name_;
  std::string login_username_;  // between `:login <username>` and the password line
  std::string room_;  // the room the user is in; empty: none
  events::DmId dm_ = events::kNoDm;  // the DM in focus (in a room or a DM, never both); none: kNoDm
  std::string dm_with_;              // its other side's name, escaped
  std::deque<std::string> view_;  // the chat view's lines (of the room or the DM in focus), oldest first
  // The user's other open DMs, by id: with whom, and what they said since (at most a view's worth).
  struct DmBuffer {
    std::string with;
    std::deque<std::string> lines;
  };
  std::unordered_map<events::DmId, DmBuffer> dms_;
  std::unordered_map<std::string, Asked> asked_;
  std::uint64_t next_id_ = 1;
};

}  // namespace

PaletteDialect::PaletteDialect(PaletteOptions options) : options_(std::move(options)) {
  pushes_.add<&render_message>();
  pushes_.add<&render_deleted>();
  pushes_.add<&render_system>();
  pushes_.add<&render_dm_opened>();
  pushes_.add<&render_dm_message>();
  pushes_.add<&render_dm_closed>();
  // What a chatsock user was never told, the palette does not say either.
  pushes_.add_silent<SessionEndedPush, StatePush, PairedPush, MessagePush, PartnerLeftPush, RenamedPush, MemberJoinedPush,
                     MemberLeftPush, RoomUpdatedPush>();
  pushes_.add<&render_logged_out>();
  // It has no way to follow anyone (no :follow): the news of a followed account's room is not its.
  pushes_.add_silent<FollowedRoomCreatedPush>();
}

std::unique_ptr<DialectSession> PaletteDialect::open_session() const { return std::make_unique<PaletteSession>(options_); }

void PaletteDialect::decode(std::string_view, Decoded& out) const {
  out = Decoded{};
  out.outcome = Decoded::Outcome::kClose;
  out.message = "the palette needs its session";
}
bool PaletteDialect::hello(const HelloInfo&, std::string&) const { return false; }
bool PaletteDialect::render_reply(const Outbound&, std::string&) const { return false; }
bool PaletteDialect::gate_reply(const std::string&, ErrorCode, std::string_view, std::string&) const { return false; }

std::string PaletteDialect::chat_line(std::string_view name, std::string_view text, std::size_t name_limit) {
  const std::string safe_name = terminal_safe(name);
  std::string line = "[" + safe_name;
  if (safe_name.size() < name_limit) line += repeat(" ", name_limit - safe_name.size());
  return line + "]: " + terminal_safe(text);
}

}  // namespace chatd
