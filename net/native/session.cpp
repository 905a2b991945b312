// The session domain in the native dialect: the captcha, ping and info ops, the replies of Connect
// and QueryInfo, and the session's pushes.
#include <simdjson.h>
#include <sodium.h>

#include "core/base/json_text.hpp"
#include "core/session/commands.hpp"
#include "net/native/dialect.hpp"
#include "projections/session/state.hpp"

namespace chatd {
namespace {

bool read_string(simdjson::ondemand::value& v, std::string& out) {
  std::string_view sv;
  if (v.get_string().get(sv)) return false;
  out.assign(sv);
  return true;
}

// An ALTCHA solution: {"algorithm","challenge","number","salt","signature"}, as JSON text. A rare
// path (once per session): it has its own parser.
bool parse_solution(std::string_view json, captcha::Solution& s) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(obj)) return false;
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

bool valid_solution(std::string_view raw) {
  captcha::Solution ignored;
  return parse_solution(raw, ignored);
}

// ALTCHA widgets submit base64 of the solution JSON.
bool parse_solution_payload(const std::string& payload, captcha::Solution& s) {
  std::string json(payload.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(json.data()), json.size(), payload.data(), payload.size(),
                        nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return false;
  json.resize(len);
  return parse_solution(json, s);
}

void build_captcha(NativeDialect::Fields& f, Decoded& out) {
  Request& r = out.request;
  r.kind = Request::Kind::kCaptcha;
  if (f.has("solution")) {
    parse_solution(f.raw("solution"), r.solution);
  } else if (const std::string* payload = f.text("payload")) {
    if (!parse_solution_payload(*payload, r.solution)) {
      // Still a captcha attempt: it fails verification as malformed and counts as a failure.
      r.solution = captcha::Solution{};
      r.solution.algorithm = std::string(captcha::kAlgorithm);
    }
  } else {
    NativeDialect::reject(out, errors::kBadRequest, "expected 'payload' (base64 ALTCHA solution) or 'solution'");
  }
}

void build_ping(NativeDialect::Fields&, Decoded& out) { out.request.kind = Request::Kind::kPing; }
void build_info(NativeDialect::Fields& f, Decoded& out) {
  out.request.command = QueryInfo{};
  if (std::string* token = f.text("token")) out.request.token = std::move(*token);
}

void reply_connect(const Reply& reply, std::string& out) {
  out += ",\"client\":";
  append_json_uint(out, reply.binds_client);
}

void append_hex64(std::string& out, std::uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(v >> shift) & 0xf]);
  out.push_back('"');
}

void reply_info(const Reply& reply, std::string& out) {
  const InfoReply& info = reply.body.as<InfoReply>();
  out += ",\"seq\":";
  append_json_uint(out, info.seq);
  out += ",\"world_hash\":";
  append_hex64(out, info.world_hash);
}

// The session sees its own end; there is nothing to tell its client.
bool render_session_ended(const projections::SessionEndedPush&, bool, std::string&) { return false; }

bool render_system(const projections::SystemNoticePush& p, bool, std::string& out) {
  out += "{\"type\":\"system\",\"text\":";
  append_json_string(out, p.text);
  out += '}';
  return true;
}

}  // namespace

void add_native_session(NativeDialect& d) {
  using Type = NativeDialect::FieldType;
  d.add_op("captcha", {{"solution", Type::kObject, false, &valid_solution}, {"payload", Type::kString}}, &build_captcha);
  d.add_op("ping", {}, &build_ping);
  d.add_op("info", {{"token", Type::kString}}, &build_info);
  d.add_reply<Connect>(&reply_connect);
  d.add_reply<QueryInfo>(&reply_info);
  d.pushes().add<&render_session_ended>();
  d.pushes().add<&render_system>();
}

}  // namespace chatd
