// WebSocketStream<NextLayer>: a WebSocket over NextLayer (a TCP socket, or a TLS stream over one) as the
// message stream a Connection runs over (net/transport/connection.hpp): the upgrade request it
// answers, the size limit, the server header and the pongs.
// Thread-safety: one connection's; used on its executor only.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket.hpp>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>

#include "net/config.hpp"

namespace chatd {

template <class NextLayer>
class WebSocketStream {
 public:
  using executor_type = typename NextLayer::executor_type;
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  WebSocketStream(NextLayer&& next, Request upgrade, const Config& config)
      : ws_(std::move(next)), upgrade_(std::make_unique<Request>(std::move(upgrade))) {
    namespace websocket = boost::beast::websocket;
    ws_.read_message_max(config.max_frame_bytes);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(boost::beast::http::field::server, "chatd"); }));
    if (config.socket_send_buffer > 0) {
      boost::beast::error_code ignored;  // a socket already gone fails the handshake
      boost::beast::get_lowest_layer(ws_).set_option(boost::asio::socket_base::send_buffer_size(config.socket_send_buffer), ignored);
    }
  }

  executor_type get_executor() { return ws_.get_executor(); }

  template <class Token>
  auto async_handshake(Token&& token) {
    return ws_.async_accept(*upgrade_, std::forward<Token>(token));
  }
  void release_handshake() { upgrade_.reset(); }  // the request is not needed once answered

  template <class Token>
  auto async_read_some(boost::asio::mutable_buffer buffer, Token&& token) {
    return ws_.async_read_some(buffer, std::forward<Token>(token));
  }
  bool is_message_done() const { return ws_.is_message_done(); }
  bool got_text() const { return ws_.got_text(); }

  template <class Token>
  auto async_write(boost::asio::const_buffer buffer, Token&& token) {
    return ws_.async_write(buffer, std::forward<Token>(token));
  }
  template <class Token>
  auto async_close(std::uint16_t code, std::string_view reason, Token&& token) {
    namespace websocket = boost::beast::websocket;
    return ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason), std::forward<Token>(token));
  }
  template <class Token>
  auto async_ping(Token&& token) {
    return ws_.async_ping({}, std::forward<Token>(token));
  }
  void cut() {
    boost::beast::error_code ignored;
    boost::beast::get_lowest_layer(ws_).close(ignored);
  }

  // The peer's control frames: its pongs (signs of life) and its pings (which Beast answers; the
  // connection counts them, or 2 M pings in 8 s from 4 connections cost nothing to send).
  void on_control(std::function<void()> pong, std::function<void()> ping) {
    ws_.control_callback([pong = std::move(pong), ping = std::move(ping)](boost::beast::websocket::frame_type kind,
                                                                           boost::beast::string_view) {
      if (kind == boost::beast::websocket::frame_type::pong) pong();
      if (kind == boost::beast::websocket::frame_type::ping) ping();
    });
  }
  static bool is_too_big(const boost::beast::error_code& ec) { return ec == boost::beast::websocket::error::message_too_big; }
  // A violation of the WebSocket protocol by the peer (bad opcode, unmasked frame, invalid UTF-8
  // in a text frame, a bad close frame...): Beast has already failed the connection with 1002 or
  // 1007; the session records it as malformed.
  static bool is_protocol_violation(const boost::beast::error_code& ec) {
    return ec == boost::beast::websocket::condition::protocol_violation;
  }
  static std::uint16_t close_code_of(const boost::beast::error_code& ec) {
    return ec == boost::beast::websocket::error::bad_frame_payload ? 1007 : 1002;
  }

 private:
  boost::beast::websocket::stream<NextLayer> ws_;
  std::unique_ptr<Request> upgrade_;  // until the handshake has answered it
};

}  // namespace chatd
