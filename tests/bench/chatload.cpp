// chatload: a load generator for chatd and any lowf-compatible server (docs/benchmarks.md).
//
//   chatload relay   --pairs K [--seconds S] [--rate R] [--window W] [--dialect native|lowf]
//   chatload idle    --connections N [--pair] [--procs P] [--concurrency C]
//   chatload connect --connections M [--concurrency C]
//   chatload room    --rooms K --members M [--seconds S] [--rate R]
//   chatload smoke                                          (ctest: counts only, no timings)
// Target: --spawn (default: starts the chatd built beside it, or --chatd BINARY, on 127.0.0.1 port 0,
// temporary data folder, rate limit off, the limits the benchmark needs) or --port P [--server-pid PID] for a
// server already running on 127.0.0.1 (e.g. lowf itself: --dialect lowf --path /).
// Common: --path P (default / for native, /lowf for lowf), --threads T (client threads, default 1),
// --captcha-difficulty D (spawned server; default 0, i.e. off; connect uses 1000).
//
// Every run is bounded in count and time and prints the machine's cores and load with its figures.
// One coroutine per client on one io_context per thread; frames are parsed by substring search,
// so the generator costs little per message next to the server.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench_util.hpp"
#include "events/lmdb_log.hpp"
#include "tests/integration/harness.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using Clock_ = std::chrono::steady_clock;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

struct Options {
  std::string mode;
  std::uint16_t port = 0;
  pid_t server_pid = 0;
  bool spawn = true;
  std::string dialect = "native";
  std::string path;
  int threads = 1;
  std::uint64_t captcha_difficulty = 0;
  // relay
  int pairs = 1000;
  double seconds = 10;
  double rate = 0;  // messages per second in all; 0: as fast as the window allows
  int window = 8;   // sends in flight per client
  double logins = 0;  // relay: password logins per second beside it, in all (0: none)
  // room
  int rooms = 1;
  int members = 1000;
  // idle / connect
  int connections = 1000;
  bool pair = false;
  int procs = 1;
  int concurrency = 64;
  bool quiet = false;
  std::vector<std::string> server_args;  // more options for the spawned server (--server-arg)
  std::string chatd_binary;              // the server to spawn (--chatd); empty: the one built here
};

std::int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock_::now().time_since_epoch()).count(); }

// The value after `"key":` in a JSON frame, as raw text (strings without their quotes).
std::string_view field(std::string_view frame, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\":";
  auto at = frame.find(needle);
  if (at == std::string_view::npos) return {};
  at += needle.size();
  if (at < frame.size() && frame[at] == '"') {
    ++at;
    return frame.substr(at, frame.find('"', at) - at);
  }
  return frame.substr(at, frame.find_first_of(",}", at) - at);
}

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

double percentile(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

// One client connection: a WebSocket on a TCP stream, with the dialect's few frames.
class Client {
 public:
  Client(asio::io_context& io, const Options& o) : ws_(io), o_(o), lowf_(o.dialect == "lowf") {}

  asio::awaitable<bool> open(const std::string& source_addr = "") {
    auto& sock = beast::get_lowest_layer(ws_).socket();
    beast::error_code ec;
    sock.open(tcp::v4(), ec);
    if (!source_addr.empty()) sock.bind(tcp::endpoint(asio::ip::make_address(source_addr), 0), ec);
    if (ec) co_return false;
    const tcp::endpoint server(asio::ip::make_address("127.0.0.1"), o_.port);
    auto [cec] = co_await sock.async_connect(server, kTuple);
    if (cec) co_return false;
    sock.set_option(tcp::no_delay(true), ec);
    auto [hec] = co_await ws_.async_handshake("127.0.0.1", o_.path, kTuple);
    if (hec) {
      std::fprintf(stderr, "chatload: a WebSocket handshake failed: %s\n", hec.message().c_str());
      co_return false;
    }
    ws_.text(true);
    if (lowf_) co_return true;  // lowf's server speaks second
    auto hello = co_await read();
    if (!hello) co_return false;
    if (hello->find("\"captcha\":{") != std::string::npos) {
      std::string answer = chatd::testing::solve_hello_captcha(*hello, "\"c\"");
      const bool written = co_await write(std::move(answer));
      if (!written) co_return false;
      auto reply = co_await read_until("\"id\":\"c\"");
      if (!reply || reply->find("\"ok\":true") == std::string::npos) co_return false;
    }
    co_return true;
  }

  asio::awaitable<std::optional<std::string>> read() {
    buffer_.clear();
    auto [ec, n] = co_await ws_.async_read(buffer_, kTuple);
    if (ec) co_return std::nullopt;
    co_return beast::buffers_to_string(buffer_.data());
  }
  asio::awaitable<std::optional<std::string>> read_until(std::string_view needle) {
    for (;;) {
      auto f = co_await read();
      if (!f || f->find(needle) != std::string::npos) co_return f;
    }
  }
  asio::awaitable<bool> write(std::string frame) {
    auto [ec, n] = co_await ws_.async_write(asio::buffer(frame), kTuple);
    co_return !ec;
  }

  // Names itself and searches; returns once paired.
  // Coroutines here follow one rule, for g++ 12: a co_await is a statement of its own or the right
  // side of an initialisation, never inside a larger expression with temporaries or || and &&.
  asio::awaitable<bool> pair_up(std::string name) {
    std::string naming = lowf_ ? R"({"type":"command","body":4,"message":")" + name + "\"}"
                               : R"({"op":"name","id":"n","name":")" + name + "\"}";
    std::string search = lowf_ ? R"({"type":"command","body":0})" : R"({"op":"search","id":"s"})";
    const bool named = co_await write(std::move(naming));
    if (!named) co_return false;
    const bool searched = co_await write(std::move(search));
    if (!searched) co_return false;
    // Until paired; a refusal of the name or the search ends it (reported, rather than a wait forever).
    for (;;) {
      std::optional<std::string> f = co_await read();
      if (!f) co_return false;
      if (f->find(lowf_ ? "\"body\":2" : "\"type\":\"paired\"") != std::string::npos) co_return true;
      if (!lowf_ && f->find("\"ok\":false") != std::string::npos) {
        std::fprintf(stderr, "chatload: %s: %s\n", name.c_str(), f->c_str());
        co_return false;
      }
    }
  }

  std::string send_frame(std::int64_t id, std::int64_t stamp) const {
    if (lowf_) return R"({"type":"command","body":2,"message":")" + std::to_string(stamp) + "\"}";
    return R"({"op":"send","id":)" + std::to_string(id) + R"(,"text":")" + std::to_string(stamp) + "\"}";
  }
  // What a frame is: an ack of one of our sends, a message from the partner (with its stamp), or other.
  enum class Kind { kAck, kPartnerMessage, kOther };
  Kind classify(std::string_view f, const std::string& own_name, std::int64_t& stamp) const {
    if (lowf_) {
      if (f.find("\"type\":\"message\"") == std::string_view::npos) return Kind::kOther;
      stamp = std::atoll(std::string(field(f, "message")).c_str());
      return field(f, "body") == own_name ? Kind::kAck : Kind::kPartnerMessage;  // lowf echoes: the echo is the ack
    }
    if (f.find("\"type\":\"reply\"") != std::string_view::npos) return Kind::kAck;
    if (f.find("\"type\":\"message\"") != std::string_view::npos) {
      stamp = std::atoll(std::string(field(f, "text")).c_str());
      return Kind::kPartnerMessage;
    }
    return Kind::kOther;
  }

  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  const Options& o_;
  const bool lowf_;
};

// Closes `client` when `deadline` expires, unless it is cancelled first.
asio::awaitable<void> close_at(std::shared_ptr<asio::steady_timer> deadline, std::shared_ptr<Client> client) {
  auto [ec] = co_await deadline->async_wait(kTuple);
  if (!ec) client->close();
}

// Runs `make(io, thread)` coroutines on `threads` io_contexts, one thread each, until all end.
template <typename Spawn>
void run_threads(int threads, Spawn spawn) {
  std::vector<std::unique_ptr<asio::io_context>> ios;
  for (int t = 0; t < threads; ++t) ios.push_back(std::make_unique<asio::io_context>(1));
  for (int t = 0; t < threads; ++t) spawn(*ios[static_cast<std::size_t>(t)], t);
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back([&, t] { ios[static_cast<std::size_t>(t)]->run(); });
  ios[0]->run();
  for (auto& w : workers) w.join();
}

// ---- password logins ------------------------------------------------------------------------

struct LoginStats {
  std::atomic<int> ready{0}, failed_setup{0};
  std::atomic<std::uint64_t> ok{0}, failed{0};
  std::mutex mu;
  std::vector<std::uint32_t> latencies_us;  // login request to its reply
};

// One account's client: signs up (its own account, so that no two clients share a throttle),
// then from `start_ns` (once set) for `seconds` logs in with the password and out again, `rate`
// times a second (0: back to back). Each login is argon2id's verify on the server's pool.
asio::awaitable<void> login_client(asio::io_context& io, const Options& o, int index, int clients, double rate,
                                   const std::atomic<std::int64_t>& start_ns, LoginStats& stats) {
  Client c(io, o);
  const std::string user = "load_" + std::to_string(index);
  const std::string password = "load password " + std::to_string(index);
  bool good = co_await c.open();
  if (good) {
    std::string signup = R"({"op":"signup","id":"s","username":")" + user + R"(","email":")" + user +
                         R"(@example.org","display_name":"Load","password":")" + password + "\"}";
    good = co_await c.write(std::move(signup));
  }
  std::optional<std::string> reply;
  if (good) reply = co_await c.read_until("\"id\":\"s\"");
  if (good && (!reply || reply->find("\"ok\":true") == std::string::npos)) good = false;
  if (good) {
    good = co_await c.write(R"({"op":"logout","id":"o"})");
    if (good) reply = co_await c.read_until("\"id\":\"o\"");
  }
  if (!good) ++stats.failed_setup;
  ++stats.ready;
  if (!good) co_return;
  asio::steady_timer timer(io);
  while (start_ns.load() == 0) {
    timer.expires_after(std::chrono::milliseconds(2));
    co_await timer.async_wait(kTuple);
  }
  const std::int64_t t_end = start_ns.load() + static_cast<std::int64_t>(o.seconds * 1e9);
  const std::int64_t period = rate > 0 ? static_cast<std::int64_t>(1e9 / rate) : 0;
  std::int64_t next = start_ns.load() + period * index / clients;  // spread over one period
  std::vector<std::uint32_t> mine;
  for (int n = 0;; ++n) {
    if (period > 0 && now_ns() < next) {
      timer.expires_after(std::chrono::nanoseconds(next - now_ns()));
      co_await timer.async_wait(kTuple);
    }
    if (now_ns() >= t_end) break;
    next += period;
    const std::string id = "l" + std::to_string(n);
    const std::int64_t sent = now_ns();
    const bool written = co_await c.write(R"({"op":"login","id":")" + id + R"(","username":")" + user + R"(","password":")" + password + "\"}");
    if (!written) break;
    reply = co_await c.read_until("\"id\":\"" + id + "\"");
    if (!reply) break;
    if (reply->find("\"ok\":true") == std::string::npos) {
      ++stats.failed;  // (rate_limited, busy): wait a little rather than ask again at once
      timer.expires_after(std::chrono::milliseconds(100));
      co_await timer.async_wait(kTuple);
      continue;
    }
    ++stats.ok;
    mine.push_back(static_cast<std::uint32_t>((now_ns() - sent) / 1000));
    const bool out = co_await c.write(R"({"op":"logout","id":"o"})");
    if (!out) break;
    reply = co_await c.read_until("\"id\":\"o\"");
    if (!reply) break;
  }
  c.close();
  std::lock_guard lock(stats.mu);
  stats.latencies_us.insert(stats.latencies_us.end(), mine.begin(), mine.end());
}

// How many login clients carry `rate` logins a second: each waits for its reply, about 25 ms of
// argon2id, so one client does at most ~20 a second.
int login_clients_for(double rate) { return std::max(2, static_cast<int>(rate / 5)); }

struct LoginResult {
  std::uint64_t ok = 0, failed = 0;
  int setup_failures = 0;
  double per_sec = 0, p50_ms = 0, p99_ms = 0;
};

LoginResult login_result(LoginStats& stats, double seconds) {
  LoginResult r;
  r.ok = stats.ok;
  r.failed = stats.failed;
  r.setup_failures = stats.failed_setup;
  r.per_sec = static_cast<double>(r.ok) / seconds;
  r.p50_ms = percentile(stats.latencies_us, 0.50) / 1000;
  r.p99_ms = percentile(stats.latencies_us, 0.99) / 1000;
  return r;
}

// `clients` accounts logging in and out back to back for o.seconds: logins per second.
LoginResult login_load(const Options& o, int clients) {
  LoginStats stats;
  std::atomic<std::int64_t> start_ns{0};
  asio::io_context io(1);
  for (int i = 0; i < clients; ++i) asio::co_spawn(io, login_client(io, o, i, clients, 0, start_ns, stats), asio::detached);
  std::thread starter([&] {
    while (stats.ready.load() < clients) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    start_ns = now_ns();
  });
  io.run();
  starter.join();
  return login_result(stats, o.seconds);
}

// ---- relay ----------------------------------------------------------------------------------

struct RelayResult {
  std::uint64_t clients_paired = 0, sent = 0, acked = 0, delivered = 0, delivered_in_window = 0;
  double delivered_per_sec = 0, p50_us = 0, p99_us = 0, p999_us = 0;
  LoginResult logins;  // --logins: the password logins made beside it
};

RelayResult relay(const Options& o) {
  const int clients = o.pairs * 2;
  std::atomic<int> paired{0}, failed{0}, opening{0};
  std::atomic<std::uint64_t> sent{0}, acked{0}, delivered{0}, in_window{0};
  std::atomic<std::int64_t> start_ns{0};
  std::mutex lat_mu;
  std::vector<std::uint32_t> latencies;
  const double per_client_rate = o.rate > 0 ? o.rate / clients : 0;
  // Password logins beside the relay, from their own clients on the first thread, in its window.
  LoginStats login_stats;
  const int login_clients = o.logins > 0 ? login_clients_for(o.logins) : 0;

  auto client_main = [&](asio::io_context& io, int index) -> asio::awaitable<void> {
    auto client = std::make_shared<Client>(io, o);
    Client& c = *client;
    const std::string name = "c" + std::to_string(index);
    // One co_await per statement: g++ 12 miscompiles co_await inside || and &&.
    // Setting up is bounded: a client not paired by then is closed and counted as failed (one
    // failed connection leaves its would-be partner searching alone).
    auto deadline = std::make_shared<asio::steady_timer>(io, std::chrono::seconds(60));
    asio::co_spawn(io, close_at(deadline, client), asio::detached);
    // At most o.concurrency handshakes at once: past --max-handshakes (1024) chatd answers 503.
    asio::steady_timer pace(io);
    while (opening.fetch_add(1) >= o.concurrency) {
      --opening;
      pace.expires_after(std::chrono::milliseconds(1));
      co_await pace.async_wait(kTuple);
    }
    bool ready = co_await c.open();
    --opening;
    if (ready) ready = co_await c.pair_up(name);
    deadline->cancel();
    if (!ready) {
      ++failed;
      ++paired;
      co_return;
    }
    ++paired;
    asio::steady_timer timer(io);
    while (paired.load() < clients || login_stats.ready.load() < login_clients) {  // everyone is ready before the clock starts
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(kTuple);
    }
    if (failed.load() > 0 && index == 0) std::fprintf(stderr, "chatload: %d of %d clients not paired\n", failed.load(), clients);
    std::int64_t expected = 0;
    start_ns.compare_exchange_strong(expected, now_ns());
    const std::int64_t t0 = start_ns.load();
    const std::int64_t t_end = t0 + static_cast<std::int64_t>(o.seconds * 1e9);
    std::vector<std::uint32_t> mine;
    mine.reserve(4096);
    // A reader and a writer, as in Asio's chat example: the reader takes every frame as it comes
    // (so a waiting writer never delays a delivery), the writer sends while the window and the
    // rate allow and otherwise sleeps on `wake`, which the reader cancels when an ack frees a slot.
    int inflight = 0;
    bool reader_done = false;
    std::int64_t last_frame_ns = now_ns();
    asio::steady_timer wake(io);
    auto reader = [&]() -> asio::awaitable<void> {
      for (;;) {
        std::optional<std::string> f = co_await c.read();
        if (!f) break;
        last_frame_ns = now_ns();
        std::int64_t stamp = 0;
        switch (c.classify(*f, name, stamp)) {
          case Client::Kind::kAck:
            --inflight;
            ++acked;
            wake.cancel();
            break;
          case Client::Kind::kPartnerMessage: {
            const std::int64_t at = now_ns();
            ++delivered;
            if (stamp >= t0 && stamp < t_end) {
              ++in_window;
              mine.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>((at - stamp) / 1000, UINT32_MAX)));
            }
            break;
          }
          case Client::Kind::kOther: break;
        }
      }
      reader_done = true;
      wake.cancel();
    };
    asio::co_spawn(io, reader(), asio::detached);
    std::int64_t next_id = 1;
    // With a fixed rate, clients start spread over one period: a load that arrives evenly, not
    // 2,000 messages at the same instant every period.
    std::int64_t next_send =
        per_client_rate > 0 ? t0 + static_cast<std::int64_t>(1e9 / per_client_rate * index / clients) : t0;
    for (;;) {
      const std::int64_t now = now_ns();
      if (now >= t_end || reader_done) break;
      if (inflight < o.window && (per_client_rate <= 0 || now >= next_send)) {
        std::string frame = c.send_frame(next_id++, now_ns());
        const bool written = co_await c.write(std::move(frame));
        if (!written) break;
        ++inflight;
        ++sent;
        if (per_client_rate > 0) next_send += static_cast<std::int64_t>(1e9 / per_client_rate);
        continue;
      }
      const std::int64_t until = inflight < o.window && per_client_rate > 0 ? next_send : t_end;
      wake.expires_after(std::chrono::nanoseconds(std::max<std::int64_t>(until - now, 0)));
      co_await wake.async_wait(kTuple);
    }
    // Wait for our acks (bounded), then let the reader drain the partner's last messages.
    const std::int64_t drain_end = now_ns() + 3'000'000'000LL;
    while (inflight > 0 && !reader_done && now_ns() < drain_end) {
      wake.expires_after(std::chrono::milliseconds(10));
      co_await wake.async_wait(kTuple);
    }
    // The partner's last messages: read until 300 ms pass without a frame, then close. At a fixed
    // rate a client hears from its partner only every 1 / per_client_rate (400 ms at 5,000/s over
    // 1,000 pairs): quiet for three of those, or its last message was counted lost.
    const std::int64_t quiet_ns =
        std::max<std::int64_t>(300'000'000LL, per_client_rate > 0 ? static_cast<std::int64_t>(3e9 / per_client_rate) : 0);
    while (!reader_done && now_ns() - last_frame_ns < quiet_ns) {
      wake.expires_after(std::chrono::milliseconds(10));
      co_await wake.async_wait(kTuple);
    }
    c.close();
    while (!reader_done) {
      wake.expires_after(std::chrono::milliseconds(1));
      co_await wake.async_wait(kTuple);
    }
    c.close();
    std::lock_guard lock(lat_mu);
    latencies.insert(latencies.end(), mine.begin(), mine.end());
  };
  run_threads(o.threads, [&](asio::io_context& io, int t) {
    for (int i = t; i < clients; i += o.threads) asio::co_spawn(io, client_main(io, i), asio::detached);
    if (t == 0)
      for (int i = 0; i < login_clients; ++i)
        asio::co_spawn(io, login_client(io, o, i, login_clients, o.logins / login_clients, start_ns, login_stats), asio::detached);
  });
  RelayResult r;
  if (login_clients) r.logins = login_result(login_stats, o.seconds);
  r.clients_paired = static_cast<std::uint64_t>(clients - failed.load());
  r.sent = sent;
  r.acked = acked;
  r.delivered = delivered;
  r.delivered_in_window = in_window;
  r.delivered_per_sec = static_cast<double>(in_window.load()) / o.seconds;
  r.p50_us = percentile(latencies, 0.50);
  r.p99_us = percentile(latencies, 0.99);
  r.p999_us = percentile(latencies, 0.999);
  return r;
}

// ---- room ------------------------------------------------------------------------------------

struct RoomResult {
  std::uint64_t ready = 0, sent = 0, acked = 0, delivered = 0, messages_complete = 0;
  double deliveries_per_sec = 0, server_cpu_seconds = 0, p50_us = 0, p99_us = 0, p999_us = 0;
};

// K rooms of M members; member 0 of each room creates it and posts (at --rate in all, or as fast
// as a window of 64 allows), everyone reads. Deliveries per second, the server's CPU seconds over
// the posting (from /proc), and each message's publish-to-last-delivery latency: from its send to
// the moment its last member had it.
RoomResult room_load(const Options& o) {
  const int clients = o.rooms * o.members;
  std::atomic<int> ready{0}, failed{0}, created{0};
  std::atomic<std::uint64_t> sent{0}, acked{0}, delivered{0};
  std::atomic<std::int64_t> start_ns{0};
  std::atomic<bool> posting_done{false};
  std::atomic<std::int64_t> last_any_frame_ns{now_ns()};
  std::mutex mu;
  std::unordered_map<std::int64_t, std::pair<int, std::int64_t>> arrivals;  // stamp -> (deliveries, last arrival)
  const double per_room_rate = o.rate > 0 ? o.rate / o.rooms : 0;
  double cpu_at_start = 0;

  auto client_main = [&](asio::io_context& io, int index) -> asio::awaitable<void> {
    Client c(io, o);
    const int room = index / o.members;
    const bool poster = index % o.members == 0;
    const std::string room_name = "load" + std::to_string(room);
    asio::steady_timer timer(io);
    bool ok = co_await c.open();
    if (ok) {
      std::string naming = R"({"op":"name","id":"n","name":"m)" + std::to_string(index) + "\"}";
      ok = co_await c.write(std::move(naming));
    }
    if (ok && poster) {
      std::string create = R"({"op":"create_room","id":"j","room":")" + room_name + R"(","history":10})";
      ok = co_await c.write(std::move(create));
      std::optional<std::string> reply;
      if (ok) reply = co_await c.read_until(R"("id":"j")");
      ok = ok && reply && reply->find(R"("ok":true)") != std::string::npos;
      ++created;
    } else if (ok) {
      while (created.load() < o.rooms) {  // the posters create the rooms first
        timer.expires_after(std::chrono::milliseconds(5));
        co_await timer.async_wait(kTuple);
      }
      std::string join = R"({"op":"join","id":"j","room":")" + room_name + "\"}";
      ok = co_await c.write(std::move(join));
      std::optional<std::string> reply;
      if (ok) reply = co_await c.read_until(R"("id":"j")");
      ok = ok && reply && reply->find(R"("ok":true)") != std::string::npos;
    }
    int inflight = 0;
    bool reader_done = false;
    std::int64_t last_frame_ns = now_ns();
    asio::steady_timer wake(io);
    auto reader = [&]() -> asio::awaitable<void> {
      for (;;) {
        std::optional<std::string> f = co_await c.read();
        if (!f) break;
        last_frame_ns = now_ns();
        last_any_frame_ns = last_frame_ns;
        if (f->find(R"("type":"reply")") != std::string::npos) {
          --inflight;
          ++acked;
          wake.cancel();
        } else if (f->find(R"("type":"room_message")") != std::string::npos) {
          const std::int64_t at = now_ns();
          const std::int64_t stamp = std::atoll(std::string(field(*f, "text")).c_str());
          ++delivered;
          std::lock_guard lock(mu);
          auto& slot = arrivals[stamp];
          ++slot.first;
          slot.second = std::max(slot.second, at);
        }
      }
      reader_done = true;
      wake.cancel();
    };
    if (ok) asio::co_spawn(io, reader(), asio::detached);
    if (!ok) ++failed;
    ++ready;
    while (ready.load() < clients) {
      timer.expires_after(std::chrono::milliseconds(5));
      co_await timer.async_wait(kTuple);
    }
    if (!ok) co_return;
    // Filling a room of M tells each member of every later join: M²/2 member_joined pushes. The
    // clock starts once they are all read (a second without a frame anywhere): the posting is
    // measured alone.
    while (now_ns() - last_any_frame_ns.load() < 1'000'000'000LL) {
      timer.expires_after(std::chrono::milliseconds(50));
      co_await timer.async_wait(kTuple);
    }
    std::int64_t expected = 0;
    if (start_ns.compare_exchange_strong(expected, now_ns())) cpu_at_start = chatd::testing::cpu_seconds(o.server_pid);
    const std::int64_t t0 = start_ns.load();
    const std::int64_t t_end = t0 + static_cast<std::int64_t>(o.seconds * 1e9);
    if (poster) {
      std::int64_t next_id = 1;
      std::int64_t next_send = per_room_rate > 0 ? t0 + static_cast<std::int64_t>(1e9 / per_room_rate * room / o.rooms) : t0;
      for (;;) {
        const std::int64_t now = now_ns();
        if (now >= t_end || reader_done) break;
        if (inflight < 64 && (per_room_rate <= 0 || now >= next_send)) {
          std::string frame = R"({"op":"post","id":)" + std::to_string(next_id++) + R"(,"room":")" + room_name + R"(","text":")" +
                              std::to_string(now_ns()) + std::string(45, 'x') + "\"}";  // a 64-byte text
          const bool written = co_await c.write(std::move(frame));
          if (!written) break;
          ++inflight;
          ++sent;
          if (per_room_rate > 0) next_send += static_cast<std::int64_t>(1e9 / per_room_rate);
          continue;
        }
        const std::int64_t until = inflight < 64 && per_room_rate > 0 ? next_send : t_end;
        wake.expires_after(std::chrono::nanoseconds(std::max<std::int64_t>(until - now, 0)));
        co_await wake.async_wait(kTuple);
      }
      const std::int64_t drain_end = now_ns() + 3'000'000'000LL;
      while (inflight > 0 && !reader_done && now_ns() < drain_end) {
        wake.expires_after(std::chrono::milliseconds(10));
        co_await wake.async_wait(kTuple);
      }
      posting_done = true;
    }
    while (!reader_done && (!posting_done.load() || now_ns() - last_frame_ns < 500'000'000LL)) {
      wake.expires_after(std::chrono::milliseconds(10));
      co_await wake.async_wait(kTuple);
    }
    c.close();
    while (!reader_done) {
      wake.expires_after(std::chrono::milliseconds(1));
      co_await wake.async_wait(kTuple);
    }
  };
  run_threads(o.threads, [&](asio::io_context& io, int t) {
    for (int i = t; i < clients; i += o.threads) asio::co_spawn(io, client_main(io, i), asio::detached);
  });
  RoomResult r;
  r.ready = static_cast<std::uint64_t>(clients - failed.load());
  r.sent = sent;
  r.acked = acked;
  r.delivered = delivered;
  r.server_cpu_seconds = chatd::testing::cpu_seconds(o.server_pid) - cpu_at_start;
  r.deliveries_per_sec = static_cast<double>(delivered.load()) / o.seconds;
  std::vector<std::uint32_t> latencies;
  for (const auto& [stamp, slot] : arrivals) {
    if (slot.first < o.members) continue;  // a message some member never had: counted below
    ++r.messages_complete;
    latencies.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>((slot.second - stamp) / 1000, UINT32_MAX)));
  }
  r.p50_us = percentile(latencies, 0.50);
  r.p99_us = percentile(latencies, 0.99);
  r.p999_us = percentile(latencies, 0.999);
  return r;
}

// ---- connect ----------------------------------------------------------------------------------

struct ConnectResult {
  int ok = 0, failed = 0;
  double seconds = 0, per_sec = 0, p50_ms = 0, p99_ms = 0;
};

ConnectResult connect_rate(const Options& o) {
  std::atomic<int> next{0}, ok{0}, failed{0};
  std::mutex lat_mu;
  std::vector<std::uint32_t> lat_us;
  auto worker = [&](asio::io_context& io) -> asio::awaitable<void> {
    std::vector<std::uint32_t> mine;
    while (next.fetch_add(1) < o.connections) {
      const std::int64_t t = now_ns();
      Client c(io, o);
      const bool opened = co_await c.open();
      if (opened) {
        ++ok;
        mine.push_back(static_cast<std::uint32_t>((now_ns() - t) / 1000));
      } else {
        ++failed;
      }
      c.close();
    }
    std::lock_guard lock(lat_mu);
    lat_us.insert(lat_us.end(), mine.begin(), mine.end());
  };
  const auto t0 = Clock_::now();
  run_threads(o.threads, [&](asio::io_context& io, int t) {
    for (int i = t; i < o.concurrency; i += o.threads) asio::co_spawn(io, worker(io), asio::detached);
  });
  ConnectResult r;
  r.seconds = std::chrono::duration<double>(Clock_::now() - t0).count();
  r.ok = ok;
  r.failed = failed;
  r.per_sec = ok / r.seconds;
  r.p50_ms = percentile(lat_us, 0.5) / 1000.0;
  r.p99_ms = percentile(lat_us, 0.99) / 1000.0;
  return r;
}

// ---- idle -------------------------------------------------------------------------------------

// Opens `count` connections from `source`, at most o.concurrency at a time (and pairs them if
// asked), reports readiness on `ready_fd` with the number that succeeded, then holds them until
// killed (bounded: 10 min). Each opened connection keeps a read pending, so pings are answered.
void hold_connections(const Options& o, int count, const std::string& source, int ready_fd) {
  int next = 0, done = 0, ok = 0;
  asio::io_context io(1);
  std::vector<std::unique_ptr<Client>> held;
  held.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) held.push_back(std::make_unique<Client>(io, o));
  auto keep_reading = [](Client& c) -> asio::awaitable<void> {
    for (;;) {
      std::optional<std::string> frame = co_await c.read();
      if (!frame) break;
    }
  };
  auto opener = [&]() -> asio::awaitable<void> {
    while (next < count) {
      Client& c = *held[static_cast<std::size_t>(next++)];
      bool good = co_await c.open(source);
      // Pairs form in arrival order; an odd one out just waits.
      if (good && o.pair) {
        std::string search = o.dialect == "lowf" ? R"({"type":"command","body":0})" : R"({"op":"search","id":"s"})";
        good = co_await c.write(std::move(search));
      }
      ok += good ? 1 : 0;
      if (++done == count) {
        [[maybe_unused]] auto w = ::write(ready_fd, &ok, sizeof ok);
      }
      if (good) asio::co_spawn(io, keep_reading(c), asio::detached);
    }
  };
  for (int k = 0; k < std::min(std::max(o.concurrency, 1), count); ++k) asio::co_spawn(io, opener(), asio::detached);
  asio::steady_timer limit(io, std::chrono::minutes(10));
  limit.async_wait([&](beast::error_code) { io.stop(); });
  io.run();
}

struct IdleResult {
  int opened = 0;
  long rss_before_kb = 0, rss_after_kb = 0;
  double per_connection_bytes = 0;
};

IdleResult idle(const Options& o) {
  IdleResult r;
  r.rss_before_kb = rss_kb(o.server_pid);
  std::vector<pid_t> children;
  std::vector<int> fds;
  const int procs = std::max(1, o.procs);
  for (int p = 0; p < procs; ++p) {
    int pipefd[2];
    if (pipe(pipefd) != 0) throw std::runtime_error("pipe");
    const int count = o.connections / procs + (p < o.connections % procs ? 1 : 0);
    pid_t pid = fork();
    if (pid == 0) {
      close(pipefd[0]);
      hold_connections(o, count, "127.0.0." + std::to_string(2 + p), pipefd[1]);
      _exit(0);
    }
    close(pipefd[1]);
    children.push_back(pid);
    fds.push_back(pipefd[0]);
  }
  for (int fd : fds) {
    int n = 0;
    if (::read(fd, &n, sizeof n) == sizeof n) r.opened += n;
    close(fd);
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let the server settle (pairs, buffers)
  r.rss_after_kb = rss_kb(o.server_pid);
  r.per_connection_bytes = r.opened > 0 ? static_cast<double>(r.rss_after_kb - r.rss_before_kb) * 1024.0 / r.opened : 0;
  for (pid_t pid : children) kill(pid, SIGKILL);  // ours
  for (pid_t pid : children) waitpid(pid, nullptr, 0);
  return r;
}

// ---- the server ----------------------------------------------------------------------------------

struct Spawned {
  chatd::testing::TempDir data;
  std::unique_ptr<chatd::testing::ChatdProcess> chatd;
};

std::unique_ptr<Spawned> spawn(Options& o, int max_connections) {
  auto s = std::make_unique<Spawned>();
  std::vector<std::string> args{"--rate", "0", "--captcha-difficulty", std::to_string(o.captcha_difficulty), "--max-connections",
                               std::to_string(max_connections), "--max-connections-per-address", std::to_string(max_connections),
                               "--idle-timeout", "0", "--silence-timeout", "0", "--max-inflight", "64",
                               // every client is on 127.0.0.1: the per-address bound of password work would hold the logins
                               "--password-work-per-address", "1048576"};
  args.insert(args.end(), o.server_args.begin(), o.server_args.end());
  s->chatd = std::make_unique<chatd::testing::ChatdProcess>(s->data.path(), std::move(args), 0, o.chatd_binary);
  o.port = s->chatd->port();
  o.server_pid = s->chatd->pid();
  return s;
}

// Counts the events of each type in a stopped server's log.
std::map<std::string, std::uint64_t> count_events(const std::string& dir) {
  std::map<std::string, std::uint64_t> n;
  chatd::events::LmdbLog::Options ro;
  ro.read_only = true;
  std::unique_ptr<chatd::events::LmdbLog> log;
  if (!chatd::events::LmdbLog::open(dir, ro, &log).ok()) return n;
  log->scan(1, [&](const chatd::events::Event& e) {
    ++n[std::string(chatd::events::type_name(e.payload))];
    return true;
  });
  return n;
}

// The command line: a mode, then options.
chatd::bench::Options command_line(Options& o) {
  chatd::bench::Options c("chatload relay|room|idle|connect|login|smoke",
                          "load on chatd or any lowf-compatible server on 127.0.0.1 (docs/benchmarks.md):\n"
                          "  relay    pairs relay messages; delivered/s and send-to-delivery latency\n"
                          "  room     K rooms of M members, one poster each; deliveries/s, per server CPU-second, publish-to-last-delivery latency\n"
                          "  idle     connections that stay open; the server's memory per connection\n"
                          "  connect  handshake, hello and captcha, then close; connects/s\n"
                          "  login    accounts logging in with their password and out again; logins/s (argon2id on the pool)\n"
                          "  smoke    each of them small, checked against the server's log (ctest)");
  c.add("--port", "P", "a server already listening on 127.0.0.1:P (default: spawn the chatd built here)",
        [&](const std::string& v) { o.port = static_cast<std::uint16_t>(std::stoi(v)), o.spawn = false; });
  c.add("--server-pid", "PID", "that server's pid (idle reads its memory)", [&](const std::string& v) { o.server_pid = std::stoi(v); });
  c.add("--dialect", "native|lowf", "the clients' protocol (native)", [&](const std::string& v) { o.dialect = v; });
  c.add("--path", "P", "the WebSocket path (/ for native, /lowf for lowf)", [&](const std::string& v) { o.path = v; });
  c.add("--threads", "T", "client threads (1)", [&](const std::string& v) { o.threads = std::stoi(v); });
  c.add("--captcha-difficulty", "D", "the spawned server's captcha (0: off; connect uses 1000)",
        [&](const std::string& v) { o.captcha_difficulty = std::stoull(v); });
  c.add("--pairs", "K", "relay: pairs of clients", [&](const std::string& v) { o.pairs = std::stoi(v); });
  c.add("--seconds", "S", "relay: how long to send (at most 600)", [&](const std::string& v) { o.seconds = std::stod(v); });
  c.add("--rate", "R", "relay: messages per second in all (default: as fast as the window allows)",
        [&](const std::string& v) { o.rate = std::stod(v); });
  c.add("--window", "W", "relay: messages in flight per client", [&](const std::string& v) { o.window = std::stoi(v); });
  c.add("--logins", "R", "relay: password logins per second beside it (0: none); login: clients logging in back to back (8)",
        [&](const std::string& v) { o.logins = std::stod(v); });
  c.add("--server-arg", "ARG", "one more option for the spawned server (repeat it: --server-arg --password-nice --server-arg 0)",
        [&](const std::string& v) { o.server_args.push_back(v); });
  c.add("--chatd", "BINARY", "the chatd to spawn (default: the one built here), e.g. an older build to compare with",
        [&](const std::string& v) { o.chatd_binary = v; });
  c.add("--rooms", "K", "room: rooms", [&](const std::string& v) { o.rooms = std::stoi(v); });
  c.add("--members", "M", "room: members of each room (one of them posts)", [&](const std::string& v) { o.members = std::stoi(v); });
  c.add("--connections", "N", "idle, connect: how many (at most 100000)", [&](const std::string& v) { o.connections = std::stoi(v); });
  c.flag("--pair", "idle: pair the connections", [&] { o.pair = true; });
  c.add("--procs", "P", "idle: generator processes (each on its own 127.0.0.x)", [&](const std::string& v) { o.procs = std::stoi(v); });
  c.add("--concurrency", "C", "relay, idle, connect: connections opening at once (64)", [&](const std::string& v) { o.concurrency = std::stoi(v); });
  return c;
}

[[noreturn]] void usage(const std::string& why) {
  Options ignored;
  std::cerr << "chatload: " << why << "\n\n" << command_line(ignored).usage();
  std::exit(2);
}

// Runs `bench` against a freshly spawned chatd, stops the server, and returns its log's event counts.
template <typename Bench>
std::map<std::string, std::uint64_t> against_spawned(Options& o, Bench bench) {
  auto server = spawn(o, 1000);
  bench(o);
  const std::string dir = server->data.path();
  server->chatd->stop();
  return count_events(dir);
}

int smoke(Options o) {
  // Small runs of each benchmark against a spawned chatd; the generator's counts must match the
  // server's log. No timing is asserted.
  bool good = true;
  auto check = [&](bool ok, const std::string& what) {
    std::printf("%s: %s\n", ok ? "ok" : "MISMATCH", what.c_str());
    good = good && ok;
  };
  {
    Options r = o;
    r.pairs = 5;
    r.seconds = 1;
    r.path = "/";
    RelayResult rr;
    auto n = against_spawned(r, [&](const Options& opts) { rr = relay(opts); });
    check(rr.clients_paired == 10 && n["paired"] == 5, "relay: 10 clients paired in 5 pairs, the log has " + std::to_string(n["paired"]) + " pairs");
    check(rr.sent > 0 && rr.acked == rr.sent && n["message_sent"] == rr.sent,
          "relay: sent " + std::to_string(rr.sent) + ", acknowledged " + std::to_string(rr.acked) + ", logged " +
              std::to_string(n["message_sent"]));
    check(rr.delivered == rr.sent, "relay: delivered " + std::to_string(rr.delivered) + " of " + std::to_string(rr.sent));
  }
  {
    Options l = o;
    l.dialect = "lowf";
    l.path = "/lowf";
    l.pairs = 3;
    l.seconds = 1;
    RelayResult rr;
    auto n = against_spawned(l, [&](const Options& opts) { rr = relay(opts); });
    check(rr.sent > 0 && n["message_sent"] == rr.sent && rr.delivered == rr.sent,
          "relay (lowf): sent " + std::to_string(rr.sent) + ", logged " + std::to_string(n["message_sent"]) + ", delivered " +
              std::to_string(rr.delivered));
  }
  {
    Options m = o;
    m.rooms = 2;
    m.members = 5;
    m.seconds = 1;
    m.rate = 50;
    m.path = "/";
    RoomResult rr;
    auto n = against_spawned(m, [&](const Options& opts) { rr = room_load(opts); });
    check(rr.ready == 10 && n["room_created"] == 2 && n["room_joined"] == 10, "room: 2 rooms of 5, " + std::to_string(rr.ready) +
                                                                                  " ready, the log has " + std::to_string(n["room_joined"]) + " joins");
    check(rr.sent > 0 && n["room_posted"] == rr.sent && rr.delivered == rr.sent * 5 && rr.messages_complete == rr.sent,
          "room: posted " + std::to_string(rr.sent) + ", logged " + std::to_string(n["room_posted"]) + ", delivered " +
              std::to_string(rr.delivered));
  }
  {
    Options c = o;
    c.captcha_difficulty = 1000;
    c.connections = 40;
    c.concurrency = 4;
    c.path = "/";
    ConnectResult cr;
    auto n = against_spawned(c, [&](const Options& opts) { cr = connect_rate(opts); });
    check(cr.ok == 40 && n["client_connected"] == 40,
          "connect: 40 handshakes with captcha, " + std::to_string(cr.ok) + " ok, the log has " + std::to_string(n["client_connected"]) + " clients");
  }
  {
    Options i = o;
    i.connections = 60;
    i.procs = 2;
    i.pair = true;
    i.path = "/";
    IdleResult ir;
    auto n = against_spawned(i, [&](const Options& opts) { ir = idle(opts); });
    check(ir.opened == 60 && n["client_connected"] == 60 && n["paired"] == 30,
          "idle: 60 connections over 2 processes, " + std::to_string(ir.opened) + " opened, the log has " +
              std::to_string(n["client_connected"]) + " clients and " + std::to_string(n["paired"]) + " pairs");
  }
  return good ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // lines reach a pipe as they are printed
  Options o;
  const chatd::bench::Options options = command_line(o);
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) return std::cout << options.usage(), 0;
  if (argc < 2) usage("no mode");
  o.mode = argv[1];
  if (int code = options.parse(argc, argv, 2); code >= 0) return code;
  if (o.dialect != "native" && o.dialect != "lowf") usage("--dialect is native or lowf");
  if (o.path.empty()) o.path = o.dialect == "lowf" && o.spawn ? "/lowf" : "/";
  if (o.seconds <= 0 || o.seconds > 600 || o.pairs < 1 || o.connections < 1 || o.connections > 100000) usage("out of bounds");
  std::printf("chatload %s: %s; dialect %s\n", o.mode.c_str(), chatd::bench::machine_state().c_str(), o.dialect.c_str());
  std::fflush(stdout);
  if (o.mode == "smoke") return smoke(o);

  std::unique_ptr<Spawned> server;
  if (o.mode == "connect" && o.captcha_difficulty == 0 && o.spawn) o.captcha_difficulty = 1000;
  const int wanted = o.mode == "relay" ? o.pairs * 2 + 10 : o.mode == "room" ? o.rooms * o.members + 10 : o.connections + 100;
  if (o.spawn) server = spawn(o, std::max(1000, wanted));
  if (o.mode == "room") {
    if (o.server_pid <= 0) usage("room needs the server's pid (--server-pid) to read its CPU time");
    RoomResult r = room_load(o);
    std::printf("room: %d rooms of %d members, %.0f s%s: %llu posted, %llu acknowledged, %llu deliveries (%llu messages reached every member)\n",
                o.rooms, o.members, o.seconds, o.rate > 0 ? (", rate " + std::to_string(static_cast<long>(o.rate)) + "/s").c_str() : ", as fast as possible",
                static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.acked),
                static_cast<unsigned long long>(r.delivered), static_cast<unsigned long long>(r.messages_complete));
    std::printf("room: %.0f deliveries/s; server CPU %.2f s: %.0f deliveries per server CPU-second; publish-to-last-delivery p50 %.2f ms, p99 %.2f ms, p999 %.2f ms\n",
                r.deliveries_per_sec, r.server_cpu_seconds, r.server_cpu_seconds > 0 ? static_cast<double>(r.delivered) / r.server_cpu_seconds : 0,
                r.p50_us / 1000, r.p99_us / 1000, r.p999_us / 1000);
    return r.ready == static_cast<std::uint64_t>(o.rooms * o.members) && r.messages_complete == r.sent ? 0 : 1;
  }
  if (o.mode == "relay") {
    RelayResult r = relay(o);
    std::printf("relay: %d pairs, %.0f s%s, window %d, %d client threads: %llu sent, %llu acknowledged, %llu delivered\n",
                o.pairs, o.seconds, o.rate > 0 ? (", rate " + std::to_string(static_cast<long>(o.rate)) + "/s").c_str() : ", as fast as possible",
                o.window, o.threads, static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.acked),
                static_cast<unsigned long long>(r.delivered));
    std::printf("relay: %.0f delivered messages/s; send-to-delivery latency p50 %.2f ms, p99 %.2f ms, p999 %.2f ms\n",
                r.delivered_per_sec, r.p50_us / 1000, r.p99_us / 1000, r.p999_us / 1000);
    if (o.logins > 0)
      std::printf("relay: beside it %llu password logins (%.1f/s, %llu refused, %d accounts not set up); login latency p50 %.2f ms, p99 %.2f ms\n",
                  static_cast<unsigned long long>(r.logins.ok), r.logins.per_sec, static_cast<unsigned long long>(r.logins.failed),
                  r.logins.setup_failures, r.logins.p50_ms, r.logins.p99_ms);
    return r.clients_paired == static_cast<std::uint64_t>(o.pairs * 2) ? 0 : 1;
  }
  if (o.mode == "login") {
    const int clients = o.logins > 0 ? static_cast<int>(o.logins) : 8;
    LoginResult r = login_load(o, clients);
    std::printf("login: %d accounts logging in and out back to back for %.0f s: %llu logins, %llu refused, %d not set up: "
                "%.1f logins/s, latency p50 %.2f ms, p99 %.2f ms\n",
                clients, o.seconds, static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.failed), r.setup_failures,
                r.per_sec, r.p50_ms, r.p99_ms);
    return r.failed == 0 && r.setup_failures == 0 ? 0 : 1;
  }
  if (o.mode == "connect") {
    ConnectResult r = connect_rate(o);
    std::printf("connect: %d connections (handshake, hello, captcha difficulty %llu solved and accepted), concurrency %d: "
                "%d ok, %d failed in %.2f s: %.0f/s, latency p50 %.2f ms, p99 %.2f ms\n",
                o.connections, static_cast<unsigned long long>(o.captcha_difficulty), o.concurrency, r.ok, r.failed, r.seconds,
                r.per_sec, r.p50_ms, r.p99_ms);
    return r.failed == 0 ? 0 : 1;
  }
  if (o.mode == "idle") {
    if (o.server_pid <= 0) usage("idle needs the server's pid (--server-pid) to read its memory");
    IdleResult r = idle(o);
    std::printf("idle: %d connections%s over %d processes: server RSS %ld kB -> %ld kB: %.0f bytes per connection\n", r.opened,
                o.pair ? " (paired)" : "", o.procs, r.rss_before_kb, r.rss_after_kb, r.per_connection_bytes);
    return r.opened == o.connections ? 0 : 1;
  }
  usage("unknown mode " + o.mode);
}
