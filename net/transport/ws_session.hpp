// Starting a WebSocket connection on an accepted TCP connection whose HTTP upgrade request has
// been read (net/transport/server.cpp).
// Thread-safety: call on the network thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/transport/server_context.hpp"

namespace chatd {

// Client connections use the io_context's own executor rather than the type-erased
// any_io_executor (56 bytes, and an indirect call per dispatch): every pending operation of every
// connection carries its executor, so this is memory per idle connection and time per message.
using ConnectionExecutor = boost::asio::io_context::executor_type;
using ConnectionSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, ConnectionExecutor>;
// A TLS connection, its handshake done by the listener (net/transport/tls.hpp).
using TlsConnectionSocket = boost::asio::ssl::stream<ConnectionSocket>;
using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Takes over `socket` (its HTTP upgrade request already read), accepts the WebSocket handshake and
// runs the session in `dialect` until it ends. The TLS one is in its own translation unit
// (net/transport/wss_session.cpp).
void start_ws_session(ServerContext& ctx, ConnectionSocket socket, UpgradeRequest request, const WireDialect& dialect,
                      const SessionOptions& options, std::string addr, AdmissionSlot slot);
void start_ws_session(ServerContext& ctx, TlsConnectionSocket socket, UpgradeRequest request, const WireDialect& dialect,
                      const SessionOptions& options, std::string addr, AdmissionSlot slot);

}  // namespace chatd
