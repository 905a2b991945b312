// Starting a WebSocket session on an accepted, upgraded connection.
// Thread-safety: call on the network thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/server_context.hpp"

namespace chatd {

// Takes over `stream` (its HTTP upgrade request already read), accepts the WebSocket handshake and
// runs the session in `dialect` until it ends.
void start_ws_session(ServerContext& ctx, boost::beast::tcp_stream stream,
                      boost::beast::http::request<boost::beast::http::string_body> request, const WireDialect& dialect,
                      const SessionOptions& options, std::string addr);

}  // namespace chatd
