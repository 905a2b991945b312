// GET /metrics against the real chatd: only for an operator's token, a page that follows the
// Prometheus text exposition format (checked line by line against its grammar below), and
// counters that say what the test did.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/clients.hpp"
#include "tests/support/hello_captcha.hpp"

using namespace chatd;
using namespace chatd::testing;
using namespace std::chrono_literals;

namespace {

const std::string kToken = "a-metrics-token-for-the-test-5d1e";

// The samples of a page, as "name{labels}" -> value, after checking the page against the text
// format (version 0.0.4): HELP and TYPE at most once per family and before its samples, a
// family's samples together, names and label names of the allowed characters, label values
// escaped, values numbers; counters end in _total; a histogram's buckets cumulative, ending in
// +Inf, which equals its _count.
std::map<std::string, double> parse_exposition(const std::string& page) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]*)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*)?\})? ([-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|[-+]Inf|NaN))");
  std::map<std::string, double> samples;
  std::map<std::string, std::string> type_of;
  std::set<std::string> helped, finished;
  std::string current;  // the family whose samples are being read
  REQUIRE(!page.empty());
  REQUIRE(page.back() == '\n');
  std::size_t at = 0;
  while (at < page.size()) {
    const std::size_t end = page.find('\n', at);
    const std::string line = page.substr(at, end - at);
    at = end + 1;
    INFO(line);
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) {
      REQUIRE(std::regex_match(line, m, kHelp));
      REQUIRE(helped.insert(m[1]).second);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      REQUIRE(std::regex_match(line, m, kType));
      REQUIRE(type_of.emplace(m[1], m[2]).second);
      REQUIRE(finished.count(m[1]) == 0);
      if (m[2] == "counter") CHECK(std::string(m[1]).ends_with("_total"));
      continue;
    }
    REQUIRE(std::regex_match(line, m, kSample));
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (!type_of.count(family) && family.ends_with(suffix)) family = family.substr(0, family.size() - std::strlen(suffix));
    REQUIRE(type_of.count(family) == 1);  // TYPE before the samples
    if (family != current) {
      REQUIRE(finished.insert(family).second);  // a family's samples are one group
      current = family;
    }
    const std::string value = m[7];  // the groups before it: name, labels and theirs
    const std::string key = std::string(m[1]) + (m[2].matched ? std::string(m[2]) : "");
    REQUIRE(samples.emplace(key, value == "+Inf" ? INFINITY : std::stod(value)).second);  // no sample twice
  }
  for (const auto& [family, type] : type_of) {
    if (type != "histogram") continue;
    INFO(family);
    // Cumulative in the order of their bounds.
    std::vector<std::pair<double, double>> ordered;
    for (const auto& [key, value] : samples)
      if (key.rfind(family + "_bucket{le=\"", 0) == 0 && key.find("+Inf") == std::string::npos)
        ordered.emplace_back(std::stod(key.substr(family.size() + 12)), value);
    REQUIRE(!ordered.empty());
    std::sort(ordered.begin(), ordered.end());
    double previous = 0;
    for (const auto& [bound, value] : ordered) {
      CHECK(value >= previous);
      previous = value;
    }
    const double infinite = samples.at(family + "_bucket{le=\"+Inf\"}");
    CHECK(infinite >= previous);
    CHECK(infinite == samples.at(family + "_count"));
    CHECK(samples.count(family + "_sum") == 1);
  }
  return samples;
}

HttpAnswer scrape(std::uint16_t port, const std::string& authorization = "Bearer " + kToken) {
  HttpRequest request;
  request.path = "/metrics";
  if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
  return http_get(port, request);
}

// A native client that solves its captcha after one wrong answer, and names itself.
std::unique_ptr<WsClient> captcha_client(std::uint16_t port, const std::string& name) {
  auto c = std::make_unique<WsClient>(port, "/");
  auto hello = c->recv();
  REQUIRE(hello);
  REQUIRE(ok(ask(*c, "bad", R"({"op":"captcha","id":"bad","payload":"%%% not base64"})")) == false);
  c->send(solve_hello_captcha(*hello, "\"good\""));  // the id as raw JSON
  REQUIRE(c->recv_until("\"id\":\"good\",\"ok\":true"));
  REQUIRE(ok(ask(*c, "n", R"({"op":"name","id":"n","name":")" + name + R"("})")));
  return c;
}

}  // namespace

TEST_CASE("GET /metrics answers only an operator's token, in the exposition format, with counts of what clients did",
          "[integration][metrics]") {
  TempDir data;
  const std::string tokens = data.path() + "/tokens";
  std::ofstream(tokens) << kToken << "\n";
  ChatdProcess chatd(data.path() + "/data", {"--captcha-difficulty", "2000", "--operator-token-file", tokens,
                                             "--connection-throttle", "2/600", "--password-process", "off"});

  SECTION("no token, a wrong one, or another scheme: 401, and no count in the answer") {
    for (const std::string& authorization : std::vector<std::string>{"", "Bearer wrong-token-wrong-token", "Basic " + kToken, kToken}) {
      INFO(authorization);
      const HttpAnswer answer = scrape(chatd.port(), authorization);
      CHECK(answer.status == 401);
      CHECK(answer.body.find("chatd_") == std::string::npos);
    }
  }

  SECTION("the page parses, and its counters follow the clients") {
    const auto before = parse_exposition(scrape(chatd.port()).body);
    {
      auto a = captcha_client(chatd.port(), "Ann");
      auto b = captcha_client(chatd.port(), "Bob");
      CHECK(error_of(ask(*a, "early", R"({"op":"send","id":"early","text":"nobody hears this"})")) == "invalid_state");
      a->send(R"({"op":"search"})");
      REQUIRE(a->recv_until("looking"));
      b->send(R"({"op":"search"})");
      REQUIRE(b->recv_until("paired"));
      for (int i = 0; i < 5; ++i) REQUIRE(ok(ask(*a, "m" + std::to_string(i), R"({"op":"send","id":"m)" + std::to_string(i) + R"(","text":"hello"})")));
      REQUIRE(b->recv_until("hello"));
      // Another address (127.0.0.2; 127.0.0.1 is exempt from the throttle by default): two admitted, the third refused.
      HttpRequest other;
      other.source = "127.0.0.2";
      other.path = "/health";
      CHECK(http_get(chatd.port(), other).status == 200);
      CHECK(http_get(chatd.port(), other).status == 200);
      other.upgrade = true;
      CHECK(http_get(chatd.port(), other).status == 429);
      const HttpAnswer during = scrape(chatd.port());
      CHECK(during.status == 200);
      CHECK(during.content_type == "text/plain; version=0.0.4; charset=utf-8");
      const auto now = parse_exposition(during.body);
      CHECK(now.at("chatd_sessions_open{dialect=\"native\"}") == 2);
      CHECK(now.at("chatd_handshakes_in_progress") == 0);
      CHECK(now.at("chatd_connections_open") >= 3);  // A, B and the scrape
    }
    // A and B are gone: their closes are counted once they are seen.
    std::map<std::string, double> after;
    for (int i = 0; i < 50; ++i) {
      after = parse_exposition(scrape(chatd.port()).body);
      if (after.at("chatd_sessions_open{dialect=\"native\"}") == 0) break;
      std::this_thread::sleep_for(20ms);
    }
    auto grew = [&](const std::string& key) { return after.at(key) - (before.count(key) ? before.at(key) : 0.0); };
    CHECK(after.at("chatd_build_info{version=\"0.1.0\",log_schema=\"1\"}") == 1);
    CHECK(after.at("chatd_sessions_open{dialect=\"native\"}") == 0);
    CHECK(grew("chatd_sessions_started_total{dialect=\"native\"}") == 2);
    CHECK(grew("chatd_sessions_closed_total{reason=\"closed\"}") == 2);
    CHECK(grew("chatd_captcha_total{outcome=\"issued\"}") == 2);
    CHECK(grew("chatd_captcha_total{outcome=\"solved\"}") == 2);
    CHECK(grew("chatd_captcha_total{outcome=\"failed\"}") == 2);
    CHECK(grew("chatd_connections_rejected_total{reason=\"throttled\"}") == 1);
    CHECK(grew("chatd_commands_total{command=\"send\",outcome=\"ok\"}") == 5);
    CHECK(grew("chatd_commands_total{command=\"send\",outcome=\"error\"}") == 1);
    CHECK(grew("chatd_commands_total{command=\"search\",outcome=\"ok\"}") == 2);
    CHECK(grew("chatd_commands_total{command=\"connect\",outcome=\"ok\"}") == 2);
    CHECK(grew("chatd_commands_total{command=\"disconnect\",outcome=\"ok\"}") == 2);
    // Each message is pushed to B; the pairing to both (at least).
    CHECK(grew("chatd_pushes_delivered_total") >= 5 + 2);
    // Every command answered was in a committed batch, and the events of these are in the log.
    CHECK(grew("chatd_batch_commands_sum") >= 5 + 2 + 2 + 2 + 2);
    CHECK(grew("chatd_commit_seconds_count") == grew("chatd_batches_total"));
    CHECK(grew("chatd_events_appended_total") >= 5 + 2 + 2 + 2);
    CHECK(after.at("chatd_log_last_seq") >= grew("chatd_events_appended_total"));
    CHECK(after.at("chatd_lmdb_map_bytes") >= after.at("chatd_lmdb_file_bytes"));
    CHECK(after.at("chatd_disk_free_bytes") > 0);
    CHECK(after.at("chatd_engine_queue_depth") == 0);
  }
}
