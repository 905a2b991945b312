#include "net/session/admission.hpp"

#include <arpa/inet.h>

#include <cassert>
#include <cstdio>

namespace chatd {

Admission::Admission(AdmissionLimits limits)
    : limits_(std::move(limits)), exempt_(limits_.exempt.begin(), limits_.exempt.end()) {}

std::string Admission::key_of(std::span<const std::uint8_t> a) {
  char text[64];
  auto v4 = [&](const std::uint8_t* b) {
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    return std::string(text);
  };
  if (a.size() == 4) return v4(a.data());
  if (a.size() != 16) return "?";
  bool mapped = a[10] == 0xff && a[11] == 0xff;
  for (int i = 0; i < 10 && mapped; ++i) mapped = a[i] == 0;
  if (mapped) return v4(a.data() + 12);
  std::snprintf(text, sizeof text, "%x:%x:%x:%x::/64", a[0] << 8 | a[1], a[2] << 8 | a[3], a[4] << 8 | a[5],
                a[6] << 8 | a[7]);
  return text;
}

std::optional<std::string> Admission::key_of_text(std::string_view text) {
  const std::string address(text);  // inet_pton wants it terminated
  std::uint8_t bytes[16];
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1) return key_of(std::span(bytes, 4));
  if (inet_pton(AF_INET6, address.c_str(), bytes) == 1) return key_of(std::span(bytes, 16));
  return std::nullopt;
}

Admission::Verdict Admission::admit(const std::string& key, TimeMs now) {
  forget_old_windows(now);
  if (connections_ >= limits_.max_connections) return Verdict::kServerFull;
  if (handshakes_ >= limits_.max_handshakes) return Verdict::kHandshakesFull;
  const bool exempt = exempt_.count(key) > 0;
  auto open = open_by_key_.find(key);
  if (!exempt && open != open_by_key_.end() && open->second >= limits_.max_per_address) return Verdict::kAddressFull;
  if (limits_.new_per_window > 0 && !exempt) {
    auto tracked = windows_.find(key);
    if (tracked == windows_.end() && windows_.size() >= limits_.max_tracked) {
      last_forget_ = now - limits_.window_ms;  // full: forget the ended windows now
      forget_old_windows(now);
    }
    if (tracked == windows_.end() && windows_.size() < limits_.max_tracked)
      tracked = windows_.emplace(key, Window{now, 0, 0}).first;
    if (tracked != windows_.end()) {
      Window& w = tracked->second;
      if (now >= w.start + limits_.window_ms) w = Window{now, 0, 0};
      if (w.admitted >= limits_.new_per_window) {
        ++w.refused;
        return Verdict::kThrottled;
      }
      ++w.admitted;
    }
  }
  ++open_by_key_[key];
  ++connections_;
  ++handshakes_;
  return Verdict::kAdmitted;
}

void Admission::handshake_done() {
  assert(handshakes_ > 0);
  --handshakes_;
}

void Admission::release(const std::string& key) {
  assert(connections_ > 0);
  --connections_;
  auto open = open_by_key_.find(key);
  assert(open != open_by_key_.end());
  if (open != open_by_key_.end() && --open->second == 0) open_by_key_.erase(open);
}

bool Admission::first_refusal_in_window(const std::string& key) const {
  auto w = windows_.find(key);
  return w != windows_.end() && w->second.refused == 1;
}

std::size_t Admission::connections_of(const std::string& key) const {
  auto open = open_by_key_.find(key);
  return open == open_by_key_.end() ? 0 : open->second;
}

void Admission::forget_old_windows(TimeMs now) {
  if (now < last_forget_ + limits_.window_ms) return;  // (TimeMs is signed: a full table sets it back)
  last_forget_ = now;
  std::erase_if(windows_, [&](const auto& entry) { return now >= entry.second.start + limits_.window_ms; });
}

const char* Admission::to_string(Verdict v) {
  switch (v) {
    case Verdict::kAdmitted: return "admitted";
    case Verdict::kServerFull: return "too many connections";
    case Verdict::kHandshakesFull: return "too many connections being opened; try again";
    case Verdict::kAddressFull: return "too many connections from your address";
    case Verdict::kThrottled: return "too many new connections from your address; wait a few minutes";
  }
  return "?";
}

const char* Admission::name_of(Verdict v) {
  switch (v) {
    case Verdict::kAdmitted: return "admitted";
    case Verdict::kServerFull: return "server_full";
    case Verdict::kHandshakesFull: return "handshakes_full";
    case Verdict::kAddressFull: return "address_full";
    case Verdict::kThrottled: return "throttled";
  }
  return "?";
}

}  // namespace chatd
