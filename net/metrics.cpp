#include "net/metrics.hpp"

#include <cassert>
#include <charconv>
#include <cstdio>
#include <functional>

#include "core/command.hpp"

namespace chatd::metrics {

Histogram::Histogram(std::initializer_list<std::uint64_t> bounds, double unit) : unit_(unit) {
  assert(bounds.size() <= kMaxBounds);
  for (std::uint64_t b : bounds) {
    assert(bound_count_ == 0 || b > bounds_[bound_count_ - 1]);
    bounds_[bound_count_++] = b;
  }
}

void Histogram::observe(std::uint64_t value) {
  std::size_t i = 0;
  while (i < bound_count_ && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void CommandCounts::count(const CommandType* type, bool ok) {
  if (type == nullptr) return;
  std::size_t at = std::hash<const void*>{}(type) % kSlots;
  for (std::size_t probes = 0; probes < kSlots; ++probes, at = (at + 1) % kSlots) {
    Slot& s = slots_[at];
    const CommandType* held = s.type.load(std::memory_order_relaxed);
    if (held == nullptr) s.type.store(held = type, std::memory_order_release);  // the one writer claims it
    if (held == type) {
      (ok ? s.ok : s.errors).add();
      return;
    }
  }
  assert(false && "CommandCounts::kSlots is less than the command types");
}

std::string_view CommandCounts::name_of(const CommandType* type) { return type->name; }

Process& process() {
  static Process* p = new Process();  // never destroyed: sessions may end during static destruction
  return *p;
}

Exposition& Exposition::family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  return *this;
}

namespace {
void start_sample(std::string& out, std::string_view name, std::string_view labels) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.push_back(' ');
}
}  // namespace

Exposition& Exposition::sample(std::string_view name, std::string_view labels, double value) {
  start_sample(out_, name, labels);
  char buffer[32];
  const int n = std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  out_.append(buffer, static_cast<std::size_t>(n)).push_back('\n');
  return *this;
}

Exposition& Exposition::sample(std::string_view name, std::string_view labels, std::uint64_t value) {
  start_sample(out_, name, labels);
  out_.append(std::to_string(value)).push_back('\n');
  return *this;
}

Exposition& Exposition::sample(std::string_view name, std::string_view labels, std::int64_t value) {
  start_sample(out_, name, labels);
  out_.append(std::to_string(value)).push_back('\n');
  return *this;
}

Exposition& Exposition::histogram(std::string_view name, std::string_view help, const Histogram& h) {
  family(name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  char le[32];
  for (std::size_t i = 0; i < h.bounds(); ++i) {
    cumulative += h.bucket(i);
    std::snprintf(le, sizeof(le), "%.9g", static_cast<double>(h.bound(i)) * h.unit());
    sample(bucket, label("le", le), cumulative);
  }
  cumulative += h.bucket(h.bounds());
  sample(bucket, label("le", "+Inf"), cumulative);
  sample(std::string(name) + "_sum", "", static_cast<double>(h.sum()) * h.unit());
  // The +Inf bucket, not count(): read at another instant, count() could disagree with it.
  return sample(std::string(name) + "_count", "", cumulative);
}

std::string Exposition::label(std::string_view key, std::string_view value) {
  std::string out(key);
  out += "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  out += '"';
  return out;
}

void render_process(Exposition& out, const char* (*rejection_name)(std::size_t index)) {
  const Process& p = process();
  using events::Dialect;
  using events::DisconnectReason;
  auto dialect = [](std::size_t i) { return Exposition::label("dialect", events::to_string(static_cast<Dialect>(i))); };
  out.family("chatd_sessions_open", "gauge", "Sessions open now (a connection past its HTTP upgrade, or on the palette), by dialect.");
  for (std::size_t i = 0; i < Process::kDialects; ++i) out.sample("chatd_sessions_open", dialect(i), p.sessions_open[i].value());
  out.family("chatd_sessions_started_total", "counter", "Sessions started, by dialect.");
  for (std::size_t i = 0; i < Process::kDialects; ++i)
    out.sample("chatd_sessions_started_total", dialect(i), p.sessions_started[i].value());
  out.family("chatd_sessions_closed_total", "counter",
             "Sessions ended, by reason: closed (by the client), idle, silent, slow_reader, malformed, flooding, server_shutdown.");
  for (std::size_t i = 0; i < Process::kCloseReasons; ++i)
    out.sample("chatd_sessions_closed_total",
               Exposition::label("reason", events::to_string(static_cast<DisconnectReason>(i))), p.sessions_closed[i].value());
  out.family("chatd_connections_rejected_total", "counter", "Connections refused at accept, before any event, by reason.");
  for (std::size_t i = 0; i < Process::kRejectionReasons; ++i)
    if (const char* name = rejection_name(i))
      out.sample("chatd_connections_rejected_total", Exposition::label("reason", name), p.connections_rejected[i].value());
  out.family("chatd_rate_limit_waits_total", "counter", "Times a client went over its rate (--rate) and its frames were held back.");
  out.sample("chatd_rate_limit_waits_total", "", p.rate_limit_waits.value());
  out.family("chatd_captcha_total", "counter", "Captcha challenges issued, and answers that solved or failed them.");
  out.sample("chatd_captcha_total", Exposition::label("outcome", "issued"), p.captcha_issued.value());
  out.sample("chatd_captcha_total", Exposition::label("outcome", "solved"), p.captcha_solved.value());
  out.sample("chatd_captcha_total", Exposition::label("outcome", "failed"), p.captcha_failed.value());
  out.family("chatd_tls_handshakes_total", "counter", "TLS handshakes on chatd's TLS ports, by outcome (failed: an old protocol, a plain client, a timeout...).");
  out.sample("chatd_tls_handshakes_total", Exposition::label("outcome", "ok"), p.tls_handshakes_ok.value());
  out.sample("chatd_tls_handshakes_total", Exposition::label("outcome", "failed"), p.tls_handshakes_failed.value());
  out.family("chatd_config_reloads_total", "counter", "SIGHUP reloads, by outcome (failed: nothing changed; the log says why).");
  out.sample("chatd_config_reloads_total", Exposition::label("outcome", "ok"), p.reloads_ok.value());
  out.sample("chatd_config_reloads_total", Exposition::label("outcome", "failed"), p.reloads_failed.value());
}

}  // namespace chatd::metrics
