// Connection<Stream>: one client connection over any message stream, after Asio's chat server: a
// reader coroutine that feeds whole messages to the SessionLogic, and a writer coroutine that
// drains the bounded outbox and exists only while there is something to write. Everything a
// connection must do whatever its framing lives here once: the outbox and its byte budgets (per
// session and in all), the write-stall timer, the close handshake and its grace, the watchdog
// (idle deadlines and pings, served by the server's one deadline timer, net/transport/
// deadline_queue.hpp), and the registry of running sessions. An idle connection holds one
// coroutine and one pending read.
//
// The Stream is the framing (after Beast's advanced_server_flex, one session type over plain and
// TLS streams): net/transport/websocket_stream.hpp over TCP today; the same over TLS, or a raw TCP
// line protocol, provide the same members:
//   executor_type, get_executor()
//   async_handshake(token), release_handshake()     accept the connection's protocol
//   async_read_some(mutable_buffer, token) -> n      read part of a message
//   is_message_done(), got_text()                    the message read so far is whole / is text
//   async_write(const_buffer, token)                 one whole message
//   async_close(code, reason, token), async_ping(token), cut() (ends the transport at once)
//   on_control(pong, ping)                           called for the peer's pongs (signs of life) and pings (counted)
//   is_too_big(error_code)                           the error of a message over the size limit
//   is_protocol_violation(error_code), close_code_of(error_code)  the peer broke the framing
// Thread-safety: every member runs on the connection's executor (the network thread), except
// deliver(), which the engine's deliver thread calls and which only posts, and renderer(), which
// it also calls and which returns the immutable dialect.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "net/transport/server_context.hpp"

namespace chatd {

// A session's outbound frames, first in, first out. Empty, it holds no memory (a std::deque
// allocates about 576 bytes as soon as it exists, for every idle connection). The writer takes a
// frame out before writing it, so nothing it writes moves.
class FrameQueue {
 public:
  bool empty() const { return head_ == frames_.size(); }
  void push_back(Frame frame) { frames_.push_back(std::move(frame)); }
  Frame take_front() {
    Frame frame = std::move(frames_[head_]);
    frames_[head_] = Frame();
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
  std::vector<Frame> frames_;
  std::size_t head_ = 0;  // frames_[0, head_) are taken and empty
};

template <class Stream>
class Connection final : public SessionPort,
                         public SessionIo,
                         public ManagedSession,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  using Executor = typename Stream::executor_type;
  template <class T>
  using awaitable = boost::asio::awaitable<T, Executor>;

  Connection(ServerContext& ctx, Stream&& stream, const WireDialect& dialect, const SessionOptions& options,
             std::string addr, AdmissionSlot slot)
      : ctx_(ctx),
        slot_(std::move(slot)),
        stream_(std::move(stream)),
        dialect_(dialect),
        logic_(dialect, options, &ctx.captcha, *this, std::move(addr), ctx.clock.now_ms()),
        ping_interval_ms_(options.idle.silence_ms > 0 ? std::max<TimeMs>(options.idle.silence_ms / 3, 1) : 0) {
    ctx_.live_connections.fetch_add(1, std::memory_order_relaxed);
  }
  ~Connection() override { ctx_.live_connections.fetch_sub(1, std::memory_order_release); }

  void start() {
    id_ = ctx_.next_session++;
    ctx_.sessions[id_] = this;
    boost::asio::co_spawn(stream_.get_executor(), run(this->shared_from_this()), report_coroutine_failure);
  }

  // SessionPort: called on the engine's thread.
  void deliver(std::vector<Outbound> items) override {
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this(), items = std::move(items)]() mutable {
      TimeMs now = self->ctx_.clock.now_ms();
      for (Outbound& item : items) self->logic_.on_outbound(std::move(item), now);
      self->resume_reading_if_due();
      self->schedule_watchdog();
    });
  }
  const PushRenderer& renderer() const override { return dialect_; }

  // SessionIo.
  void send(Frame frame) override {
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

  void close(std::uint16_t code, std::string reason) override {
    if (close_requested_) return;
    close_requested_ = true;
    if (overflowed_) drop_queued();  // nobody is reading them
    // Close reasons are at most 123 bytes in a WebSocket control frame.
    if (reason.size() > 120) reason.resize(120);
    close_code_ = code;
    close_text_ = std::move(reason);
    hard_close_at_ = ctx_.clock.now_ms() + kCloseGraceMs;
    wake_writer();
    schedule_watchdog();
    resume_reading_if_due();  // a paused reader must read on, to see the peer's close
  }

  bool submit(Command command, std::string request_id) override {
    return ctx_.runner.submit(std::move(command), this->shared_from_this(), std::move(request_id));
  }

  bool start_credential(CredentialJob job) override {
    return ctx_.credentials->post(std::move(job), [self = this->shared_from_this()](CredentialResult result) mutable {
      // On a pool thread: the result goes back to the session's own thread.
      boost::asio::post(self->stream_.get_executor(), [self, result = std::move(result)]() mutable {
        self->logic_.on_credential(std::move(result), self->ctx_.clock.now_ms());
        self->resume_reading_if_due();
        self->schedule_watchdog();
      });
    });
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
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this(), reason, code, text = std::move(text)]() mutable {
      self->logic_.shutdown(reason, code, std::move(text));
    });
  }

  void notice(std::string text) override {
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this(), text = std::move(text)]() mutable {
      self->logic_.notice(text);
    });
  }

  // ManagedSession, on the network thread: the watchdog wake-up asked for has come.
  void on_deadline(TimeMs when, TimeMs now) override {
    if (when != armed_for_ || closed_) return;  // stale: replaced by an earlier wake-up, or over
    armed_for_ = IdleTracker::kNever;
    if (!overflowed_ && write_stalled(now))
      end(events::DisconnectReason::kSlowReader, kClosePolicy, "slow reader: a write stalled");
    if (now >= hard_close_at_) {
      // The peer never answered our close (or never reads at all): cut the connection.
      stream_.cut();
      return;
    }
    if (now >= next_ping_at_ && !close_requested_) {
      ping_due_ = true;
      next_ping_at_ = now + ping_interval_ms_;
      wake_writer();
    }
    logic_.on_timer(now);
    resume_reading_if_due();
    schedule_watchdog();
  }

 private:
  static constexpr TimeMs kCloseGraceMs = 5'000;  // a peer that does not answer our close by then is cut off
  // Messages are read in pieces of at most this size, so the buffer an idle read holds is this
  // small (Beast's default piece is 1,536 bytes); a typical chat frame still arrives in one piece.
  static constexpr std::size_t kReadPiece = 256;
  static constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable_t<Executor>{});
  using Timer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                  boost::asio::wait_traits<std::chrono::steady_clock>, Executor>;

  // The connection's one long-lived coroutine: the handshake, then the reader until the connection
  // ends. Unregisters however it ends, an exception included.
  awaitable<void> run([[maybe_unused]] std::shared_ptr<Connection> self) {  // self: keeps it alive
    struct Unregister {
      Connection* connection;
      ~Unregister() { connection->unregister(); }
    } unregister{this};
    stream_.on_control([this] { logic_.on_pong(ctx_.clock.now_ms()); }, [this] { logic_.on_ping(ctx_.clock.now_ms()); });
    auto [handshake_error] = co_await stream_.async_handshake(kTuple);
    stream_.release_handshake();
    if (handshake_error) co_return;
    const TimeMs now = ctx_.clock.now_ms();
    next_ping_at_ = ping_interval_ms_ > 0 ? now + ping_interval_ms_ : IdleTracker::kNever;
    logic_.open();
    schedule_watchdog();

    boost::beast::flat_buffer buffer;
    for (;;) {
      // Backpressure: at the in-flight bound nothing more is read until a reply frees a slot.
      if (buffer.size() == 0 && logic_.reading_paused()) co_await pause_reading(IdleTracker::kNever);
      // Straight into the buffer's free space: a dynamic-buffer read would wrap the pending
      // operation (which every idle connection holds) in one more layer.
      auto space = buffer.prepare(kReadPiece);
      auto [ec, n] = co_await stream_.async_read_some(space, kTuple);
      buffer.commit(n);
      if (ec) {
        if (Stream::is_too_big(ec))
          logic_.shutdown(events::DisconnectReason::kMalformed, kCloseTooBig, "frame too large");
        else if (Stream::is_protocol_violation(ec))
          logic_.shutdown(events::DisconnectReason::kMalformed, Stream::close_code_of(ec), "protocol violation: " + ec.message());
        break;
      }
      if (!stream_.is_message_done()) continue;  // the stream limits the whole message to max_frame_bytes
      if (!stream_.got_text()) {
        logic_.shutdown(events::DisconnectReason::kMalformed, kClosePolicy, "binary frames are not accepted");
      } else {
        // Over the rate, the frame waits here (and nothing more is read) until a token comes.
        if (TimeMs now = ctx_.clock.now_ms(), ready = logic_.frame_ready_at(now); ready > now) co_await pause_reading(ready);
        auto data = buffer.cdata();
        logic_.on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()), ctx_.clock.now_ms());
        schedule_watchdog();
      }
      buffer.consume(buffer.size());
      if (buffer.capacity() > kReadPiece) buffer.shrink_to_fit();  // a large message's buffer is not kept
      // After a close of ours, keep reading until the peer's close (or an error) ends it.
    }
    closed_ = true;
    logic_.on_transport_closed();
    drop_queued();
    // A peer that half-closed and stopped reading would hold a write (and the session) forever:
    // nothing more can be read, so nothing more need be written.
    if (write_started_at_ != IdleTracker::kNever) stream_.cut();
    if (!writer_running_) finish_writing();  // a running writer does it when its write returns
  }

  // Waits until `until` (kNever: until resume_reading_if_due() ends the pause). The timer exists
  // only during a pause, so a connection that is never paused holds none.
  awaitable<void> pause_reading(TimeMs until) {
    pause_timer_ = std::make_unique<Timer>(stream_.get_executor());
    paused_until_ = until;
    if (until == IdleTracker::kNever)
      pause_timer_->expires_at(Timer::time_point::max());
    else
      pause_timer_->expires_after(std::chrono::milliseconds(until - ctx_.clock.now_ms()));
    co_await pause_timer_->async_wait(kTuple);
    pause_timer_.reset();
  }

  // Ends a pause for the in-flight bound once the logic no longer asks for it, and any pause once
  // the session closes. (A pause for the rate ends at its time.)
  void resume_reading_if_due() {
    if (!pause_timer_) return;
    if (close_requested_ || (paused_until_ == IdleTracker::kNever && !logic_.reading_paused())) pause_timer_->cancel();
  }

  // On the network thread, when the session is over. (Not in the destructor: the last reference
  // may be dropped by the engine's threads, which must not touch the registry.)
  void unregister() {
    ctx_.sessions.erase(id_);
    slot_.release();
  }

  // Starts the writer if it is not running. It runs only while there is something to write (a
  // frame, a ping, the close), so an idle session holds no writer frame and no pending wait.
  void wake_writer() {
    if (writer_running_ || writer_done_ || closed_) return;
    writer_running_ = true;
    boost::asio::co_spawn(stream_.get_executor(), writer(this->shared_from_this()), report_coroutine_failure);
  }

  // Nothing more will be written: release what is still queued, and queue nothing more.
  void finish_writing() {
    writer_done_ = true;
    drop_queued();
  }

  awaitable<void> writer([[maybe_unused]] std::shared_ptr<Connection> self) {  // self: keeps it alive
    while (!closed_) {
      while (!outbox_.empty() && !closed_) {
        writing_ = outbox_.take_front();  // counted in queued_bytes_ until written
        write_started_at_ = ctx_.clock.now_ms();
        schedule_watchdog();
        auto [ec, n] = co_await stream_.async_write(boost::asio::buffer(writing_.data(), writing_.size()), kTuple);
        write_started_at_ = IdleTracker::kNever;
        forget(writing_.size());
        writing_ = Frame();
        if (ec) break;
      }
      if (closed_ || !outbox_.empty()) break;
      if (close_requested_) {
        co_await stream_.async_close(close_code_, close_text_, kTuple);
        break;
      }
      if (ping_due_) {
        ping_due_ = false;
        auto [ec] = co_await stream_.async_ping(kTuple);
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
    outbox_.for_each([this](const Frame& frame) { forget(frame.size()); });
    outbox_.clear();
  }

  ServerContext& ctx_;
  AdmissionSlot slot_;  // counted in ctx_.admission until unregister()
  Stream stream_;
  const WireDialect& dialect_;
  SessionLogic logic_;
  const TimeMs ping_interval_ms_;
  std::uint64_t id_ = 0;
  FrameQueue outbox_;
  Frame writing_;  // the frame the writer is writing, out of the outbox
  std::unique_ptr<Timer> pause_timer_;  // while the reader is paused (backpressure)
  TimeMs paused_until_ = IdleTracker::kNever;  // that pause's end; kNever: until a reply
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

// Makes and starts the connection of `stream` (what each start_*_session translation unit calls).
template <class Stream>
void start_connection(ServerContext& ctx, Stream&& stream, const WireDialect& dialect, const SessionOptions& options,
                      std::string addr, AdmissionSlot slot) {
  auto connection = std::make_shared<Connection<Stream>>(ctx, std::move(stream), dialect, options, std::move(addr), std::move(slot));
  connection->start();
}

}  // namespace chatd
