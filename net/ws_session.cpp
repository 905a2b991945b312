#include "net/ws_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <memory>
#include <vector>

namespace chatd {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
template <class T>
using awaitable = asio::awaitable<T, ConnectionExecutor>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable_t<ConnectionExecutor>{});
constexpr TimeMs kCloseGraceMs = 5'000;  // a peer that does not answer our close frame by then is cut off
// Frames are read in pieces of at most this size, so the buffer an idle read holds is this small
// (Beast's default piece is 1,536 bytes); a typical chat frame still arrives in one piece.
constexpr std::size_t kReadPiece = 256;

// FrameQueue: a session's outbound frames, first in, first out. Empty, it holds no memory (a
// std::deque allocates about 576 bytes as soon as it exists, for every idle connection). Frames
// move as it grows: the writer takes a frame out before writing it.
class FrameQueue {
 public:
  bool empty() const { return head_ == frames_.size(); }
  void push_back(std::string frame) { frames_.push_back(std::move(frame)); }
  std::string take_front() {
    std::string frame = std::move(frames_[head_]);
    std::string().swap(frames_[head_]);
    if (++head_ == frames_.size()) {
      clear();
    } else if (head_ >= kCompactAt && head_ * 2 >= frames_.size()) {
      frames_.erase(frames_.begin(), frames_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return frame;
  }
  void clear() {
    frames_.clear();
    head_ = 0;
    if (frames_.capacity() > kKeepCapacity) frames_.shrink_to_fit();  // a burst's slots are not kept
  }
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t i = head_; i < frames_.size(); ++i) f(frames_[i]);
  }

 private:
  static constexpr std::size_t kCompactAt = 32;
  static constexpr std::size_t kKeepCapacity = 16;
  std::vector<std::string> frames_;
  std::size_t head_ = 0;  // frames_[0, head_) are taken and empty
};

// WsSession: one WebSocket connection, after Asio's chat server: a reader coroutine that feeds
// frames to the SessionLogic, and a writer coroutine that drains the bounded outbox and exists only
// while there is something to write. Its watchdog (idle deadlines, pings, the close grace, stalled
// writes) is not a coroutine of its own: it runs when the server's one deadline timer reaches the
// wake-up the session put in ServerContext::deadlines. An idle session thus holds one coroutine
// and one pending read. The engine reaches it as a SessionPort; the logic reaches the socket
// through SessionIo.
class WsSession final : public SessionPort,
                        public SessionIo,
                        public ManagedSession,
                        public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(ServerContext& ctx, ConnectionStream&& stream, const WireDialect& dialect, const SessionOptions& options,
            std::string addr)
      : ctx_(ctx),
        ws_(stream.release_socket()),
        logic_(dialect, options, &ctx.captcha, *this, std::move(addr), ctx.clock.now_ms()),
        ping_interval_ms_(options.idle.silence_ms > 0 ? std::max<TimeMs>(options.idle.silence_ms / 3, 1) : 0) {}

  void start(beast::http::request<beast::http::string_body> request) {
    id_ = ctx_.next_session++;
    ++ctx_.connections;
    ++ctx_.connections_by_address[logic_.addr()];
    ctx_.sessions[id_] = this;
    upgrade_request_ = std::make_unique<beast::http::request<beast::http::string_body>>(std::move(request));
    asio::co_spawn(ws_.get_executor(), run(shared_from_this()), report_coroutine_failure);
  }


  // SessionPort: called on the engine's thread.
  void deliver(std::vector<Outbound> items) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), items = std::move(items)] {
      TimeMs now = self->ctx_.clock.now_ms();
      for (const Outbound& item : items) self->logic_.on_outbound(item, now);
      self->schedule_watchdog();
    });
  }

  // SessionIo.
  void send(std::string frame) override {
    if (closed_ || writer_done_ || overflowed_) return;  // overflowed: cut off, nothing more for it
    queued_bytes_ += frame.size();
    ctx_.queued_bytes += frame.size();
    outbox_.push_back(std::move(frame));
    // A reader that falls behind is cut off, so memory stays bounded per session and in all.
    if (queued_bytes_ > ctx_.config.max_queued_bytes)
      end(events::DisconnectReason::kSlowReader, kClosePolicy, "slow reader: too much queued");
    else if (ctx_.queued_bytes > ctx_.config.max_total_queued_bytes)
      cut_slowest_reader();
    wake_writer();
  }

  // ManagedSession.
  std::size_t queued_bytes() const override { return overflowed_ ? 0 : queued_bytes_; }
  void end(events::DisconnectReason reason, std::uint16_t code, std::string text) override {
    if (reason == events::DisconnectReason::kSlowReader) {
      if (overflowed_) return;
      overflowed_ = true;
      drop_queued();  // nobody is reading them; the budget is free again at once
    }
    // Posted: this may run inside the logic's own call (send), or another session's.
    asio::post(ws_.get_executor(), [self = shared_from_this(), reason, code, text = std::move(text)]() mutable {
      self->logic_.shutdown(reason, code, std::move(text));
    });
  }

  void close(std::uint16_t code, std::string reason) override {
    if (close_requested_) return;
    close_requested_ = true;
    if (overflowed_) drop_queued();  // nobody is reading them
    // Close reasons are at most 123 bytes in a control frame.
    if (reason.size() > 120) reason.resize(120);
    close_code_ = code;
    close_text_ = std::move(reason);
    hard_close_at_ = ctx_.clock.now_ms() + kCloseGraceMs;
    wake_writer();
    schedule_watchdog();
  }

  bool submit(Command command, std::string request_id, bool essential) override {
    return ctx_.runner.submit(std::move(command), shared_from_this(), std::move(request_id), essential);
  }

  // ManagedSession, on the network thread: the watchdog wake-up asked for has come.
  void on_deadline(TimeMs when, TimeMs now) override {
    if (when != armed_for_ || closed_) return;  // stale: replaced by an earlier wake-up, or over
    armed_for_ = IdleTracker::kNever;
    if (!overflowed_ && write_stalled(now))
      end(events::DisconnectReason::kSlowReader, kClosePolicy, "slow reader: a write stalled");
    if (now >= hard_close_at_) {
      // The peer never answered our close frame (or never reads at all): cut the TCP connection.
      beast::error_code ignored;
      ws_.next_layer().close(ignored);
      return;
    }
    if (now >= next_ping_at_ && !close_requested_) {
      ping_due_ = true;
      next_ping_at_ = now + ping_interval_ms_;
      wake_writer();
    }
    logic_.on_timer(now);
    schedule_watchdog();
  }

 private:
  // The session's one long-lived coroutine: the handshake, then the reader until the connection
  // ends. Unregisters however it ends, an exception included.
  awaitable<void> run([[maybe_unused]] std::shared_ptr<WsSession> self) {  // self: keeps the session alive
    struct Unregister {
      WsSession* session;
      ~Unregister() { session->unregister(); }
    } unregister{this};
    const bool accepted = co_await accept();
    if (!accepted) co_return;
    beast::flat_buffer buffer;
    for (;;) {
      // Straight into the buffer's free space: Beast's dynamic-buffer read would wrap the pending
      // operation (which every idle connection holds) in one more layer.
      auto space = buffer.prepare(kReadPiece);
      auto [ec, n] = co_await ws_.async_read_some(space, kTuple);
      buffer.commit(n);
      if (ec) {
        if (ec == websocket::error::message_too_big)
          logic_.shutdown(events::DisconnectReason::kMalformed, kCloseTooBig, "frame too large");
        break;
      }
      if (!ws_.is_message_done()) continue;  // Beast limits the whole message to max_frame_bytes
      if (!ws_.got_text()) {
        logic_.shutdown(events::DisconnectReason::kMalformed, kClosePolicy, "binary frames are not accepted");
      } else {
        auto data = buffer.cdata();
        logic_.on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()), ctx_.clock.now_ms());
        schedule_watchdog();
      }
      buffer.consume(buffer.size());
      if (buffer.capacity() > kReadPiece) buffer.shrink_to_fit();  // a large message's buffer is not kept
      // After a close of ours, keep reading until the peer's close frame (or an error) ends it.
    }
    closed_ = true;
    logic_.on_transport_closed();
    drop_queued();
    if (write_started_at_ != IdleTracker::kNever) {
      // A peer that half-closed and stopped reading would hold this write (and the session)
      // forever: nothing more can be read, so nothing more need be written.
      beast::error_code ignored;
      ws_.next_layer().close(ignored);
    }
    if (!writer_running_) finish_writing();  // a running writer does it when its write returns
  }

  // On the network thread, when the session is over. (Not in the destructor: the last reference
  // may be dropped by the engine's threads, which must not touch the registry.)
  void unregister() {
    ctx_.sessions.erase(id_);
    --ctx_.connections;
    auto it = ctx_.connections_by_address.find(logic_.addr());
    if (it != ctx_.connections_by_address.end() && --it->second == 0) ctx_.connections_by_address.erase(it);
  }

  // The WebSocket handshake on the upgrade request, which is freed once it is answered.
  awaitable<bool> accept() {
    ws_.read_message_max(ctx_.config.max_frame_bytes);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(beast::http::field::server, "chatd");
    }));
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong || kind == websocket::frame_type::ping) logic_.on_pong(ctx_.clock.now_ms());
    });
    if (ctx_.config.socket_send_buffer > 0) {
      beast::error_code ignored;  // a socket already gone fails the accept below
      ws_.next_layer().set_option(asio::socket_base::send_buffer_size(ctx_.config.socket_send_buffer), ignored);
    }
    auto [ec] = co_await ws_.async_accept(*upgrade_request_, kTuple);
    upgrade_request_.reset();
    if (ec) co_return false;
    TimeMs now = ctx_.clock.now_ms();
    next_ping_at_ = ping_interval_ms_ > 0 ? now + ping_interval_ms_ : IdleTracker::kNever;
    logic_.open();
    schedule_watchdog();
    co_return true;
  }

  // Starts the writer if it is not running. It runs only while there is something to write (a
  // frame, a ping, the close), so an idle session holds no writer frame and no pending wait.
  void wake_writer() {
    if (writer_running_ || writer_done_ || closed_) return;
    writer_running_ = true;
    asio::co_spawn(ws_.get_executor(), writer(shared_from_this()), report_coroutine_failure);
  }

  // Nothing more will be written: release what is still queued, and queue nothing more.
  void finish_writing() {
    writer_done_ = true;
    drop_queued();
  }

  awaitable<void> writer([[maybe_unused]] std::shared_ptr<WsSession> self) {  // self: keeps the session alive
    while (!closed_) {
      while (!outbox_.empty() && !closed_) {
        writing_ = outbox_.take_front();  // counted in queued_bytes_ until written
        write_started_at_ = ctx_.clock.now_ms();
        schedule_watchdog();
        auto [ec, n] = co_await ws_.async_write(asio::buffer(writing_), kTuple);
        write_started_at_ = IdleTracker::kNever;
        forget(writing_.size());
        std::string().swap(writing_);
        if (ec) break;
      }
      if (closed_ || !outbox_.empty()) break;
      if (close_requested_) {
        co_await ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_text_),
                                 kTuple);
        break;
      }
      if (ping_due_) {
        ping_due_ = false;
        auto [ec] = co_await ws_.async_ping({}, kTuple);
        if (ec) break;
        continue;
      }
      writer_running_ = false;  // all written: end; wake_writer() starts another when needed
      co_return;
    }
    writer_running_ = false;
    finish_writing();
  }

  // All queues together are over budget: the session with the most queued is the slow one.
  void cut_slowest_reader() {
    ManagedSession* slowest = nullptr;
    for (auto& [id, session] : ctx_.sessions)
      if (!slowest || session->queued_bytes() > slowest->queued_bytes()) slowest = session;
    if (slowest && slowest->queued_bytes() > 0)
      slowest->end(events::DisconnectReason::kSlowReader, kClosePolicy, "slow reader: the server's send budget is full");
  }

  bool write_stalled(TimeMs now) const {
    return ctx_.config.write_timeout_ms > 0 && write_started_at_ != IdleTracker::kNever &&
           now >= write_started_at_ + ctx_.config.write_timeout_ms;
  }

  // The earliest of: the logic's idle deadline, the next ping, the hard close, a stalled write.
  // Once closing, only the hard close matters (the other deadlines have passed and would spin).
  TimeMs next_wakeup() const {
    if (close_requested_) return hard_close_at_;
    // A stall already found is being acted on (the end is posted): its deadline, now past, must not
    // wake the watchdog again and again until it is.
    TimeMs stall = write_started_at_ != IdleTracker::kNever && ctx_.config.write_timeout_ms > 0 && !overflowed_
                       ? write_started_at_ + ctx_.config.write_timeout_ms
                       : IdleTracker::kNever;
    return std::min({logic_.deadline(), next_ping_at_, hard_close_at_, stall});
  }

  // Asks for a watchdog wake-up at next_wakeup() if that is earlier than the one already asked for.
  // (A later deadline needs nothing: the earlier wake-up comes, finds nothing due and asks again.)
  void schedule_watchdog() {
    TimeMs when = next_wakeup();
    if (when >= armed_for_) return;
    armed_for_ = when;
    if (ctx_.deadlines.push(when, id_)) ctx_.wake_deadline_timer();
  }

  void forget(std::size_t bytes) {
    queued_bytes_ -= bytes;
    ctx_.queued_bytes -= bytes;
  }

  // Drops what waits in the outbox (the frame being written, if any, is not in it).
  void drop_queued() {
    outbox_.for_each([this](const std::string& frame) { forget(frame.size()); });
    outbox_.clear();
  }

  ServerContext& ctx_;
  websocket::stream<ConnectionSocket> ws_;
  SessionLogic logic_;
  const TimeMs ping_interval_ms_;
  std::uint64_t id_ = 0;
  std::unique_ptr<beast::http::request<beast::http::string_body>> upgrade_request_;  // until accepted
  FrameQueue outbox_;
  std::string writing_;  // the frame the writer is writing, out of the outbox
  std::size_t queued_bytes_ = 0;
  bool overflowed_ = false;
  bool close_requested_ = false;
  bool closed_ = false;
  bool ping_due_ = false;
  bool writer_done_ = false;
  bool writer_running_ = false;
  std::uint16_t close_code_ = kCloseNormal;
  std::string close_text_;
  TimeMs next_ping_at_ = IdleTracker::kNever;
  TimeMs hard_close_at_ = IdleTracker::kNever;
  TimeMs armed_for_ = IdleTracker::kNever;  // the watchdog wake-up asked for, if any
  TimeMs write_started_at_ = IdleTracker::kNever;
};

}  // namespace

void start_ws_session(ServerContext& ctx, ConnectionStream stream,
                      beast::http::request<beast::http::string_body> request, const WireDialect& dialect,
                      const SessionOptions& options, std::string addr) {
  auto session = std::make_shared<WsSession>(ctx, std::move(stream), dialect, options, std::move(addr));
  session->start(std::move(request));
}

}  // namespace chatd
