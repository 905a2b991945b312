// Test harness for integration tests: the real chatd as a child process (port 0, temp data
// folder), and a small blocking WebSocket client with timeouts.
// Thread-safety: one test thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/hello_captcha.hpp"

namespace chatd::testing {

// A temporary folder, removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The real chatd, started with `args` plus --listen 127.0.0.1:0 and --data; with `open_files` > 0,
// under that open-files limit; `binary` empty: the chatd built here (else another build of it, for
// a benchmark of two builds side by side).
class ChatdProcess {
 public:
  ChatdProcess(const std::string& data_dir, std::vector<std::string> args, std::size_t open_files = 0,
               const std::string& binary = {});
  ~ChatdProcess();  // SIGTERM, then SIGKILL if it does not stop

  std::uint16_t port() const { return port_; }
  std::uint16_t palette_port() const { return palette_port_; }  // with --palette-listen
  pid_t pid() const { return pid_; }
  void kill_hard();          // SIGKILL, and wait for it
  int stop();                // SIGTERM, wait, return the exit status
  std::string output() const { return output_; }  // what it printed up to "listening on"
  // Its log (stderr) so far, of this process and of those before it on this ChatdProcess.
  std::string log_text() const;
  // Whether the log holds `needle` within `timeout`.
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

 private:
  TempDir log_dir_;
  std::string log_file_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t palette_port_ = 0;
  std::string output_;
};

// A TLS client's side of the handshake.
struct TlsClient {
  int min_version = 0;  // TLS1_2_VERSION and the like; 0: OpenSSL's default
  int max_version = 0;
  bool legacy = false;  // OpenSSL's security level 0, so that TLS 1.0 and 1.1 can be offered at all
  std::string ca_file;  // verify the server's certificate against it, for the name "localhost"; empty: no check
};

// A self-signed certificate (P-256, for localhost and 127.0.0.1) and its key, written to
// DIR/NAME.crt and DIR/NAME.key.
struct TestCertificate {
  std::string cert_file;
  std::string key_file;
  std::string fingerprint;  // SHA-256 of the certificate, hex (what chatd logs)
};
TestCertificate write_test_certificate(const std::string& dir, const std::string& name);

struct TlsHandshake {
  bool ok = false;
  std::string error;        // OpenSSL's reason, when it failed
  std::string fingerprint;  // of the server's certificate
  std::string version;      // "TLSv1.3", ...
};
// One TLS handshake with chatd on 127.0.0.1:port (bounded to 5 s), then the connection is dropped.
TlsHandshake tls_handshake(std::uint16_t port, const TlsClient& tls);

struct CloseInfo {
  int code = 0;
  std::string reason;
};

// A blocking WebSocket client; every wait is bounded.
class WsClient {
 public:
  // With `tls`: wss:// (the handshake throws if it fails).
  WsClient(std::uint16_t port, const std::string& path, int receive_buffer = 0, const TlsClient* tls = nullptr);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  void send(const std::string& text);
  // Half-closes the TCP connection (no more bytes from us), as a peer that vanished mid-way may.
  void shutdown_send();
  void send_binary(const std::string& bytes);
  // Sends a ping control frame; false once the connection is gone.
  bool send_ping();
  // The next text frame, or nullopt if the connection closed (see close_info()) or `timeout` passed.
  std::optional<std::string> recv(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads frames until one contains `needle`; returns it, or nullopt.
  std::optional<std::string> recv_until(const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool closed() const { return closed_; }
  const CloseInfo& close_info() const { return close_; }
  bool timed_out() const { return timed_out_; }
  // Over TLS: the SHA-256 of the certificate the server presented ("" over plain TCP).
  std::string peer_fingerprint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool closed_ = false;
  bool timed_out_ = false;
  CloseInfo close_;
};

// A blocking client of a line protocol over TLS (the palette with --palette-tls); every wait bounded.
class TlsLineClient {
 public:
  TlsLineClient(std::uint16_t port, const TlsClient& tls);
  ~TlsLineClient();
  void send(const std::string& bytes);
  // Everything received until `needle` is in it (and it is returned, and taken), or "" after the timeout.
  std::string until(const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Whether the server ended the connection within `timeout` (what came meanwhile is kept).
  bool closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  bool read_for(std::chrono::milliseconds wait);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string got_;
  bool closed_ = false;
  bool timed_out_ = false;
};

// Another program (chatreplay) as a child process, its stdout captured through a pipe; stderr is
// inherited (it lands in the test's log).
class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> argv);  // argv[0]: the program's path
  ~ChildProcess();  // SIGTERM and wait, if it is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Appends what the child writes within `timeout` to output(); false once its stdout is closed.
  bool read_for(std::chrono::milliseconds timeout);
  const std::string& output() const { return output_; }
  void terminate();  // SIGTERM
  // Reads until EOF (bounded by `timeout`, then SIGKILL) and returns the exit code (128+signal).
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string output_;
};

struct CommandResult {
  int code = -1;
  std::string out;
};
// Runs a program to completion (bounded) and returns its exit code and stdout.
CommandResult run_command(std::vector<std::string> argv);

// CPU time (user + system) a process has used so far, from /proc/PID/stat.
double cpu_seconds(pid_t pid);

// How many files (sockets included) a process has open, from /proc/PID/fd.
std::size_t open_files(pid_t pid);

// Tries an HTTP GET (or a WebSocket upgrade when `upgrade`) and returns the HTTP status (0: no answer).
int http_status(std::uint16_t port, const std::string& path, bool upgrade);

struct HttpAnswer {
  int status = 0;  // 0: no answer
  std::string content_type;
  std::string body;
};
struct HttpRequest {
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  bool upgrade = false;                 // a WebSocket upgrade's headers
  std::string source = "127.0.0.1";     // the client's address: another loopback one (127.0.0.2) is another client
  const TlsClient* tls = nullptr;       // https
};
// One HTTP GET to chatd on 127.0.0.1:port, from `source`; its answer.
HttpAnswer http_get(std::uint16_t port, const HttpRequest& request);


}  // namespace chatd::testing
