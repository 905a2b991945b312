#include "net/transport/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <iostream>

#include "net/transport/ws_session.hpp"

namespace chatd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kHandshakeTimeout{10};
}  // namespace

void report_coroutine_failure(std::exception_ptr error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::cerr << "chatd: a connection ended on an unexpected error: " << e.what() << std::endl;
  } catch (...) {
    std::cerr << "chatd: a connection ended on an unexpected error" << std::endl;
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

ServerContext::ServerContext(const Config& c, EngineRunner& r, CaptchaService& cs) : config(c), runner(r), captcha(cs) {
  SessionOptions base;
  base.idle = IdlePolicy{c.gate_ms, c.idle_state_ms, c.silence_ms, c.idle_connected_ms};
  base.rate_per_sec = c.rate_per_sec;
  base.rate_burst = c.rate_burst;
  base.max_inflight = c.max_inflight;
  base.max_frame_bytes = c.max_frame_bytes;
  base.max_message_bytes = c.max_message_bytes;
  native_options = base;
  native_options.captcha_required = c.captcha_native;
  lowf_options = base;
  lowf_options.captcha_required = c.captcha_lowf;
}

struct Server::Impl {
  Impl(asio::io_context& io, ServerContext& ctx) : io(io), ctx(ctx), acceptor(io.get_executor()), deadline_timer(io) {
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

  asio::awaitable<void> accept_loop() {
    while (!ctx.stopping) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || ctx.stopping) co_return;
        continue;  // e.g. EMFILE: keep serving those already connected
      }
      asio::co_spawn(io, handshake(ConnectionStream(std::move(socket))), report_coroutine_failure);
    }
  }

  // Reads the HTTP request and routes it; never more than kHandshakeTimeout.
  asio::awaitable<void> handshake(ConnectionStream stream) {
    beast::error_code ec;
    auto remote = stream.socket().remote_endpoint(ec);
    if (ec) co_return;
    std::string addr = remote.address().to_string();
    stream.socket().set_option(tcp::no_delay(true), ec);

    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(1024);
    stream.expires_after(kHandshakeTimeout);
    auto [read_ec, n] = co_await http::async_read(stream, buffer, parser, kTuple);
    if (read_ec) co_return;
    http::request<http::string_body> request = parser.release();
    std::string_view target(request.target().data(), request.target().size());
    std::string_view path = target.substr(0, target.find('?'));

    if (!beast::websocket::is_upgrade(request)) {
      if (request.method() == http::verb::get && path == "/health")
        co_await respond(stream, request, http::status::ok, "{\"status\":\"ok\"}\n");
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
    if (ctx.connections >= ctx.config.max_connections) {
      co_await respond(stream, request, http::status::service_unavailable, "{\"error\":\"too many connections\"}\n");
      co_return;
    }
    auto it = ctx.connections_by_address.find(addr);
    if (it != ctx.connections_by_address.end() && it->second >= ctx.config.max_connections_per_address) {
      co_await respond(stream, request, http::status::too_many_requests,
                       "{\"error\":\"too many connections from your address\"}\n");
      co_return;
    }
    stream.expires_never();
    const SessionOptions& options = dialect == &ctx.lowf ? ctx.lowf_options : ctx.native_options;
    start_ws_session(ctx, std::move(stream), std::move(request), *dialect, options, std::move(addr));
  }

  asio::awaitable<void> respond(ConnectionStream& stream, const http::request<http::string_body>& request,
                                http::status status, std::string body) {
    http::response<http::string_body> res{status, request.version()};
    res.set(http::field::server, "chatd");
    res.set(http::field::content_type, "application/json");
    res.keep_alive(false);
    res.body() = std::move(body);
    res.prepare_payload();
    co_await http::async_write(stream, res, kTuple);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::io_context& io;
  ServerContext& ctx;
  asio::basic_socket_acceptor<tcp, ConnectionExecutor> acceptor;  // its sockets take its executor type
  asio::steady_timer deadline_timer;
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
  asio::co_spawn(impl_->io, impl_->accept_loop(), report_coroutine_failure);
  asio::co_spawn(impl_->io, impl_->serve_deadlines(), report_coroutine_failure);
  auto bound = impl_->acceptor.local_endpoint();
  std::string host = bound.address().to_string();
  if (bound.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(bound.port());
}

void Server::stop() {
  impl_->ctx.stopping = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  for (auto& [id, session] : impl_->ctx.sessions)
    session->end(events::DisconnectReason::kServerShutdown, kCloseGoingAway, "server shutting down");
}

}  // namespace chatd

