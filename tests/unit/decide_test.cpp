// The rules of stranger chat: decide() against a World, with the events applied as the engine does.
#include <catch2/catch.hpp>

#include "core/decide.hpp"
#include "tests/support/model.hpp"

using namespace chatd;
using namespace chatd::events;
using namespace chatd::projections;
using chatd::errors::kAlreadyReported;
using chatd::errors::kInvalidMessage;
using chatd::errors::kInvalidName;
using chatd::errors::kInvalidReason;
using chatd::errors::kInvalidState;
using chatd::errors::kNoPreviousPair;
using chatd::errors::kNotConnected;

using chatd::testing::Model;

TEST_CASE("a new client is CONNECTED with consecutive ids", "[decide]") {
  Model m;
  ClientId a = m.connect("Alice");
  ClientId b = m.connect();
  CHECK(a == 1);
  CHECK(b == 2);
  CHECK(m.state(a) == ClientState::kConnected);
  CHECK(m.stranger().find(a)->name == "Alice");
  CHECK(m.stranger().find(b)->name.empty());
}

TEST_CASE("connect with an invalid name is rejected and changes nothing", "[decide]") {
  Model m;
  auto hash = m.world.hash();
  Decision d = m.run(Connect{std::string(51, 'x'), Dialect::kNative, "a"});
  CHECK(d.reply.error == kInvalidName);
  CHECK(d.events.empty());
  CHECK(m.world.hash() == hash);
}

TEST_CASE("search waits when nobody is looking, and pairs at once when someone is", "[decide]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  Decision first = m.run(a, Search{});
  REQUIRE(first.events.size() == 1);
  CHECK(first.events[0].is<SearchStarted>());
  CHECK(m.state(a) == ClientState::kLooking);
  CHECK(m.stranger().waiting == std::vector<ClientId>{a});

  Decision second = m.run(b, Search{});
  REQUIRE(second.events.size() == 1);
  const auto& paired = second.events[0].as<Paired>();
  CHECK(paired.seeker == b);
  CHECK(paired.waiter == a);
  CHECK_FALSE(paired.pair.empty());
  CHECK(m.state(a) == ClientState::kPaired);
  CHECK(m.state(b) == ClientState::kPaired);
  CHECK(m.stranger().find(a)->partner == b);
  CHECK(m.stranger().find(b)->partner == a);
  CHECK(m.stranger().waiting.empty());
  CHECK(m.stranger().pairs.size() == 1);
}

TEST_CASE("pair ids are drawn with the injected random source", "[decide]") {
  auto pair_of = [](std::uint64_t seed) {
    Model m;
    m.random = SeededRandom(seed);
    ClientId a = m.connect(), b = m.connect();
    m.run(a, Search{});
    Decision d = m.run(b, Search{});
    return d.events.at(0).as<Paired>().pair;
  };
  CHECK(pair_of(7) == pair_of(7));
  CHECK(pair_of(7) != pair_of(8));
  auto id = pair_of(3).to_string();
  CHECK(id.size() == 36);
  CHECK(id[14] == '4');  // UUID version 4
  CHECK(PairId::parse(id) == pair_of(3));
}

TEST_CASE("with no filters, nobody waits while someone else does", "[decide]") {
  // Pairing is immediate: whoever searches while someone waits is paired, so at most one waits.
  Model m;
  for (int i = 0; i < 9; ++i) {
    m.run(m.connect(), Search{});
    CHECK(m.stranger().waiting.size() == (i % 2 == 0 ? 1u : 0u));
  }
  CHECK(m.stranger().pairs.size() == 4);
}

TEST_CASE("state machine: what each state allows", "[decide]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");

  // CONNECTED: no leave, no send, no report.
  CHECK(m.run(a, Leave{}).reply.error == kInvalidState);
  CHECK(m.run(a, Send{"hi"}).reply.error == kInvalidState);
  CHECK(m.run(a, Report{""}).reply.error == kNoPreviousPair);

  // LOOKING: no second search, no name change, no send; leave cancels.
  m.run(a, Search{});
  CHECK(m.run(a, Search{}).reply.error == kInvalidState);
  CHECK(m.run(a, SetName{"Alicia"}).reply.error == kInvalidState);
  CHECK(m.run(a, Send{"hi"}).reply.error == kInvalidState);
  Decision cancel = m.run(a, Leave{});
  CHECK(cancel.events.at(0).is<SearchCancelled>());
  CHECK(m.state(a) == ClientState::kDisconnected);
  CHECK(m.stranger().waiting.empty());

  // DISCONNECTED: may search again.
  m.run(a, Search{});
  m.run(b, Search{});
  REQUIRE(m.state(a) == ClientState::kPaired);

  // PAIRED: no search, no report; name change and send allowed.
  CHECK(m.run(a, Search{}).reply.error == kInvalidState);
  CHECK(m.run(a, Report{""}).reply.error == kInvalidState);
  CHECK(m.run(a, SetName{"Alicia"}).reply.ok());
  Decision sent = m.run(a, Send{"hello bob"});
  REQUIRE(sent.reply.ok());
  const auto& msg = sent.events.at(0).as<MessageSent>();
  CHECK(msg.from == a);
  CHECK(msg.text == "hello bob");
  CHECK(m.stranger().messages == 1);

  // Leaving a pair disconnects both.
  PairId pair = m.stranger().find(a)->pair;
  Decision left = m.run(b, Leave{});
  CHECK(left.events.at(0).as<PairLeft>().pair == pair);
  CHECK(m.state(a) == ClientState::kDisconnected);
  CHECK(m.state(b) == ClientState::kDisconnected);
  CHECK(m.stranger().pairs.empty());
}

TEST_CASE("messages: empty, too long and invalid UTF-8 are rejected", "[decide]") {
  Model m;
  ClientId a = m.connect(), b = m.connect();
  m.run(a, Search{});
  m.run(b, Search{});
  auto before = m.world.hash();
  CHECK(m.run(a, Send{""}).reply.error == kInvalidMessage);
  CHECK(m.run(a, Send{std::string(4097, 'x')}).reply.error == kInvalidMessage);
  CHECK(m.run(a, Send{"\xff\xfe"}).reply.error == kInvalidMessage);
  CHECK(m.world.hash() == before);
  CHECK(m.run(a, Send{std::string(4096, 'x')}).reply.ok());
  CHECK(m.run(a, Send{"line one\nline two \xe2\x9c\x93"}).reply.ok());
}

TEST_CASE("names: 1-50 characters, no control characters, not while looking", "[decide]") {
  Model m;
  ClientId a = m.connect();
  CHECK(m.run(a, SetName{""}).reply.error == kInvalidName);
  CHECK(m.run(a, SetName{std::string(51, 'a')}).reply.error == kInvalidName);
  CHECK(m.run(a, SetName{"tab\there"}).reply.error == kInvalidName);
  CHECK(m.run(a, SetName{"bell\x07"}).reply.error == kInvalidName);
  CHECK(m.run(a, SetName{"c1\xc2\x85"}).reply.error == kInvalidName);
  CHECK(m.run(a, SetName{"   "}).reply.error == kInvalidName);
  // 50 characters of two bytes each: 100 bytes, still a valid name.
  std::string fifty;
  for (int i = 0; i < 50; ++i) fifty += "\xc3\xa9";
  CHECK(m.run(a, SetName{fifty}).reply.ok());
  CHECK(m.run(a, SetName{fifty + "\xc3\xa9"}).reply.error == kInvalidName);
  // The same name again is accepted and records nothing.
  Decision same = m.run(a, SetName{fifty});
  CHECK(same.reply.ok());
  CHECK(same.events.empty());
}

TEST_CASE("report: the previous partner, once per pair", "[decide]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  m.run(a, Search{});
  m.run(b, Search{});
  PairId pair = m.stranger().find(a)->pair;
  m.run(a, Leave{});

  Decision r = m.run(b, Report{"rude"});
  REQUIRE(r.reply.ok());
  const auto& rep = r.events.at(0).as<Reported>();
  CHECK(rep.reporter == b);
  CHECK(rep.reported == a);
  CHECK(rep.pair == pair);
  CHECK(rep.reason == "rude");
  CHECK(m.run(b, Report{"again"}).reply.error == kAlreadyReported);
  // The other side may report too, once.
  CHECK(m.run(a, Report{""}).reply.ok());
  CHECK(m.stranger().reports == 2);
  CHECK(m.run(a, Report{std::string(501, 'r')}).reply.error == kAlreadyReported);

  // A new pairing forgets the old one.
  ClientId c = m.connect();
  m.run(a, Search{});
  m.run(c, Search{});
  m.run(c, Leave{});
  CHECK(m.run(a, Report{std::string(501, 'r')}).reply.error == kInvalidReason);
  CHECK(m.run(a, Report{"spam"}).reply.ok());
}

TEST_CASE("a disconnect ends the pair and the search", "[decide]") {
  Model m;
  ClientId a = m.connect(), b = m.connect(), c = m.connect();
  m.run(a, Search{});
  m.run(b, Search{});
  m.run(c, Search{});
  Decision d = m.run(a, Disconnect{DisconnectReason::kSilent});
  CHECK(d.events.at(0).as<ClientDisconnected>().reason == DisconnectReason::kSilent);
  CHECK(m.stranger().find(a) == nullptr);
  CHECK(m.state(b) == ClientState::kDisconnected);
  CHECK(m.stranger().find(b)->last_partner == a);  // b may still report a
  CHECK(m.run(b, Report{""}).reply.ok());
  m.run(c, Disconnect{DisconnectReason::kClosed});
  CHECK(m.stranger().waiting.empty());
  CHECK(m.run(c, Disconnect{DisconnectReason::kClosed}).reply.error == kNotConnected);
  CHECK(m.run(a, Search{}).reply.error == kNotConnected);
}

TEST_CASE("pushes: who hears what", "[notify]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  using Sent = Model::Sent;
  auto pushes_of = [&](ClientId actor, auto command) {
    m.run(actor, std::move(command));
    return m.pushes;
  };
  auto only = [](const Sent& s, ClientId c) { return s.to.size() == 1 && s.to[0].client == c && !s.to[0].own; };

  auto looking = pushes_of(a, Search{});
  REQUIRE(looking.size() == 1);
  CHECK(only(looking[0], a));
  CHECK(looking[0].push.body.as<StatePush>().state == ClientState::kLooking);
  CHECK(looking[0].push.idle.kind == IdleMark::Kind::kIdle);  // looking counts as idle
  CHECK(std::string(looking[0].push.idle.label) == "looking");

  auto paired = pushes_of(b, Search{});
  REQUIRE(paired.size() == 3);
  // The seeker, paired at once, passes through LOOKING (for lowf's page), leaving its idle deadline alone.
  CHECK(only(paired[0], b));
  CHECK(paired[0].push.body.as<StatePush>() == StatePush{ClientState::kLooking, PairId{}, true});
  CHECK(paired[0].push.idle.kind == IdleMark::Kind::kUnchanged);
  CHECK(only(paired[1], b));  // the seeker first, as lowf does
  CHECK(paired[1].push.body.as<PairedPush>().partner == "Alice");
  CHECK(only(paired[2], a));
  CHECK(paired[2].push.body.as<PairedPush>().partner == "Bob");
  CHECK(paired[2].push.idle.kind == IdleMark::Kind::kActive);

  // One message, one push: its sender and its partner share it.
  auto msg = pushes_of(a, Send{"hi"});
  REQUIRE(msg.size() == 1);
  REQUIRE(msg[0].to.size() == 2);
  CHECK((msg[0].to[0].client == a && msg[0].to[0].own));
  CHECK((msg[0].to[1].client == b && !msg[0].to[1].own));
  CHECK(msg[0].push.body.as<MessagePush>().from == "Alice");
  CHECK(msg[0].push.body.as<MessagePush>().text == "hi");
  CHECK(msg[0].push.idle.kind == IdleMark::Kind::kUnchanged);

  auto renamed = pushes_of(b, SetName{"Robert"});
  REQUIRE(renamed.size() == 1);
  REQUIRE(renamed[0].to.size() == 2);
  CHECK((renamed[0].to[0].client == b && renamed[0].to[0].own));
  CHECK(renamed[0].to[1].client == a);
  CHECK(renamed[0].push.body.as<RenamedPush>().old_name == "Bob");
  CHECK(renamed[0].push.body.as<RenamedPush>().name == "Robert");

  PairId pair = m.stranger().find(a)->pair;
  auto gone = pushes_of(b, Disconnect{DisconnectReason::kClosed});
  REQUIRE(gone.size() == 2);
  CHECK(only(gone[0], b));  // its own session's end: the router forgets the client after it
  CHECK(gone[0].push.ends_client);
  CHECK(gone[0].push.body.is<SessionEndedPush>());
  CHECK(only(gone[1], a));
  CHECK_FALSE(gone[1].push.ends_client);
  CHECK(gone[1].push.body.as<PartnerLeftPush>().pair == pair);
}
