// chatd's options: flags, the config file, and clear errors for bad ones.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include <stdlib.h>
#include <unistd.h>

#include "net/config.hpp"

using namespace chatd;

TEST_CASE("flags set options, defaults otherwise", "[config]") {
  Config c;
  std::string error;
  REQUIRE(parse_config({"--listen", "127.0.0.1:0", "--data=/tmp/x", "--captcha-difficulty", "0", "--idle-timeout", "0.5",
                        "--captcha-lowf", "on"},
                       c, error));
  CHECK(c.listen_host == "127.0.0.1");
  CHECK(c.listen_port == 0);
  CHECK(c.data_dir == "/tmp/x");
  CHECK(c.captcha_difficulty == 0);
  CHECK(c.idle_state_ms == 500);
  CHECK(c.captcha_lowf);
  CHECK(c.max_frame_bytes == 65536);
  CHECK_FALSE(c.help);
}

TEST_CASE("bad options are refused with a message naming them", "[config]") {
  Config c;
  std::string error;
  CHECK_FALSE(parse_config({"--nope"}, c, error));
  CHECK(error == "unknown option '--nope' (see --help)");
  CHECK_FALSE(parse_config({"--listen", "127.0.0.1"}, c, error));
  CHECK(error == "bad value '127.0.0.1' for --listen (expected ADDR:PORT)");
  CHECK_FALSE(parse_config({"--listen", "192.0.2.1:70000"}, c, error));
  CHECK_FALSE(parse_config({"--max-frame", "12"}, c, error));
  CHECK(error.find("--max-frame") != std::string::npos);
  CHECK_FALSE(parse_config({"--rate"}, c, error));
  CHECK(error == "option --rate needs a value (PER_SEC)");
  CHECK_FALSE(parse_config({"--idle-timeout", "-1"}, c, error));
  CHECK_FALSE(parse_config({"stray"}, c, error));
  Config paths;
  CHECK_FALSE(parse_config({"--lowf-path", "/"}, paths, error));
  CHECK(error == "--native-path and --lowf-path must differ (both are '/')");
  Config swapped;
  CHECK(parse_config({"--lowf-path", "/", "--native-path", "/native"}, swapped, error));
  CHECK_FALSE(parse_config({"--lowf-path", "lowf"}, c, error));
}

TEST_CASE("WebSocket routes: a path per dialect, or lowf on every path native does not claim", "[config]") {
  std::string error;
  Config standard;
  CHECK(websocket_route(standard, "/") == WebSocketRoute::kNative);
  CHECK(websocket_route(standard, "/lowf") == WebSocketRoute::kLowf);
  CHECK(websocket_route(standard, "/worker.js") == WebSocketRoute::kNone);
  Config page;  // what lowf's own page needs: its Worker connects to /worker.js
  REQUIRE(parse_config({"--lowf-path", "*", "--native-path", "/native"}, page, error));
  CHECK(websocket_route(page, "/native") == WebSocketRoute::kNative);
  CHECK(websocket_route(page, "/worker.js") == WebSocketRoute::kLowf);
  CHECK(websocket_route(page, "/") == WebSocketRoute::kLowf);
  CHECK(websocket_route(page, "/lowf") == WebSocketRoute::kLowf);
  CHECK_FALSE(parse_config({"--lowf-path", "**"}, page, error));
}

TEST_CASE("a config file is read, and flags win over it", "[config]") {
  char name[] = "/tmp/chatd-config-XXXXXX";
  int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  close(fd);
  std::string path = name;
  {
    std::ofstream f(path);
    f << "# chatd test config\nlisten = 192.0.2.1:9000\nrate = 7   # per second\n\ndata = /var/chat\n";
  }
  Config c;
  std::string error;
  REQUIRE(parse_config({"--config", path, "--rate", "9"}, c, error));
  CHECK(c.listen_port == 9000);
  CHECK(c.data_dir == "/var/chat");
  CHECK(c.rate_per_sec == 9);
  {
    std::ofstream f(path);
    f << "listen 192.0.2.1:9000\n";
  }
  CHECK_FALSE(parse_config({"--config", path}, c, error));
  CHECK(error == path + ":1: expected 'option = value'");
  std::remove(path.c_str());
  CHECK_FALSE(parse_config({"--config", "/nonexistent/chatd.conf"}, c, error));
  CHECK(error == "cannot read config file '/nonexistent/chatd.conf'");
}

TEST_CASE("--help lists every option", "[config]") {
  std::string help = config_help();
  for (const char* option : {"--listen", "--data", "--config", "--max-frame", "--max-message", "--max-queued-bytes",
                             "--max-inflight", "--engine-queue", "--rate", "--idle-timeout", "--silence-timeout",
                             "--captcha-difficulty", "--captcha-lowf", "--batch-max", "--commit-interval", "--map-size"})
    CHECK(help.find(option) != std::string::npos);
}

TEST_CASE("the front door's options: throttle, exempt addresses, disk floor, flood window", "[config]") {
  Config c;
  std::string error;
  REQUIRE(parse_config({"--connection-throttle", "10/60", "--throttle-exempt", "10.0.0.1, 2001:db8::1", "--min-free-disk", "0",
                        "--flood-after", "2.5"},
                       c, error));
  CHECK(c.throttle_connections == 10);
  CHECK(c.throttle_window_ms == 60'000);
  CHECK(c.throttle_exempt == std::vector<std::string>{"10.0.0.1", "2001:db8::1"});
  CHECK(c.min_free_disk_mb == 0);
  CHECK(c.flood_after_ms == 2'500);
  REQUIRE(parse_config({"--connection-throttle", "0", "--throttle-exempt", "none"}, c, error));
  CHECK(c.throttle_connections == 0);
  CHECK(c.throttle_exempt.empty());
  for (const char* bad : {"10", "10/", "/60", "0/60", "10/0", "10/x"}) {
    CHECK_FALSE(parse_config({"--connection-throttle", bad}, c, error));
    CHECK(error.find("--connection-throttle") != std::string::npos);
  }
  for (const char* bad : {"", "localhost", "10.0.0.1,", "10.0.0.300", "10.0.0.1,,::1"}) {
    CHECK_FALSE(parse_config({"--throttle-exempt", bad}, c, error));
    CHECK(error.find("--throttle-exempt") != std::string::npos);
  }
}

TEST_CASE("every problem of the flags and the config file is listed, not only the first", "[config]") {
  char name[] = "/tmp/chatd-config-XXXXXX";
  int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  close(fd);
  const std::string path = name;
  std::ofstream(path) << "rate = fast\nlisten = 127.0.0.1:0\nno equals sign\nnope = 1\n";
  Config c;
  std::vector<std::string> problems;
  parse_config({"--config", path, "--max-frame", "12", "--bogus", "--lowf-path", "/", "--check-config"}, c, problems);
  std::remove(path.c_str());
  CHECK(problems == std::vector<std::string>{
                        "unknown option '--bogus' (see --help)",
                        path + ":1: bad value 'fast' for --rate (expected PER_SEC)",
                        path + ":3: expected 'option = value'",
                        path + ":4: unknown option 'nope' (see --help)",
                        "bad value '12' for --max-frame (expected BYTES)",
                        "--native-path and --lowf-path must differ (both are '/')",
                    });
  CHECK(c.check_config);
  CHECK(c.listen_port == 0);  // the good lines still apply
}

// chatd.conf.example is generated (`chatd --config-example`) from the option table that --help
// prints: the checked-in file must be what the binary generates, and every default written in it
// must be Config's own, so neither can drift from the code.
TEST_CASE("chatd.conf.example is the option table's, and its defaults are Config's", "[config]") {
  std::ifstream in(CHATD_SOURCE_DIR "/chatd.conf.example", std::ios::binary);
  REQUIRE(in);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(file == config_example());  // if not: build/chatd --config-example > chatd.conf.example

  // Uncomment every "#option = value" line: the result is a config file that sets every option
  // to the default written there, and it must give exactly the defaults.
  std::string uncommented;
  std::size_t options = 0;
  for (std::size_t at = 0; at < file.size();) {
    const std::size_t end = std::min(file.find('\n', at), file.size());
    const std::string line = file.substr(at, end - at);
    at = end + 1;
    if (line.size() > 1 && line[0] == '#' && line[1] != ' ' && line.find("(unset)") == std::string::npos) {
      uncommented += line.substr(1) + "\n";
      ++options;
    }
  }
  CHECK(options > 50);
  Config from_file;
  std::string error;
  REQUIRE(parse_config_text(uncommented, "example", from_file, error));
  CHECK(from_file == Config{});

  // Every option but the command line's switches and --config is in the file, once.
  const std::string help = config_help();
  for (std::size_t at = help.find("\n  --"); at != std::string::npos; at = help.find("\n  --", at + 1)) {
    const std::size_t name_end = help.find_first_of(" \n", at + 5);
    const std::string name = help.substr(at + 5, name_end - at - 5);
    const bool is_switch = help[name_end] == '\n' || help.compare(name_end, 2, "  ") == 0;
    if (is_switch || name == "config") continue;
    INFO(name);
    CHECK(file.find("\n#" + name + " = ") != std::string::npos);
  }
}

TEST_CASE("a switch is refused in a config file and with a value", "[config]") {
  Config c;
  std::string error;
  CHECK_FALSE(parse_config_text("version = on\n", "f", c, error));
  CHECK(error == "f:1: --version is a command-line switch, not an option of a config file");
  CHECK_FALSE(parse_config({"--help=yes"}, c, error));
  CHECK(error == "--help takes no value");
  REQUIRE(parse_config({"--version", "--log-format", "json", "--log-level", "debug"}, c, error));
  CHECK(c.version);
  CHECK(c.log_format == log::Format::kJson);
  CHECK(c.log_level == log::Level::kDebug);
  CHECK_FALSE(parse_config({"--log-level", "off"}, c, error));
  CHECK(error == "bad value 'off' for --log-level (expected debug|info|warn|error)");
  CHECK_FALSE(parse_config({"--log-format", "xml"}, c, error));
}
