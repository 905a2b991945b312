// chatd's process: the log, the engine and its runner, the listener, and the signals.
#include <sodium.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "events/lmdb_log.hpp"
#include "net/chatd.hpp"
#include "net/config_rooms.hpp"
#include "net/log.hpp"
#include "net/service_notify.hpp"
#include "net/session/credential_pool.hpp"
#include "net/transport/server.hpp"
#include "net/transport/tls.hpp"

namespace chatd {

namespace asio = boost::asio;
namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Files chatd holds besides its connections: stdio, the LMDB environment, epoll, the listener,
// the engine's threads' pipes, with room to spare.
constexpr std::size_t kReservedFiles = 64;

// Raises the soft open-files limit to the hard one (the soft default of 1,024 would cap chatd at
// about 1,000 clients), and lowers the connection limit to what the files allow, so accept() never
// runs out of files for a connection that counts as admitted.
Config fit_to_open_files(Config config) {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0) return config;
  if (files.rlim_cur < files.rlim_max) {
    rlimit raised = files;
    raised.rlim_cur = files.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) files = raised;
  }
  const std::size_t allowed = files.rlim_cur > kReservedFiles * 2 ? files.rlim_cur - kReservedFiles : files.rlim_cur / 2;
  if (config.max_connections > allowed) {
    log::warn("connections_limited").field("max_connections", allowed).field("open_files", static_cast<std::uint64_t>(files.rlim_cur));
    config.max_connections = allowed;
  }
  config.max_handshakes = std::min(config.max_handshakes, config.max_connections);
  return config;
}
// Reads --operator-token-file: one token per line, blank lines and surrounding spaces ignored.
bool load_operator_tokens(const std::string& path, OperatorTokens& tokens, std::string& error) {
  if (path.empty()) return true;
  std::ifstream in(path);
  if (!in) {
    error = "cannot read the operator token file '" + path + "'";
    return false;
  }
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b == std::string::npos) continue;
    const std::string token = line.substr(b, e - b + 1);
    if (token.size() < OperatorTokens::kMinLength) {
      error = path + ":" + std::to_string(number) + ": an operator token needs at least " +
              std::to_string(OperatorTokens::kMinLength) + " characters";
      return false;
    }
    tokens.add(token);
  }
  if (tokens.empty()) error = path + ": no operator token in it";
  return !tokens.empty();
}

bool wants_tls(const Config& config) { return !config.tls_cert_file.empty(); }

// What SIGHUP can change on a running server; every other option needs a restart.
constexpr std::array<std::string_view, 3> kReloadable = {"operator-token-file", "tls-cert", "tls-key"};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ",") + name;
  return out.empty() ? "none" : out;
}

// SIGHUP: reads the options again and applies what can change while running (the operator
// tokens; the TLS certificate and key, for the connections accepted from now on). Any problem:
// nothing changes. `running` is what the running server was made from; its reloadable options
// follow what was applied. On the network thread (which alone reads ctx.operators and ctx.tls).
void reload_config(const ConfigReader& reread, OptionsGiven& running, ServerContext& ctx) {
  ConfigReading next = reread();
  std::vector<std::string> problems = std::move(next.problems);
  if (problems.empty())
    for (std::string& problem : check_setup(next.config)) problems.push_back(std::move(problem));
  OperatorTokens tokens;
  std::unique_ptr<TlsCredentials> tls;
  std::string error;
  if (problems.empty() && !load_operator_tokens(next.config.operator_token_file, tokens, error)) problems.push_back(error);
  std::vector<std::string> restart_needed;
  for (const std::string& name : options_changed(running, next.given))
    if (std::find(kReloadable.begin(), kReloadable.end(), name) == kReloadable.end()) restart_needed.push_back(name);
  const bool tls_switched = wants_tls(next.config) != static_cast<bool>(ctx.tls);  // the listener's kind: a restart
  if (tls_switched) restart_needed.push_back(ctx.tls ? "tls-cert (off)" : "tls-cert (on)");
  if (problems.empty() && ctx.tls && !tls_switched &&
      !(tls = TlsCredentials::load(next.config.tls_cert_file, next.config.tls_key_file, error)))
    problems.push_back(error);
  if (!problems.empty()) {
    metrics::process().reloads_failed.add();
    log::warn("reload_failed").field("problem", problems.front()).field("problems", problems.size())
        .field("action", "nothing changed; chatd runs on as before");
    return;
  }
  ctx.operators = std::move(tokens);  // in place: the sessions' options point at it
  const std::string old_fingerprint = ctx.tls ? ctx.tls->fingerprint() : "";
  if (tls) ctx.tls = std::move(tls);
  for (std::string_view name : kReloadable) {
    const std::string key(name);
    if (auto it = next.given.find(key); it != next.given.end()) running[key] = it->second;
    else running.erase(key);
  }
  metrics::process().reloads_ok.add();
  auto line = log::info("config_reloaded");
  line.field("operator_tokens", ctx.operators.size());
  if (ctx.tls && !tls_switched)
    line.field("tls_fingerprint", ctx.tls->fingerprint()).field("certificate_changed", ctx.tls->fingerprint() != old_fingerprint);
  line.field("restart_needed", joined(restart_needed));
}
}  // namespace

std::vector<std::string> check_setup(const Config& config) {
  std::vector<std::string> problems;
  if (!Admission::key_of_text(config.listen_host))
    problems.push_back("--listen: '" + config.listen_host + "' is not an IP address");
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path data(config.data_dir);
  if (fs::exists(data, ec)) {
    if (!fs::is_directory(data, ec)) problems.push_back("--data: '" + config.data_dir + "' is not a folder");
    else if (access(config.data_dir.c_str(), R_OK | W_OK | X_OK) != 0)
      problems.push_back("--data: '" + config.data_dir + "' is not writable");
  } else {
    const fs::path parent = data.has_parent_path() ? data.parent_path() : fs::path(".");
    if (access(parent.c_str(), W_OK | X_OK) != 0)
      problems.push_back("--data: '" + config.data_dir + "' does not exist and cannot be made in '" + parent.string() + "'");
  }
  OperatorTokens tokens;
  if (std::string error; !load_operator_tokens(config.operator_token_file, tokens, error)) problems.push_back(error);
  if (config.tls_cert_file.empty() != config.tls_key_file.empty())
    problems.push_back(config.tls_cert_file.empty() ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key");
  else if (!config.tls_cert_file.empty())
    if (std::string error; !TlsCredentials::load(config.tls_cert_file, config.tls_key_file, error)) problems.push_back(error);
  if (config.palette_tls && config.tls_cert_file.empty()) problems.push_back("--palette-tls needs --tls-cert and --tls-key");
  if (config.palette_tls && config.palette_listen.empty()) problems.push_back("--palette-tls needs --palette-listen");
  std::vector<ConfiguredRoom> rooms;
  for (std::string& problem : parse_config_rooms(config.rooms, rooms)) problems.push_back(std::move(problem));
  if (config.room_history > config.max_room_history)
    problems.push_back("--room-history (" + std::to_string(config.room_history) + ") is more than --max-room-history (" +
                       std::to_string(config.max_room_history) + ")");
  return problems;
}

int hash_password_from_stdin() {
  if (sodium_init() < 0) return 1;
  std::string password;
  std::getline(std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    std::cerr << "chatd: no password on stdin\n";
    return 2;
  }
  const std::string hash = Argon2idHasher().hash(password);
  sodium_memzero(password.data(), password.size());
  if (hash.empty()) return 1;
  std::cout << hash << "\n";
  return 0;
}

int run_chatd(const Config& requested, const OptionsGiven& given, const ConfigReader& reread) {
  log::configure(requested.log_level, requested.log_format);
  log::info("starting").field("version", CHATD_VERSION).field("log_schema", log::kSchemaVersion).field("pid", getpid())
      .field("data", requested.data_dir);
  const Config config = fit_to_open_files(requested);
  // A closed stdout or socket must never kill the server; Asio reports socket errors as values.
  std::signal(SIGPIPE, SIG_IGN);
  if (sodium_init() < 0) {
    log::error("start_failed").field("reason", "libsodium failed to initialise");
    return 1;
  }
  events::LmdbLog::Options log_options;
  log_options.initial_map_size = static_cast<std::size_t>(config.map_size_mb) << 20;
  std::unique_ptr<events::LmdbLog> event_log;
  if (Status s = events::LmdbLog::open(config.data_dir, log_options, &event_log); !s.ok()) {
    log::error("start_failed").field("reason", "cannot open the log").field("data", config.data_dir).field("status", s.ToString());
    return 1;
  }

  // Real time and real randomness come in only here; every outcome they decide is recorded in the
  // log, so replay never needs them.
  SystemClock clock;
  std::uint64_t seed = 0;
  randombytes_buf(&seed, sizeof seed);
  SeededRandom random(seed);
  // Keys, nonces and device tokens must not be guessed from one another: libsodium's CSPRNG, never
  // the seeded generator (one draw of SplitMix64 gives away its state).
  class SystemSecrets final : public Random {
   public:
    std::uint64_t next_u64() override {
      std::uint64_t v = 0;
      randombytes_buf(&v, sizeof v);
      return v;
    }
  } secrets;
  EngineOptions engine_options;
  engine_options.limits.max_message_bytes = config.max_message_bytes;
  engine_options.limits.max_rooms = config.max_rooms;
  engine_options.limits.max_rooms_per_client = config.max_rooms_per_client;
  engine_options.limits.room_history = config.room_history;
  engine_options.limits.max_room_history = config.max_room_history;
  engine_options.limits.room_expire_idle_ms = config.room_expire_idle_ms;
  engine_options.limits.max_media_bytes = config.max_media_bytes;
  engine_options.limits.max_dms_per_client = config.max_dms_per_client;
  engine_options.limits.max_username_chars = config.max_username_chars;
  engine_options.limits.max_devices_per_account = config.max_devices_per_account;
  engine_options.limits.max_accounts_per_email = config.max_accounts_per_email;
  engine_options.limits.max_following = config.max_following;
  engine_options.limits.deactivation_grace_ms = config.deactivation_grace_ms;
  std::vector<ConfiguredRoom> rooms;
  if (config.room_history > config.max_room_history) {
    log::error("start_failed").field("reason", "--room-history is more than --max-room-history");
    return 2;
  }
  if (auto problems = parse_config_rooms(config.rooms, rooms); !problems.empty()) {
    log::error("start_failed").field("reason", problems.front());
    return 2;
  }
  Engine engine(*event_log, clock, random, engine_options, &secrets);
  if (Status s = engine.start(); !s.ok()) {
    log::error("start_failed").field("reason", "cannot rebuild the World from the log").field("status", s.ToString());
    return 1;
  }
  // The configuration's rooms, reconciled with what the log holds, before anyone connects.
  {
    const Command configure{ConfigureRooms{std::move(rooms)}};
    Engine::BatchResult result;
    if (Status s = engine.process(std::span<const Command>(&configure, 1), result); !s.ok()) {
      log::error("start_failed").field("reason", "cannot record the configured rooms").field("status", s.ToString());
      return 1;
    }
    const ConfigureReport& report = result.replies.at(0).body.as<ConfigureReport>();
    if (report.created + report.updated + report.deleted > 0)
      log::info("rooms_configured").field("created", report.created).field("updated", report.updated).field("removed", report.deleted);
    for (const std::string& conflict : report.conflicts) log::warn("room_config_conflict").field("detail", conflict);
  }
  EngineRunner runner(engine, EngineRunner::Options{config.engine_queue, config.batch_max,
                                                     std::chrono::microseconds(config.commit_interval_us)});
  runner.on_fatal([](const Status& s) {
    // The World ran ahead of the log and nothing of the batch was acknowledged: stop now; a restart
    // rebuilds from what is durable.
    log::error("commit_failed").field("status", s.ToString()).field("action", "exit 70; a restart rebuilds from what is durable");
    std::_Exit(70);
  });
  runner.start();

  std::array<std::uint8_t, 32> captcha_key;
  randombytes_buf(captcha_key.data(), captcha_key.size());
  std::uint64_t captcha_seed = 0;
  randombytes_buf(&captcha_seed, sizeof captcha_seed);
  CaptchaService captcha(captcha_key, config.captcha_difficulty, std::max<TimeMs>(config.captcha_lifetime_ms, 1000),
                         std::make_unique<SeededRandom>(captcha_seed), clock);

  // The context outlives the io_context: destroying the io_context destroys the coroutines still
  // suspended in it, and they unregister from the context.
  ServerContext ctx(config, runner, captcha);
  if (std::string error; !load_operator_tokens(config.operator_token_file, ctx.operators, error)) {
    log::error("start_failed").field("reason", error);
    runner.stop();
    return 1;
  }
  if (wants_tls(config)) {
    std::string error;
    if (config.tls_key_file.empty()) error = "--tls-cert needs --tls-key";
    else if (config.palette_tls && config.palette_listen.empty()) error = "--palette-tls needs --palette-listen";
    else ctx.tls = TlsCredentials::load(config.tls_cert_file, config.tls_key_file, error);
    if (!ctx.tls) {
      log::error("start_failed").field("reason", error);
      runner.stop();
      return 1;
    }
  } else if (!config.tls_key_file.empty() || config.palette_tls) {
    log::error("start_failed").field("reason", config.palette_tls ? "--palette-tls needs --tls-cert and --tls-key" : "--tls-key needs --tls-cert");
    runner.stop();
    return 1;
  }
  ctx.version = CHATD_VERSION;
  ctx.storage_metrics = [&event_log, &config](metrics::Exposition& out) {
    out.family("chatd_log_last_seq", "gauge", "The sequence number of the log's last durable event.");
    out.sample("chatd_log_last_seq", "", static_cast<std::uint64_t>(event_log->last_seq()));
    out.family("chatd_lmdb_map_bytes", "gauge", "The LMDB map's size (it grows by itself as the log does).");
    out.sample("chatd_lmdb_map_bytes", "", static_cast<std::uint64_t>(event_log->map_size()));
    out.family("chatd_lmdb_map_growths_total", "counter", "Times this process grew the LMDB map.");
    out.sample("chatd_lmdb_map_growths_total", "", event_log->map_growths());
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(std::filesystem::path(config.data_dir) / "data.mdb", ec);
    if (!ec) {
      out.family("chatd_lmdb_file_bytes", "gauge", "The size of data.mdb (the log, the key store and the free pages).");
      out.sample("chatd_lmdb_file_bytes", "", static_cast<std::uint64_t>(bytes));
    }
  };
  asio::io_context io(1);
  Server server(io, ctx);
  std::string where;
  try {
    where = server.listen();
  } catch (const std::exception& e) {
    log::error("start_failed").field("reason", "cannot listen").field("address", config.listen_host + ":" + std::to_string(config.listen_port)).field("error", e.what());
    runner.stop();
    return 1;
  }
  // The stdout line is what scripts and the tests read the port from (port 0); the log says it too.
  std::cout << "listening on " << where << std::endl;
  {
    auto line = log::info("listening");
    line.field("address", where).field("protocol", ctx.tls ? "websocket+tls" : "websocket");
    if (ctx.tls) line.field("tls_fingerprint", ctx.tls->fingerprint());
  }
  if (!config.palette_listen.empty()) {
    try {
      const std::string palette_where = server.listen_palette();
      std::cout << "palette listening on " << palette_where << std::endl;
      log::info("listening").field("address", palette_where).field("protocol", config.palette_tls ? "palette+tls" : "palette");
    } catch (const std::exception& e) {
      log::error("start_failed").field("reason", "cannot listen").field("address", config.palette_listen).field("error", e.what());
      server.stop();
      runner.stop();
      return 1;
    }
  }

  notify_service("READY=1\nMAINPID=" + std::to_string(getpid()));
  // SIGHUP: a reload (systemd's ExecReload sends it), again and again until the shutdown.
  OptionsGiven running = given;
  asio::signal_set hangup(io, SIGHUP);
  std::function<void()> await_hangup = [&] {
    hangup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      notify_service("RELOADING=1");
      if (reread) reload_config(reread, running, ctx);
      else log::warn("reload_failed").field("problem", "this chatd cannot read its options again").field("action", "nothing changed");
      notify_service("READY=1");
      await_hangup();
    });
  };
  await_hangup();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer grace(io);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    boost::system::error_code ignored;
    hangup.cancel(ignored);
    log::info("shutting_down").field("notice_ms", config.shutdown_notice_ms);
    notify_service("STOPPING=1");
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      // chatsock's countdown: everyone is told, then the server closes.
      if (config.shutdown_notice_ms > 0) {
        const TimeMs seconds = (config.shutdown_notice_ms + 999) / 1000;
        server.notice("The server will be shutting down in " + std::to_string(seconds) + " seconds!!");
        grace.expires_after(std::chrono::milliseconds(config.shutdown_notice_ms));
        co_await grace.async_wait(kTuple);
      }
      server.stop();
      // Give the sessions up to 2 s to send their close frames and to hear their last replies (a
      // session that closed with its Connect in flight still owes its client a Disconnect), then stop.
      for (int i = 0; i < 40 && (!ctx.sessions.empty() || ctx.live_connections.load(std::memory_order_acquire) > 0); ++i) {
        grace.expires_after(std::chrono::milliseconds(50));
        co_await grace.async_wait(kTuple);
      }
      io.stop();
    }, asio::detached);
  });
  io.run();
  // The pool's queued jobs hold their sessions: they go while the io_context they belong to is
  // still there, and no job finishes into it afterwards.
  ctx.credentials->stop();
  runner.stop();  // processes the disconnects the sessions submitted, then returns
  log::info("stopped").field("seq", event_log->last_seq());
  return 0;
}

}  // namespace chatd
