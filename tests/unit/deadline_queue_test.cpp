// DeadlineQueue: the one heap behind every session's watchdog (net/deadline_queue.hpp).
#include <algorithm>
#include <catch2/catch.hpp>
#include <vector>

#include "net/transport/deadline_queue.hpp"

using chatd::DeadlineQueue;
using chatd::IdleTracker;

namespace {

std::vector<std::uint64_t> pop_all_due(DeadlineQueue& q, chatd::TimeMs now) {
  std::vector<std::uint64_t> sessions;
  while (auto due = q.pop_due(now)) sessions.push_back(due->session);
  return sessions;
}

}  // namespace

TEST_CASE("deadline queue: entries come due in time order, and only when due", "[deadline]") {
  DeadlineQueue q;
  CHECK(q.next() == IdleTracker::kNever);
  CHECK_FALSE(q.pop_due(1'000'000));
  CHECK(q.push(300, 3));   // the first is the earliest
  CHECK_FALSE(q.push(500, 5));
  CHECK(q.push(100, 1));   // earlier than all: the timer must move
  CHECK_FALSE(q.push(100, 7));  // a tie is not earlier
  CHECK(q.next() == 100);
  CHECK(pop_all_due(q, 99).empty());
  auto first = pop_all_due(q, 100);
  std::sort(first.begin(), first.end());
  CHECK(first == std::vector<std::uint64_t>{1, 7});
  CHECK(q.next() == 300);
  CHECK(pop_all_due(q, 1000) == std::vector<std::uint64_t>{3, 5});
  CHECK(q.size() == 0);
  CHECK(q.next() == IdleTracker::kNever);
}

TEST_CASE("deadline queue: a session that moves earlier leaves its old entry to come due later", "[deadline]") {
  DeadlineQueue q;
  q.push(1000, 42);
  q.push(200, 42);  // the session now wants to wake at 200; it ignores the entry at 1000 when it comes
  auto early = q.pop_due(200);
  REQUIRE(early);
  CHECK(early->when == 200);
  CHECK_FALSE(q.pop_due(999));
  auto stale = q.pop_due(1000);
  REQUIRE(stale);
  CHECK(stale->session == 42);
  CHECK(stale->when == 1000);
}
