// Identifiers and the injected sources of time and randomness.
// Thread-safety: the value types are plain values. A Clock or Random implementation is used by one
// thread at a time (the engine's), unless its own header says otherwise.
#pragma once

#include <array>
#include <bit>
#include <cstring>
#include <utility>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd {

// Milliseconds since the Unix epoch. Every time in the model is one of these, passed in.
using TimeMs = std::int64_t;

// A client is one connection that passed the gates; ids are handed out by the World in order.
using ClientId = std::uint64_t;
inline constexpr ClientId kNoClient = 0;

// Sequence number of an event in the log; the first event has seq 1.
using Seq = std::uint64_t;

// A pair's id: a random (version 4) UUID drawn by decide and recorded in the event.
struct PairId {
  std::array<std::uint8_t, 16> bytes{};

  bool empty() const;
  std::string to_string() const;  // canonical 8-4-4-4-12 lower-case form
  void append_to(std::string& out) const;  // the same 36 characters, appended without allocating
  static std::optional<PairId> parse(std::string_view text);
  bool operator==(const PairId&) const = default;
  // Byte order (as memcmp would), but on two words: pairs are hashed, snapshotted and listed in id
  // order, and a call to memcmp per comparison was 7 % of a rebuild when they were kept in a tree.
  std::strong_ordering operator<=>(const PairId& other) const {
    const auto [a_hi, a_lo] = words();
    const auto [b_hi, b_lo] = other.words();
    if (a_hi != b_hi) return a_hi <=> b_hi;
    return a_lo <=> b_lo;
  }

 private:
  // The bytes as two big-endian words, so that comparing the words compares the bytes in order.
  std::pair<std::uint64_t, std::uint64_t> words() const {
    std::uint64_t hi, lo;
    std::memcpy(&hi, bytes.data(), 8);
    std::memcpy(&lo, bytes.data() + 8, 8);
    if constexpr (std::endian::native == std::endian::little) return {__builtin_bswap64(hi), __builtin_bswap64(lo)};
    return {hi, lo};
  }
};

// Hashes a PairId for the World's table of pairs: the ids are random (drawn by decide from its
// injected Random, never chosen by a client), so folding the two words is enough.
struct PairIdHash {
  std::size_t operator()(const PairId& p) const noexcept {
    std::uint64_t hi, lo;
    std::memcpy(&hi, p.bytes.data(), 8);
    std::memcpy(&lo, p.bytes.data() + 8, 8);
    return static_cast<std::size_t>(hi ^ (lo * 0x9e3779b97f4a7c15ull));
  }
};

// Source of wall-clock time. The real one reads the system clock; tests and the simulator move it.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now_ms() = 0;
};

// Source of random 64-bit draws. Decide only ever sees one of these through its Context.
class Random {
 public:
  virtual ~Random() = default;
  virtual std::uint64_t next_u64() = 0;
  // Uniform in [0, bound), bound > 0, without modulo bias.
  std::uint64_t uniform(std::uint64_t bound);
};

// Deterministic generator (SplitMix64): same seed, same draws, on every machine.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next_u64() override;

 private:
  std::uint64_t state_;
};

// A clock that only moves when told to; for tests and the simulator.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start) : now_(start) {}
  TimeMs now_ms() override { return now_; }
  void set(TimeMs t) { now_ = t; }
  void advance(TimeMs delta) { now_ += delta; }

 private:
  TimeMs now_;
};

// Draws a random version-4 UUID.
PairId draw_pair_id(Random& random);

}  // namespace chatd
