#include "net/session/credential_process.hpp"

#include "net/log.hpp"

#include <sched.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/base/byte_io.hpp"

extern char** environ;

namespace chatd {
namespace {

// The largest message either side sends or reads, far above what a session sends (a password is
// at most 1,024 bytes, an argon2id string about 100, an email login 4 alternatives).
constexpr std::size_t kMaxWireMessage = 1024 * 1024;

void wipe(std::string& s) { sodium_memzero(s.data(), s.size()); }

}  // namespace

// The layout is core/base/byte_io.hpp's (little-endian u64s, length-prefixed strings), whose
// reader checks every bound.
std::string encode_credential_job(std::uint64_t id, const CredentialJob& job) {
  // Sized first: a string that grows frees its old buffer, with the secret in it, unwiped.
  std::size_t size = 8 + 1 + 8 + job.secret.size() + 8 + job.hash.size() + 8;
  for (const std::string& hash : job.alternatives) size += 8 + hash.size();
  std::string out;
  out.reserve(size);
  ByteWriter w(out);
  w.u64(id);
  w.u8(static_cast<std::uint8_t>(job.kind));
  w.str(job.secret);
  w.str(job.hash);
  w.u64(job.alternatives.size());
  for (const std::string& hash : job.alternatives) w.str(hash);
  return out;
}

std::optional<std::pair<std::uint64_t, CredentialJob>> decode_credential_job(std::string_view bytes) {
  ByteReader in(bytes);
  CredentialJob job;
  const std::uint64_t id = in.u64();
  const std::uint8_t kind = in.u8();
  job.kind = static_cast<CredentialJob::Kind>(kind);
  job.secret = in.str();
  job.hash = in.str();
  for (std::uint64_t i = 0, n = in.count(8); i < n; ++i) job.alternatives.push_back(in.str());
  if (!in.ok() || !in.at_end() || kind > static_cast<std::uint8_t>(CredentialJob::Kind::kIssue)) {
    wipe(job.secret);
    return std::nullopt;
  }
  return std::make_pair(id, std::move(job));
}

std::string encode_credential_result(std::uint64_t id, const CredentialResult& result) {
  std::string out;  // sized first, as a job is: an issued secret rides in it
  out.reserve(8 + 1 + 8 + result.hash.size() + 8 + result.secret.size() + 8 + result.alternatives_matched.size());
  ByteWriter w(out);
  w.u64(id);
  w.u8((result.ok ? 1 : 0) | (result.unavailable ? 2 : 0));
  w.str(result.hash);
  w.str(result.secret);
  w.u64(result.alternatives_matched.size());
  for (bool matched : result.alternatives_matched) w.u8(matched ? 1 : 0);
  return out;
}

std::optional<std::pair<std::uint64_t, CredentialResult>> decode_credential_result(std::string_view bytes) {
  ByteReader in(bytes);
  CredentialResult result;
  const std::uint64_t id = in.u64();
  const std::uint8_t flags = in.u8();
  result.ok = (flags & 1) != 0;
  result.unavailable = (flags & 2) != 0;
  result.hash = in.str();
  result.secret = in.str();
  bool valid = flags <= 3;
  for (std::uint64_t i = 0, n = in.count(1); i < n; ++i) {
    const std::uint8_t matched = in.u8();
    valid = valid && matched <= 1;
    result.alternatives_matched.push_back(matched == 1);
  }
  if (!valid || !in.ok() || !in.at_end()) {
    wipe(result.secret);
    return std::nullopt;
  }
  return std::make_pair(id, std::move(result));
}

int run_credential_worker(int fd, std::size_t threads, std::size_t max_queued) {
  // It ends when chatd closes the socket: a Ctrl-C or a service manager's SIGTERM to the whole
  // group is chatd's to handle, and a job half-answered would be lost.
  // Its name in ps and top ("exe" otherwise, from /proc/self/exe).
  ::prctl(PR_SET_NAME, "chatd-password", 0, 0, 0);
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGTERM, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  // The pool's threads inherit the policy: they run only when nothing else of the machine's
  // ordinary work wants the core, and hold nothing that chatd waits for.
  const sched_param idle{};
  if (sched_setscheduler(0, SCHED_IDLE, &idle) != 0)
    log::warn("credential_worker_not_idle").field("error", std::strerror(errno));
  if (sodium_init() < 0) {
    log::error("credential_worker_failed").field("reason", "libsodium did not start");
    return 1;
  }
  Argon2idHasher hasher;
  std::mutex send_mutex;
  auto answer = [&](std::uint64_t id, CredentialResult& result) {
    std::string bytes = encode_credential_result(id, result);
    {
      std::lock_guard lock(send_mutex);
      // A parent that is gone reads nothing; the recv below sees its end.
      (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }
    wipe(bytes);
    wipe(result.secret);
  };
  // Declared after what its callbacks use: stopped and destroyed first. Its queue holds all the
  // parent may send (threads + max_queued): a thread that answered but has not yet taken its next
  // job must not make the pool look full.
  CredentialPool pool(hasher, threads, threads + max_queued);
  std::string buffer(kMaxWireMessage, '\0');
  int status = 0;
  for (;;) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_TRUNC);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // chatd closed its end, or is gone
    if (static_cast<std::size_t>(n) > buffer.size()) {
      sodium_memzero(buffer.data(), buffer.size());
      log::error("credential_worker_failed").field("reason", "job past the wire's bound").field("bytes", static_cast<std::int64_t>(n));
      status = 3;
      break;
    }
    auto decoded = decode_credential_job(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    sodium_memzero(buffer.data(), static_cast<std::size_t>(n));
    if (!decoded) {
      log::error("credential_worker_failed").field("reason", "malformed job");
      status = 3;
      break;
    }
    const std::uint64_t id = decoded->first;
    if (!pool.post(std::move(decoded->second), [&answer, id](CredentialResult result) { answer(id, result); })) {
      CredentialResult full;
      full.unavailable = true;
      answer(id, full);
    }
  }
  pool.stop();
  return status;
}

CredentialProcess::CredentialProcess(std::string program, std::size_t threads, std::size_t max_queued)
    : program_(std::move(program)), threads_(threads), max_pending_(threads + max_queued) {
  {
    std::lock_guard lock(mutex_);
    spawn_locked();
  }
  reader_ = std::thread([this] { read_loop(); });
}

CredentialProcess::~CredentialProcess() { stop(); }

bool CredentialProcess::spawn_locked() {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) {
    log::error("credential_worker_not_started").field("call", "socketpair").field("error", std::strerror(errno));
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 onto fd 3 clears close-on-exec there; every other descriptor of chatd (its listeners,
  // its connections, the log) stays out of the worker.
  posix_spawn_file_actions_adddup2(&actions, ends[1], kCredentialWorkerFd);
  posix_spawn_file_actions_addclosefrom_np(&actions, kCredentialWorkerFd + 1);
  const std::string threads = std::to_string(threads_);
  const std::string queued = std::to_string(max_pending_ - threads_);
  std::string flag(kCredentialWorkerFlag);
  std::string name = "chatd";
  // The worker logs as chatd does, so that its lines parse with chatd's.
  std::string log_format(log::name_of(log::format())), log_level(log::name_of(log::level()));
  char* argv[] = {name.data(), flag.data(), const_cast<char*>(threads.c_str()), const_cast<char*>(queued.c_str()),
                  log_format.data(), log_level.data(), nullptr};
  pid_t pid = -1;
  const int error = ::posix_spawn(&pid, program_.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(ends[1]);
  if (error != 0) {
    ::close(ends[0]);
    log::error("credential_worker_not_started").field("call", "posix_spawn").field("program", program_).field("error", std::strerror(error));
    return false;
  }
  socket_ = ends[0];
  pid_ = pid;
  return true;
}

bool CredentialProcess::post(CredentialJob job, Done done) {
  std::string bytes;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || socket_ < 0 || pending_.size() >= max_pending_) {
      wipe(job.secret);
      return false;
    }
    const std::uint64_t id = next_id_++;
    bytes = encode_credential_job(id, job);
    wipe(job.secret);
    // Non-blocking: the bound above keeps the socket's buffer far from full; a full one refuses.
    if (::send(socket_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) != static_cast<ssize_t>(bytes.size())) {
      wipe(bytes);
      return false;
    }
    pending_.emplace(id, Pending{job.ticket, std::move(done)});
  }
  wipe(bytes);
  return true;
}

void CredentialProcess::fail_pending(std::map<std::uint64_t, Pending>& pending) {
  for (auto& [id, p] : pending) {
    CredentialResult result;
    result.ticket = p.ticket;
    result.unavailable = true;
    p.done(std::move(result));
  }
  pending.clear();
}

void CredentialProcess::read_loop() {
  std::string buffer(kMaxWireMessage, '\0');
  for (;;) {
    int fd = -1;
    {
      std::unique_lock lock(mutex_);
      while (!stopping_ && socket_ < 0) {
        // Started again at most once a second: a worker that cannot start does not spin.
        if (changed_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; })) break;
        spawn_locked();
      }
      if (socket_ < 0) return;  // stopping
      fd = socket_;
    }
    for (;;) {
      const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_TRUNC);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (static_cast<std::size_t>(n) > buffer.size()) {  // past the wire's bound: a broken worker
        sodium_memzero(buffer.data(), buffer.size());
        break;
      }
      auto decoded = decode_credential_result(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      sodium_memzero(buffer.data(), static_cast<std::size_t>(n));
      if (!decoded) break;  // a worker that says nonsense is ended and replaced
      Pending p;
      {
        std::lock_guard lock(mutex_);
        auto it = pending_.find(decoded->first);
        if (it == pending_.end()) {  // dropped by stop()
          wipe(decoded->second.secret);
          continue;
        }
        p = std::move(it->second);
        pending_.erase(it);
      }
      decoded->second.ticket = p.ticket;
      p.done(std::move(decoded->second));
    }
    // The worker ended (or stop() shut the socket): its jobs are answered, and it is replaced.
    std::map<std::uint64_t, Pending> lost;
    pid_t pid = -1;
    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      ::close(socket_);
      socket_ = -1;
      pid = pid_;
      pid_ = -1;
      lost.swap(pending_);
      stopping = stopping_;
    }
    if (pid > 0) {
      // Our end is closed: a worker still running sees it and ends after the hash in hand; one
      // that does not within 2 s is killed.
      int status = 0;
      bool reaped = false;
      for (int i = 0; i < 200 && !reaped; ++i) {
        reaped = ::waitpid(pid, &status, WNOHANG) == pid;
        if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (!reaped) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
      }
      if (!stopping) {  // another is started below
        log::Line line = log::warn("credential_worker_ended");
        line.field("pid", static_cast<std::int64_t>(pid));
        if (WIFSIGNALED(status)) line.field("signal", WTERMSIG(status));
        else line.field("status", WEXITSTATUS(status));
        line.field("jobs_answered_busy", lost.size());
      }
    }
    if (stopping) {
      lost.clear();  // stop() drops them without an answer, as the pool does
      return;
    }
    fail_pending(lost);
  }
}

void CredentialProcess::stop() {
  std::map<std::uint64_t, Pending> dropped;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !reader_.joinable()) return;
    stopping_ = true;
    dropped.swap(pending_);
    if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);  // the reader's recv and the worker's see the end
  }
  changed_.notify_all();
  dropped.clear();  // their callbacks (and what they hold) go here, on the caller's thread
  if (reader_.joinable()) reader_.join();
}

pid_t CredentialProcess::worker_pid() const {
  std::lock_guard lock(mutex_);
  return pid_;
}

}  // namespace chatd
