// The World: everything the server knows, as derived from the log by apply(). It is the states of
// the domains (projections/<domain>/state.hpp), one each, plus the position in the log. It is
// rebuilt on every start and by every replay; hash() lets tests and tools check that two Worlds
// are equal.
// Thread-safety: not thread-safe. The engine owns the live World; tools own their own copies.
#pragma once

#include <cassert>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/byte_io.hpp"
#include "core/base/fnv.hpp"
#include "core/base/status.hpp"
#include "events/event.hpp"
#include "projections/state_codec.hpp"

namespace chatd::projections {

inline constexpr TimeMs kNoDeadline = std::numeric_limits<TimeMs>::max();

// FNV-1a over a World's canonical encoding (the sink of write_state for hashing).
class WorldHasher : public Fnv1a {
 public:
  void u8(std::uint8_t v) { bytes(&v, 1); }
  void pair(const PairId& p) { bytes(p.bytes.data(), p.bytes.size()); }
};

// A domain's state inside the World, behind the one interface the World needs of it.
class DomainState {
 public:
  virtual ~DomainState() = default;
  virtual std::unique_ptr<DomainState> clone() const = 0;
  virtual void write(WorldHasher& out) const = 0;
  virtual void write(ByteWriter& out) const = 0;
  virtual bool read(ByteReader& in, std::string& why) = 0;
};

template <class S>
class StateHolder final : public DomainState {
 public:
  std::unique_ptr<DomainState> clone() const override { return std::make_unique<StateHolder>(*this); }
  void write(WorldHasher& out) const override { write_state(out, state); }
  void write(ByteWriter& out) const override { write_state(out, state); }
  bool read(ByteReader& in, std::string& why) override { return read_state(in, state, why); }
  S state;
};

// The World's slot of domain state S, assigned when its domain registers (projections/domain.hpp).
template <class S>
struct StateSlot {
  static inline int index = -1;
};

class World {
 public:
  // A World with an empty state for every registered domain.
  World();
  World(const World& other);
  World& operator=(const World& other);
  World(World&&) noexcept = default;
  World& operator=(World&&) noexcept = default;
  ~World() = default;

  template <class S>
  const S& get() const {
    return static_cast<const StateHolder<S>&>(slot(StateSlot<S>::index)).state;
  }
  template <class S>
  S& get() {
    hashed_seq_ = kNotHashed;  // a state may change through this reference
    return static_cast<StateHolder<S>&>(const_cast<DomainState&>(slot(StateSlot<S>::index))).state;
  }

  // The states in the registry's order, as DomainState (snapshots).
  std::size_t domain_count() const { return states_.size(); }
  const DomainState& domain(std::size_t i) const { return *states_[i]; }
  DomainState& domain(std::size_t i) {
    hashed_seq_ = kNotHashed;
    return *states_[i];
  }

  // A stable 64-bit hash of the whole World (FNV-1a over the canonical encoding of every domain's
  // state): equal Worlds have equal hashes on every machine and in every run. It costs a pass over
  // the World once per log position: asked again at the same position, it is remembered.
  std::uint64_t hash() const;

  // The earliest time at which a domain has something to do (its deadline hook), or kNoDeadline.
  // The runner submits a Tick command then (core/lifecycle.hpp).
  TimeMs next_deadline() const;

  Seq last_seq = 0;
  TimeMs last_time = 0;

 private:
  static constexpr Seq kNotHashed = std::numeric_limits<Seq>::max();
  const DomainState& slot(int index) const {
    assert(index >= 0 && static_cast<std::size_t>(index) < states_.size() && "a domain state used before its domain registered");
    return *states_[static_cast<std::size_t>(index)];
  }

  std::vector<std::unique_ptr<DomainState>> states_;
  mutable Seq hashed_seq_ = kNotHashed;
  mutable std::uint64_t hashed_ = 0;
};

// Applies one event: the domain that owns its type checks it against the World and refuses one
// that cannot follow (Corruption, nothing changed), then every domain that reacts to it updates its
// own state. Uses only the event's own fields.
Status apply(World& world, const events::Event& event);

}  // namespace chatd::projections
