// The immutable events of the log: the envelope (seq, time, payload) and what every event type
// derives from its one declaration (events/fields.hpp): its stable type name, its fields, and the
// code that writes, reads, compares and describes it. Each domain declares its events in
// events/<domain>/events.hpp; events/catalog.hpp knows them all by name.
// Every event records an outcome (who was paired with whom, which id a pair got), so applying it
// never needs a clock or a random draw. Adding a field or a type bumps kSchemaVersion only when an
// older reader would misread the log.
// Thread-safety: plain values; an EventType is written only while the catalog is built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "core/base/erased.hpp"
#include "core/base/ids.hpp"
#include "core/base/status.hpp"
#include "events/fields.hpp"

namespace chatd::events {

inline constexpr int kSchemaVersion = 1;

// A field of an event type, as code that does not know the type sees it.
struct FieldInfo {
  std::string_view name;
  FieldOptions options;
  FieldKind kind = FieldKind::kUint;
  std::string (*type_text)() = nullptr;               // "uint", "enum(native|lowf)": the schema's words
  FieldValue (*read)(const void* event) = nullptr;  // the field's value in an event of this type
  // Sets the field to a sample value derived from `n` and `text` (the codec tests fill every field
  // of every type with it, so a new type is tested the day it is declared).
  void (*fill)(void* event, std::uint64_t n, std::string_view text) = nullptr;
  std::string_view label() const { return options.label.empty() ? name : options.label; }
};

// A field of the log's JSON as the decoder collected it: its key and its scalar.
struct NamedScalar {
  std::string_view key;
  NameKey name;  // of `key`
  JsonScalar value;
};

inline constexpr std::size_t kPayloadCapacity = 80;

// Everything about one event type. One object per type (EventType::of<T>()).
struct EventType : ValueOps {
  static constexpr std::size_t kCapacity = kPayloadCapacity;
  std::string_view name;                // the log's "type": stable, snake_case
  std::span<const FieldInfo> fields;    // in the order they are written
  void (*encode_fields)(const void* event, std::string& out) = nullptr;  // ,"name":value for each field
  // Reads every declared field of this type from `fields` into `event` (of this type); Corruption
  // names the first field missing or unreadable.
  Status (*decode_fields)(std::span<const NamedScalar> fields, void* event) = nullptr;

  // Set by the catalog when the type is registered.
  int index = -1;                // dense, in registration order: dispatch tables are indexed by it
  std::string_view domain;

  template <class T>
  static EventType& of();
};

using Payload = Erased<EventType, kPayloadCapacity>;

struct Event {
  Seq seq = 0;
  TimeMs time = 0;
  Payload payload;
  bool operator==(const Event&) const = default;
};

// The stable type name of the payload's event ("paired", "message_sent", ...).
inline std::string_view type_name(const Payload& payload) { return payload.empty() ? "?" : payload.type()->name; }

// A domain's list of event types, for the catalog.
template <class... E>
struct EventList {};

// ---- derived from the declaration -----------------------------------------------------------

namespace detail {

template <class T>
inline constexpr auto kFields = T::fields();

template <auto Member>
std::string field_type_text() {
  using V = FieldValueType<Member>;
  if constexpr (FieldCodec<V>::kKind == FieldKind::kEnum) {
    std::string s = "enum(";
    for (std::size_t i = 0; i < EnumNames<V>::kNames.size(); ++i) s += (i ? "|" : "") + std::string(EnumNames<V>::kNames[i].second);
    return s + ")";
  } else if constexpr (FieldCodec<V>::kKind == FieldKind::kUint) {
    return "uint";
  } else if constexpr (FieldCodec<V>::kKind == FieldKind::kInt) {
    return "int";
  } else if constexpr (FieldCodec<V>::kKind == FieldKind::kUuid) {
    return "uuid";
  } else {
    return "string";
  }
}

template <class T, auto Member>
constexpr FieldInfo field_info(const Field<Member>& f) {
  using V = FieldValueType<Member>;
  static_assert(std::is_same_v<typename MemberOf<decltype(Member)>::owner, T>, "a field of another struct");
  return FieldInfo{f.name, f.options, FieldCodec<V>::kKind, &field_type_text<Member>,
                   [](const void* e) { return FieldCodec<V>::value(static_cast<const T*>(e)->*Member); },
                   [](void* e, std::uint64_t n, std::string_view text) { static_cast<T*>(e)->*Member = FieldCodec<V>::sample(n, text); }};
}

template <class T>
inline constexpr auto kFieldInfos =
    std::apply([](const auto&... f) { return std::array<FieldInfo, sizeof...(f)>{field_info<T>(f)...}; }, kFields<T>);

template <auto Member>
void write_field(const Field<Member>& f, const void* e, std::string& out) {
  using T = typename MemberOf<decltype(Member)>::owner;
  out.push_back(',');
  out.push_back('"');
  out.append(f.name);  // declared names are plain identifiers: nothing to escape
  out.append("\":");
  FieldCodec<FieldValueType<Member>>::write(static_cast<const T*>(e)->*Member, out);
}

template <class T>
void encode_fields(const void* e, std::string& out) {
  std::apply([&](const auto&... f) { (write_field(f, e, out), ...); }, kFields<T>);
}

// The last field collected under `name` (a repeated key: the later one wins, as in most JSON readers).
inline const JsonScalar* find_scalar(std::span<const NamedScalar> fields, const NameKey& key, std::string_view name) {
  for (std::size_t i = fields.size(); i-- > 0;)
    if (same_name(fields[i].name, fields[i].key, key, name)) return &fields[i].value;
  return nullptr;
}

// The keys of T's field names, computed at compile time.
template <class T>
inline constexpr auto kFieldKeys = std::apply(
    [](const auto&... f) { return std::array<NameKey, sizeof...(f)>{NameKey::of(f.name)...}; }, kFields<T>);

template <auto Member>
bool read_field(const Field<Member>& f, const NameKey& key, std::string_view type, std::span<const NamedScalar> fields,
                void* e, Status& status) {
  using T = typename MemberOf<decltype(Member)>::owner;
  using V = FieldValueType<Member>;
  const JsonScalar* s = find_scalar(fields, key, f.name);
  if (!s) {
    status = Status::Corruption(std::string(type) + ": missing field '" + std::string(f.name) + "'");
    return false;
  }
  if (s->kind == JsonScalar::Kind::kMalformed) {
    status = Status::Corruption("malformed JSON (" + std::string(f.name) + "): " + s->error);
    return false;
  }
  switch (FieldCodec<V>::read(*s, static_cast<T*>(e)->*Member)) {
    case ReadResult::kOk: return true;
    case ReadResult::kWrongType:
      status = Status::Corruption("field '" + std::string(f.name) + "' must be " + json_type_expected(FieldCodec<V>::kKind));
      return false;
    case ReadResult::kBadValue:
      if constexpr (requires { FieldCodec<V>::bad_value(f.name, s->text); })
        status = Status::Corruption(std::string(type) + ": " + FieldCodec<V>::bad_value(f.name, s->text));
      else
        status = Status::Corruption(std::string(type) + ": field '" + std::string(f.name) + "' has a bad value");
      return false;
  }
  return false;
}

template <class T, std::size_t... I>
Status decode_fields_of(std::span<const NamedScalar> fields, void* e, std::index_sequence<I...>) {
  Status status;
  (read_field(std::get<I>(kFields<T>), kFieldKeys<T>[I], T::kType, fields, e, status) && ...);
  return status;
}

template <class T>
Status decode_fields(std::span<const NamedScalar> fields, void* e) {
  return decode_fields_of<T>(fields, e, std::make_index_sequence<std::tuple_size_v<std::remove_cvref_t<decltype(kFields<T>)>>>{});
}

template <class T>
constexpr EventType make_event_type() {
  EventType t;
  static_cast<ValueOps&>(t) = value_ops<T, kPayloadCapacity>();
  t.name = T::kType;
  t.fields = std::span<const FieldInfo>(kFieldInfos<T>);
  t.encode_fields = &encode_fields<T>;
  t.decode_fields = &decode_fields<T>;
  return t;
}

}  // namespace detail

// Writes `value` as one JSON object of its declared fields, in their order and with the log's
// encodings (what an event's encoding holds after its envelope). For any struct that declares
// fields(), e.g. the captcha's ALTCHA objects.
template <class T>
void append_json_object(const T& value, std::string& out) {
  const std::size_t start = out.size();
  detail::encode_fields<T>(&value, out);
  if (out.size() == start)
    out.push_back('{');
  else
    out[start] = '{';  // the first field's ','
  out.push_back('}');
}

template <class T>
EventType& EventType::of() {
  static constinit EventType type = detail::make_event_type<T>();
  return type;
}

}  // namespace chatd::events
