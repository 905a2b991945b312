#include "net/session/credential_pool.hpp"

#include <pthread.h>
#include <sodium.h>

#include "core/command.hpp"

namespace chatd {

std::string Argon2idHasher::hash(std::string_view secret) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), ops_limit_, mem_limit_, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return "";
  return out;
}

bool Argon2idHasher::verify(std::string_view hash, std::string_view secret) const {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  char stored[crypto_pwhash_STRBYTES] = {};
  hash.copy(stored, hash.size());
  return crypto_pwhash_str_verify(stored, secret.data(), secret.size()) == 0;
}

CredentialPool::CredentialPool(const PasswordHasher& hasher, std::size_t threads, std::size_t max_queued)
    : hasher_(hasher), max_queued_(max_queued) {
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "chatd-password");  // for top -H and perf
      work();
    });
}

CredentialPool::~CredentialPool() { stop(); }

void CredentialPool::stop() {
  std::deque<std::pair<CredentialJob, Done>> dropped;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped.swap(jobs_);
  }
  for (auto& [job, done] : dropped) sodium_memzero(job.secret.data(), job.secret.size());
  dropped.clear();  // their callbacks (and what they hold) go here, on the caller's thread
  wake_.notify_all();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

bool CredentialPool::post(CredentialJob job, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= max_queued_) {
      sodium_memzero(job.secret.data(), job.secret.size());
      return false;
    }
    jobs_.emplace_back(std::move(job), std::move(done));
  }
  wake_.notify_one();
  return true;
}

std::size_t CredentialPool::queued() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

void CredentialPool::work() {
  for (;;) {
    std::pair<CredentialJob, Done> item;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      item = std::move(jobs_.front());
      jobs_.pop_front();
    }
    CredentialJob& job = item.first;
    CredentialResult result;
    result.ticket = job.ticket;
    if (job.kind == CredentialJob::Kind::kIssue) {
      static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
      result.secret.resize(kIssuedSecretChars);
      for (char& c : result.secret) c = kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)];  // unbiased
      result.hash = hasher_.hash(result.secret);
      result.ok = !result.hash.empty();
    } else if (job.kind == CredentialJob::Kind::kHash) {
      result.hash = hasher_.hash(job.secret);
      result.ok = !result.hash.empty();
    } else {
      result.ok = hasher_.verify(job.hash, job.secret);
      for (const std::string& other : job.alternatives) result.alternatives_matched.push_back(hasher_.verify(other, job.secret));
    }
    sodium_memzero(job.secret.data(), job.secret.size());
    item.second(std::move(result));
  }
}

}  // namespace chatd
