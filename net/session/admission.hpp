// Admission: whether a new TCP connection may stay, decided at accept, before a byte of it is
// read. Every connection counts from its accept to its close, the HTTP upgrade included, against
// the limit in all, the limit per address, and (while still in the upgrade) the limit of
// handshakes in progress; otherwise one address could hold thousands of half-sent requests, fill
// the open-files limit and lock everyone out. New connections per address are also throttled per
// window (after ergo: 32 per 10 minutes), so connection churn cannot grow the log for free.
// IPv6 addresses are keyed by their /64: one host usually holds a whole /64 (a home line often a
// /56: 256 keys, which the limits in all still bound). Exempt addresses (a reverse proxy, through
// which everyone comes) are spared the per-address limit and the throttle, not the limits in all.
// Pure: times are passed in; no I/O.
// Thread-safety: not thread-safe; used on the network thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/base/ids.hpp"

namespace chatd {

struct AdmissionLimits {
  std::size_t max_connections = 18000;  // open in all, upgrades in progress included
  std::size_t max_per_address = 16;     // open from one address key
  std::size_t max_handshakes = 1024;    // not upgraded yet, in all
  std::uint32_t new_per_window = 32;    // new connections per address key per window; 0 = no throttle
  TimeMs window_ms = 600'000;
  std::vector<std::string> exempt;      // address keys spared the per-address limit and the throttle
  std::size_t max_tracked = 1 << 18;    // addresses whose throttle window is kept (~100 bytes each)
};

class Admission {
 public:
  enum class Verdict { kAdmitted, kServerFull, kHandshakesFull, kAddressFull, kThrottled };

  explicit Admission(AdmissionLimits limits);

  // The key of an address in network byte order: 4 bytes (IPv4) or 16 (IPv6; a v4-mapped one is
  // keyed as its IPv4). An IPv6 key is its /64 prefix: "2001:db8:1:2::/64".
  static std::string key_of(std::span<const std::uint8_t> address);
  // The key of an address written as text ("192.0.2.7", "2001:db8::1"); nullopt if it is not one.
  // What the options that name addresses are checked with.
  static std::optional<std::string> key_of_text(std::string_view text);

  // A connection from `key` was accepted at `now`. kAdmitted: it is counted (as a connection and
  // as a handshake) until released. Otherwise nothing is counted, and the caller closes it.
  Verdict admit(const std::string& key, TimeMs now);
  // The connection's upgrade is over (it became a session, or was answered and closes).
  void handshake_done();
  // The connection is closed.
  void release(const std::string& key);
  // Whether this throttle refusal is the first for `key` in its window: only that one is worth an
  // audit event, so a throttled address writes at most one per window.
  bool first_refusal_in_window(const std::string& key) const;

  std::size_t connections() const { return connections_; }
  std::size_t handshakes() const { return handshakes_; }
  std::size_t connections_of(const std::string& key) const;

  static const char* to_string(Verdict v);  // the client is told this
  static const char* name_of(Verdict v);    // the log's name for it: "throttled"

 private:
  struct Window {
    TimeMs start = 0;
    std::uint32_t admitted = 0;
    std::uint32_t refused = 0;
  };
  // Drops windows that have ended, at most every window length (or when the table is full), so
  // the table holds only the addresses seen within the last window. Past max_tracked even so (an
  // attacker with a huge IPv6 range), new addresses are not throttled: memory stays bounded, and
  // the limits in all still hold.
  void forget_old_windows(TimeMs now);

  AdmissionLimits limits_;
  std::unordered_set<std::string> exempt_;
  std::unordered_map<std::string, std::size_t> open_by_key_;
  std::unordered_map<std::string, Window> windows_;
  std::size_t connections_ = 0;
  std::size_t handshakes_ = 0;
  TimeMs last_forget_ = 0;
};

// One admitted connection's count in an Admission, released (on the network thread) when the slot
// is destroyed or released: a connection refused or failed at any step cannot leak a count.
class AdmissionSlot {
 public:
  AdmissionSlot() = default;
  AdmissionSlot(Admission& admission, std::string key) : admission_(&admission), key_(std::move(key)) {}
  AdmissionSlot(AdmissionSlot&& o) noexcept
      : admission_(std::exchange(o.admission_, nullptr)), key_(std::move(o.key_)), upgraded_(o.upgraded_) {}
  AdmissionSlot& operator=(AdmissionSlot&& o) noexcept {
    if (this != &o) {
      release();
      admission_ = std::exchange(o.admission_, nullptr);
      key_ = std::move(o.key_);
      upgraded_ = o.upgraded_;
    }
    return *this;
  }
  ~AdmissionSlot() { release(); }

  // The request is read: no longer a handshake in progress.
  void upgraded() {
    if (admission_ && !upgraded_) admission_->handshake_done();
    upgraded_ = true;
  }
  void release() {
    if (!admission_) return;
    upgraded();
    admission_->release(key_);
    admission_ = nullptr;
  }

 private:
  Admission* admission_ = nullptr;
  std::string key_;
  bool upgraded_ = false;
};

}  // namespace chatd
