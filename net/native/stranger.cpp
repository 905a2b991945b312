// The stranger domain in the native dialect: its ops and its pushes.
#include "core/base/json_text.hpp"
#include "core/stranger/commands.hpp"
#include "net/native/dialect.hpp"
#include "projections/stranger/state.hpp"

namespace chatd {
namespace {

using namespace chatd::projections;

void build_name(NativeDialect::Fields& f, Decoded& out) { out.request.command = SetName{std::move(*f.text("name"))}; }
void build_search(NativeDialect::Fields&, Decoded& out) { out.request.command = Search{}; }
void build_leave(NativeDialect::Fields&, Decoded& out) { out.request.command = Leave{}; }
void build_send(NativeDialect::Fields& f, Decoded& out) { out.request.command = Send{std::move(*f.text("text"))}; }
void build_report(NativeDialect::Fields& f, Decoded& out) {
  std::string* reason = f.text("reason");
  out.request.command = Report{reason ? std::move(*reason) : std::string()};
}

void pair_field(std::string& out, const char* key, const PairId& pair) {
  out += key;
  out += '"';
  pair.append_to(out);
  out += '"';
}

bool render_state(const StatePush& p, bool, std::string& out) {
  if (p.passing) return false;  // the "paired" push says it all
  out += "{\"type\":\"state\",\"state\":";
  append_json_string(out, events::to_string(p.state));
  if (!p.pair.empty()) pair_field(out, ",\"pair\":", p.pair);
  out += '}';
  return true;
}

bool render_paired(const PairedPush& p, bool, std::string& out) {
  pair_field(out, "{\"type\":\"paired\",\"pair\":", p.pair);
  out += ",\"partner\":";
  append_json_string(out, p.partner);
  out += '}';
  return true;
}

bool render_message(const MessagePush& p, bool own, std::string& out) {
  if (own) return false;  // the sender has its reply
  pair_field(out, "{\"type\":\"message\",\"pair\":", p.pair);
  out += ",\"from\":";
  append_json_string(out, p.from);
  out += ",\"text\":";
  append_json_string(out, p.text);
  out += '}';
  return true;
}

bool render_partner_left(const PartnerLeftPush& p, bool, std::string& out) {
  pair_field(out, "{\"type\":\"partner_left\",\"pair\":", p.pair);
  out += '}';
  return true;
}

bool render_renamed(const RenamedPush& p, bool own, std::string& out) {
  if (own) return false;  // the client has its reply
  out += "{\"type\":\"partner_renamed\",\"old\":";
  append_json_string(out, p.old_name);
  out += ",\"name\":";
  append_json_string(out, p.name);
  out += '}';
  return true;
}

}  // namespace

void add_native_stranger(NativeDialect& d) {
  using Type = NativeDialect::FieldType;
  d.add_op("name", {{"name", Type::kString, true}}, &build_name);
  d.add_op("search", {}, &build_search);
  d.add_op("leave", {}, &build_leave);
  d.add_op("send", {{"text", Type::kString, true}}, &build_send);
  d.add_op("report", {{"reason", Type::kString}}, &build_report);
  d.pushes().add<&render_state>();
  d.pushes().add<&render_paired>();
  d.pushes().add<&render_message>();
  d.pushes().add<&render_partner_left>();
  d.pushes().add<&render_renamed>();
}

}  // namespace chatd
