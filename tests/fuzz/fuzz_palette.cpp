// Fuzz target: what a telnet user types into chatsock's palette, line after line (the input split at
// newlines), through the real SessionLogic and a PaletteSession, with every command answered (in
// turn: yes with a body of the right type, then each error the palette words), and the same bytes
// shown to the session as the shared frame of a push. The property: nothing crashes, every command
// a line makes is whole, and no escape sequence of others' text reaches the terminal: the palette
// itself never writes ESC ] (a terminal's title and more) or ESC [5m (blink), and those of the
// input and of the answers' texts must come out escaped.
#include <vector>

#include "core/dms/commands.hpp"
#include "core/dms/errors.hpp"
#include "core/accounts/commands.hpp"
#include "core/rooms/commands.hpp"
#include "core/session/commands.hpp"
#include "core/rooms/errors.hpp"
#include "core/stranger/commands.hpp"
#include "core/stranger/errors.hpp"
#include "net/palette/dialect.hpp"
#include "net/session/session_logic.hpp"
#include "tests/fuzz/fuzz_target.hpp"

namespace {

using namespace chatd;

struct AnsweringIo final : SessionIo {
  std::vector<std::pair<Command, std::string>> submitted;
  void send(Frame frame) override {
    FUZZ_CHECK(frame.view().find("\x1b]") == std::string_view::npos);
    FUZZ_CHECK(frame.view().find("\x1b[5m") == std::string_view::npos);
  }
  void close(std::uint16_t, std::string) override {}
  bool submit(Command command, std::string id) override {
    FUZZ_CHECK(!command.body.empty());
    submitted.emplace_back(std::move(command), std::move(id));
    return true;
  }
  bool start_credential(CredentialJob) override { return false; }
};

// The engine's answer to `c`, the `n`th: a success with the body its renderer reads, or an error.
Reply answer(const Command& c, std::size_t n) {
  static const ErrorCode kErrors[] = {errors::kNoSuchRoom,  errors::kWrongPassword, errors::kRoomFull,
                                      errors::kNameTaken,   errors::kInvalidMessage, errors::kBusy,
                                      errors::kNoSuchUser,  errors::kSelfDm,         errors::kAmbiguousName,
                                      errors::kNoSuchDm,    errors::kTooManyDms};
  constexpr std::size_t kErrorCount = sizeof kErrors / sizeof kErrors[0];
  if (n % 3 == 2) return Reply::failure(kErrors[n % kErrorCount], "refused\x1b]0;");
  Reply r;
  if (c.is<JoinRoom>()) {
    JoinReply j;
    j.name = c.as<JoinRoom>().room;
    j.history.push_back(projections::RoomMessage{1, 0, 1, "\x1b[2Jx", events::MediaKind::kText, "t\x1b]0;", "", "", 0});
    r.body = std::move(j);
  } else if (c.is<ListRooms>()) {
    RoomsReply rooms;
    rooms.rooms.push_back(RoomListing{"r", events::MediaKind::kText, events::RoomSettings{"", "d\x1b[5m\x1b]0;t", {}, 0}, 1});
    r.body = std::move(rooms);
  } else if (c.is<OpenDm>()) {
    // The other side's name is as the engine has it: whatever its owner typed.
    r.body = DmReply{DmListing{static_cast<events::DmId>(n + 1), "w\x1b]0;\x1b[5m", n}, n % 2 == 0};
  } else if (c.is<ListMembers>()) {
    // A member's display name is what its owner typed (the engine refuses controls; escaped anyway).
    MembersReply m{{"a", "b\x1b[5m"}, 2, {}};
    m.accounts.emplace_back(1, AccountCard{1, "bob_b", "B\x1b]0;ob", {}});
    r.body = std::move(m);
  } else if (c.is<Login>()) {  // (never reached while start_credential refuses: kept for when it does not)
    r.body = LoginReply{1, "u_name", "D\x1b]0;", 1, "token"};
  } else if (c.is<ListOnline>()) {
    r.body = NamesReply{{"a", "b\x1b[5m"}, 2};
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const PaletteDialect dialect;
  static const SessionOptions options = [] {
    SessionOptions o;
    o.captcha_required = false;
    o.rate_per_sec = 0;
    return o;
  }();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  AnsweringIo io;
  SessionLogic session(dialect, options, nullptr, io, "192.0.2.9", 0);
  session.open();
  std::size_t answered = 0;
  TimeMs now = 1;
  for (std::size_t at = 0; at <= input.size() && !session.closing(); ++now) {
    std::size_t end = input.find('\n', at);
    if (end == std::string_view::npos) end = input.size();
    if (!session.reading_paused()) session.on_frame(input.substr(at, end - at), now);
    // The engine answers everything submitted so far, in order.
    while (answered < io.submitted.size() && !session.closing()) {
      const auto& [command, id] = io.submitted[answered];
      Outbound reply;
      reply.kind = Outbound::Kind::kReply;
      reply.command = &command.type();
      reply.request_id = id;
      reply.reply = command.is<Connect>() ? Reply{.binds_client = 7} : answer(command, answered);
      ++answered;
      session.on_outbound(std::move(reply), now);
    }
    Outbound push;
    push.kind = Outbound::Kind::kPush;
    push.frame = Frame::copy_of(input.substr(at, end - at));
    session.on_outbound(std::move(push), now);
    at = end + 1;
  }
  session.on_transport_closed();
  return 0;
}
