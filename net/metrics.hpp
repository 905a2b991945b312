// Metrics: chatd's counters, gauges and histograms for Prometheus (GET /metrics, docs/operations.md),
// and the writer of the text exposition format (version 0.0.4) a scrape answers with.
// A count is one relaxed atomic add on a counter its writer touches most: no lock and no allocation
// on the hot path; a scrape reads each value once, so it is not a snapshot across values (a
// histogram's count may run a little ahead of its buckets), which Prometheus tolerates.
// Thread-safety: every add/observe from any thread; CommandCounts::count from one thread at a time
// (the engine's deliver thread); reading and rendering from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "events/session/events.hpp"

namespace chatd {

struct CommandType;

namespace metrics {

class Counter {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Observations in whole units (microseconds, commands) against fixed upper bounds; rendered in
// `unit`s of the metric (1e-6 turns microseconds into Prometheus' seconds).
class Histogram {
 public:
  static constexpr std::size_t kMaxBounds = 16;
  Histogram(std::initializer_list<std::uint64_t> bounds, double unit);

  void observe(std::uint64_t value);

  std::size_t bounds() const { return bound_count_; }
  std::uint64_t bound(std::size_t i) const { return bounds_[i]; }
  std::uint64_t bucket(std::size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }  // not cumulative; [bounds()] is +Inf
  std::uint64_t sum() const { return sum_.load(std::memory_order_relaxed); }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double unit() const { return unit_; }

 private:
  std::array<std::uint64_t, kMaxBounds> bounds_{};
  std::size_t bound_count_ = 0;
  double unit_;
  std::array<std::atomic<std::uint64_t>, kMaxBounds + 1> buckets_{};
  std::atomic<std::uint64_t> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

// Commands by type and outcome, for a command set known only at run time (the domains'): a fixed
// table keyed by the type's address, filled by its one writer as types first appear, published
// to readers by the key's release store.
class CommandCounts {
 public:
  static constexpr std::size_t kSlots = 256;  // more than twice the command types there are
  void count(const CommandType* type, bool ok);
  // Calls f(name, ok, errors) for each type seen.
  template <class F>
  void for_each(F&& f) const {
    for (const Slot& s : slots_)
      if (const CommandType* t = s.type.load(std::memory_order_acquire)) f(name_of(t), s.ok.value(), s.errors.value());
  }

 private:
  static std::string_view name_of(const CommandType* type);
  struct Slot {
    std::atomic<const CommandType*> type{nullptr};
    Counter ok, errors;
  };
  std::array<Slot, kSlots> slots_;
};

// Counts of the sessions and connections, which many files add to: one per process.
struct Process {
  static constexpr std::size_t kDialects = 3;           // events::Dialect
  static constexpr std::size_t kCloseReasons = 7;       // events::DisconnectReason
  static constexpr std::size_t kRejectionReasons = 8;   // Admission::Verdict and disk_full, by their index
  std::array<Gauge, kDialects> sessions_open;
  std::array<Counter, kDialects> sessions_started;
  std::array<Counter, kCloseReasons> sessions_closed;
  std::array<Counter, kRejectionReasons> connections_rejected;
  Counter rate_limit_waits;  // a client went over its rate and its frames were held back
  Counter captcha_issued, captcha_solved, captcha_failed;
  Counter tls_handshakes_ok, tls_handshakes_failed;  // on TLS ports, before any HTTP is read
  Counter reloads_ok, reloads_failed;                // SIGHUP
};
Process& process();

// Builds a /metrics page: each family's HELP and TYPE once, then its samples.
class Exposition {
 public:
  // Label text is `key="value"` pairs, comma-separated, already escaped (see label()).
  Exposition& family(std::string_view name, std::string_view type, std::string_view help);
  Exposition& sample(std::string_view name, std::string_view labels, double value);
  Exposition& sample(std::string_view name, std::string_view labels, std::uint64_t value);
  Exposition& sample(std::string_view name, std::string_view labels, std::int64_t value);
  // A histogram family's _bucket, _sum and _count samples.
  Exposition& histogram(std::string_view name, std::string_view help, const Histogram& h);
  // `key="value"`, with \, " and newline escaped as the format wants.
  static std::string label(std::string_view key, std::string_view value);
  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

// The process's own families: sessions by dialect, closes by reason, rejections (named by
// `rejection_name`, indexed as Process::connections_rejected), the gates' counts.
void render_process(Exposition& out, const char* (*rejection_name)(std::size_t index));

}  // namespace metrics
}  // namespace chatd
