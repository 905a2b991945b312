// Config: every option of chatd, from flags and from an optional config file (`--config FILE`,
// lines of `option = value`, `#` comments). Flags win over the file. `chatd --help` prints them.
// Thread-safety: a plain value, read-only once the server starts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/ids.hpp"
#include "net/log.hpp"

namespace chatd {

struct Config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8082;  // lowf's port
  std::string data_dir = "chatd-data";
  log::Format log_format = log::Format::kText;
  log::Level log_level = log::Level::kInfo;
  std::string native_path = "/";       // WebSocket path of the native dialect
  // WebSocket path of the lowf dialect; "*": every path the native dialect does not claim (lowf's
  // page connects from a Web Worker to /worker.js, and lowf's server took a WebSocket on any path).
  std::string lowf_path = "/lowf";
  static constexpr std::string_view kAnyPath = "*";

  std::size_t max_frame_bytes = 65536;
  std::size_t max_message_bytes = 4096;
  std::size_t max_queued_bytes = 1 << 20;  // per session, outbound; beyond it the reader is too slow
  std::size_t max_total_queued_bytes = std::size_t{256} << 20;  // all sessions together
  TimeMs write_timeout_ms = 30'000;        // a write to a client stalled this long: slow reader
  std::size_t max_inflight = 32;           // per session
  std::size_t engine_queue = 65536;        // commands waiting for the engine, in all
  std::uint32_t rate_per_sec = 20;
  std::uint32_t rate_burst = 40;
  TimeMs flood_after_ms = 10'000;          // frames waiting for the rate this long without a break: flooding
  // At start chatd raises its soft open-files limit to the hard one and lowers this to fit it.
  std::size_t max_connections = 18000;
  std::size_t max_connections_per_address = 16;  // an IPv6 address counts by its /64
  std::size_t max_handshakes = 1024;       // connections still in their HTTP upgrade, in all
  std::uint32_t throttle_connections = 32; // new connections per address per window (ergo's); 0 = off
  TimeMs throttle_window_ms = 600'000;
  std::vector<std::string> throttle_exempt = {"127.0.0.1", "::1"};  // a reverse proxy on loopback
  std::uint64_t min_free_disk_mb = 256;    // below it, new connections are refused; 0 = no floor
  int socket_send_buffer = 0;              // SO_SNDBUF of client sockets; 0 = the system's

  TimeMs idle_state_ms = 600'000;          // LOOKING or DISCONNECTED longer than this: disconnected
  TimeMs idle_connected_ms = 600'000;      // a client that did nothing since it connected (CONNECTED)
  TimeMs silence_ms = 90'000;              // no frame and no pong longer than this: disconnected
  TimeMs gate_ms = 60'000;                 // captcha not solved within this: disconnected

  std::uint64_t captcha_difficulty = 50'000;  // ALTCHA maxnumber; 0 = off
  TimeMs captcha_lifetime_ms = 300'000;
  bool captcha_native = true;
  bool captcha_lowf = false;               // lowf's page cannot solve one

  std::size_t batch_max = 4096;            // commands per log transaction
  std::uint64_t commit_interval_us = 0;    // wait this long for a batch to fill
  std::uint64_t map_size_mb = 64;          // initial LMDB map; it doubles when full

  std::string operator_token_file;         // one token per line; empty: no operators

  // TLS (net/transport/tls.hpp): with both files the main port speaks only TLS (wss://, https://).
  std::string tls_cert_file;               // PEM: the certificate, then its intermediates
  std::string tls_key_file;                // PEM, unencrypted
  bool palette_tls = false;                // the palette's port over TLS too

  std::vector<std::string> rooms;          // --room values (net/config_rooms.hpp parses them)
  std::string palette_listen;              // ADDR:PORT of chatsock's palette (telnet); empty: none
  std::string palette_welcome = "WELCOME!";
  std::size_t palette_name_limit = 10;
  std::size_t palette_chatview = 20;
  std::size_t palette_message_limit = 0;   // characters of a chat-view line; 0: --max-message's bytes
  TimeMs shutdown_notice_ms = 5'000;       // on SIGTERM, told to everyone this long before the close
  std::size_t max_rooms = 10'000;
  std::size_t max_rooms_per_client = 5;
  std::uint64_t room_history = 100;
  std::uint64_t max_room_history = 1'000;
  TimeMs room_expire_idle_ms = 7 * 24 * 3600 * 1000LL;
  std::uint64_t max_media_bytes = 100ull << 20;
  std::size_t max_dms_per_client = 20;
  std::size_t max_username_chars = 32;       // accounts (core/accounts/)
  std::size_t max_devices_per_account = 20;
  std::size_t max_accounts_per_email = 4;
  TimeMs deactivation_grace_ms = 30 * 24 * 3600 * 1000LL;
  std::size_t max_following = 5'000;

  std::size_t password_workers = 2;        // threads that hash and check passwords (argon2id)
  std::size_t password_queue = 64;         // passwords waiting for them; past it: busy
  bool password_process = true;            // those threads in a child process, at SCHED_IDLE
  std::uint32_t password_failures_per_address = 10;  // wrong passwords a minute from one address
  std::uint32_t password_failures_per_account = 3;   // wrong passwords a minute for one username, from anywhere
  std::uint32_t password_work_per_address = 60;      // passwords hashed or checked a minute for one address

  bool help = false;
  bool version = false;         // --version: print it, exit
  bool config_example = false;  // --config-example: print chatd.conf.example, exit
  bool check_config = false;  // --check-config: check, report, exit
  bool hash_password = false;  // --hash-password: hash stdin's password, print it, exit

  bool operator==(const Config&) const = default;
};

// The options a command line and its config file gave, by name, with the value that took effect
// (--room's values joined by newlines): what a reload compares to tell what changed.
using OptionsGiven = std::map<std::string, std::string>;
// The names whose value differs between the two, sorted (given in one only counts as a change).
std::vector<std::string> options_changed(const OptionsGiven& before, const OptionsGiven& after);

// Parses the command line (argv[0] excluded). On error returns false and sets `error` to a message
// naming the option and what is wrong with it (the first problem).
bool parse_config(const std::vector<std::string>& args, Config& config, std::string& error);
// The same, going on past each problem: every one of them is added to `problems`.
// With `given`, records every option applied in it.
void parse_config(const std::vector<std::string>& args, Config& config, std::vector<std::string>& problems,
                  OptionsGiven* given = nullptr);

// Applies the lines of a config file's text (`option = value`, `#` comments); `origin` names it in
// errors ("FILE:LINE: ..."). On error returns false and sets `error`.
bool parse_config_text(std::string_view text, const std::string& origin, Config& config, std::string& error);
void parse_config_text(std::string_view text, const std::string& origin, Config& config, std::vector<std::string>& problems,
                       OptionsGiven* given = nullptr);

// The text of `chatd --help`: every option, its value's form, what it does and its default.
std::string config_help();

// The text of chatd.conf.example: every option of a config file, documented, at its default, from
// the same table as --help (so the two cannot drift; tests/unit/config_test.cpp holds the file to
// it, and holds every default written there to Config's own).
std::string config_example();

// Which dialect a WebSocket upgrade to `path` (the target without its query) speaks.
enum class WebSocketRoute { kNone, kNative, kLowf };
WebSocketRoute websocket_route(const Config& config, std::string_view path);

}  // namespace chatd
