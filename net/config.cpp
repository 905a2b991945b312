#include "net/config.hpp"

#include "net/session/admission.hpp"


#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

namespace chatd {
namespace {

using Setter = std::function<bool(Config&, const std::string&)>;

struct Option {
  const char* name;
  const char* value;          // what the value looks like; nullptr for a switch
  const char* default_value;  // as it would be written; nullptr: unset (or a switch)
  const char* help;
  Setter set;
};

template <typename T>
Setter unsigned_value(T Config::*field, std::uint64_t min, std::uint64_t max) {
  return [=](Config& c, const std::string& v) {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n < min || n > max) return false;
    c.*field = static_cast<T>(n);
    return true;
  };
}

// Seconds, with decimals ("0.5"), stored as milliseconds.
Setter seconds_value(TimeMs Config::*field) {
  return [=](Config& c, const std::string& v) {
    char* end = nullptr;
    double s = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(s >= 0) || s > 1e9) return false;
    c.*field = static_cast<TimeMs>(std::llround(s * 1000));
    return true;
  };
}

// A switch: given means on (a config file cannot give one).
Setter switch_value(bool Config::*field) {
  return [=](Config& c, const std::string&) {
    c.*field = true;
    return true;
  };
}

Setter bool_value(bool Config::*field) {
  return [=](Config& c, const std::string& v) {
    if (v == "on" || v == "true" || v == "1") c.*field = true;
    else if (v == "off" || v == "false" || v == "0") c.*field = false;
    else return false;
    return true;
  };
}

bool set_listen(Config& c, const std::string& v) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(v.data() + colon + 1, v.data() + v.size(), port);
  if (ec != std::errc() || end != v.data() + v.size() || port > 65535) return false;
  c.listen_host = host;
  c.listen_port = static_cast<std::uint16_t>(port);
  return true;
}

// "N/SECONDS", or "0" for no throttle.
bool set_throttle(Config& c, const std::string& v) {
  if (v == "0") {
    c.throttle_connections = 0;
    return true;
  }
  auto slash = v.find('/');
  if (slash == std::string::npos) return false;
  std::uint32_t n = 0, seconds = 0;
  auto [end_n, ec_n] = std::from_chars(v.data(), v.data() + slash, n);
  auto [end_s, ec_s] = std::from_chars(v.data() + slash + 1, v.data() + v.size(), seconds);
  if (ec_n != std::errc() || end_n != v.data() + slash || ec_s != std::errc() || end_s != v.data() + v.size() || n == 0 ||
      seconds == 0 || seconds > 86'400)
    return false;
  c.throttle_connections = n;
  c.throttle_window_ms = TimeMs{seconds} * 1000;
  return true;
}

// A comma-separated list of IPv4 or IPv6 addresses (spaces around them allowed); "none" for none.
bool set_exempt(Config& c, const std::string& v) {
  c.throttle_exempt.clear();
  if (v == "none") return true;
  std::size_t at = 0;
  while (at <= v.size()) {
    std::size_t comma = std::min(v.find(',', at), v.size());
    std::string item = v.substr(at, comma - at);
    const auto b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b == std::string::npos) return false;
    item = item.substr(b, e - b + 1);
    if (!Admission::key_of_text(item)) return false;
    c.throttle_exempt.push_back(item);
    at = comma + 1;
  }
  return true;
}

const std::vector<Option>& options() {
  static const std::vector<Option> table = {
      {"help", nullptr, nullptr, "print this help and exit", switch_value(&Config::help)},
      {"version", nullptr, nullptr, "print chatd's version and the version of its log's schema, and exit", switch_value(&Config::version)},
      {"config", "FILE", nullptr, "read options from FILE (lines 'option = value'; flags win)", nullptr},
      {"check-config", nullptr, nullptr, "check the options (and the files they name), print every problem, exit 0 if none",
       switch_value(&Config::check_config)},
      {"hash-password", nullptr, nullptr, "read a password on stdin, print its argon2id hash (for --room's password-hash=) and exit",
       switch_value(&Config::hash_password)},
      {"config-example", nullptr, nullptr, "print a config file of every option at its default, documented (chatd.conf.example), and exit",
       switch_value(&Config::config_example)},
      {"listen", "ADDR:PORT", "127.0.0.1:8082", "address and port to listen on; port 0 picks a free one", set_listen},
      {"log-format", "text|json", "text", "chatd's log on stderr: text lines, or JSON lines (docs/operations.md lists the events)",
       [](Config& c, const std::string& v) { return log::parse_format(v, c.log_format); }},
      {"log-level", "debug|info|warn|error", "info", "the least level logged; clients' addresses are logged only at debug",
       [](Config& c, const std::string& v) { return log::parse_level(v, c.log_level) && c.log_level != log::Level::kOff; }},
      {"data", "DIR", "chatd-data", "data folder holding the LMDB event log",
       [](Config& c, const std::string& v) { c.data_dir = v; return !v.empty(); }},
      {"native-path", "PATH", "/", "WebSocket path of the native dialect",
       [](Config& c, const std::string& v) { c.native_path = v; return !v.empty() && v[0] == '/'; }},
      {"lowf-path", "PATH", "/lowf", "WebSocket path of the lowf dialect, or * for every path the native dialect does not claim (what lowf's own page needs: --lowf-path '*' --native-path /native)",
       [](Config& c, const std::string& v) { c.lowf_path = v; return v == Config::kAnyPath || (!v.empty() && v[0] == '/'); }},
      {"max-frame", "BYTES", "65536", "largest WebSocket frame accepted",
       unsigned_value(&Config::max_frame_bytes, 256, 16 << 20)},
      {"max-message", "BYTES", "4096", "longest chat message", unsigned_value(&Config::max_message_bytes, 1, 1 << 20)},
      {"max-queued-bytes", "BYTES", "1048576", "outbound bytes queued per session before it is cut off as a slow reader",
       unsigned_value(&Config::max_queued_bytes, 1024, 1ull << 32)},
      {"max-total-queued-bytes", "BYTES", "268435456",
       "outbound bytes queued for all sessions together; the session that goes past it is cut off",
       unsigned_value(&Config::max_total_queued_bytes, 1024, 1ull << 40)},
      {"write-timeout", "SECONDS", "30", "a write to a client that stalls this long ends the session as a slow reader",
       seconds_value(&Config::write_timeout_ms)},
      {"max-inflight", "N", "32", "commands per session waiting for their reply",
       unsigned_value(&Config::max_inflight, 1, 1 << 16)},
      {"engine-queue", "N", "65536", "commands waiting for the engine, in all",
       unsigned_value(&Config::engine_queue, 1, 1 << 24)},
      {"rate", "PER_SEC", "20", "commands per second per session, 0 = unlimited",
       unsigned_value(&Config::rate_per_sec, 0, 1 << 24)},
      {"rate-burst", "N", "40", "commands a session may send at once", unsigned_value(&Config::rate_burst, 1, 1 << 24)},
      {"flood-after", "SECONDS", "10", "a session whose frames wait for the rate this long without a break is closed as flooding",
       seconds_value(&Config::flood_after_ms)},
      {"max-connections", "N", "18000", "open connections in all, lowered to fit the open-files limit", unsigned_value(&Config::max_connections, 1, 1 << 20)},
      {"max-connections-per-address", "N", "16", "open connections from one address, upgrades included; IPv6 by /64",
       unsigned_value(&Config::max_connections_per_address, 1, 1 << 20)},
      {"max-handshakes", "N", "1024", "connections still in their HTTP upgrade, in all",
       unsigned_value(&Config::max_handshakes, 1, 1 << 20)},
      {"connection-throttle", "N/SECONDS", "32/600", "new connections one address may open per window, 0 = no throttle",
       set_throttle},
      {"throttle-exempt", "ADDR,...", "127.0.0.1,::1", "addresses spared the throttle and the per-address limit (a reverse proxy; an IPv6 one spares its /64); 'none' for none",
       set_exempt},
      {"min-free-disk", "MIB", "256", "below this much free space on the data folder's disk, new connections are refused, 0 = no floor",
       unsigned_value(&Config::min_free_disk_mb, 0, 1ull << 30)},
      {"socket-send-buffer", "BYTES", "0", "SO_SNDBUF of client sockets, 0 = system default",
       unsigned_value(&Config::socket_send_buffer, 0, 1 << 28)},
      {"idle-timeout", "SECONDS", "600", "a client LOOKING or DISCONNECTED this long is disconnected, 0 = never",
       seconds_value(&Config::idle_state_ms)},
      {"idle-connected", "SECONDS", "600", "a client that does nothing this long after connecting (CONNECTED) is disconnected, 0 = never",
       seconds_value(&Config::idle_connected_ms)},
      {"silence-timeout", "SECONDS", "90", "a connection with no frame and no pong this long is closed, 0 = never",
       seconds_value(&Config::silence_ms)},
      {"captcha-timeout", "SECONDS", "60", "a connection that has not solved the captcha by then is closed",
       seconds_value(&Config::gate_ms)},
      {"captcha-difficulty", "N", "50000", "ALTCHA maxnumber of the proof of work, 0 = captcha off",
       unsigned_value(&Config::captcha_difficulty, 0, 1ull << 40)},
      {"captcha-lifetime", "SECONDS", "300", "how long a challenge stays valid", seconds_value(&Config::captcha_lifetime_ms)},
      {"captcha-native", "on|off", "on", "require the captcha on the native dialect", bool_value(&Config::captcha_native)},
      {"captcha-lowf", "on|off", "off", "require the captcha on the lowf dialect (lowf's page cannot solve one)",
       bool_value(&Config::captcha_lowf)},
      {"operator-token-file", "FILE", nullptr, "bearer tokens (one per line, 16+ characters) that make a request an operator's, e.g. info (none)",
       [](Config& c, const std::string& v) { c.operator_token_file = v; return !v.empty(); }},
      {"tls-cert", "FILE", nullptr,
       "PEM certificate chain (the certificate, then its intermediates); with --tls-key the main port speaks only TLS 1.2+ (wss://, https://); re-read on SIGHUP (none)",
       [](Config& c, const std::string& v) { c.tls_cert_file = v; return !v.empty(); }},
      {"tls-key", "FILE", nullptr, "PEM private key of --tls-cert, unencrypted; re-read on SIGHUP (none)",
       [](Config& c, const std::string& v) { c.tls_key_file = v; return !v.empty(); }},
      {"palette-tls", "on|off", "off", "the palette's port speaks TLS too, with --tls-cert's certificate (telnet cannot; openssl s_client, socat can)",
       bool_value(&Config::palette_tls)},
      {"room", "NAME|FIELD|...", nullptr,
       "a room of the configuration, repeatable: NAME then hidden, limit=N, history=N, topic=text|image|video, title=TEXT, password-hash=HASH, description=TEXT (last); reconciled with the log as chatd starts (none)",
       [](Config& c, const std::string& v) { c.rooms.push_back(v); return !v.empty(); }},
      {"palette-listen", "ADDR:PORT", nullptr, "serve chatsock's command palette (telnet) on this address; chatsock used 127.0.0.1:22222",
       [](Config& c, const std::string& v) {
         const auto colon = v.rfind(':');
         if (colon == std::string::npos || colon + 1 >= v.size() || v.size() - colon - 1 > 5 ||
             v.find_first_not_of("0123456789", colon + 1) != std::string::npos ||
             std::stoul(v.substr(colon + 1)) > 65535)
           return false;
         c.palette_listen = v;
         return true;
       }},
      {"palette-welcome", "TEXT", "WELCOME!", "the palette's banner (chatsock's welcomeMessage); empty: its plain welcome",
       [](Config& c, const std::string& v) { c.palette_welcome = v; return v.size() <= 60; }},
      {"palette-name-limit", "BYTES", "10", "longest palette username (chatsock's usernameLimit)",
       unsigned_value(&Config::palette_name_limit, 1, 50)},
      {"palette-chatview", "LINES", "20", "lines of the palette's chat view (chatsock's chatviewMax)",
       unsigned_value(&Config::palette_chatview, 1, 200)},
      {"palette-message-limit", "CHARACTERS", "0", "longest line a palette user may send in the chat view, 0 = --max-message (chatsock planned 150)",
       unsigned_value(&Config::palette_message_limit, 0, 1 << 20)},
      {"shutdown-notice", "SECONDS", "5", "on SIGTERM or SIGINT, everyone is told this long before the server closes, as chatsock did",
       seconds_value(&Config::shutdown_notice_ms)},
      {"max-rooms", "N", "10000", "rooms that may exist at once", unsigned_value(&Config::max_rooms, 0, 1 << 24)},
      {"max-rooms-per-client", "N", "5", "rooms one client may own", unsigned_value(&Config::max_rooms_per_client, 0, 1 << 16)},
      {"room-history", "N", "100", "messages a room keeps for joiners and resumes, unless its creator asks for fewer",
       unsigned_value(&Config::room_history, 0, 100'000)},
      {"max-room-history", "N", "1000", "the most messages a room's creator may ask it to keep",
       unsigned_value(&Config::max_room_history, 0, 100'000)},
      {"room-expiry", "SECONDS", "604800", "a client's room with nobody in it and no post this long ends (a week)",
       seconds_value(&Config::room_expire_idle_ms)},
      {"max-media-bytes", "BYTES", "104857600", "the largest image or video a room post may refer to",
       unsigned_value(&Config::max_media_bytes, 1, 1ull << 40)},
      {"max-dms-per-client", "N", "20", "DMs one client may have open at once", unsigned_value(&Config::max_dms_per_client, 1, 1 << 16)},
      {"max-username-chars", "N", "32", "the longest username of an account, at least 5", unsigned_value(&Config::max_username_chars, 5, 64)},
      {"max-devices-per-account", "N", "20", "devices (logins with a token) one account may hold; revoke one to add another",
       unsigned_value(&Config::max_devices_per_account, 1, 1000)},
      {"max-accounts-per-email", "N", "4",
       "accounts of one email a login by email may open (its oldest; the others log in by username); each login by email costs this many argon2id checks",
       unsigned_value(&Config::max_accounts_per_email, 1, 64)},
      {"deactivation-grace", "SECONDS", "2592000",
       "a deactivated account is purged (its personal data erased) this long after, unless it logs in before (30 days)",
       seconds_value(&Config::deactivation_grace_ms)},
      {"max-following", "N", "5000", "accounts one account may follow", unsigned_value(&Config::max_following, 1, 1'000'000)},
      {"password-workers", "N", "2", "threads that hash and check passwords with argon2id, off the network and engine threads",
       unsigned_value(&Config::password_workers, 1, 64)},
      {"password-process", "on|off", "on",
       "hash and check passwords in a child process of chatd at the lowest CPU priority, which keeps the relay's tail latency; off: on threads of chatd itself",
       bool_value(&Config::password_process)},
      {"password-queue", "N", "64", "passwords waiting for those threads; past it a request is answered busy",
       unsigned_value(&Config::password_queue, 1, 1 << 16)},
      {"password-failures-per-address", "N", "10", "wrong passwords a minute from one address (an IPv6 /64) before it must wait",
       unsigned_value(&Config::password_failures_per_address, 1, 1 << 20)},
      {"password-failures-per-account", "N", "3",
       "wrong passwords a minute for one username, from every address together, before its logins must wait (as ergo)",
       unsigned_value(&Config::password_failures_per_account, 1, 1 << 20)},
      {"password-work-per-address", "N", "60",
       "passwords hashed or checked a minute for one address, right or wrong: no address holds the pool",
       unsigned_value(&Config::password_work_per_address, 1, 1 << 20)},
      {"batch-max", "N", "4096", "commands per log transaction", unsigned_value(&Config::batch_max, 1, 1 << 20)},
      {"commit-interval", "MICROSECONDS", "0", "wait this long for a batch to fill before committing",
       unsigned_value(&Config::commit_interval_us, 0, 1'000'000)},
      {"map-size", "MIB", "64", "initial LMDB map size; it doubles whenever it is full",
       unsigned_value(&Config::map_size_mb, 1, 1 << 20)},
  };
  return table;
}

const Option* find_option(const std::string& name) {
  for (const Option& o : options())
    if (name == o.name) return &o;
  return nullptr;
}

bool apply_option(Config& c, const std::string& name, const std::string& value, std::string& error,
                  OptionsGiven* given) {
  const Option* o = find_option(name);
  if (!o || !o->set) {
    error = "unknown option '" + name + "' (see --help)";
    return false;
  }
  if (!o->value) {
    error = "--" + name + " is a command-line switch, not an option of a config file";
    return false;
  }
  if (!o->set(c, value)) {
    error = "bad value '" + value + "' for --" + name + " (expected " + o->value + ")";
    return false;
  }
  if (given) {
    std::string& seen = (*given)[name];
    seen = name == "room" && !seen.empty() ? seen + "\n" + value : value;  // --room repeats; the others replace
  }
  return true;
}

// Adds each problem of the file to `problems`.
void read_config_file(const std::string& path, Config& c, std::vector<std::string>& problems, OptionsGiven* given) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    problems.push_back("cannot read config file '" + path + "'");
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  parse_config_text(text.str(), path, c, problems, given);
}

}  // namespace

void parse_config_text(std::string_view text, const std::string& origin, Config& c, std::vector<std::string>& problems,
                       OptionsGiven* given) {
  auto trim = [](std::string_view s) {
    auto b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
    return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
  };
  int number = 0;
  for (std::size_t at = 0; at < text.size();) {
    ++number;
    std::size_t end = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const std::string trimmed = trim(line);
    if (trimmed.empty()) continue;
    const std::string where = origin + ":" + std::to_string(number) + ": ";
    auto eq = trimmed.find('=');
    if (eq == std::string::npos) {
      problems.push_back(where + "expected 'option = value'");
      continue;
    }
    std::string error;
    if (!apply_option(c, trim(std::string_view(trimmed).substr(0, eq)), trim(std::string_view(trimmed).substr(eq + 1)), error, given))
      problems.push_back(where + error);
  }
}

bool parse_config_text(std::string_view text, const std::string& origin, Config& c, std::string& error) {
  std::vector<std::string> problems;
  parse_config_text(text, origin, c, problems);
  if (!problems.empty()) error = problems.front();
  return problems.empty();
}

void parse_config(const std::vector<std::string>& args, Config& config, std::vector<std::string>& problems,
                  OptionsGiven* given) {
  // Split into (name, value) pairs first, so the config file can be applied before the flags.
  std::vector<std::pair<std::string, std::string>> flags;
  std::string config_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      problems.push_back("unexpected argument '" + arg + "' (options start with --; see --help)");
      continue;
    }
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    const Option* o = find_option(name);
    if (!o) {
      problems.push_back("unknown option '--" + name + "' (see --help)");
      continue;
    }
    if (!o->value) {  // a switch
      if (has_value) problems.push_back("--" + name + " takes no value");
      else o->set(config, "");
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        problems.push_back("option --" + name + " needs a value (" + o->value + ")");
        continue;
      }
      value = args[++i];
    }
    if (name == "config")
      config_file = value;
    else
      flags.emplace_back(name, value);
  }
  if (!config_file.empty()) read_config_file(config_file, config, problems, given);
  for (const auto& [name, value] : flags)
    if (std::string error; !apply_option(config, name, value, error, given)) problems.push_back(error);
  if (config.native_path == config.lowf_path)
    problems.push_back("--native-path and --lowf-path must differ (both are '" + config.lowf_path + "')");
}

bool parse_config(const std::vector<std::string>& args, Config& config, std::string& error) {
  std::vector<std::string> problems;
  parse_config(args, config, problems);
  if (!problems.empty()) error = problems.front();
  return problems.empty();
}

WebSocketRoute websocket_route(const Config& config, std::string_view path) {
  if (path == config.native_path) return WebSocketRoute::kNative;
  if (path == config.lowf_path || config.lowf_path == Config::kAnyPath) return WebSocketRoute::kLowf;
  return WebSocketRoute::kNone;
}

std::vector<std::string> options_changed(const OptionsGiven& before, const OptionsGiven& after) {
  std::vector<std::string> changed;
  for (const auto& [name, value] : before)
    if (auto it = after.find(name); it == after.end() || it->second != value) changed.push_back(name);
  for (const auto& [name, value] : after)
    if (!before.contains(name)) changed.push_back(name);
  std::sort(changed.begin(), changed.end());
  return changed;
}

std::string config_help() {
  std::ostringstream out;
  out << "usage: chatd [options]\n\nchatd: an event-sourced chat server. Every command becomes an event in an LMDB log.\n\n"
         "options (also accepted in a --config file as 'option = value'):\n";
  for (const Option& o : options()) {
    std::string flag = std::string("  --") + o.name + (o.value ? std::string(" ") + o.value : "");
    out << flag;
    out << std::string(flag.size() < 36 ? 36 - flag.size() : 1, ' ') << o.help;
    if (o.default_value) out << " (" << (*o.default_value ? o.default_value : "empty") << ")";
    out << '\n';
  }
  return out.str();
}

namespace {
// Appends `text` as '# ' comment lines of at most `width` columns, broken at spaces.
void append_comment(std::string& out, std::string_view text, std::size_t width) {
  while (!text.empty()) {
    std::size_t cut = text.size();
    if (cut > width - 2) {
      cut = text.rfind(' ', width - 2);
      if (cut == std::string_view::npos || cut == 0) cut = std::min(text.find(' '), text.size());
    }
    out += "# ";
    out += text.substr(0, cut);
    out += '\n';
    text.remove_prefix(cut);
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  }
}
}  // namespace

std::string config_example() {
  std::string out =
      "# chatd.conf.example: every option of chatd at its default, as `chatd --config-example` prints\n"
      "# it (a test keeps this file equal to that). Uncomment an option (#name = value) to change it;\n"
      "# run chatd with --config FILE. Lines are 'option = value'; '#' starts a comment; flags on the\n"
      "# command line win over the file. `chatd --check-config --config FILE` lists every problem of a\n"
      "# file.\n";
  for (const Option& o : options()) {
    if (!o.value || !o.set) continue;  // switches and --config itself: the command line's
    out += '\n';
    append_comment(out, o.help, 100);
    out += '#';  // no space: an option to uncomment, where "# " starts prose
    out += o.name;
    out += " = ";
    out += o.default_value ? o.default_value : o.value;  // unset: what a value looks like
    if (!o.default_value) out += "   (unset)";
    out += '\n';
  }
  return out;
}

}  // namespace chatd
