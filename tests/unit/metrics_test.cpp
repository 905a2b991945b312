// net/metrics: histogram buckets, the command table, and the exposition text's escaping.
#include <catch2/catch.hpp>

#include "core/session/commands.hpp"
#include "core/stranger/commands.hpp"
#include "net/metrics.hpp"

using namespace chatd;
using namespace chatd::metrics;

TEST_CASE("metrics: a histogram counts each value in the first bucket whose bound holds it", "[metrics]") {
  Histogram h({10, 100, 1000}, 1e-3);
  for (std::uint64_t v : {0, 10, 11, 100, 5000, 7}) h.observe(v);
  CHECK(h.bucket(0) == 3);  // 0, 10, 7
  CHECK(h.bucket(1) == 2);  // 11, 100
  CHECK(h.bucket(2) == 0);
  CHECK(h.bucket(3) == 1);  // +Inf: 5000
  CHECK(h.count() == 6);
  CHECK(h.sum() == 5128);
  Exposition out;
  out.histogram("x_seconds", "help", h);
  CHECK(out.text() ==
        "# HELP x_seconds help\n# TYPE x_seconds histogram\n"
        "x_seconds_bucket{le=\"0.01\"} 3\nx_seconds_bucket{le=\"0.1\"} 5\nx_seconds_bucket{le=\"1\"} 5\n"
        "x_seconds_bucket{le=\"+Inf\"} 6\nx_seconds_sum 5.128\nx_seconds_count 6\n");
}

TEST_CASE("metrics: commands are counted by their type and outcome", "[metrics]") {
  CommandCounts counts;
  const CommandType& send = CommandType::of<Send>();
  const CommandType& search = CommandType::of<Search>();
  counts.count(&send, true);
  counts.count(&send, true);
  counts.count(&send, false);
  counts.count(&search, false);
  counts.count(nullptr, true);  // an empty command: nothing
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> seen;
  counts.for_each([&](std::string_view name, std::uint64_t ok, std::uint64_t errors) { seen[std::string(name)] = {ok, errors}; });
  CHECK(seen == std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>{{"send", {2, 1}}, {"search", {0, 1}}});
}

TEST_CASE("metrics: label values are escaped as the text format wants", "[metrics]") {
  CHECK(Exposition::label("k", "a\"b\\c\nd") == "k=\"a\\\"b\\\\c\\nd\"");
  Exposition out;
  out.family("n_total", "counter", "h").sample("n_total", Exposition::label("k", "v"), std::uint64_t{3}).sample("n_total", "", 1.5);
  CHECK(out.text() == "# HELP n_total h\n# TYPE n_total counter\nn_total{k=\"v\"} 3\nn_total 1.5\n");
}
