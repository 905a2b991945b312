// CredentialProcess: the sessions' credential jobs hashed and checked in a child process, chatd
// itself started as `chatd --credential-worker`, whose threads run at SCHED_IDLE.
//
// Why a process: 20 argon2id logins a second on threads of chatd itself raised the 5,000
// messages/s relay's p99 on 2 cores from 1.3 to about 5 ms, and at SCHED_IDLE still to about 3.5:
// a preempted low-priority thread can hold what the network and engine threads wait for (the job
// queue's mutex, the io_context's, malloc's arenas, and the memory map's lock, which libsodium's
// mmap and munmap of 19 MiB per hash hold for ~13 ms of kernel time). A process of its own shares
// none of them; it can only compete for the cores and their caches, and at SCHED_IDLE it yields the
// cores at once (docs/benchmarks.md has the figures and the method).
//
// The wire is a SOCK_SEQPACKET socketpair: one job or one result a message. The worker answers
// every job it reads, a full queue as `unavailable`; if it ends, the jobs it held are answered
// `unavailable` (the sessions say busy; no wrong password is counted) and it is started again, at
// most once a second.
// The cost of SCHED_IDLE: while every core is busy with ordinary work (chatd's or any other
// process's), hashing waits, logins wait with it, and past the queue they are answered busy.
// Thread-safety: post() from any thread; stop() from one thread, never from `done`, which runs on
// the reader thread (the caller posts the result back to its own thread). The restart spawns
// under the mutex, so a post() meanwhile waits for the spawn (about a millisecond).
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "net/session/credential_pool.hpp"

namespace chatd {

// The first argument that makes chatd a credential worker (net/main.cpp); the socket is fd 3.
inline constexpr std::string_view kCredentialWorkerFlag = "--credential-worker";
inline constexpr int kCredentialWorkerFd = 3;

// The wire: a job or a result with the parent's id for it. Decoding refuses anything malformed or
// trailing. Secrets are in the bytes: the caller wipes them.
std::string encode_credential_job(std::uint64_t id, const CredentialJob& job);
std::optional<std::pair<std::uint64_t, CredentialJob>> decode_credential_job(std::string_view bytes);
std::string encode_credential_result(std::uint64_t id, const CredentialResult& result);
std::optional<std::pair<std::uint64_t, CredentialResult>> decode_credential_result(std::string_view bytes);

// The child's whole life: `threads` workers at SCHED_IDLE hashing with argon2id, until the socket
// closes (the parent stopped or died). Returns the process's exit status.
int run_credential_worker(int fd, std::size_t threads, std::size_t max_queued);

class CredentialProcess final : public CredentialService {
 public:
  // `program` is chatd's own executable: "/proc/self/exe", which is the running binary even after a
  // package upgrade replaced the file (the wire is not versioned). It is started at once, and again
  // after it ends. At most `threads + max_queued` jobs wait for it; past them post() refuses.
  CredentialProcess(std::string program, std::size_t threads, std::size_t max_queued);
  ~CredentialProcess() override;
  CredentialProcess(const CredentialProcess&) = delete;
  CredentialProcess& operator=(const CredentialProcess&) = delete;

  bool post(CredentialJob job, Done done) override;
  void stop() override;
  pid_t worker_pid() const;  // the running worker's, or -1

 private:
  struct Pending {
    std::uint64_t ticket = 0;
    Done done;
  };
  bool spawn_locked();  // starts the worker; false (and logged) if it cannot
  void read_loop();     // the reader thread: results, the worker's end, its restart
  void fail_pending(std::map<std::uint64_t, Pending>& pending);

  const std::string program_;
  const std::size_t threads_;
  const std::size_t max_pending_;

  mutable std::mutex mutex_;
  // Guarded by mutex_.
  std::condition_variable changed_;
  std::map<std::uint64_t, Pending> pending_;
  std::uint64_t next_id_ = 1;
  int socket_ = -1;  // the parent's end; -1 while no worker runs
  pid_t pid_ = -1;
  bool stopping_ = false;

  std::thread reader_;  // started last, joined first
};

}  // namespace chatd
