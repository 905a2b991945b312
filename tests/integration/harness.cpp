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
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <cstdio>
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

namespace {
namespace ssl = asio::ssl;

std::unique_ptr<ssl::context> client_context(const TlsClient& tls) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = context->native_handle();
  if (tls.legacy) {
    SSL_CTX_set_security_level(native, 0);
    SSL_CTX_set_cipher_list(native, "DEFAULT:@SECLEVEL=0");
  }
  if (tls.min_version) SSL_CTX_set_min_proto_version(native, tls.min_version);
  if (tls.max_version) SSL_CTX_set_max_proto_version(native, tls.max_version);
  if (!tls.ca_file.empty()) {
    context->load_verify_file(tls.ca_file);
    context->set_verify_mode(ssl::verify_peer);
  } else {
    context->set_verify_mode(ssl::verify_none);
  }
  return context;
}

// SNI and, when the certificate is checked, the name it must be for.
void prepare(SSL* ssl, const TlsClient& tls) {
  SSL_set_tlsext_host_name(ssl, "localhost");
  if (!tls.ca_file.empty()) SSL_set1_host(ssl, "localhost");
}

std::string hex(const unsigned char* bytes, unsigned int size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) out += {kHex[bytes[i] >> 4], kHex[bytes[i] & 15]};
  return out;
}

std::string fingerprint_of(X509* cert) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!cert || X509_digest(cert, EVP_sha256(), digest, &size) != 1) return {};
  return hex(digest, size);
}

std::string peer_fingerprint_of(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  std::string out = fingerprint_of(cert);
  X509_free(cert);
  return out;
}

std::string tls_reason(const beast::error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category())
    if (const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) return reason;
  return ec.message();
}

// Runs `io` until `done` or `timeout`; false if the time ran out.
bool run_until(asio::io_context& io, const bool& done, std::chrono::milliseconds timeout) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
  return done;
}
}  // namespace

TestCertificate write_test_certificate(const std::string& dir, const std::string& name) {
  TestCertificate out{dir + "/" + name + ".crt", dir + "/" + name + ".key", ""};
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  if (!key || !cert) throw std::runtime_error("cannot make a test key");
  X509_set_version(cert, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, subject);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"}, std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert, key, EVP_sha256()) == 0) throw std::runtime_error("cannot sign the test certificate");
  FILE* c = std::fopen(out.cert_file.c_str(), "w");
  FILE* k = std::fopen(out.key_file.c_str(), "w");
  if (!c || !k) throw std::runtime_error("cannot write the test certificate in " + dir);
  PEM_write_X509(c, cert);
  PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(c);
  std::fclose(k);
  out.fingerprint = fingerprint_of(cert);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

TlsHandshake tls_handshake(std::uint16_t port, const TlsClient& tls) {
  asio::io_context io;
  auto context = client_context(tls);
  ssl::stream<tcp::socket> stream(io, *context);
  prepare(stream.native_handle(), tls);
  stream.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  bool done = false;
  beast::error_code result;
  stream.async_handshake(ssl::stream_base::client, [&](beast::error_code ec) {
    done = true;
    result = ec;
  });
  TlsHandshake out;
  if (!run_until(io, done, std::chrono::seconds(5))) {
    out.error = "timed out";
    return out;
  }
  out.ok = !result;
  if (result) out.error = tls_reason(result);
  out.fingerprint = peer_fingerprint_of(stream.native_handle());
  out.version = SSL_get_version(stream.native_handle());
  return out;
}

struct WsClient::Impl {
  asio::io_context io;
  std::unique_ptr<ssl::context> context;  // over TLS
  std::optional<websocket::stream<tcp::socket>> plain;
  std::optional<websocket::stream<ssl::stream<tcp::socket>>> secure;
  beast::flat_buffer buffer;

  // Calls f with the WebSocket, whichever it is.
  template <class F>
  decltype(auto) with(F&& f) {
    if (plain) return f(*plain);
    return f(*secure);
  }
};

WsClient::WsClient(std::uint16_t port, const std::string& path, int receive_buffer, const TlsClient* tls)
    : impl_(std::make_unique<Impl>()) {
  if (tls) {
    impl_->context = client_context(*tls);
    impl_->secure.emplace(impl_->io, *impl_->context);
    prepare(impl_->secure->next_layer().native_handle(), *tls);
  } else {
    impl_->plain.emplace(impl_->io);
  }
  impl_->with([&](auto& ws) {
    auto& sock = beast::get_lowest_layer(ws);
    sock.open(tcp::v4());
    if (receive_buffer > 0) sock.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    if constexpr (!std::is_same_v<std::decay_t<decltype(ws.next_layer())>, tcp::socket>)
      ws.next_layer().handshake(ssl::stream_base::client);
    ws.handshake("127.0.0.1:" + std::to_string(port), path);
    ws.read_message_max(1 << 20);
  });
}

WsClient::~WsClient() {
  beast::error_code ignored;
  impl_->with([&](auto& ws) { beast::get_lowest_layer(ws).close(ignored); });
}

std::string WsClient::peer_fingerprint() const {
  return impl_->secure ? peer_fingerprint_of(impl_->secure->next_layer().native_handle()) : "";
}

void WsClient::send(const std::string& text) {
  impl_->with([&](auto& ws) {
    ws.text(true);
    ws.write(asio::buffer(text));
  });
}

void WsClient::shutdown_send() {
  beast::error_code ignored;
  impl_->with([&](auto& ws) { beast::get_lowest_layer(ws).shutdown(tcp::socket::shutdown_send, ignored); });
}

void WsClient::send_binary(const std::string& bytes) {
  impl_->with([&](auto& ws) {
    ws.binary(true);
    ws.write(asio::buffer(bytes));
  });
}

bool WsClient::send_ping() {
  beast::error_code ec;
  impl_->with([&](auto& ws) { ws.ping({}, ec); });
  return !ec;
}

std::optional<std::string> WsClient::recv(std::chrono::milliseconds timeout) {
  if (closed_ || timed_out_) return std::nullopt;
  bool done = false;
  beast::error_code result;
  impl_->buffer.clear();
  impl_->with([&](auto& ws) {
    ws.async_read(impl_->buffer, [&](beast::error_code ec, std::size_t) {
      done = true;
      result = ec;
    });
  });
  impl_->io.restart();
  impl_->io.run_for(timeout);
  if (!done) {
    // A cancelled WebSocket read leaves the stream unusable: this client is done.
    timed_out_ = true;
    beast::error_code ignored;
    impl_->with([&](auto& ws) { beast::get_lowest_layer(ws).cancel(ignored); });
    impl_->io.restart();
    impl_->io.run();
    return std::nullopt;
  }
  if (result) {
    closed_ = true;
    impl_->with([&](auto& ws) {
      close_.code = ws.reason().code;
      close_.reason = std::string(ws.reason().reason.c_str());
    });
    return std::nullopt;
  }
  return beast::buffers_to_string(impl_->buffer.data());
}

struct TlsLineClient::Impl {
  asio::io_context io;
  std::unique_ptr<ssl::context> context;
  std::optional<ssl::stream<tcp::socket>> stream;
};

TlsLineClient::TlsLineClient(std::uint16_t port, const TlsClient& tls) : impl_(std::make_unique<Impl>()) {
  impl_->context = client_context(tls);
  impl_->stream.emplace(impl_->io, *impl_->context);
  prepare(impl_->stream->native_handle(), tls);
  impl_->stream->next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  impl_->stream->handshake(ssl::stream_base::client);
}

TlsLineClient::~TlsLineClient() {
  beast::error_code ignored;
  impl_->stream->next_layer().close(ignored);
}

void TlsLineClient::send(const std::string& bytes) { asio::write(*impl_->stream, asio::buffer(bytes)); }

// Reads what comes within `wait` into `got`; false once the connection has ended.
bool TlsLineClient::read_for(std::chrono::milliseconds wait) {
  if (closed_) return false;
  char buffer[8192];
  bool done = false;
  impl_->stream->async_read_some(asio::buffer(buffer), [&](beast::error_code ec, std::size_t n) {
    done = true;
    if (ec) closed_ = true;
    else got_.append(buffer, n);
  });
  if (!run_until(impl_->io, done, wait)) {
    // A cancelled TLS read leaves the stream unusable: wait for it to end, and this client is done.
    beast::error_code ignored;
    impl_->stream->next_layer().cancel(ignored);
    impl_->io.restart();
    impl_->io.run();
    closed_ = true;
    timed_out_ = true;
  }
  return !closed_;
}

std::string TlsLineClient::until(const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (got_.find(needle) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !read_for(left)) break;
  }
  const auto at = got_.find(needle);
  if (at == std::string::npos) return "";
  std::string out = got_.substr(0, at + needle.size());
  got_.erase(0, at + needle.size());
  return out;
}

bool TlsLineClient::closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (read_for(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())) &&
         std::chrono::steady_clock::now() < deadline) {
  }
  return closed_ && !timed_out_;
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

namespace {
template <class Stream>
HttpAnswer http_exchange(Stream& stream, const HttpRequest& request) {
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
}  // namespace

HttpAnswer http_get(std::uint16_t port, const HttpRequest& request) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  tcp::socket& socket = stream.socket();
  socket.open(tcp::v4());
  socket.bind(tcp::endpoint(asio::ip::make_address(request.source), 0));
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  stream.expires_after(std::chrono::seconds(10));  // a server that never answers fails the test, not hangs it
  if (!request.tls) return http_exchange(stream, request);
  auto context = client_context(*request.tls);
  beast::ssl_stream<beast::tcp_stream&> secure(stream, *context);
  prepare(secure.native_handle(), *request.tls);
  beast::error_code ec;
  secure.handshake(ssl::stream_base::client, ec);
  if (ec) return {};
  return http_exchange(secure, request);
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
