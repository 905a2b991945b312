// How an event declares its fields, once, and how each field type is written in the log and read
// back. An event struct lists its fields in a static `fields()`:
//
//   struct Paired {
//     static constexpr std::string_view kType = "paired";
//     PairId pair;
//     ClientId seeker = kNoClient;
//     ClientId waiter = kNoClient;
//     static constexpr auto fields() {
//       return std::tuple{field<&Paired::pair>("pair", Role::kPair), field<&Paired::seeker>("seeker", Role::kClient),
//                         field<&Paired::waiter>("waiter", Role::kClient)};
//     }
//     bool operator==(const Paired&) const = default;
//   };
//
// and the codec, the type lookup, chatreplay's rendering and filters, the schema golden file and the
// codec tests all derive from that list (events/event.hpp). A field's JSON type belongs to that field
// of that event only: the same name may carry another type in another event.
// Thread-safety: constants and reentrant functions.
#pragma once

#include <array>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/base/ids.hpp"
#include "core/base/json_text.hpp"

namespace chatd::events {

enum class FieldKind : std::uint8_t { kUint, kInt, kString, kUuid, kEnum };

// What a field means beyond its type; chatreplay's filters and its readable lines use it.
enum class Role : std::uint8_t {
  kNone,
  kClient,  // a client the event concerns (--client; shown with the client's name at that moment)
  kPair,    // a pair the event concerns (--pair)
  kAddr,    // a network address (--addr; shown as it is, unquoted)
  kName,    // a name a client takes (--name)
  kRoom,    // a room the event concerns (--room; shown with the room's name at that moment)
};

struct FieldOptions {
  Role role = Role::kNone;
  std::string_view label = {};   // chatreplay's label for the field (default: its name)
  bool omit_when_empty = false;  // chatreplay leaves an empty string out of the readable line
  bool secret = false;           // chatreplay's readable line says only whether it is set (a password's hash)
};

// One declared field: its name in the log and the member it is stored in.
template <auto Member>
struct Field {
  static constexpr auto member = Member;
  std::string_view name;
  FieldOptions options;
};

template <auto Member>
constexpr Field<Member> field(std::string_view name, Role role = Role::kNone) {
  return {name, FieldOptions{role}};
}
template <auto Member>
constexpr Field<Member> field(std::string_view name, FieldOptions options) {
  return {name, options};
}

// The struct and value type of a pointer to data member.
template <class M>
struct MemberOf;
template <class Owner, class Value>
struct MemberOf<Value Owner::*> {
  using owner = Owner;
  using value = Value;
};
template <auto Member>
using FieldValueType = typename MemberOf<decltype(Member)>::value;

// A name (a field's, a type's) as integers: its first and its last eight bytes (overlapping, or
// zero-padded, when shorter) and its length. Two names are equal exactly when their keys are,
// for names of up to 16 bytes; longer ones also compare their middle. The decoder matches some
// seven names per event this way instead of calling memcmp for each (it was 9 % of a rebuild).
struct NameKey {
  std::uint64_t head = 0, tail = 0;
  std::size_t size = 0;

  static constexpr std::uint64_t pack(std::string_view s, std::size_t at) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8 && at + i < s.size(); ++i) v |= std::uint64_t{static_cast<unsigned char>(s[at + i])} << (8 * i);
    return v;
  }
  static constexpr NameKey of(std::string_view s) {
    return NameKey{pack(s, 0), s.size() > 8 ? pack(s, s.size() - 8) : 0, s.size()};
  }
  constexpr bool operator==(const NameKey&) const = default;
};

// Whether `a` (with key `ka`) and `b` (with key `kb`) are the same name.
constexpr bool same_name(const NameKey& ka, std::string_view a, const NameKey& kb, std::string_view b) {
  return ka == kb && (ka.size <= 16 || a.substr(8, ka.size - 16) == b.substr(8, kb.size - 16));
}

// A scalar as the decoder read it from the log, before it knows which field it belongs to.
struct JsonScalar {
  // kMalformed: a string the parser could not read (a bad escape); it is an error only in a field
  // the event type declares, as an unknown field is skipped. (A number that reads as none of
  // uint64, int64 or double is kOther: a type error, as before.)
  enum class Kind : std::uint8_t { kString, kUnsigned, kSigned, kOther, kMalformed };
  Kind kind = Kind::kOther;
  const char* error = nullptr;  // kMalformed: the parser's message
  std::string_view text;  // kString, unescaped: valid until the decoder's next event
  std::uint64_t u = 0;    // kUnsigned
  std::int64_t i = 0;     // kSigned, and kUnsigned when it fits
  bool fits_signed = false;
};

// A field's value as filters and renderers see it, whatever the event type.
struct FieldValue {
  FieldKind kind = FieldKind::kUint;
  std::uint64_t u = 0;     // kUint
  std::int64_t i = 0;      // kInt
  std::string_view text;   // kString; kEnum: the value's name
  PairId uuid;             // kUuid
};

// The outcome of reading one field; the caller words the error with the field's name.
enum class ReadResult : std::uint8_t { kOk, kWrongType, kBadValue };

// Names of an enum's values as the log writes them. Specialise for each enum a field may hold:
//   template <> struct EnumNames<Dialect> {
//     static constexpr std::string_view kWhat = "dialect";  // errors say "unknown dialect 'x'"
//     static constexpr std::array<std::pair<Dialect, const char*>, 2> kNames{{...}};
//   };
template <class E>
struct EnumNames;
template <class E>
concept LogEnum = std::is_enum_v<E> && requires { EnumNames<E>::kNames; };

template <LogEnum E>
const char* to_string(E value) {
  for (const auto& [v, name] : EnumNames<E>::kNames)
    if (v == value) return name;
  return "?";
}
template <LogEnum E>
std::optional<E> enum_from(std::string_view name) {
  for (const auto& [v, n] : EnumNames<E>::kNames)
    if (name == n) return v;
  return std::nullopt;
}

// How values of each field type are written to the log and read back.
template <class T>
struct FieldCodec;

template <>
struct FieldCodec<std::uint64_t> {
  static constexpr FieldKind kKind = FieldKind::kUint;
  static void write(std::uint64_t v, std::string& out) { append_json_uint(out, v); }
  static ReadResult read(const JsonScalar& s, std::uint64_t& out) {
    if (s.kind != JsonScalar::Kind::kUnsigned) return ReadResult::kWrongType;
    out = s.u;
    return ReadResult::kOk;
  }
  static FieldValue value(std::uint64_t v) { return FieldValue{.kind = kKind, .u = v}; }
  static std::uint64_t sample(std::uint64_t n, std::string_view) { return n; }
};

template <>
struct FieldCodec<std::int64_t> {
  static constexpr FieldKind kKind = FieldKind::kInt;
  static void write(std::int64_t v, std::string& out) { append_json_int(out, v); }
  static ReadResult read(const JsonScalar& s, std::int64_t& out) {
    if (s.kind == JsonScalar::Kind::kSigned || (s.kind == JsonScalar::Kind::kUnsigned && s.fits_signed)) {
      out = s.i;
      return ReadResult::kOk;
    }
    return ReadResult::kWrongType;
  }
  static FieldValue value(std::int64_t v) { return FieldValue{.kind = kKind, .i = v}; }
  static std::int64_t sample(std::uint64_t n, std::string_view) {
    return n % 3 == 0 ? INT64_MIN : n % 3 == 1 ? INT64_MAX : -static_cast<std::int64_t>(n % 1000);
  }
};

template <>
struct FieldCodec<std::string> {
  static constexpr FieldKind kKind = FieldKind::kString;
  static void write(const std::string& v, std::string& out) { append_json_string(out, v); }
  static ReadResult read(const JsonScalar& s, std::string& out) {
    if (s.kind != JsonScalar::Kind::kString) return ReadResult::kWrongType;
    out.assign(s.text);  // reuses the capacity of a decoded event the decoder recycles
    return ReadResult::kOk;
  }
  static FieldValue value(const std::string& v) { return FieldValue{.kind = kKind, .text = v}; }
  static std::string sample(std::uint64_t, std::string_view text) { return std::string(text); }
};

template <>
struct FieldCodec<PairId> {
  static constexpr FieldKind kKind = FieldKind::kUuid;
  static void write(const PairId& v, std::string& out) {
    out.push_back('"');  // hex and dashes only: nothing to escape
    v.append_to(out);
    out.push_back('"');
  }
  static ReadResult read(const JsonScalar& s, PairId& out) {
    if (s.kind != JsonScalar::Kind::kString) return ReadResult::kWrongType;
    auto id = PairId::parse(s.text);
    if (!id) return ReadResult::kBadValue;
    out = *id;
    return ReadResult::kOk;
  }
  static std::string bad_value(std::string_view field, std::string_view) {
    return "field '" + std::string(field) + "' is not a UUID";
  }
  static FieldValue value(const PairId& v) { return FieldValue{.kind = kKind, .uuid = v}; }
  static PairId sample(std::uint64_t n, std::string_view) {
    PairId p;
    for (std::size_t i = 0; i < p.bytes.size(); ++i) p.bytes[i] = static_cast<std::uint8_t>(n * 31 + i * 17);
    return p;
  }
};

template <LogEnum E>
struct FieldCodec<E> {
  static constexpr FieldKind kKind = FieldKind::kEnum;
  static void write(E v, std::string& out) {
    out.push_back('"');  // the names are plain identifiers
    out.append(to_string(v));
    out.push_back('"');
  }
  static ReadResult read(const JsonScalar& s, E& out) {
    if (s.kind != JsonScalar::Kind::kString) return ReadResult::kWrongType;
    auto v = enum_from<E>(s.text);
    if (!v) return ReadResult::kBadValue;
    out = *v;
    return ReadResult::kOk;
  }
  static std::string bad_value(std::string_view, std::string_view text) {
    return "unknown " + std::string(EnumNames<E>::kWhat) + " '" + std::string(text) + "'";
  }
  static FieldValue value(E v) { return FieldValue{.kind = kKind, .text = to_string(v)}; }
  static E sample(std::uint64_t n, std::string_view) { return EnumNames<E>::kNames[n % EnumNames<E>::kNames.size()].first; }
};

// What a field of kind `kind` must be, for "field 'x' must be ...".
constexpr const char* json_type_expected(FieldKind kind) {
  switch (kind) {
    case FieldKind::kUint: return "an unsigned integer";
    case FieldKind::kInt: return "an integer";
    default: return "a string";  // strings, and UUIDs and enums written as strings
  }
}

}  // namespace chatd::events
