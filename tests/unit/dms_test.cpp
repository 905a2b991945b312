// The rules of DMs: decide() against a World, with the events applied and the pushes collected as
// the engine does.
#include <catch2/catch.hpp>

#include "core/lifecycle.hpp"
#include "tests/support/model.hpp"

using namespace chatd;
using namespace chatd::events;
using namespace chatd::projections;
using chatd::testing::Model;

namespace {

const DmsState& dms(const Model& m) { return m.world.get<DmsState>(); }

DmReply opened(const Decision& d) {
  REQUIRE(d.reply.ok());
  return d.reply.body.as<DmReply>();
}

// The pushes of the last run of body type T that reached `c`, with whether they were its own.
template <class T>
std::vector<std::pair<T, bool>> pushes_to(const Model& m, ClientId c) {
  std::vector<std::pair<T, bool>> out;
  for (const auto& sent : m.pushes)
    if (const T* body = sent.push.body.get_if<T>())
      for (const Recipient& r : sent.to)
        if (r.client == c) out.emplace_back(*body, r.own);
  return out;
}

}  // namespace

TEST_CASE("dms: a DM opens with the one client online of that name, once", "[dms]") {
  Model m;
  ClientId a = m.connect("alice"), b = m.connect("bob");
  const DmReply r = opened(m.run(a, OpenDm{"bob"}));
  CHECK(r.dm == DmListing{1, "bob", 0});
  CHECK(r.opened);
  REQUIRE(dms(m).find(1) != nullptr);
  CHECK(dms(m).find(1)->opener == a);
  CHECK(dms(m).find(1)->peer == b);
  // Bob is told who opened it; Alice's own copy is silent in every dialect, but marks her active.
  const auto to_bob = pushes_to<DmOpenedPush>(m, b);
  REQUIRE(to_bob.size() == 1);
  CHECK(to_bob[0].first == DmOpenedPush{1, "alice", "bob"});
  CHECK_FALSE(to_bob[0].second);
  for (const auto& sent : m.pushes) CHECK(sent.push.idle.kind == IdleMark::Kind::kActive);

  // Either side asking again gets the same DM, and nothing is recorded.
  Decision again = m.run(a, OpenDm{"bob"});
  CHECK(again.events.empty());
  CHECK(again.reply.body.as<DmReply>() == DmReply{DmListing{1, "bob", 0}, false});
  Decision back = m.run(b, OpenDm{"alice"});
  CHECK(back.events.empty());
  CHECK(back.reply.body.as<DmReply>() == DmReply{DmListing{1, "alice", 0}, false});
  CHECK(dms(m).dms.size() == 1);
}

TEST_CASE("dms: who cannot be asked for a DM is told why, and nothing changes", "[dms]") {
  Model m;
  ClientId a = m.connect("alice");
  ClientId anon = m.connect();
  m.connect("twin");
  m.connect("twin");
  REQUIRE(m.run(Command{Connect{"lowfer", Dialect::kLowf, "10.0.0.9"}}).reply.ok());
  const auto hash = m.world.hash();
  auto refused = [&](ClientId actor, std::string to, ErrorCode code) {
    Decision d = m.run(actor, OpenDm{std::move(to)});
    CHECK(d.reply.error == code);
    CHECK(d.events.empty());
  };
  refused(a, "nobody", errors::kNoSuchUser);
  refused(a, "alice", errors::kSelfDm);
  refused(a, "twin", errors::kAmbiguousName);
  refused(a, "lowfer", errors::kNoSuchUser);  // lowf's page cannot show a DM
  refused(a, "", errors::kInvalidName);
  refused(anon, "alice", errors::kNameRequired);
  refused(kNoClient, "alice", errors::kNotConnected);
  CHECK(m.world.hash() == hash);
}

TEST_CASE("dms: messages are numbered per DM and reach exactly its two sides", "[dms]") {
  Model m;
  ClientId a = m.connect("alice"), b = m.connect("bob"), c = m.connect("carol");
  REQUIRE(m.run(a, OpenDm{"bob"}).reply.ok());
  REQUIRE(m.run(c, OpenDm{"bob"}).reply.ok());  // DM 2: bob with carol

  Decision d = m.run(a, SendDm{1, "hi bob"});
  REQUIRE(d.reply.ok());
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].as<DmSent>() == DmSent{1, 1, a, b, "hi bob"});
  CHECK(pushes_to<DmMessagePush>(m, b) == std::vector<std::pair<DmMessagePush, bool>>{{{1, 1, m.now, "alice", "hi bob"}, false}});
  CHECK(pushes_to<DmMessagePush>(m, a) == std::vector<std::pair<DmMessagePush, bool>>{{{1, 1, m.now, "alice", "hi bob"}, true}});
  CHECK(pushes_to<DmMessagePush>(m, c).empty());

  REQUIRE(m.run(b, SendDm{1, "hi alice"}).reply.ok());
  REQUIRE(m.run(b, SendDm{2, "hi carol"}).reply.ok());
  CHECK(dms(m).find(1)->last_number == 2);
  CHECK(dms(m).find(2)->last_number == 1);
  CHECK(dms(m).messages == 3);

  // A DM's id names nothing to whoever is not a side of it, exactly as an id never handed out.
  const Decision other = m.run(c, SendDm{1, "let me in"});
  const Decision never = m.run(c, SendDm{9, "let me in"});
  CHECK(other.reply.error == errors::kNoSuchDm);
  CHECK(other.reply.message == never.reply.message);
  CHECK(m.run(c, CloseDm{1}).reply.error == errors::kNoSuchDm);
  CHECK(m.run(a, SendDm{1, ""}).reply.error == errors::kInvalidMessage);
  CHECK(m.run(a, SendDm{1, std::string(m.limits.max_message_bytes + 1, 'x')}).reply.error == errors::kInvalidMessage);

  const Decision mine = m.run(b, MyDms{});
  CHECK(mine.reply.body.as<DmsReply>().dms == std::vector<DmListing>{{1, "alice", 2}, {2, "carol", 1}});
}

TEST_CASE("dms: a DM ends when a side closes it or goes away, and at a restart", "[dms]") {
  Model m;
  ClientId a = m.connect("alice"), b = m.connect("bob"), c = m.connect("carol");
  REQUIRE(m.run(a, OpenDm{"bob"}).reply.ok());
  REQUIRE(m.run(a, OpenDm{"carol"}).reply.ok());

  Decision closed = m.run(b, CloseDm{1});
  REQUIRE(closed.reply.ok());
  CHECK(closed.events[0].as<DmClosed>() == DmClosed{1, b});
  const auto told = pushes_to<DmClosedPush>(m, a);
  REQUIRE(told.size() == 1);
  CHECK(told[0].first == DmClosedPush{1, "bob", false});
  CHECK(told[0].first.left == false);
  // Alice is still in a DM (with carol): active; Bob is in none: idle again.
  for (const auto& sent : m.pushes)
    for (const Recipient& r : sent.to)
      CHECK(sent.push.idle.kind == (r.client == a ? IdleMark::Kind::kActive : IdleMark::Kind::kIdle));
  CHECK(m.run(a, SendDm{1, "still there?"}).reply.error == errors::kNoSuchDm);
  // Opened again, it is a new DM whose numbers start anew.
  CHECK(opened(m.run(b, OpenDm{"alice"})).dm == DmListing{3, "alice", 0});

  REQUIRE(m.run(c, Disconnect{DisconnectReason::kClosed}).reply.ok());
  const auto left = pushes_to<DmClosedPush>(m, a);
  REQUIRE(left.size() == 1);
  CHECK(left[0].first == DmClosedPush{2, "carol", true});
  CHECK(dms(m).find(2) == nullptr);
  CHECK(dms(m).dms_of(c) == nullptr);
  CHECK(*dms(m).dms_of(a) == std::vector<DmId>{3});

  REQUIRE(m.run(kNoClient, Start{}).reply.ok());
  CHECK(dms(m).dms.empty());
  CHECK(dms(m).of_client.empty());
  CHECK(dms(m).last_dm == 3);  // ids are never handed out twice
}

TEST_CASE("dms: a client has at most the configured DMs open, and so has the one it asks", "[dms]") {
  Model m;
  m.limits.max_dms_per_client = 2;
  ClientId a = m.connect("alice");
  m.connect("b1");
  m.connect("b2");
  m.connect("b3");
  ClientId d = m.connect("dave");
  REQUIRE(m.run(a, OpenDm{"b1"}).reply.ok());
  REQUIRE(m.run(a, OpenDm{"b2"}).reply.ok());
  CHECK(m.run(a, OpenDm{"b3"}).reply.error == errors::kTooManyDms);
  CHECK(m.run(d, OpenDm{"alice"}).reply.error == errors::kTooManyDms);
  CHECK(m.run(a, OpenDm{"b2"}).reply.ok());  // an open one is not a new one
}

TEST_CASE("dms: apply refuses events that cannot follow the World", "[dms]") {
  Model m;
  ClientId a = m.connect("alice"), b = m.connect("bob"), c = m.connect("carol");
  REQUIRE(m.run(a, OpenDm{"bob"}).reply.ok());
  auto refused = [&](Payload p) {
    const auto hash = m.world.hash();
    Event e{m.world.last_seq + 1, m.now, std::move(p)};
    const bool ok = projections::apply(m.world, e).ok();
    CHECK(m.world.hash() == hash);
    return !ok;
  };
  CHECK(refused(DmOpened{1, a, c}));        // id handed out already
  CHECK(refused(DmOpened{2, b, a}));        // open between them already
  CHECK(refused(DmOpened{2, a, a}));        // with oneself
  CHECK(refused(DmOpened{2, a, 99}));       // unknown client
  CHECK(refused(DmSent{1, 2, a, b, "x"}));  // number 1 comes first
  CHECK(refused(DmSent{1, 1, c, b, "x"}));  // not a side
  CHECK(refused(DmSent{1, 1, a, c, "x"}));  // not the other side
  CHECK(refused(DmSent{2, 1, a, b, "x"}));  // no such DM
  CHECK(refused(DmClosed{1, c}));           // not a side
  CHECK(refused(DmClosed{5, a}));
  Event next{m.world.last_seq + 1, m.now, DmSent{1, 1, a, b, "x"}};
  CHECK(projections::apply(m.world, next).ok());  // (and the right one applies)
}
