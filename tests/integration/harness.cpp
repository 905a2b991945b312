#include "tests/integration/harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>


namespace chatd::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;

namespace {

// Starts argv[0] with `argv`, its stdout into a new pipe whose read end is left in out[0] and, with
// `stderr_file`, its stderr appended to that file; with `open_files` > 0, under that open-files
// limit (soft and hard).
pid_t spawn(std::vector<std::string> argv, int out[2], std::size_t open_files = 0, const std::string& stderr_file = "") {
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    if (!stderr_file.empty()) {
      const int err = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (err < 0 || dup2(err, STDERR_FILENO) < 0) _exit(126);
    }
    close(out[0]);
    close(out[1]);
    if (open_files > 0) {
      rlimit files{static_cast<rlim_t>(open_files), static_cast<rlim_t>(open_files)};
      if (setrlimit(RLIMIT_NOFILE, &files) != 0) _exit(126);
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  return pid;
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "chatd-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

ChatdProcess::ChatdProcess(const std::string& data_dir, std::vector<std::string> args, std::size_t open_files,
                           const std::string& binary) {
  const bool palette = std::find(args.begin(), args.end(), "--palette-listen") != args.end();
  // The tests stop chatd often: no countdown before the close unless a test asks for one.
  args.insert(args.begin(), {binary.empty() ? std::string(CHATD_BINARY) : binary, "--listen", "127.0.0.1:0", "--data", data_dir, "--shutdown-notice", "0"});
  int out[2];
  log_file_ = log_dir_.path() + "/chatd.stderr";
  pid_ = spawn(std::move(args), out, open_files, log_file_);
  // Read until "listening on ADDR:PORT\n" (and the palette's line, when it listens): bounded,
  // chatd prints them within a second or two.
  auto port_of = [&](const std::string& prefix) -> std::uint16_t {
    auto pos = output_.rfind("\n" + prefix, std::string::npos);
    if (pos == std::string::npos) pos = output_.rfind(prefix, 0) == 0 ? 0 : std::string::npos;
    else ++pos;
    if (pos == std::string::npos || output_.find('\n', pos) == std::string::npos) return 0;
    std::string line = output_.substr(pos, output_.find('\n', pos) - pos);
    return static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  char buf[256];
  while (std::chrono::steady_clock::now() < deadline) {
    port_ = port_of("listening on ");
    palette_port_ = palette ? port_of("palette listening on ") : 0;
    if (port_ != 0 && (!palette || palette_port_ != 0)) break;
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    output_.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);  // later output goes nowhere (SIGPIPE is ignored by writes to a closed pipe? no: discard)
  if (port_ == 0) {
    kill_hard();
    throw std::runtime_error("chatd did not start: " + output_ + log_text());
  }
}

std::string ChatdProcess::log_text() const {
  std::ifstream in(log_file_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool ChatdProcess::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (log_text().find(needle) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

ChatdProcess::~ChatdProcess() {
  if (pid_ > 0) stop();
}

void ChatdProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ChatdProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill_hard();
  return -1;
}

struct WsClient::Impl {
  asio::io_context io;
  websocket::stream<tcp::socket> ws{io};
  beast::flat_buffer buffer;
};

WsClient::WsClient(std::uint16_t port, const std::string& path, int receive_buffer) : impl_(std::make_unique<Impl>()) {
  auto& sock = impl_->ws.next_layer();
  sock.open(tcp::v4());
  if (receive_buffer > 0) sock.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  impl_->ws.handshake("127.0.0.1:" + std::to_string(port), path);
  impl_->ws.read_message_max(1 << 20);
}

WsClient::~WsClient() {
  beast::error_code ignored;
  impl_->ws.next_layer().close(ignored);
}

void WsClient::send(const std::string& text) {
  impl_->ws.text(true);
  impl_->ws.write(asio::buffer(text));
}

void WsClient::shutdown_send() {
  beast::error_code ignored;
  impl_->ws.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
}

void WsClient::send_binary(const std::string& bytes) {
  impl_->ws.binary(true);
  impl_->ws.write(asio::buffer(bytes));
}

bool WsClient::send_ping() {
  beast::error_code ec;
  impl_->ws.ping({}, ec);
  return !ec;
}

std::optional<std::string> WsClient::recv(std::chrono::milliseconds timeout) {
  if (closed_ || timed_out_) return std::nullopt;
  bool done = false;
  beast::error_code result;
  impl_->buffer.clear();
  impl_->ws.async_read(impl_->buffer, [&](beast::error_code ec, std::size_t) {
    done = true;
    result = ec;
  });
  impl_->io.restart();
  impl_->io.run_for(timeout);
  if (!done) {
    // A cancelled WebSocket read leaves the stream unusable: this client is done.
    timed_out_ = true;
    beast::error_code ignored;
    impl_->ws.next_layer().cancel(ignored);
    impl_->io.restart();
    impl_->io.run();
    return std::nullopt;
  }
  if (result) {
    closed_ = true;
    close_.code = impl_->ws.reason().code;
    close_.reason = std::string(impl_->ws.reason().reason.c_str());
    return std::nullopt;
  }
  return beast::buffers_to_string(impl_->buffer.data());
}

std::optional<std::string> WsClient::recv_until(const std::string& needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto frame = recv(left);
    if (!frame) return std::nullopt;
    if (frame->find(needle) != std::string::npos) return frame;
  }
}

double cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::size_t open_files(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) ++n;
  return n;
}

int http_status(std::uint16_t port, const std::string& path, bool upgrade) {
  HttpRequest request;
  request.path = path;
  request.upgrade = upgrade;
  return http_get(port, request).status;
}

HttpAnswer http_get(std::uint16_t port, const HttpRequest& request) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  tcp::socket& socket = stream.socket();
  socket.open(tcp::v4());
  socket.bind(tcp::endpoint(asio::ip::make_address(request.source), 0));
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, request.path, 11};
  req.set(beast::http::field::host, "127.0.0.1");
  if (request.upgrade) {
    req.set(beast::http::field::connection, "Upgrade");
    req.set(beast::http::field::upgrade, "websocket");
    req.set(beast::http::field::sec_websocket_version, "13");
    req.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  }
  for (const auto& [name, value] : request.headers) req.set(name, value);
  // A server that refuses at accept answers before it reads: the write may fail, the answer stands.
  beast::error_code ignored;
  beast::http::write(stream, req, ignored);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> res;
  beast::error_code ec;
  beast::http::read(stream, buffer, res, ec);
  if (ec) return {};
  return HttpAnswer{static_cast<int>(res.result_int()), std::string(res[beast::http::field::content_type]), res.body()};
}

ChildProcess::ChildProcess(std::vector<std::string> argv) {
  int out[2];
  pid_ = spawn(std::move(argv), out);
  out_fd_ = out[0];
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    terminate();
    wait(std::chrono::seconds(10));
  }
  if (out_fd_ >= 0) close(out_fd_);
}

bool ChildProcess::read_for(std::chrono::milliseconds timeout) {
  if (out_fd_ < 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{out_fd_, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
    if (r <= 0) return true;  // nothing more within the timeout
    ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) {
      close(out_fd_);
      out_fd_ = -1;
      return false;
    }
    output_.append(buf, static_cast<std::size_t>(n));
  }
}

void ChildProcess::terminate() {
  if (pid_ > 0) ::kill(pid_, SIGTERM);
}

int ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out_fd_ >= 0 && std::chrono::steady_clock::now() < deadline) read_for(std::chrono::milliseconds(100));
  if (out_fd_ >= 0) ::kill(pid_, SIGKILL);  // it overran its bound
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

CommandResult run_command(std::vector<std::string> argv) {
  ChildProcess child(std::move(argv));
  CommandResult r;
  r.code = child.wait();
  r.out = child.output();
  return r;
}

}  // namespace chatd::testing
