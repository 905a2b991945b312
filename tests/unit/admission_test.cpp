// Admission: the connection counts (upgrades in progress included), the per-address throttle and
// the address keys, on times passed in.
#include <catch2/catch.hpp>

#include <array>

#include "net/session/admission.hpp"

using namespace chatd;
using Verdict = Admission::Verdict;

namespace {
AdmissionLimits small_limits() {
  AdmissionLimits l;
  l.max_connections = 6;
  l.max_per_address = 3;
  l.max_handshakes = 4;
  l.new_per_window = 5;
  l.window_ms = 60'000;
  l.exempt = {"127.0.0.1"};
  return l;
}
}  // namespace

TEST_CASE("admission: address keys are the IPv4 address, or the IPv6 /64", "[admission]") {
  const std::array<std::uint8_t, 4> v4{192, 0, 2, 7};
  CHECK(Admission::key_of(v4) == "192.0.2.7");
  std::array<std::uint8_t, 16> v6{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4};
  CHECK(Admission::key_of(v6) == "2001:db8:1:2::/64");
  v6[15] = 9;  // another host of the same /64: the same key
  CHECK(Admission::key_of(v6) == "2001:db8:1:2::/64");
  v6[7] = 3;  // another /64
  CHECK(Admission::key_of(v6) == "2001:db8:1:3::/64");
  const std::array<std::uint8_t, 16> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7};
  CHECK(Admission::key_of(mapped) == "192.0.2.7");
  // Written as text (the options that name addresses): the same keys, or none.
  CHECK(Admission::key_of_text("192.0.2.7") == "192.0.2.7");
  CHECK(Admission::key_of_text("2001:db8:1:2::aabb") == "2001:db8:1:2::/64");
  CHECK(Admission::key_of_text("::ffff:192.0.2.7") == "192.0.2.7");
  CHECK_FALSE(Admission::key_of_text("localhost"));
  CHECK_FALSE(Admission::key_of_text(" 192.0.2.7"));
  CHECK_FALSE(Admission::key_of_text(""));
}

TEST_CASE("admission: connections still in their upgrade count against every limit", "[admission]") {
  Admission a(small_limits());
  std::vector<AdmissionSlot> held;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(a.admit("10.0.0.1", 0) == Verdict::kAdmitted);
    held.emplace_back(a, "10.0.0.1");
  }
  CHECK(a.admit("10.0.0.1", 0) == Verdict::kAddressFull);  // three half-sent requests fill the address
  REQUIRE(a.admit("10.0.0.2", 0) == Verdict::kAdmitted);
  held.emplace_back(a, "10.0.0.2");
  CHECK(a.handshakes() == 4);
  CHECK(a.admit("10.0.0.3", 0) == Verdict::kHandshakesFull);  // upgrades in progress, in all
  held[0].upgraded();
  CHECK(a.handshakes() == 3);
  REQUIRE(a.admit("10.0.0.3", 0) == Verdict::kAdmitted);
  held.emplace_back(a, "10.0.0.3");
  held[1].upgraded();
  held[2].upgraded();
  REQUIRE(a.admit("10.0.0.4", 0) == Verdict::kAdmitted);
  held.emplace_back(a, "10.0.0.4");
  CHECK(a.connections() == 6);
  CHECK(a.admit("10.0.0.5", 0) == Verdict::kServerFull);
  // A slot gives back everything it holds, upgraded or not, once.
  held.erase(held.begin());  // an upgraded one
  held.pop_back();           // one still in its upgrade
  CHECK(a.connections() == 4);
  CHECK(a.connections_of("10.0.0.1") == 2);
  CHECK(a.handshakes() == 2);
  held.clear();
  CHECK(a.connections() == 0);
  CHECK(a.handshakes() == 0);
  CHECK(a.connections_of("10.0.0.1") == 0);
}

TEST_CASE("admission: new connections per address are throttled per window, loopback spared", "[admission]") {
  Admission a(small_limits());
  for (int i = 0; i < 5; ++i) {
    REQUIRE(a.admit("10.0.0.1", 1'000 + i) == Verdict::kAdmitted);
    AdmissionSlot closes_at_once(a, "10.0.0.1");
  }
  CHECK(a.connections() == 0);  // churn: none stays open, and still
  CHECK(a.admit("10.0.0.1", 2'000) == Verdict::kThrottled);
  CHECK(a.first_refusal_in_window("10.0.0.1"));  // the one worth an audit event
  CHECK(a.admit("10.0.0.1", 3'000) == Verdict::kThrottled);
  CHECK_FALSE(a.first_refusal_in_window("10.0.0.1"));
  REQUIRE(a.admit("10.0.0.2", 3'000) == Verdict::kAdmitted);  // other addresses are not affected
  AdmissionSlot other(a, "10.0.0.2");
  for (int i = 0; i < 20; ++i) {
    REQUIRE(a.admit("127.0.0.1", 3'000) == Verdict::kAdmitted);  // exempt
    AdmissionSlot closes_at_once(a, "127.0.0.1");
  }
  {
    std::vector<AdmissionSlot> proxied;  // a reverse proxy: past the per-address limit (3) too
    for (int i = 0; i < 4; ++i) {
      REQUIRE(a.admit("127.0.0.1", 3'000) == Verdict::kAdmitted);
      proxied.emplace_back(a, "127.0.0.1");
      proxied.back().upgraded();
    }
  }
  CHECK(a.admit("10.0.0.1", 60'999) == Verdict::kThrottled);  // the window began at 1,000
  REQUIRE(a.admit("10.0.0.1", 61'000) == Verdict::kAdmitted);  // a new window
  AdmissionSlot again(a, "10.0.0.1");
}

TEST_CASE("admission: a throttle of 0 turns it off", "[admission]") {
  AdmissionLimits l = small_limits();
  l.new_per_window = 0;
  Admission a(l);
  for (int i = 0; i < 100; ++i) {
    REQUIRE(a.admit("10.0.0.1", i) == Verdict::kAdmitted);
    AdmissionSlot closes_at_once(a, "10.0.0.1");
  }
}

TEST_CASE("admission: the throttle's table is bounded, and past it new addresses go unthrottled", "[admission]") {
  AdmissionLimits l = small_limits();
  l.new_per_window = 1;
  l.max_tracked = 3;
  Admission a(l);
  for (const char* key : {"10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
    REQUIRE(a.admit(key, 0) == Verdict::kAdmitted);
    AdmissionSlot closes(a, key);
    CHECK(a.admit(key, 0) == Verdict::kThrottled);
  }
  for (int i = 0; i < 3; ++i) {  // the table is full: a fourth address is not tracked
    REQUIRE(a.admit("10.0.0.4", 1) == Verdict::kAdmitted);
    AdmissionSlot closes(a, "10.0.0.4");
  }
  CHECK(a.admit("10.0.0.1", 2) == Verdict::kThrottled);  // those tracked still are
  // Once their windows end, a full table makes room at once.
  REQUIRE(a.admit("10.0.0.5", 60'000) == Verdict::kAdmitted);
  { AdmissionSlot closes(a, "10.0.0.5"); }
  CHECK(a.admit("10.0.0.5", 60'001) == Verdict::kThrottled);
}
