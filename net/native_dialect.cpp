#include "net/native_dialect.hpp"

#include <sodium.h>

#include "core/json_text.hpp"
#include "core/text_rules.hpp"
#include "net/json_frame.hpp"

namespace chatd {
namespace {

using simdjson::ondemand::json_type;
using Outcome = Decoded::Outcome;

void reject(Decoded& out, ErrorCode error, std::string message) {
  out.outcome = Outcome::kReject;
  out.error = error;
  out.message = std::move(message);
}

void close(Decoded& out, std::string reason) {
  out.outcome = Outcome::kClose;
  out.message = std::move(reason);
}

// The fields of a native request, read in one pass whatever their order.
struct Fields {
  std::string op, id, name, text, reason, payload;
  bool has_op = false, has_name = false, has_text = false, has_reason = false, has_payload = false;
  bool has_solution = false, bad_type = false;
  std::string bad_field;
  captcha::Solution solution;
};

bool read_string(simdjson::ondemand::value& v, std::string& out) {
  std::string_view sv;
  if (v.get_string().get(sv)) return false;
  out.assign(sv);
  return true;
}

// Reads an ALTCHA solution object: {"algorithm","challenge","number","salt","signature"}.
bool read_solution(simdjson::ondemand::object obj, captcha::Solution& s) {
  int seen = 0;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    simdjson::ondemand::value v;
    if (field.value().get(v)) return false;
    if (key == "number") {
      if (v.get_uint64().get(s.number)) return false;
      seen |= 1;
    } else if (key == "algorithm") {
      if (!read_string(v, s.algorithm)) return false;
      seen |= 2;
    } else if (key == "challenge") {
      if (!read_string(v, s.challenge)) return false;
      seen |= 4;
    } else if (key == "salt") {
      if (!read_string(v, s.salt)) return false;
      seen |= 8;
    } else if (key == "signature") {
      if (!read_string(v, s.signature)) return false;
      seen |= 16;
    }
  }
  return seen == 31;
}

// ALTCHA widgets submit base64 of the solution JSON.
bool read_solution_payload(const std::string& payload, captcha::Solution& s) {
  std::string json(payload.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(json.data()), json.size(), payload.data(), payload.size(),
                        nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return false;
  json.resize(len);
  simdjson::ondemand::parser parser;  // rare path (once per session): its own parser
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(obj)) return false;
  return read_solution(obj, s);
}

bool read_fields(simdjson::ondemand::object obj, Fields& f) {
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    simdjson::ondemand::value v;
    if (field.value().get(v)) return false;
    auto string_field = [&](std::string& dst, bool& has) {
      has = true;
      if (!read_string(v, dst)) {
        f.bad_type = true;
        f.bad_field = std::string(key);
      }
    };
    if (key == "op") {
      string_field(f.op, f.has_op);
    } else if (key == "id") {
      // Parsed and written again, never echoed raw: a reply must always be valid JSON.
      json_type t;
      std::int64_t number = 0;
      std::string_view text;
      if (v.type().get(t)) return false;
      f.id.clear();
      if (t == json_type::number && !v.get_int64().get(number)) {
        append_json_int(f.id, number);
      } else if (t == json_type::string && !v.get_string().get(text) && utf8_length(text) >= 0 &&
                 utf8_length(text) <= 100) {
        append_json_string(f.id, text);
      } else {
        f.bad_type = true;
        f.bad_field = "id";
      }
    } else if (key == "name") {
      string_field(f.name, f.has_name);
    } else if (key == "text") {
      string_field(f.text, f.has_text);
    } else if (key == "reason") {
      string_field(f.reason, f.has_reason);
    } else if (key == "payload") {
      string_field(f.payload, f.has_payload);
    } else if (key == "solution") {
      f.has_solution = true;
      simdjson::ondemand::object sol;
      if (v.get_object().get(sol) || !read_solution(sol, f.solution)) {
        f.bad_type = true;
        f.bad_field = "solution";
      }
    }
    // Unknown keys are ignored, so clients may add their own (e.g. a send timestamp).
  }
  return true;
}

void begin_reply(std::string& out, const std::string& id) {
  out += "{\"type\":\"reply\",\"id\":";
  out += id;
}

void append_hex64(std::string& out, std::uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(v >> shift) & 0xf]);
  out.push_back('"');
}

}  // namespace

void NativeDialect::decode(std::string_view frame, Decoded& out) const {
  out = Decoded{};
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (FrameParser::for_this_thread().parse(frame, doc) || doc.get_object().get(obj))
    return close(out, "malformed frame: not a JSON object");
  Fields f;
  if (!read_fields(obj, f)) return close(out, "malformed frame: not valid JSON");
  out.request.id = f.id;
  if (f.bad_type) return reject(out, ErrorCode::kBadRequest, "field '" + f.bad_field + "' has the wrong type");
  if (!f.has_op) return reject(out, ErrorCode::kBadRequest, "missing 'op'");

  Request& r = out.request;
  out.outcome = Outcome::kRequest;
  if (f.op == "captcha") {
    r.kind = Request::Kind::kCaptcha;
    if (f.has_solution) {
      r.solution = std::move(f.solution);
    } else if (!f.has_payload) {
      return reject(out, ErrorCode::kBadRequest, "expected 'payload' (base64 ALTCHA solution) or 'solution'");
    } else if (!read_solution_payload(f.payload, r.solution)) {
      // Still a captcha attempt: it fails verification as malformed and counts as a failure.
      r.solution = captcha::Solution{};
      r.solution.algorithm = std::string(captcha::kAlgorithm);
    }
  } else if (f.op == "name") {
    if (!f.has_name) return reject(out, ErrorCode::kBadRequest, "missing 'name'");
    r.command = SetName{kNoClient, std::move(f.name)};
  } else if (f.op == "search") {
    r.command = Search{};
  } else if (f.op == "leave") {
    r.command = Leave{};
  } else if (f.op == "send") {
    if (!f.has_text) return reject(out, ErrorCode::kBadRequest, "missing 'text'");
    r.command = Send{kNoClient, std::move(f.text)};
  } else if (f.op == "report") {
    r.command = Report{kNoClient, std::move(f.reason)};
  } else if (f.op == "info") {
    r.command = QueryInfo{};
  } else if (f.op == "ping") {
    r.kind = Request::Kind::kPing;
  } else {
    return reject(out, ErrorCode::kUnknownOp, "unknown op '" + f.op.substr(0, 40) + "'");
  }
}

bool NativeDialect::hello(const HelloInfo& info, std::string& out) const {
  out += "{\"type\":\"hello\",\"server\":\"chatd\",\"protocol\":";
  append_json_uint(out, kNativeProtocolVersion);
  out += ",\"limits\":{\"max_frame\":";
  append_json_uint(out, info.max_frame_bytes);
  out += ",\"max_message\":";
  append_json_uint(out, info.max_message_bytes);
  out += ",\"max_name\":50},\"captcha\":";
  if (info.challenge)
    out += captcha::challenge_json(*info.challenge);
  else
    out += "null";
  out += '}';
  return true;
}

bool NativeDialect::gate_reply(const std::string& id, ErrorCode error, std::string_view message, std::string& out) const {
  if (id.empty()) {
    if (error == ErrorCode::kNone) return false;  // no id, nothing asked: only errors are worth a frame
    out += "{\"type\":\"error\"";
  } else {
    begin_reply(out, id);
  }
  if (error == ErrorCode::kNone) {
    out += ",\"ok\":true}";
    return true;
  }
  if (!id.empty()) out += ",\"ok\":false";
  out += ",\"error\":";
  append_json_string(out, to_string(error));
  out += ",\"message\":";
  append_json_string(out, message);
  out += '}';
  return true;
}

bool NativeDialect::outbound(const Outbound& item, std::string& out) const {
  using Kind = projections::Push::Kind;
  if (item.kind == Outbound::Kind::kReply) {
    const Reply& reply = item.reply;
    if (!reply.ok() || item.request_id.empty()) return gate_reply(item.request_id, reply.error, reply.message, out);
    begin_reply(out, item.request_id);
    out += ",\"ok\":true";
    if (item.command_index == command_index<Connect>()) {
      out += ",\"client\":";
      append_json_uint(out, reply.client);
    } else if (item.command_index == command_index<QueryInfo>()) {
      out += ",\"seq\":";
      append_json_uint(out, reply.info_seq);
      out += ",\"world_hash\":";
      append_hex64(out, reply.info_hash);
    }
    out += '}';
    return true;
  }
  const projections::Push& p = item.push;
  switch (p.kind) {
    case Kind::kState:
      out += "{\"type\":\"state\",\"state\":";
      append_json_string(out, events::to_string(p.state));
      if (!p.pair.empty()) {
        out += ",\"pair\":";
        append_json_string(out, p.pair.to_string());
      }
      break;
    case Kind::kPaired:
      out += "{\"type\":\"paired\",\"pair\":";
      append_json_string(out, p.pair.to_string());
      out += ",\"partner\":";
      append_json_string(out, p.name);
      break;
    case Kind::kMessage:
      if (p.own) return false;  // the sender has its reply
      out += "{\"type\":\"message\",\"pair\":";
      append_json_string(out, p.pair.to_string());
      out += ",\"from\":";
      append_json_string(out, p.name);
      out += ",\"text\":";
      append_json_string(out, p.text);
      break;
    case Kind::kPartnerLeft:
      out += "{\"type\":\"partner_left\",\"pair\":";
      append_json_string(out, p.pair.to_string());
      break;
    case Kind::kNameChanged:
      if (p.own) return false;
      out += "{\"type\":\"partner_renamed\",\"old\":";
      append_json_string(out, p.old_name);
      out += ",\"name\":";
      append_json_string(out, p.name);
      break;
    case Kind::kSystem:
      out += "{\"type\":\"system\",\"text\":";
      append_json_string(out, p.text);
      break;
  }
  out += '}';
  return true;
}

}  // namespace chatd
