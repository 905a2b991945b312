// The one canonical binary form of a domain's state, derived from the state's field declaration
// (the `fields()` of events/fields.hpp): written to a hash for World::hash() and to bytes for
// chatreplay's snapshots by the same code, so a field added to a state is in both at once, and read
// back with every bound and value checked.
// Supported: unsigned 64-bit integers (ids, counts), TimeMs, bool, enums with EnumNames (one byte),
// std::string (length-prefixed), PairId (16 bytes), std::map, std::multimap, std::unordered_map
// (written in key order, core/base/sorted_entries.hpp), std::vector, std::deque, and structs that declare
// fields().
// Sinks provide u64(), u8(), str() and pair() (ByteWriter in core/base/byte_io.hpp, the hasher in
// world.cpp).
// Thread-safety: reentrant functions.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/base/byte_io.hpp"
#include "core/base/ids.hpp"
#include "core/base/sorted_entries.hpp"
#include "events/fields.hpp"

namespace chatd::projections {

template <class T>
struct IsMap : std::false_type {};
template <class K, class V, class C, class A>
struct IsMap<std::map<K, V, C, A>> : std::true_type {};
template <class K, class V, class C, class A>
struct IsMap<std::multimap<K, V, C, A>> : std::true_type {};
template <class K, class V, class H, class E, class A>
struct IsMap<std::unordered_map<K, V, H, E, A>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T, class A>
struct IsVector<std::vector<T, A>> : std::true_type {};
template <class T, class A>
struct IsVector<std::deque<T, A>> : std::true_type {};

template <class T>
struct IsSet : std::false_type {};
template <class K, class C, class A>
struct IsSet<std::set<K, C, A>> : std::true_type {};

template <class T>
concept DeclaresFields = requires { T::fields(); };

// The fewest bytes a T takes, so a count read from damaged bytes is bounded by what is left.
template <class T>
constexpr std::size_t min_encoded_size() {
  if constexpr (std::is_same_v<T, bool> || std::is_enum_v<T>) {
    return 1;
  } else if constexpr (std::is_integral_v<T>) {
    return 8;
  } else if constexpr (std::is_same_v<T, PairId>) {
    return 16;
  } else if constexpr (std::is_same_v<T, std::string> || IsMap<T>::value || IsVector<T>::value || IsSet<T>::value) {
    return 8;
  } else {
    static_assert(DeclaresFields<T>, "a state type must declare fields()");
    return std::apply([](const auto&... f) { return (std::size_t{0} + ... + min_encoded_size<events::FieldValueType<std::remove_cvref_t<decltype(f)>::member>>()); },
                      T::fields());
  }
}

template <class Sink, class T>
void write_state(Sink& out, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    out.u8(v ? 1 : 0);
  } else if constexpr (std::is_enum_v<T>) {
    static_assert(sizeof(T) == 1, "state enums are one byte");
    out.u8(static_cast<std::uint8_t>(v));
  } else if constexpr (std::is_integral_v<T>) {
    static_assert(sizeof(T) == 8, "state integers are 64 bits");
    out.u64(static_cast<std::uint64_t>(v));
  } else if constexpr (std::is_same_v<T, PairId>) {
    out.pair(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    out.str(v);
  } else if constexpr (IsMap<T>::value) {
    out.u64(v.size());
    for (const auto* entry : sorted_entries(v)) {
      write_state(out, entry->first);
      write_state(out, entry->second);
    }
  } else if constexpr (IsVector<T>::value || IsSet<T>::value) {  // a set is in order already
    out.u64(v.size());
    for (const auto& item : v) write_state(out, item);
  } else {
    static_assert(DeclaresFields<T>, "a state type must declare fields()");
    std::apply([&](const auto&... f) { (write_state(out, v.*(std::remove_cvref_t<decltype(f)>::member)), ...); }, T::fields());
  }
}

// Reads what write_state wrote. False (and `in.ok()` false, or a value out of range) on anything
// malformed; `why` then says what.
template <class T>
bool read_state(ByteReader& in, T& v, std::string& why) {
  if constexpr (std::is_same_v<T, bool>) {
    const std::uint8_t b = in.u8();
    if (b > 1) return why = "a flag is neither 0 nor 1", false;
    v = b != 0;
  } else if constexpr (std::is_enum_v<T>) {
    const auto raw = static_cast<T>(in.u8());
    if (!in.ok()) return false;
    if (events::to_string(raw) == std::string_view("?")) return why = "an unknown enum value", false;
    v = raw;
  } else if constexpr (std::is_integral_v<T>) {
    v = static_cast<T>(in.u64());
  } else if constexpr (std::is_same_v<T, PairId>) {
    v = in.pair();
  } else if constexpr (std::is_same_v<T, std::string>) {
    v = in.str();
  } else if constexpr (IsMap<T>::value) {
    using K = typename T::key_type;
    using V = typename T::mapped_type;
    const std::uint64_t n = in.count(min_encoded_size<K>() + min_encoded_size<V>());
    v.clear();
    for (std::uint64_t i = 0; i < n && in.ok(); ++i) {
      K key{};
      V value{};
      if (!read_state(in, key, why) || !read_state(in, value, why)) return false;
      if constexpr (requires { v.try_emplace(key, value).second; }) {
        if (!v.try_emplace(std::move(key), std::move(value)).second) return why = "a key appears twice", false;
      } else {
        v.emplace(std::move(key), std::move(value));  // a multimap
      }
    }
  } else if constexpr (IsVector<T>::value || IsSet<T>::value) {
    using V = typename T::value_type;
    const std::uint64_t n = in.count(min_encoded_size<V>());
    v.clear();
    for (std::uint64_t i = 0; i < n && in.ok(); ++i) {
      V item{};
      if (!read_state(in, item, why)) return false;
      if constexpr (IsSet<T>::value) {
        if (!v.insert(std::move(item)).second) return why = "a set item appears twice", false;
      } else {
        v.push_back(std::move(item));
      }
    }
  } else {
    static_assert(DeclaresFields<T>, "a state type must declare fields()");
    bool good = true;
    std::apply([&](const auto&... f) { ((good = good && read_state(in, v.*(std::remove_cvref_t<decltype(f)>::member), why)), ...); }, T::fields());
    if (!good) return false;
  }
  if (!in.ok()) {
    if (why.empty()) why = "truncated";
    return false;
  }
  return true;
}

}  // namespace chatd::projections
