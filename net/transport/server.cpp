#include "net/transport/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <openssl/err.h>
#include <sys/statvfs.h>

#include <chrono>
#include <sstream>

#include "core/base/json_text.hpp"
#include "core/session/commands.hpp"
#include "net/log.hpp"
#include "net/metrics.hpp"
#include "net/transport/palette_session.hpp"
#include "net/transport/tls.hpp"
#include "net/transport/ws_session.hpp"

namespace chatd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kHandshakeTimeout{10};
// accept() failing for want of files or memory is retried after a pause that doubles up to 1 s:
// retried at once, it fails again at once and spins the network thread at 100 %.
constexpr TimeMs kFirstAcceptPauseMs = 10;
constexpr TimeMs kLongestAcceptPauseMs = 1'000;
constexpr TimeMs kDiskCheckEveryMs = 1'000;  // one statvfs per second at most

std::string address_key(const asio::ip::address& a) {
  if (a.is_v4()) {
    auto bytes = a.to_v4().to_bytes();
    return Admission::key_of(bytes);
  }
  auto bytes = a.to_v6().to_bytes();
  return Admission::key_of(bytes);
}

AdmissionLimits admission_limits(const Config& c) {
  AdmissionLimits limits;
  limits.max_connections = c.max_connections;
  limits.max_per_address = c.max_connections_per_address;
  limits.max_handshakes = c.max_handshakes;
  limits.new_per_window = c.throttle_connections;
  limits.window_ms = c.throttle_window_ms;
  for (const std::string& exempt : c.throttle_exempt)  // checked when parsed (net/config.cpp)
    if (auto key = Admission::key_of_text(exempt)) limits.exempt.push_back(*key);
  return limits;
}

// Every HTTP answer chatd gives: a JSON body, and the connection closes after it.
http::response<http::string_body> json_response(http::status status, unsigned version, std::string body) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::server, "chatd");
  res.set(http::field::content_type, "application/json");
  res.keep_alive(false);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// A refusal at accept, before anything is read: one small write straight into the new socket's
// empty send buffer, then the close. Nothing waits, so a refused connection holds its file for
// microseconds, however many come.
// A palette connection (`line`) is told in a line of text, a WebSocket one in an HTTP answer.
void refuse_at_once(ConnectionSocket& socket, http::status status, std::string_view error, bool line = false) {
  std::string answer;
  if (line) {
    answer = "Connection refused: " + std::string(error) + "\r\n";
  } else {
    std::string body = "{\"error\":";
    append_json_string(body, error);
    body += "}\n";
    std::ostringstream response;
    response << json_response(status, 11, std::move(body));
    answer = response.str();
  }
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(answer), ignored);
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  // What the client sent already is read and dropped: closing with unread bytes would send a
  // reset, and the client's kernel would throw the answer away before the client read it.
  char drain[4096];
  for (int i = 0; i < 4 && socket.read_some(asio::buffer(drain), ignored) > 0;) ++i;
  socket.close(ignored);
}

// Bounds a connection's handshake (TLS, then the HTTP request, or the answer to it) to
// kHandshakeTimeout: past it the socket is closed, which fails whatever is pending on it. Disarmed
// before the socket is handed on (or with the coroutine's end), a wake-up already queued then finds
// nothing to close.
class HandshakeDeadline {
 public:
  explicit HandshakeDeadline(ConnectionSocket& socket)
      : timer_(socket.get_executor()), target_(std::make_shared<ConnectionSocket*>(&socket)) {
    timer_.expires_after(kHandshakeTimeout);
    timer_.async_wait([target = target_](const beast::error_code& ec) {
      if (ec || !*target) return;
      beast::error_code ignored;
      (*target)->close(ignored);
    });
  }
  ~HandshakeDeadline() { disarm(); }
  HandshakeDeadline(const HandshakeDeadline&) = delete;
  HandshakeDeadline& operator=(const HandshakeDeadline&) = delete;
  void disarm() {
    *target_ = nullptr;
    timer_.cancel();
  }

 private:
  asio::steady_timer timer_;
  std::shared_ptr<ConnectionSocket*> target_;
};

template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsConnectionSocket>;

ConnectionSocket& tcp_of(ConnectionSocket& socket) { return socket; }
ConnectionSocket& tcp_of(TlsConnectionSocket& stream) { return stream.next_layer(); }

// Why a TLS handshake failed, for the debug log: OpenSSL's reason ("unsupported protocol",
// "wrong version number" for a plain client, "http request" for HTTP on the TLS port...).
std::string tls_failure(const beast::error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category()) {
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    if (reason) return reason;
  }
  return ec.message();
}

http::status status_of(Admission::Verdict v) {
  return v == Admission::Verdict::kAddressFull || v == Admission::Verdict::kThrottled ? http::status::too_many_requests
                                                                                       : http::status::service_unavailable;
}
}  // namespace

void report_coroutine_failure(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    log::error("connection_failed").field("error", e.what());
  } catch (...) {
    log::error("connection_failed").field("error", "not a std::exception");
  }
}

TimeMs SystemClock::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TimeMs MonotonicClock::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ServerContext::ServerContext(const Config& c, EngineRunner& r, CaptchaService& cs)
    : config(c),
      runner(r),
      captcha(cs),
      palette(PaletteOptions{c.palette_welcome, c.palette_name_limit, c.palette_chatview, c.palette_message_limit}),
      credentials(c.password_process
                      ? std::unique_ptr<CredentialService>(std::make_unique<CredentialProcess>("/proc/self/exe", c.password_workers, c.password_queue))
                      : std::make_unique<CredentialPool>(hasher, c.password_workers, c.password_queue)),
      admission(admission_limits(c)),
      password_failures(c.password_failures_per_address, 60'000),
      password_work(c.password_work_per_address, 60'000),
      target_failures(c.password_failures_per_account, 60'000) {
  SessionOptions base;
  base.idle = IdlePolicy{c.gate_ms, c.idle_state_ms, c.silence_ms, c.idle_connected_ms};
  base.rate_per_sec = c.rate_per_sec;
  base.rate_burst = c.rate_burst;
  base.flood_after_ms = c.flood_after_ms;
  base.max_inflight = c.max_inflight;
  base.max_frame_bytes = c.max_frame_bytes;
  base.max_message_bytes = c.max_message_bytes;
  base.operators = &operators;
  base.address_failures = &password_failures;
  base.address_password_work = &password_work;
  base.target_failures = &target_failures;
  native_options = base;
  native_options.captcha_required = c.captcha_native;
  lowf_options = base;
  lowf_options.captcha_required = c.captcha_lowf;
  // A telnet user can solve no captcha and answers no ping: the palette is gated by the limits and
  // the idle deadlines (a member of a room is never idle), and the kernel's keepalive.
  palette_options = base;
  palette_options.captcha_required = false;
  palette_options.idle.silence_ms = 0;
}

struct Server::Impl {
  Impl(asio::io_context& io, ServerContext& ctx)
      : io(io), ctx(ctx), acceptor(io.get_executor()), palette_acceptor(io.get_executor()), deadline_timer(io), accept_pause(io) {
    ctx.wake_deadline_timer = [this] { deadline_timer.cancel(); };
  }
  ~Impl() { ctx.wake_deadline_timer = [] {}; }

  // The one timer behind every session's watchdog: sleeps until the earliest wake-up in
  // ctx.deadlines (or until a session pushes an earlier one), then hands each due entry to its
  // session, if that session still runs.
  asio::awaitable<void> serve_deadlines() {
    for (;;) {
      TimeMs next = ctx.deadlines.next();
      if (next == IdleTracker::kNever)
        deadline_timer.expires_at(asio::steady_timer::time_point::max());
      else
        deadline_timer.expires_after(std::chrono::milliseconds(std::max<TimeMs>(next - ctx.clock.now_ms(), 0)));
      co_await deadline_timer.async_wait(kTuple);
      TimeMs now = ctx.clock.now_ms();
      // Only what was due when this pass began: a session that asks again for a time already past
      // is served on the next pass, after the handlers queued meanwhile have run, never in a loop
      // that starves them.
      due.clear();
      while (auto entry = ctx.deadlines.pop_due(now)) due.push_back(*entry);
      for (const DeadlineQueue::Entry& entry : due) {
        auto it = ctx.sessions.find(entry.session);
        if (it == ctx.sessions.end()) continue;
        try {
          it->second->on_deadline(entry.when, now);
        } catch (...) {
          report_coroutine_failure(std::current_exception());  // one session's failure stops no one's watchdog
        }
      }
    }
  }

  // Accepts on `from`: WebSocket connections (the main port) or palette ones (its own port).
  asio::awaitable<void> accept_loop(asio::basic_socket_acceptor<tcp, ConnectionExecutor>& from, bool palette) {
    TimeMs pause = kFirstAcceptPauseMs;
    while (!ctx.stopping) {
      auto [ec, socket] = co_await from.async_accept(kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || ctx.stopping) co_return;
        if (ec == asio::error::no_descriptors || ec.value() == ENFILE || ec == asio::error::no_buffer_space ||
            ec == asio::error::no_memory) {
          // Keep serving those already connected; try again after a pause.
          if (pause == kFirstAcceptPauseMs) log::warn("accept_paused").field("error", ec.message()).field("palette", palette);
          accept_pause.expires_after(std::chrono::milliseconds(pause));
          co_await accept_pause.async_wait(kTuple);
          pause = std::min(pause * 2, kLongestAcceptPauseMs);
        }
        continue;  // (a connection reset before it was accepted, and the like: the next one)
      }
      pause = kFirstAcceptPauseMs;
      admit(std::move(socket), palette);
    }
  }

  // Counts the connection in, or refuses it at once (the counts, the throttle, the disk floor).
  void admit(ConnectionSocket socket, bool palette) {
    beast::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    if (ec) return;
    const TimeMs now = ctx.clock.now_ms();
    const bool tls = ctx.tls && (!palette || ctx.config.palette_tls);
    // A refusal on a TLS port is the close alone: an answer would cost the handshake the throttle
    // is there to spare, and a TLS client reads no plain text (it reports the handshake failed).
    auto refuse = [&](http::status status, std::string_view error) {
      if (tls) {
        beast::error_code ignored;
        socket.close(ignored);
        return;
      }
      refuse_at_once(socket, status, error, palette);
    };
    if (disk_below_floor(now)) {
      log::info("connection_rejected").field("reason", "disk_full").peer("peer", remote.address().to_string());
      metrics::process().connections_rejected[kDiskFullIndex].add();
      return refuse(http::status::service_unavailable, "the server's disk is full; try later");
    }
    std::string key = address_key(remote.address());
    const Admission::Verdict verdict = ctx.admission.admit(key, now);
    if (verdict != Admission::Verdict::kAdmitted) {
      // Moderators ask about abusive addresses, but a throttled address must not grow the log
      // either: one audit event per address per throttle window.
      if (verdict == Admission::Verdict::kThrottled && ctx.admission.first_refusal_in_window(key))
        ctx.runner.submit(RecordRejection{remote.address().to_string(), Admission::to_string(verdict)}, nullptr, "");
      log::info("connection_rejected").field("reason", Admission::name_of(verdict)).peer("peer", remote.address().to_string());
      metrics::process().connections_rejected[static_cast<std::size_t>(verdict)].add();
      return refuse(status_of(verdict), Admission::to_string(verdict));
    }
    AdmissionSlot slot(ctx.admission, std::move(key));
    if (tls) {
      // The context of this moment: a reload later changes what new connections get, not this one.
      asio::co_spawn(io, tls_handshake(TlsConnectionSocket(std::move(socket), ctx.tls->current()), palette,
                                       remote.address().to_string(), std::move(slot)),
                     report_coroutine_failure);
      return;
    }
    if (palette) {
      if (ctx.stopping) return;
      slot.upgraded();  // no handshake on a line stream: a session at once
      return start_palette_session(ctx, std::move(socket), remote.address().to_string(), std::move(slot));
    }
    asio::co_spawn(io, handshake(std::move(socket), remote.address().to_string(), std::move(slot)), report_coroutine_failure);
  }

  // The TLS handshake (within the handshake's time), then the palette's session or the HTTP request.
  asio::awaitable<void> tls_handshake(TlsConnectionSocket stream, bool palette, std::string addr, AdmissionSlot slot) {
    HandshakeDeadline deadline(stream.next_layer());
    beast::error_code ec;
    stream.next_layer().set_option(tcp::no_delay(true), ec);
    std::tie(ec) = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) {
      metrics::process().tls_handshakes_failed.add();
      log::debug("tls_handshake_failed").field("error", tls_failure(ec)).field("palette", palette).peer("peer", addr);
      co_return;
    }
    metrics::process().tls_handshakes_ok.add();
    if (!palette) {
      deadline.disarm();  // handshake() arms its own for the HTTP request
      co_await handshake(std::move(stream), std::move(addr), std::move(slot));
      co_return;
    }
    if (ctx.stopping) co_return;
    deadline.disarm();
    slot.upgraded();
    start_palette_session(ctx, std::move(stream), std::move(addr), std::move(slot));
  }

  // Whether free space on the data folder's disk is under --min-free-disk: then new connections
  // are refused (each writes events) while those connected go on. Checked once a second at most.
  bool disk_below_floor(TimeMs now) {
    if (ctx.config.min_free_disk_mb == 0) return false;
    if (now < next_disk_check) return disk_low;
    next_disk_check = now + kDiskCheckEveryMs;
    struct statvfs fs {};
    if (statvfs(ctx.config.data_dir.c_str(), &fs) != 0) return disk_low;  // unknown: as it was
    const std::uint64_t free_mb = (static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize) >> 20;
    const bool low = free_mb < ctx.config.min_free_disk_mb;
    if (low != disk_low)
      log::warn(low ? "disk_low" : "disk_ok").field("free_mib", free_mb).field("floor_mib", ctx.config.min_free_disk_mb);
    disk_low = low;
    return disk_low;
  }

  // Reads the HTTP request and routes it; never more than kHandshakeTimeout.
  template <class Stream>
  asio::awaitable<void> handshake(Stream stream, std::string addr, AdmissionSlot slot) {
    HandshakeDeadline deadline(tcp_of(stream));
    beast::error_code ec;
    tcp_of(stream).set_option(tcp::no_delay(true), ec);

    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(1024);
    auto [read_ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
    if (read_ec) co_return;
    slot.upgraded();  // read: no longer a handshake in progress
    http::request<http::string_body> request = parser.release();
    std::string_view target(request.target().data(), request.target().size());
    std::string_view path = target.substr(0, target.find('?'));

    if (!beast::websocket::is_upgrade(request)) {
      if (request.method() == http::verb::get && path == "/health")
        co_await respond(stream, request, http::status::ok, "{\"status\":\"ok\"}\n");
      else if (request.method() == http::verb::get && path == "/metrics")
        co_await serve_metrics(stream, request);
      else
        co_await respond(stream, request, http::status::not_found, "{\"error\":\"not_found\"}\n");
      co_return;
    }
    const WebSocketRoute route = websocket_route(ctx.config, path);
    const WireDialect* dialect = route == WebSocketRoute::kNative ? static_cast<const WireDialect*>(&ctx.native)
                                 : route == WebSocketRoute::kLowf ? static_cast<const WireDialect*>(&ctx.lowf)
                                                                  : nullptr;
    if (!dialect) {
      co_await respond(stream, request, http::status::not_found, "{\"error\":\"no WebSocket dialect at this path\"}\n");
      co_return;
    }
    if (ctx.stopping) co_return;
    deadline.disarm();
    const SessionOptions& options = dialect == &ctx.lowf ? ctx.lowf_options : ctx.native_options;
    start_ws_session(ctx, std::move(stream), std::move(request), *dialect, options, std::move(addr), std::move(slot));
  }

  // GET /metrics, for an operator's bearer token only: the counts tell about everyone (as `info`
  // does), and behind a proxy every client would look local, so the peer's address admits no one.
  template <class Stream>
  asio::awaitable<void> serve_metrics(Stream& stream, const http::request<http::string_body>& request) {
    std::string_view authorization(request[http::field::authorization].data(), request[http::field::authorization].size());
    constexpr std::string_view kBearer = "Bearer ";
    const bool admitted = authorization.substr(0, kBearer.size()) == kBearer && ctx.operators.admits(authorization.substr(kBearer.size()));
    if (!admitted) {
      http::response<http::string_body> res = json_response(
          http::status::unauthorized, request.version(),
          "{\"error\":\"unauthorized\",\"message\":\"/metrics needs an operator token (--operator-token-file): Authorization: Bearer TOKEN\"}\n");
      res.set(http::field::www_authenticate, "Bearer realm=\"chatd\"");
      co_await write_and_close(stream, res);
      co_return;
    }
    metrics::Exposition out;
    render_metrics(out);
    http::response<http::string_body> res{http::status::ok, request.version()};
    res.set(http::field::server, "chatd");
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.keep_alive(false);
    res.body() = out.text();
    res.prepare_payload();
    co_await write_and_close(stream, res);
  }

  void render_metrics(metrics::Exposition& out) {
    out.family("chatd_build_info", "gauge", "chatd's version and log schema; always 1.");
    out.sample("chatd_build_info", metrics::Exposition::label("version", ctx.version) + "," +
                                       metrics::Exposition::label("log_schema", std::to_string(log::kSchemaVersion)),
               std::uint64_t{1});
    out.family("chatd_connections_open", "gauge", "TCP connections open, from their accept to their close.");
    out.sample("chatd_connections_open", "", static_cast<std::uint64_t>(ctx.admission.connections()));
    out.family("chatd_handshakes_in_progress", "gauge", "Connections whose HTTP upgrade is not read yet (--max-handshakes).");
    out.sample("chatd_handshakes_in_progress", "", static_cast<std::uint64_t>(ctx.admission.handshakes()));
    out.family("chatd_outbound_queued_bytes", "gauge", "Bytes queued to clients in all sessions (--max-queued-bytes bounds each).");
    out.sample("chatd_outbound_queued_bytes", "", static_cast<std::uint64_t>(ctx.queued_bytes));
    metrics::render_process(out, &rejection_name);
    ctx.runner.render_metrics(out);
    struct statvfs fs {};
    if (statvfs(ctx.config.data_dir.c_str(), &fs) == 0) {
      out.family("chatd_disk_free_bytes", "gauge", "Free space for chatd on the data folder's disk (--min-free-disk).");
      out.sample("chatd_disk_free_bytes", "", static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize);
    }
    if (ctx.storage_metrics) ctx.storage_metrics(out);
  }

  // Process::connections_rejected is indexed by Admission::Verdict, and disk_full after them.
  static constexpr std::size_t kDiskFullIndex = static_cast<std::size_t>(Admission::Verdict::kThrottled) + 1;
  static const char* rejection_name(std::size_t index) {
    if (index == kDiskFullIndex) return "disk_full";
    if (index == 0 || index > static_cast<std::size_t>(Admission::Verdict::kThrottled)) return nullptr;
    return Admission::name_of(static_cast<Admission::Verdict>(index));
  }

  template <class Stream>
  asio::awaitable<void> write_and_close(Stream& stream, http::response<http::string_body>& res) {
    auto [ec, n] = co_await http::async_write(stream, res, kTuple);
    if constexpr (kIsTls<Stream>) {
      if (!ec) co_await stream.async_shutdown(kTuple);  // close_notify and the peer's (the deadline bounds it)
    }
    beast::error_code ignored;
    tcp_of(stream).shutdown(tcp::socket::shutdown_send, ignored);
  }

  template <class Stream>
  asio::awaitable<void> respond(Stream& stream, const http::request<http::string_body>& request,
                                http::status status, std::string body) {
    http::response<http::string_body> res = json_response(status, request.version(), std::move(body));
    co_await write_and_close(stream, res);
  }

  asio::io_context& io;
  ServerContext& ctx;
  asio::basic_socket_acceptor<tcp, ConnectionExecutor> acceptor;  // its sockets take its executor type
  asio::basic_socket_acceptor<tcp, ConnectionExecutor> palette_acceptor;  // open only with --palette-listen
  asio::steady_timer deadline_timer;
  asio::steady_timer accept_pause;  // the back-off when accept() fails for want of files
  TimeMs next_disk_check = 0;
  bool disk_low = false;
  std::vector<DeadlineQueue::Entry> due;  // serve_deadlines' scratch
};

Server::Server(asio::io_context& io, ServerContext& ctx) : impl_(std::make_unique<Impl>(io, ctx)) {}
Server::~Server() = default;

std::string Server::listen() {
  auto address = asio::ip::make_address(impl_->ctx.config.listen_host);
  tcp::endpoint endpoint(address, impl_->ctx.config.listen_port);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(impl_->io, impl_->accept_loop(impl_->acceptor, false), report_coroutine_failure);
  asio::co_spawn(impl_->io, impl_->serve_deadlines(), report_coroutine_failure);
  auto bound = impl_->acceptor.local_endpoint();
  std::string host = bound.address().to_string();
  if (bound.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(bound.port());
}

std::string Server::listen_palette() {
  const std::string& where = impl_->ctx.config.palette_listen;
  const auto colon = where.rfind(':');
  std::string host = where.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  tcp::endpoint endpoint(asio::ip::make_address(host), static_cast<std::uint16_t>(std::stoul(where.substr(colon + 1))));
  auto& acceptor = impl_->palette_acceptor;
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(impl_->io, impl_->accept_loop(acceptor, true), report_coroutine_failure);
  auto bound = acceptor.local_endpoint();
  std::string shown = bound.address().to_string();
  if (bound.address().is_v6()) shown = "[" + shown + "]";
  return shown + ":" + std::to_string(bound.port());
}

void Server::notice(const std::string& text) {
  for (auto& [id, session] : impl_->ctx.sessions) session->notice(text);
}

void Server::stop() {
  impl_->ctx.stopping = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->palette_acceptor.close(ignored);
  for (auto& [id, session] : impl_->ctx.sessions)
    session->end(events::DisconnectReason::kServerShutdown, kCloseGoingAway, "server shutting down");
}

}  // namespace chatd

