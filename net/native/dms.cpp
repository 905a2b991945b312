// The dms domain in the native dialect: its ops, their replies and its pushes (docs/protocol.md,
// "Direct messages"). A DM is named by its id ("dm") once open; "with" is the other side's name.
#include "core/base/json_text.hpp"
#include "core/dms/commands.hpp"
#include "net/native/dialect.hpp"
#include "projections/dms/state.hpp"

namespace chatd {
namespace {

using namespace chatd::projections;

void build_open(NativeDialect::Fields& f, Decoded& out) { out.request.command = OpenDm{std::move(*f.text("to"))}; }
void build_send(NativeDialect::Fields& f, Decoded& out) {
  out.request.command = SendDm{*f.number("dm"), std::move(*f.text("text"))};
}
void build_close(NativeDialect::Fields& f, Decoded& out) { out.request.command = CloseDm{*f.number("dm")}; }
void build_mine(NativeDialect::Fields&, Decoded& out) { out.request.command = MyDms{}; }

// "dm":3,"with":"bob","last_number":7 (without braces or a leading comma)
void listing_members(const DmListing& l, std::string& out) {
  out += "\"dm\":";
  append_json_uint(out, l.dm);
  out += ",\"with\":";
  append_json_string(out, l.with);
  out += ",\"last_number\":";
  append_json_uint(out, l.last_number);
}

void reply_open(const Reply& reply, std::string& out) {
  const DmReply& r = reply.body.as<DmReply>();
  out += ',';
  listing_members(r.dm, out);
  out += r.opened ? ",\"opened\":true" : ",\"opened\":false";
}

void reply_mine(const Reply& reply, std::string& out) {
  const DmsReply& r = reply.body.as<DmsReply>();
  out += ",\"dms\":[";
  for (std::size_t i = 0; i < r.dms.size(); ++i) {
    out += i ? ",{" : "{";
    listing_members(r.dms[i], out);
    out += '}';
  }
  out += ']';
}

bool render_opened(const DmOpenedPush& p, bool own, std::string& out) {
  if (own) return false;  // the opener has its reply
  out += "{\"type\":\"dm_opened\",\"dm\":";
  append_json_uint(out, p.dm);
  out += ",\"with\":";
  append_json_string(out, p.from_name);
  out += '}';
  return true;
}

bool render_message(const DmMessagePush& p, bool own, std::string& out) {
  out += "{\"type\":\"dm_message\",\"dm\":";
  append_json_uint(out, p.dm);
  out += ",\"number\":";
  append_json_uint(out, p.number);
  out += ",\"time\":";
  append_json_int(out, p.time);
  out += ",\"from\":";
  append_json_string(out, p.from_name);
  out += ",\"text\":";
  append_json_string(out, p.text);
  if (own) out += ",\"own\":true";
  out += '}';
  return true;
}

bool render_closed(const DmClosedPush& p, bool own, std::string& out) {
  if (own) return false;  // the closer has its reply
  out += "{\"type\":\"dm_closed\",\"dm\":";
  append_json_uint(out, p.dm);
  out += ",\"with\":";
  append_json_string(out, p.by_name);
  out += p.left ? ",\"why\":\"left\"}" : ",\"why\":\"closed\"}";
  return true;
}

}  // namespace

void add_native_dms(NativeDialect& d) {
  using Type = NativeDialect::FieldType;
  d.add_op("open_dm", {{"to", Type::kString, true}}, &build_open);
  d.add_op("send_dm", {{"dm", Type::kUint, true}, {"text", Type::kString, true}}, &build_send);
  d.add_op("close_dm", {{"dm", Type::kUint, true}}, &build_close);
  d.add_op("my_dms", {}, &build_mine);
  d.add_reply<OpenDm>(&reply_open);
  d.add_reply<MyDms>(&reply_mine);
  d.pushes().add<&render_opened>();
  d.pushes().add<&render_message>();
  d.pushes().add<&render_closed>();
}

}  // namespace chatd
