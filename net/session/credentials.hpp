// Credentials in a session: the slow work a password needs (argon2id hashing and verifying, done
// by a pool off the network thread and the engine: net/session/credential_pool.hpp), and the
// throttle of wrong passwords per address that every session of the server shares. A session
// throttles its own client too (SessionLogic: three wrong passwords a minute, as ergo does).
// Thread-safety: CredentialJob and CredentialResult are values; a FailureThrottle is used by one
// thread (the network thread) only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/ids.hpp"

namespace chatd {

struct CredentialJob {
  // kIssue: makes a secret (kIssuedSecretChars of [A-Za-z0-9], from libsodium's CSPRNG) and hashes it.
  enum class Kind : std::uint8_t { kHash, kVerify, kIssue };
  Kind kind = Kind::kHash;
  std::uint64_t ticket = 0;  // the session's, to match the result
  std::string secret;
  std::string hash;          // kVerify: the stored argon2id string
  std::vector<std::string> alternatives;  // kVerify: more hashes, each verified too (no early exit)
};

struct CredentialResult {
  std::uint64_t ticket = 0;
  bool ok = false;   // kHash: hashed; kVerify: the secret matches `hash`
  std::string hash;  // kHash, kIssue
  std::string secret;  // kIssue: the secret made
  std::vector<bool> alternatives_matched;  // kVerify: per alternative
  // Nothing was hashed or checked (the worker process ended, or its queue was full): not a wrong
  // password; the session answers busy.
  bool unavailable = false;
};

// Wrong passwords per address (an address key: net/session/admission.hpp's, so an IPv6 /64 is one),
// in a window: past `max_failures` the address may try no more until the window ends. The table is
// bounded: when full, windows that ended are dropped first, then the oldest.
class FailureThrottle {
 public:
  FailureThrottle(std::uint32_t max_failures, TimeMs window_ms, std::size_t max_entries = 65'536)
      : max_failures_(max_failures), window_ms_(window_ms), max_entries_(max_entries) {}

  bool blocked(const std::string& key, TimeMs now) const {
    auto it = windows_.find(key);
    return it != windows_.end() && now < it->second.start + window_ms_ && it->second.failures >= max_failures_;
  }
  void failed(const std::string& key, TimeMs now) {
    auto it = windows_.find(key);
    if (it == windows_.end()) {
      make_room(now);
      it = windows_.emplace(key, Window{now, 0}).first;
    } else if (now >= it->second.start + window_ms_) {
      it->second = Window{now, 0};
    }
    ++it->second.failures;
  }
  std::size_t size() const { return windows_.size(); }

 private:
  struct Window {
    TimeMs start = 0;
    std::uint32_t failures = 0;
  };
  void make_room(TimeMs now) {
    if (windows_.size() < max_entries_) return;
    for (auto it = windows_.begin(); it != windows_.end();)
      it = now >= it->second.start + window_ms_ ? windows_.erase(it) : std::next(it);
    while (windows_.size() >= max_entries_) {
      auto oldest = windows_.begin();
      for (auto it = windows_.begin(); it != windows_.end(); ++it)
        if (it->second.start < oldest->second.start) oldest = it;
      windows_.erase(oldest);
    }
  }

  std::uint32_t max_failures_;
  TimeMs window_ms_;
  std::size_t max_entries_;
  std::map<std::string, Window> windows_;
};

}  // namespace chatd
