// CredentialPool: a few threads that hash and verify passwords, so that argon2id (about 22 ms and
// 19 MiB a hash at OWASP's minimum, DESIGN.md) never runs on the network thread or the engine. The
// queue is bounded: a full one refuses (the session answers `busy`) instead of growing. chatd runs
// it in a child process of its own (net/session/credential_process.hpp); tests and the benchmark
// run it here.
// Thread-safety: post() may be called from any thread; `done` runs on a pool thread (the caller
// posts the result back to its own thread). The destructor finishes the jobs already taken and
// drops the rest.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "net/session/credentials.hpp"

namespace chatd {

// How a secret is hashed and checked.
class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;
  // The hash of `secret` as one self-describing string, or "" if hashing failed (out of memory).
  virtual std::string hash(std::string_view secret) const = 0;
  virtual bool verify(std::string_view hash, std::string_view secret) const = 0;
};

// argon2id through libsodium's crypto_pwhash_str, with OWASP's minimum parameters (19 MiB, two
// passes, one lane); verify reads the parameters from the hash, so raising them later still
// checks the old hashes.
class Argon2idHasher final : public PasswordHasher {
 public:
  static constexpr unsigned long long kOpsLimit = 2;
  static constexpr std::size_t kMemLimit = 19 * 1024 * 1024;
  // Other costs are for the benchmark (tests/bench/password_bench.cpp): chatd hashes with OWASP's,
  // which the dummy hash of core/accounts/decide.cpp matches.
  explicit Argon2idHasher(unsigned long long ops_limit = kOpsLimit, std::size_t mem_limit = kMemLimit)
      : ops_limit_(ops_limit), mem_limit_(mem_limit) {}
  std::string hash(std::string_view secret) const override;
  bool verify(std::string_view hash, std::string_view secret) const override;

 private:
  unsigned long long ops_limit_;
  std::size_t mem_limit_;
};

// Where the sessions' credential jobs go: threads of this process (CredentialPool) or a child
// process (CredentialProcess).
class CredentialService {
 public:
  using Done = std::function<void(CredentialResult)>;
  virtual ~CredentialService() = default;
  // Queues `job`; false (and `done` is never called) if the queue is full or the service stopped.
  virtual bool post(CredentialJob job, Done done) = 0;
  // Drops the queued jobs (wiping their secrets) and their callbacks, waits for those running, and
  // takes no more.
  virtual void stop() = 0;
};

class CredentialPool final : public CredentialService {
 public:
  CredentialPool(const PasswordHasher& hasher, std::size_t threads, std::size_t max_queued);
  ~CredentialPool() override;
  CredentialPool(const CredentialPool&) = delete;
  CredentialPool& operator=(const CredentialPool&) = delete;

  bool post(CredentialJob job, Done done) override;
  void stop() override;
  std::size_t queued() const;

 private:
  void work();

  const PasswordHasher& hasher_;
  const std::size_t max_queued_;
  mutable std::mutex mutex_;
  // Guarded by mutex_.
  std::condition_variable wake_;
  std::deque<std::pair<CredentialJob, Done>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // started last, joined first
};

}  // namespace chatd
