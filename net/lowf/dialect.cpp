#include "net/lowf/dialect.hpp"

#include "core/base/json_text.hpp"
#include "core/stranger/commands.hpp"
#include "core/stranger/errors.hpp"
#include "net/session/json_frame.hpp"
#include "projections/accounts/state.hpp"
#include "projections/dms/state.hpp"
#include "projections/rooms/state.hpp"
#include "projections/session/state.hpp"
#include "projections/stranger/state.hpp"

namespace chatd {
namespace {

using Outcome = Decoded::Outcome;

// lowf's command numbers.
enum LowfCommand : std::int64_t { kSearch = 0, kDisconnect = 1, kSend = 2, kReport = 3, kNameChange = 4 };

void close(Decoded& out, std::string reason) {
  out.outcome = Outcome::kClose;
  out.message = std::move(reason);
}

using projections::ClientState;

void state_frame(std::string& out, ClientState state, const std::string* message) {
  out += "{\"type\":\"state\",\"body\":";
  append_json_uint(out, static_cast<unsigned>(state));
  if (message) {
    out += ",\"message\":";
    append_json_string(out, *message);
  }
  out += '}';
}

void message_frame(std::string& out, std::string_view body, std::string_view message) {
  out += "{\"type\":\"message\",\"body\":";
  append_json_string(out, body);
  out += ",\"message\":";
  append_json_string(out, message);
  out += '}';
}

void system_frame(std::string& out, std::string_view message) {
  out += "{\"type\":\"message\",\"body\":0,\"message\":";
  append_json_string(out, message);
  out += '}';
}

}  // namespace

void LowfDialect::decode(std::string_view frame, Decoded& out) const {
  out = Decoded{};
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (FrameParser::for_this_thread().parse(frame, doc) || doc.get_object().get(obj))
    return close(out, "malformed command: not a JSON object");
  bool is_command = false, has_body = false, has_message = false;
  std::int64_t body = -1;
  std::string message;
  for (auto field : obj) {
    std::string_view key;
    simdjson::ondemand::value v;
    if (field.unescaped_key().get(key) || field.value().get(v)) return close(out, "malformed command: not valid JSON");
    if (key == "type") {
      std::string_view type;
      if (v.get_string().get(type) || type != "command") return close(out, "malformed command: type must be \"command\"");
      is_command = true;
    } else if (key == "body") {
      if (v.get_int64().get(body) || body < kSearch || body > kNameChange)
        return close(out, "malformed command: body must be a command number from 0 to 4");
      has_body = true;
    } else if (key == "message") {
      std::string_view text;
      has_message = !v.get_string().get(text);
      if (has_message) message.assign(text);
    }
  }
  if (!is_command || !has_body) return close(out, "malformed command: type and body are required");
  out.outcome = Outcome::kRequest;
  switch (body) {
    case kSearch: out.request.command = Search{}; break;
    case kDisconnect: out.request.command = Leave{}; break;
    case kReport: out.request.command = Report{}; break;
    case kSend:
    case kNameChange:
      if (!has_message) return close(out, "malformed command: this command needs a string message");
      if (body == kSend)
        out.request.command = Send{std::move(message)};
      else
        out.request.command = SetName{std::move(message)};
      break;
  }
}

bool LowfDialect::gate_reply(const std::string&, ErrorCode error, std::string_view message, std::string& out) const {
  if (error.ok()) return false;
  system_frame(out, "Your command was not carried out: " + std::string(message) + ".");
  return true;
}

bool LowfDialect::render_reply(const Outbound& item, std::string& out) const {
  if (item.reply.error != errors::kInvalidMessage) return false;
  system_frame(out, "Your message was not sent: " + item.reply.message + ".");
  return true;
}

namespace {

bool render_state(const projections::StatePush& p, bool, std::string& out) {
  std::string pair = p.pair.empty() ? std::string() : p.pair.to_string();
  state_frame(out, p.state, pair.empty() ? nullptr : &pair);
  return true;
}

bool render_paired(const projections::PairedPush& p, bool, std::string& out) {
  state_frame(out, ClientState::kPaired, &p.partner);
  return true;
}

bool render_message(const projections::MessagePush& p, bool, std::string& out) {
  message_frame(out, p.from, p.text);  // echoed to the sender too: lowf's page relies on it
  return true;
}

bool render_partner_left(const projections::PartnerLeftPush& p, bool, std::string& out) {
  std::string pair = p.pair.to_string();
  state_frame(out, ClientState::kDisconnected, &pair);
  return true;
}

bool render_renamed(const projections::RenamedPush& p, bool, std::string& out) {
  system_frame(out, p.old_name + " has changed names. Their name is now " + p.name + ".");
  return true;
}

bool render_system(const projections::SystemNoticePush& p, bool, std::string& out) {
  system_frame(out, p.text);
  return true;
}

// The session sees its own end; lowf's page is told nothing more.
bool render_session_ended(const projections::SessionEndedPush&, bool, std::string&) { return false; }

}  // namespace

LowfDialect::LowfDialect() {
  pushes_.add<&render_session_ended>();
  pushes_.add<&render_system>();
  pushes_.add<&render_state>();
  pushes_.add<&render_paired>();
  pushes_.add<&render_message>();
  pushes_.add<&render_partner_left>();
  pushes_.add<&render_renamed>();
  // lowf is stranger chat only: its clients can join no room.
  pushes_.add_silent<projections::RoomMessagePush, projections::MemberJoinedPush, projections::MemberLeftPush,
                     projections::RoomUpdatedPush, projections::RoomDeletedPush, projections::FollowedRoomCreatedPush>();
  // Nor a DM: a DM is never opened with a lowf client (core/dms), and a lowf client opens none.
  pushes_.add_silent<projections::DmOpenedPush, projections::DmMessagePush, projections::DmClosedPush>();
  // Nor log in: lowf's page has no way to.
  pushes_.add_silent<projections::LoggedOutPush>();
}

}  // namespace chatd
