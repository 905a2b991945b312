// LineStream<Stream>: a raw TCP connection (or a TLS stream over one, its handshake done) as a
// stream of lines, the message stream a Connection runs the palette over
// (net/transport/connection.hpp). chatsock took each recv() as one line, so
// "alice\r\n:help" in one segment became one username; here a line ends at CR, LF or CRLF, a line
// split over segments is joined, and one longer than the limit closes the connection. Telnet's
// negotiation (IAC sequences) and the NUL telnet sends after a bare CR are dropped. There are no
// pings on a raw line: a closing server writes its reason as a last line, then shuts down its side
// (over TLS, after its close_notify).
// Thread-safety: one connection's; used on its executor only.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>

#include "net/config.hpp"

namespace chatd {

template <class Stream>
class LineStream {
 public:
  using executor_type = typename Stream::executor_type;
  using error_code = boost::system::error_code;
  template <class T>
  using awaitable = boost::asio::awaitable<T, executor_type>;

  LineStream(Stream&& stream, const Config& config) : stream_(std::move(stream)), max_line_(config.max_frame_bytes) {
    error_code ignored;
    tcp().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    // No pings on a raw line: the kernel's keepalive finds a peer that vanished.
    tcp().set_option(boost::asio::socket_base::keep_alive(true), ignored);
    if (config.socket_send_buffer > 0) tcp().set_option(boost::asio::socket_base::send_buffer_size(config.socket_send_buffer), ignored);
  }

  executor_type get_executor() { return stream_.get_executor(); }

  template <class Token>
  awaitable<std::tuple<error_code>> async_handshake(Token&&) {
    co_return std::tuple<error_code>{};
  }
  void release_handshake() {}
  void on_control(std::function<void()>, std::function<void()>) {}

  // Hands the next piece of the current line (at most out.size() bytes); is_message_done() says
  // whether the line ended with it.
  template <class Token>
  awaitable<std::tuple<error_code, std::size_t>> async_read_some(boost::asio::mutable_buffer out, Token&&) {
    for (;;) {
      if (skip_lf_ && !in_.empty()) {
        if (in_[0] == '\n') in_.erase(0, 1);
        skip_lf_ = false;
      }
      const std::size_t end = in_.find_first_of("\r\n");
      if (end != std::string::npos || in_.size() > max_line_) {
        if (end == std::string::npos || line_so_far_ + end > max_line_)
          co_return std::tuple{error_code(boost::asio::error::message_size), std::size_t{0}};
        const std::size_t n = std::min(end, out.size());
        std::memcpy(out.data(), in_.data(), n);
        if (n == end) {
          skip_lf_ = in_[end] == '\r';
          in_.erase(0, end + 1);
          done_ = true;
          line_so_far_ = 0;
        } else {
          in_.erase(0, n);
          done_ = false;
          line_so_far_ += n;
        }
        co_return std::tuple{error_code{}, n};
      }
      char buffer[1024];
      auto [ec, n] = co_await stream_.async_read_some(boost::asio::buffer(buffer),
                                                       boost::asio::as_tuple(boost::asio::use_awaitable_t<executor_type>{}));
      if (ec) co_return std::tuple{ec, std::size_t{0}};
      filter(std::string_view(buffer, n));
    }
  }
  bool is_message_done() const { return done_; }
  bool got_text() const { return true; }

  template <class Token>
  auto async_write(boost::asio::const_buffer buffer, Token&& token) {
    return boost::asio::async_write(stream_, buffer, std::forward<Token>(token));
  }
  // The reason, as a last line (none for a client's own :quit), then our side shut.
  template <class Token>
  awaitable<std::tuple<error_code>> async_close(std::uint16_t, std::string_view reason, Token&&) {
    error_code ec;
    if (!reason.empty()) {
      const std::string line = "\r\nConnection closed: " + std::string(reason) + "\r\n";
      auto [write_ec, n] = co_await boost::asio::async_write(stream_, boost::asio::buffer(line),
                                                             boost::asio::as_tuple(boost::asio::use_awaitable_t<executor_type>{}));
      ec = write_ec;
    }
    if constexpr (kTls) {
      // close_notify, then the peer's answer to it (the connection's hard-close grace bounds the wait).
      if (!ec) std::tie(ec) = co_await stream_.async_shutdown(boost::asio::as_tuple(boost::asio::use_awaitable_t<executor_type>{}));
    }
    error_code ignored;
    tcp().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    co_return std::tuple{ec};
  }
  template <class Token>
  awaitable<std::tuple<error_code>> async_ping(Token&&) {
    co_return std::tuple<error_code>{};
  }
  void cut() {
    error_code ignored;
    tcp().close(ignored);
  }

  static bool is_too_big(const error_code& ec) { return ec == boost::asio::error::message_size; }
  static bool is_protocol_violation(const error_code&) { return false; }
  static std::uint16_t close_code_of(const error_code&) { return 1002; }

 private:
  // Telnet's commands (RFC 854): IAC (255) then a command; WILL/WONT/DO/DONT (251-254) take an
  // option byte; SB (250) runs until IAC SE (240); IAC IAC is a data byte 255.
  void filter(std::string_view bytes) {
    for (unsigned char b : bytes) {
      switch (telnet_) {
        case Telnet::kData:
          if (b == 255) telnet_ = Telnet::kIac;
          else if (b != 0) in_.push_back(static_cast<char>(b));  // NUL: telnet's CR NUL
          break;
        case Telnet::kIac:
          if (b == 255) in_.push_back(static_cast<char>(b)), telnet_ = Telnet::kData;
          else if (b >= 251 && b <= 254) telnet_ = Telnet::kOption;
          else if (b == 250) telnet_ = Telnet::kSub;
          else telnet_ = Telnet::kData;
          break;
        case Telnet::kOption: telnet_ = Telnet::kData; break;
        case Telnet::kSub: telnet_ = b == 255 ? Telnet::kSubIac : Telnet::kSub; break;
        case Telnet::kSubIac: telnet_ = b == 240 ? Telnet::kData : Telnet::kSub; break;
      }
    }
  }

  // A TLS stream has a next layer (the TCP socket); a TCP socket is its own.
  static constexpr bool kTls = requires(Stream& s) { s.next_layer(); };
  auto& tcp() {
    if constexpr (kTls) return stream_.next_layer();
    else return stream_;
  }

  enum class Telnet : std::uint8_t { kData, kIac, kOption, kSub, kSubIac };
  Stream stream_;
  const std::size_t max_line_;
  std::string in_;               // bytes received, telnet's removed, not yet handed on
  std::size_t line_so_far_ = 0;  // of the current line, handed on already
  bool done_ = false;
  bool skip_lf_ = false;         // the last line ended with CR: an LF right after it belongs to it
  Telnet telnet_ = Telnet::kData;
};

}  // namespace chatd
