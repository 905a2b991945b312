// Erased<Type, Capacity>: one value of any type of an open set, held in place when it fits (as
// std::function holds a small callable) and on the heap otherwise. It stands where a std::variant
// would, for the sets that must stay open: each domain declares its own events, commands and pushes,
// and a test domain adds its types without editing a central list.
//
// `Type` describes the held value's type: it derives from ValueOps (how to copy, move, compare and
// destroy such values, made by value_ops<T, Type::kCapacity>()), names the capacity of its boxes
// (`static constexpr std::size_t kCapacity`), and provides `template <class T> static const Type&
// of()`, the one descriptor of T. Two values have the same type exactly when they point to the
// same descriptor.
// Thread-safety: a value type; distinct objects may be used from distinct threads.
#pragma once

#include <cassert>
#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace chatd {

// The operations an Erased box needs on its values. Storage-level operations work on the box's
// bytes (which hold the value, or a pointer to it); value-level ones on the values themselves.
struct ValueOps {
  bool in_place = false;
  void (*construct)(void* storage) = nullptr;                 // a default-constructed value
  void (*copy)(void* storage, const void* from) = nullptr;    // copy of the value in `from`'s storage
  void (*move)(void* storage, void* from) noexcept = nullptr;  // takes `from`'s value; `from` is left empty
  void (*destroy)(void* storage) noexcept = nullptr;
  bool (*equal)(const void* a, const void* b) = nullptr;  // values
  void (*swap)(void* a, void* b) noexcept = nullptr;      // storages of the same type
};

template <class T, std::size_t Capacity>
inline constexpr bool kFitsInPlace = sizeof(T) <= Capacity && alignof(T) <= alignof(void*) &&
                                     std::is_nothrow_move_constructible_v<T>;

// ValueOps for T in a box of `Capacity` bytes.
template <class T, std::size_t Capacity>
constexpr ValueOps value_ops() {
  ValueOps ops;
  ops.equal = [](const void* a, const void* b) { return *static_cast<const T*>(a) == *static_cast<const T*>(b); };
  if constexpr (kFitsInPlace<T, Capacity>) {
    // In place, the values trade places (nothrow: kFitsInPlace requires a nothrow move).
    ops.swap = [](void* a, void* b) noexcept {
      using std::swap;
      swap(*std::launder(static_cast<T*>(a)), *std::launder(static_cast<T*>(b)));
    };
    ops.in_place = true;
    ops.construct = [](void* s) { new (s) T(); };
    ops.copy = [](void* s, const void* from) { new (s) T(*static_cast<const T*>(from)); };
    ops.move = [](void* s, void* from) noexcept {
      new (s) T(std::move(*static_cast<T*>(from)));
      static_cast<T*>(from)->~T();
    };
    ops.destroy = [](void* s) noexcept { static_cast<T*>(s)->~T(); };
  } else {
    ops.swap = [](void* a, void* b) noexcept { std::swap(*static_cast<T**>(a), *static_cast<T**>(b)); };
    ops.construct = [](void* s) { *static_cast<T**>(s) = new T(); };
    ops.copy = [](void* s, const void* from) { *static_cast<T**>(s) = new T(**static_cast<T* const*>(from)); };
    ops.move = [](void* s, void* from) noexcept {
      *static_cast<T**>(s) = *static_cast<T**>(from);
      *static_cast<T**>(from) = nullptr;
    };
    ops.destroy = [](void* s) noexcept { delete *static_cast<T**>(s); };
  }
  return ops;
}

template <class Type, std::size_t Capacity>
class Erased {
  static_assert(Capacity >= sizeof(void*));
  // Whether a value is in place is decided by the box (emplace) and by the descriptor (every other
  // operation); they must agree on the capacity.
  static_assert(Type::kCapacity == Capacity, "a box's capacity must be its type descriptor's");

 public:
  Erased() = default;
  template <class T>
    requires(!std::is_same_v<std::remove_cvref_t<T>, Erased>)
  Erased(T&& value) {  // NOLINT: implicit, as a variant converts from its alternatives
    emplace<std::remove_cvref_t<T>>(std::forward<T>(value));
  }
  Erased(const Erased& other) {
    if (other.type_) {
      other.type_->copy(storage_, other.storage_);
      type_ = other.type_;
    }
  }
  Erased(Erased&& other) noexcept { take(other); }
  Erased& operator=(const Erased& other) {
    if (this != &other) {
      Erased copy(other);
      reset();
      take(copy);
    }
    return *this;
  }
  Erased& operator=(Erased&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  ~Erased() { reset(); }

  template <class T, class... Args>
  T& emplace(Args&&... args) {
    reset();
    T* value;
    if constexpr (kFitsInPlace<T, Capacity>) {
      value = new (storage_) T(std::forward<Args>(args)...);
    } else {
      value = new T(std::forward<Args>(args)...);
      *reinterpret_cast<T**>(storage_) = value;
    }
    type_ = &Type::template of<T>();
    return *value;
  }
  // A default-constructed value of `type` (for decoders, which learn the type at run time).
  void emplace_default(const Type& type) {
    reset();
    type.construct(storage_);
    type_ = &type;
  }
  void reset() noexcept {
    if (type_) {
      type_->destroy(storage_);
      type_ = nullptr;
    }
  }

  bool empty() const { return type_ == nullptr; }
  const Type* type() const { return type_; }  // null when empty
  template <class T>
  bool is() const {
    return type_ == &Type::template of<T>();
  }
  template <class T>
  const T* get_if() const {
    return is<T>() ? value<T>() : nullptr;
  }
  template <class T>
  T* get_if() {
    return is<T>() ? const_cast<T*>(std::as_const(*this).template value<T>()) : nullptr;
  }
  template <class T>
  const T& as() const {
    assert(is<T>());
    return *value<T>();
  }
  template <class T>
  T& as() {
    assert(is<T>());
    return *const_cast<T*>(std::as_const(*this).template value<T>());
  }
  // The held value (null when empty), for code that works through the type's descriptor.
  const void* data() const {
    if (!type_) return nullptr;
    return type_->in_place ? static_cast<const void*>(storage_) : *reinterpret_cast<void* const*>(storage_);
  }
  void* data() { return const_cast<void*>(std::as_const(*this).data()); }

  // Exchanges the values of two boxes holding the same type (string capacities move too, so a
  // decoder that swaps into a reused event allocates nothing in the steady state).
  void swap_value(Erased& other) noexcept {
    assert(type_ && type_ == other.type_);
    type_->swap(storage_, other.storage_);
  }

  bool operator==(const Erased& other) const {
    return type_ == other.type_ && (!type_ || type_->equal(data(), other.data()));
  }

 private:
  template <class T>
  const T* value() const {
    if constexpr (kFitsInPlace<T, Capacity>)
      return std::launder(reinterpret_cast<const T*>(storage_));
    else
      return *reinterpret_cast<T* const*>(storage_);
  }
  void take(Erased& other) noexcept {
    if (other.type_) {
      other.type_->move(storage_, other.storage_);
      type_ = other.type_;
      other.type_ = nullptr;
    }
  }

  alignas(void*) unsigned char storage_[Capacity];
  const Type* type_ = nullptr;
};

}  // namespace chatd

namespace chatd {

// The descriptor of a type that needs nothing but its ValueOps (a reply's body, say).
struct PlainType : ValueOps {
  static constexpr std::size_t kCapacity = 24;
  template <class T>
  static const PlainType& of();
};

template <class T>
const PlainType& PlainType::of() {
  static constexpr PlainType type = [] {
    PlainType t;
    static_cast<ValueOps&>(t) = value_ops<T, kCapacity>();
    return t;
  }();
  return type;
}

// A small value of any type (at most 24 bytes in place).
using AnyValue = Erased<PlainType, PlainType::kCapacity>;

}  // namespace chatd
