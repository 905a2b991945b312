// chatd's operational log (net/log.hpp): its two formats, levels, what it never writes, and the
// burst limit.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <ctime>
#include <string>
#include <vector>

#include "net/log.hpp"

using namespace chatd;

namespace {

std::vector<std::string> g_lines;
void capture(std::string_view line) { g_lines.emplace_back(line); }

// Each test starts with an empty capture and leaves the log off, as the other tests expect it.
struct Captured {
  Captured(log::Level level, log::Format format) {
    g_lines.clear();
    log::configure(level, format, capture);
  }
  ~Captured() { log::configure(log::Level::kOff, log::Format::kText); }
};

}  // namespace

TEST_CASE("log: text lines are a time, a level, an event and key=value fields", "[log]") {
  Captured c(log::Level::kInfo, log::Format::kText);
  log::info("listening").field("address", "127.0.0.1:8082").field("n", 3).field("ok", true).field("neg", -2);
  log::warn("odd").field("detail", "two words, \"quoted\"\x01").field("empty", "");
  REQUIRE(g_lines.size() == 2);
  // 2026-12-03T19:11:56.238Z info listening address=127.0.0.1:8082 n=3 ok=true neg=-2
  const std::string& first = g_lines[0];
  REQUIRE(first.size() > 25);
  CHECK(first[4] == '-');
  CHECK(first[10] == 'T');
  CHECK(first.substr(23, 2) == "Z ");
  CHECK(first.substr(25) == "info listening address=127.0.0.1:8082 n=3 ok=true neg=-2\n");
  CHECK(g_lines[1].substr(25) == "warn odd detail=\"two words, \\\"quoted\\\"\\x01\" empty=\"\"\n");
}

TEST_CASE("log: JSON lines parse, with every field typed", "[log]") {
  Captured c(log::Level::kInfo, log::Format::kJson);
  log::error("commit_failed").field("status", "map full \"x\"\n").field("seq", std::uint64_t{18446744073709551615u}).field("neg", -7);
  REQUIRE(g_lines.size() == 1);
  CHECK(g_lines[0].back() == '\n');
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(g_lines[0]).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["level"]) == "error");
  CHECK(std::string_view(doc["event"]) == "commit_failed");
  CHECK(std::string_view(doc["status"]) == "map full \"x\"\n");
  CHECK(std::uint64_t(doc["seq"]) == 18446744073709551615u);
  CHECK(std::int64_t(doc["neg"]) == -7);
  CHECK(std::string_view(doc["ts"]).size() == 24);
}

TEST_CASE("log: levels below the configured one are not written, and off writes nothing", "[log]") {
  {
    Captured c(log::Level::kWarn, log::Format::kText);
    log::debug("a");
    log::info("b");
    log::warn("c");
    log::error("d");
    REQUIRE(g_lines.size() == 2);
    CHECK(g_lines[0].find(" warn c\n") != std::string::npos);
    CHECK(g_lines[1].find(" error d\n") != std::string::npos);
  }
  Captured c(log::Level::kOff, log::Format::kText);
  log::error("e");
  CHECK(g_lines.empty());
  CHECK_FALSE(log::enabled(log::Level::kError));
}

TEST_CASE("log: a client's address is written only at debug level", "[log]") {
  {
    Captured c(log::Level::kInfo, log::Format::kText);
    log::info("connection_rejected").field("reason", "throttled").peer("peer", "192.0.2.7");
    REQUIRE(g_lines.size() == 1);
    CHECK(g_lines[0].find("192.0.2.7") == std::string::npos);
    CHECK(g_lines[0].find("peer") == std::string::npos);
  }
  Captured c(log::Level::kDebug, log::Format::kJson);
  log::info("connection_rejected").field("reason", "throttled").peer("peer", "192.0.2.7");
  REQUIRE(g_lines.size() == 1);
  CHECK(g_lines[0].find(R"("peer":"192.0.2.7")") != std::string::npos);
}

TEST_CASE("log: past the burst in one second lines are counted, and the next written says how many", "[log]") {
  Captured c(log::Level::kInfo, log::Format::kText);
  // The whole loop within one wall-clock second is not guaranteed: retry until a run of 100
  // falls in one second (a run that crosses a second boundary writes more, and is retried).
  for (int attempt = 0; attempt < 5; ++attempt) {
    g_lines.clear();
    for (int i = 0; i < 100; ++i) log::info("slow_reader").field("i", i);
    log::info("other");  // another event has its own budget
    if (g_lines.size() == static_cast<std::size_t>(log::kBurst) + 1) break;
    WARN("attempt " << attempt << ": " << g_lines.size() << " lines");
  }
  REQUIRE(g_lines.size() == static_cast<std::size_t>(log::kBurst) + 1);
  CHECK(g_lines.back().find(" info other\n") != std::string::npos);
  // The next second's first line carries the count held back.
  bool carried = false;
  for (int i = 0; i < 200 && !carried; ++i) {
    g_lines.clear();
    log::info("slow_reader");
    carried = !g_lines.empty() && g_lines[0].find(" suppressed=") != std::string::npos;
    if (!carried) {
      struct timespec pause {0, 10'000'000};
      nanosleep(&pause, nullptr);
    }
  }
  REQUIRE(carried);
  CHECK(g_lines[0].find("info slow_reader suppressed=") != std::string::npos);
}

TEST_CASE("log: levels and formats by name", "[log]") {
  log::Level level{};
  log::Format format{};
  CHECK(log::parse_level("debug", level));
  CHECK(level == log::Level::kDebug);
  CHECK(log::name_of(log::Level::kWarn) == "warn");
  CHECK_FALSE(log::parse_level("verbose", level));
  CHECK(log::parse_format("json", format));
  CHECK(format == log::Format::kJson);
  CHECK(log::name_of(format) == "json");
  CHECK_FALSE(log::parse_format("JSON", format));
}
