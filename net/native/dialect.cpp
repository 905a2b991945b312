#include "net/native/dialect.hpp"

#include <cassert>
#include <cstdio>
#include <cstdlib>

#include "core/base/json_text.hpp"
#include "core/base/text_rules.hpp"
#include "net/session/json_frame.hpp"

namespace chatd {
namespace {

using simdjson::ondemand::json_type;
using Outcome = Decoded::Outcome;

void close(Decoded& out, std::string reason) {
  out.outcome = Outcome::kClose;
  out.message = std::move(reason);
}

void begin_reply(std::string& out, const std::string& id) {
  out += "{\"type\":\"reply\",\"id\":";
  out += id;
}

// One request's envelope and fields, read in one pass whatever their order: per thread, so that a
// frame allocates nothing but the strings it carries.
struct Pass {
  std::string op, id, bad_field;
  bool has_op = false, bad_type = false;
  NativeDialect::Fields fields;
};
thread_local Pass pass;

}  // namespace

NativeDialect::NativeDialect() {
  add_native_session(*this);
  add_native_stranger(*this);
  add_native_rooms(*this);
  add_native_dms(*this);
  add_native_accounts(*this);
  add_native_social(*this);
}

void NativeDialect::reject(Decoded& out, ErrorCode error, std::string message) {
  out.outcome = Outcome::kReject;
  out.error = error;
  out.message = std::move(message);
}

void NativeDialect::add_op(std::string_view op, std::initializer_list<FieldSpec> fields, BuildFn build) {
  Op entry{{}, build};
  for (const FieldSpec& f : fields) {
    std::size_t i = field_index(f.name);
    if (i == SIZE_MAX) {
      i = fields_.size();
      fields_.push_back(f);
      field_by_name_.emplace(fields_.back().name, i);
    } else if (fields_[i].type != f.type) {
      // One name, one type, in every op: a client can rely on it, and a wrong type is refused
      // before the op is known.
      std::fprintf(stderr, "chatd: native field '%.*s' declared with two types\n", static_cast<int>(f.name.size()), f.name.data());
      std::abort();
    }
    if (f.required) entry.required.push_back(i);
  }
  ops_[op] = std::move(entry);
}

std::size_t NativeDialect::field_index(std::string_view name) const {
  auto it = field_by_name_.find(name);
  return it == field_by_name_.end() ? SIZE_MAX : it->second;
}

const NativeDialect::Fields::Slot* NativeDialect::Fields::slot(std::string_view name) const {
  const std::size_t i = dialect_->field_index(name);
  return i < slots_.size() && slots_[i].present ? &slots_[i] : nullptr;
}

std::string* NativeDialect::Fields::text(std::string_view name) {
  return const_cast<std::string*>(slot(name) ? &slot(name)->text : nullptr);
}

std::optional<std::uint64_t> NativeDialect::Fields::number(std::string_view name) const {
  const Slot* s = slot(name);
  return s ? std::optional<std::uint64_t>(s->number) : std::nullopt;
}

std::optional<bool> NativeDialect::Fields::boolean(std::string_view name) const {
  const Slot* s = slot(name);
  return s ? std::optional<bool>(s->number != 0) : std::nullopt;
}

std::string_view NativeDialect::Fields::raw(std::string_view name) const {
  const Slot* s = slot(name);
  return s ? std::string_view(s->text) : std::string_view();
}

void NativeDialect::decode(std::string_view frame, Decoded& out) const {
  out = Decoded{};
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (FrameParser::for_this_thread().parse(frame, doc) || doc.get_object().get(obj))
    return close(out, "malformed frame: not a JSON object");

  Pass& p = pass;
  p.op.clear();
  p.id.clear();
  p.has_op = p.bad_type = false;
  p.fields.dialect_ = this;
  p.fields.slots_.resize(fields_.size());
  for (auto& s : p.fields.slots_) s.present = false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return close(out, "malformed frame: not valid JSON");
    simdjson::ondemand::value v;
    if (field.value().get(v)) return close(out, "malformed frame: not valid JSON");
    auto wrong = [&] {
      p.bad_type = true;
      p.bad_field = std::string(key);
    };
    if (key == "op") {
      p.has_op = true;
      std::string_view text;
      if (v.get_string().get(text)) wrong();
      else p.op.assign(text);
      continue;
    }
    if (key == "id") {
      // Parsed and written again, never echoed raw: a reply must always be valid JSON.
      json_type t;
      std::int64_t number = 0;
      std::string_view text;
      if (v.type().get(t)) return close(out, "malformed frame: not valid JSON");
      p.id.clear();
      if (t == json_type::number && !v.get_int64().get(number)) {
        append_json_int(p.id, number);
      } else if (t == json_type::string && !v.get_string().get(text) && utf8_length(text) >= 0 &&
                 utf8_length(text) <= 100) {
        append_json_string(p.id, text);
      } else {
        wrong();
      }
      continue;
    }
    const std::size_t i = field_index(key);
    if (i == SIZE_MAX) continue;  // unknown keys are ignored, so clients may add their own (a send time)
    Fields::Slot& slot = p.fields.slots_[i];
    slot.present = true;
    switch (fields_[i].type) {
      case FieldType::kString: {
        std::string_view text;
        if (v.get_string().get(text)) wrong();
        else slot.text.assign(text);
        break;
      }
      case FieldType::kUint:
        if (v.get_uint64().get(slot.number)) wrong();
        break;
      case FieldType::kBool: {
        bool b = false;
        if (v.get_bool().get(b)) wrong();
        else slot.number = b;
        break;
      }
      case FieldType::kObject: {
        simdjson::ondemand::object o;
        std::string_view raw;
        if (v.get_object().get(o) || o.raw_json().get(raw) || (fields_[i].valid && !fields_[i].valid(raw))) wrong();
        else slot.text.assign(raw);
        break;
      }
    }
  }
  out.request.id = p.id;
  if (p.bad_type) return reject(out, errors::kBadRequest, "field '" + p.bad_field + "' has the wrong type");
  if (!p.has_op) return reject(out, errors::kBadRequest, "missing 'op'");
  auto op = ops_.find(p.op);
  if (op == ops_.end()) return reject(out, errors::kUnknownOp, "unknown op '" + p.op.substr(0, 40) + "'");
  for (std::size_t i : op->second.required)
    if (!p.fields.slots_[i].present) return reject(out, errors::kBadRequest, "missing '" + std::string(fields_[i].name) + "'");
  out.outcome = Outcome::kRequest;
  op->second.build(p.fields, out);
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
    if (error.ok()) return false;  // no id, nothing asked: only errors are worth a frame
    out += "{\"type\":\"error\"";
  } else {
    begin_reply(out, id);
  }
  if (error.ok()) {
    out += ",\"ok\":true}";
    return true;
  }
  if (!id.empty()) out += ",\"ok\":false";
  out += ",\"error\":";
  append_json_string(out, error.code());
  out += ",\"message\":";
  append_json_string(out, message);
  out += '}';
  return true;
}

bool NativeDialect::render_reply(const Outbound& item, std::string& out) const {
  const Reply& reply = item.reply;
  if (!reply.ok() && !item.request_id.empty())
    if (auto it = failure_replies_.find(item.command); it != failure_replies_.end() && !reply.body.empty()) {
      gate_reply(item.request_id, reply.error, reply.message, out);
      out.pop_back();  // the '}'
      it->second(reply, out);
      out += '}';
      return true;
    }
  if (!reply.ok() || item.request_id.empty()) return gate_reply(item.request_id, reply.error, reply.message, out);
  begin_reply(out, item.request_id);
  out += ",\"ok\":true";
  if (auto it = replies_.find(item.command); it != replies_.end()) it->second(reply, out);
  out += '}';
  return true;
}

}  // namespace chatd
