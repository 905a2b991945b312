// The rules of stranger chat: decide() against a World, with the events applied as the engine does.
#include <catch2/catch.hpp>

#include "core/decide.hpp"
#include "projections/notify.hpp"

using namespace chatd;
using namespace chatd::events;
using projections::World;

namespace {

// A World driven through decide + apply, as the engine does it, without a log.
struct Model {
  World world;
  SeededRandom random{42};
  TimeMs now = 1'000'000;

  Decision run(const Command& command) {
    Context ctx{now, &random, Limits{}};
    Decision d = decide(world, command, ctx);
    for (const Payload& p : d.events) {
      Event e{world.last_seq + 1, now, p};
      Status s = projections::apply(world, e);
      REQUIRE(s.ok());
    }
    return d;
  }
  ClientId connect(std::string name = "") {
    Decision d = run(Connect{std::move(name), Dialect::kNative, "127.0.0.1"});
    REQUIRE(d.reply.ok());
    return d.reply.client;
  }
  ClientState state(ClientId c) const { return world.find(c)->state; }
};

}  // namespace

TEST_CASE("a new client is CONNECTED with consecutive ids", "[decide]") {
  Model m;
  ClientId a = m.connect("Alice");
  ClientId b = m.connect();
  CHECK(a == 1);
  CHECK(b == 2);
  CHECK(m.state(a) == ClientState::kConnected);
  CHECK(m.world.find(a)->name == "Alice");
  CHECK(m.world.find(b)->name.empty());
}

TEST_CASE("connect with an invalid name is rejected and changes nothing", "[decide]") {
  Model m;
  auto hash = m.world.hash();
  Decision d = m.run(Connect{std::string(51, 'x'), Dialect::kNative, "a"});
  CHECK(d.reply.error == ErrorCode::kInvalidName);
  CHECK(d.events.empty());
  CHECK(m.world.hash() == hash);
}

TEST_CASE("search waits when nobody is looking, and pairs at once when someone is", "[decide]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  Decision first = m.run(Search{a});
  REQUIRE(first.events.size() == 1);
  CHECK(std::holds_alternative<SearchStarted>(first.events[0]));
  CHECK(m.state(a) == ClientState::kLooking);
  CHECK(m.world.waiting == std::vector<ClientId>{a});

  Decision second = m.run(Search{b});
  REQUIRE(second.events.size() == 1);
  const auto& paired = std::get<Paired>(second.events[0]);
  CHECK(paired.seeker == b);
  CHECK(paired.waiter == a);
  CHECK_FALSE(paired.pair.empty());
  CHECK(m.state(a) == ClientState::kPaired);
  CHECK(m.state(b) == ClientState::kPaired);
  CHECK(m.world.find(a)->partner == b);
  CHECK(m.world.find(b)->partner == a);
  CHECK(m.world.waiting.empty());
  CHECK(m.world.pairs.size() == 1);
}

TEST_CASE("pair ids are drawn with the injected random source", "[decide]") {
  auto pair_of = [](std::uint64_t seed) {
    Model m;
    m.random = SeededRandom(seed);
    ClientId a = m.connect(), b = m.connect();
    m.run(Search{a});
    Decision d = m.run(Search{b});
    return std::get<Paired>(d.events.at(0)).pair;
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
    m.run(Search{m.connect()});
    CHECK(m.world.waiting.size() == (i % 2 == 0 ? 1u : 0u));
  }
  CHECK(m.world.pairs.size() == 4);
}

TEST_CASE("state machine: what each state allows", "[decide]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");

  // CONNECTED: no leave, no send, no report.
  CHECK(m.run(Leave{a}).reply.error == ErrorCode::kInvalidState);
  CHECK(m.run(Send{a, "hi"}).reply.error == ErrorCode::kInvalidState);
  CHECK(m.run(Report{a, ""}).reply.error == ErrorCode::kNoPreviousPair);

  // LOOKING: no second search, no name change, no send; leave cancels.
  m.run(Search{a});
  CHECK(m.run(Search{a}).reply.error == ErrorCode::kInvalidState);
  CHECK(m.run(SetName{a, "Alicia"}).reply.error == ErrorCode::kInvalidState);
  CHECK(m.run(Send{a, "hi"}).reply.error == ErrorCode::kInvalidState);
  Decision cancel = m.run(Leave{a});
  CHECK(std::holds_alternative<SearchCancelled>(cancel.events.at(0)));
  CHECK(m.state(a) == ClientState::kDisconnected);
  CHECK(m.world.waiting.empty());

  // DISCONNECTED: may search again.
  m.run(Search{a});
  m.run(Search{b});
  REQUIRE(m.state(a) == ClientState::kPaired);

  // PAIRED: no search, no report; name change and send allowed.
  CHECK(m.run(Search{a}).reply.error == ErrorCode::kInvalidState);
  CHECK(m.run(Report{a, ""}).reply.error == ErrorCode::kInvalidState);
  CHECK(m.run(SetName{a, "Alicia"}).reply.ok());
  Decision sent = m.run(Send{a, "hello bob"});
  REQUIRE(sent.reply.ok());
  const auto& msg = std::get<MessageSent>(sent.events.at(0));
  CHECK(msg.from == a);
  CHECK(msg.text == "hello bob");
  CHECK(m.world.messages == 1);

  // Leaving a pair disconnects both.
  PairId pair = m.world.find(a)->pair;
  Decision left = m.run(Leave{b});
  CHECK(std::get<PairLeft>(left.events.at(0)).pair == pair);
  CHECK(m.state(a) == ClientState::kDisconnected);
  CHECK(m.state(b) == ClientState::kDisconnected);
  CHECK(m.world.pairs.empty());
}

TEST_CASE("messages: empty, too long and invalid UTF-8 are rejected", "[decide]") {
  Model m;
  ClientId a = m.connect(), b = m.connect();
  m.run(Search{a});
  m.run(Search{b});
  auto before = m.world.hash();
  CHECK(m.run(Send{a, ""}).reply.error == ErrorCode::kInvalidMessage);
  CHECK(m.run(Send{a, std::string(4097, 'x')}).reply.error == ErrorCode::kInvalidMessage);
  CHECK(m.run(Send{a, "\xff\xfe"}).reply.error == ErrorCode::kInvalidMessage);
  CHECK(m.world.hash() == before);
  CHECK(m.run(Send{a, std::string(4096, 'x')}).reply.ok());
  CHECK(m.run(Send{a, "line one\nline two \xe2\x9c\x93"}).reply.ok());
}

TEST_CASE("names: 1-50 characters, no control characters, not while looking", "[decide]") {
  Model m;
  ClientId a = m.connect();
  CHECK(m.run(SetName{a, ""}).reply.error == ErrorCode::kInvalidName);
  CHECK(m.run(SetName{a, std::string(51, 'a')}).reply.error == ErrorCode::kInvalidName);
  CHECK(m.run(SetName{a, "tab\there"}).reply.error == ErrorCode::kInvalidName);
  CHECK(m.run(SetName{a, "bell\x07"}).reply.error == ErrorCode::kInvalidName);
  CHECK(m.run(SetName{a, "c1\xc2\x85"}).reply.error == ErrorCode::kInvalidName);
  CHECK(m.run(SetName{a, "   "}).reply.error == ErrorCode::kInvalidName);
  // 50 characters of two bytes each: 100 bytes, still a valid name.
  std::string fifty;
  for (int i = 0; i < 50; ++i) fifty += "\xc3\xa9";
  CHECK(m.run(SetName{a, fifty}).reply.ok());
  CHECK(m.run(SetName{a, fifty + "\xc3\xa9"}).reply.error == ErrorCode::kInvalidName);
  // The same name again is accepted and records nothing.
  Decision same = m.run(SetName{a, fifty});
  CHECK(same.reply.ok());
  CHECK(same.events.empty());
}

TEST_CASE("report: the previous partner, once per pair", "[decide]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  m.run(Search{a});
  m.run(Search{b});
  PairId pair = m.world.find(a)->pair;
  m.run(Leave{a});

  Decision r = m.run(Report{b, "rude"});
  REQUIRE(r.reply.ok());
  const auto& rep = std::get<Reported>(r.events.at(0));
  CHECK(rep.reporter == b);
  CHECK(rep.reported == a);
  CHECK(rep.pair == pair);
  CHECK(rep.reason == "rude");
  CHECK(m.run(Report{b, "again"}).reply.error == ErrorCode::kAlreadyReported);
  // The other side may report too, once.
  CHECK(m.run(Report{a, ""}).reply.ok());
  CHECK(m.world.reports == 2);
  CHECK(m.run(Report{a, std::string(501, 'r')}).reply.error == ErrorCode::kAlreadyReported);

  // A new pairing forgets the old one.
  ClientId c = m.connect();
  m.run(Search{a});
  m.run(Search{c});
  m.run(Leave{c});
  CHECK(m.run(Report{a, std::string(501, 'r')}).reply.error == ErrorCode::kInvalidReason);
  CHECK(m.run(Report{a, "spam"}).reply.ok());
}

TEST_CASE("a disconnect ends the pair and the search", "[decide]") {
  Model m;
  ClientId a = m.connect(), b = m.connect(), c = m.connect();
  m.run(Search{a});
  m.run(Search{b});
  m.run(Search{c});
  Decision d = m.run(Disconnect{a, DisconnectReason::kSilent});
  CHECK(std::get<ClientDisconnected>(d.events.at(0)).reason == DisconnectReason::kSilent);
  CHECK(m.world.find(a) == nullptr);
  CHECK(m.state(b) == ClientState::kDisconnected);
  CHECK(m.world.find(b)->last_partner == a);  // b may still report a
  CHECK(m.run(Report{b, ""}).reply.ok());
  m.run(Disconnect{c, DisconnectReason::kClosed});
  CHECK(m.world.waiting.empty());
  CHECK(m.run(Disconnect{c, DisconnectReason::kClosed}).reply.error == ErrorCode::kNotConnected);
  CHECK(m.run(Search{a}).reply.error == ErrorCode::kNotConnected);
}

TEST_CASE("pushes: who hears what", "[notify]") {
  Model m;
  ClientId a = m.connect("Alice"), b = m.connect("Bob");
  auto pushes_of = [&](const Command& c) {
    Context ctx{m.now, &m.random, Limits{}};
    Decision d = decide(m.world, c, ctx);
    std::vector<projections::Push> out;
    for (const Payload& p : d.events) {
      Event e{m.world.last_seq + 1, m.now, p};
      projections::notify(m.world, e, out);
      REQUIRE(projections::apply(m.world, e).ok());
    }
    return out;
  };
  using Kind = projections::Push::Kind;
  auto looking = pushes_of(Search{a});
  REQUIRE(looking.size() == 1);
  CHECK(looking[0].kind == Kind::kState);
  CHECK(looking[0].state == ClientState::kLooking);

  auto paired = pushes_of(Search{b});
  REQUIRE(paired.size() == 2);
  CHECK(paired[0].to == b);  // the seeker first, as lowf does
  CHECK(paired[0].name == "Alice");
  CHECK(paired[1].to == a);
  CHECK(paired[1].name == "Bob");

  auto msg = pushes_of(Send{a, "hi"});
  REQUIRE(msg.size() == 2);
  CHECK((msg[0].to == a && msg[0].own));
  CHECK((msg[1].to == b && !msg[1].own && msg[1].name == "Alice" && msg[1].text == "hi"));

  auto renamed = pushes_of(SetName{b, "Robert"});
  REQUIRE(renamed.size() == 2);
  CHECK(renamed[1].to == a);
  CHECK(renamed[1].old_name == "Bob");
  CHECK(renamed[1].name == "Robert");

  PairId pair = m.world.find(a)->pair;
  auto gone = pushes_of(Disconnect{b, DisconnectReason::kClosed});
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].to == a);
  CHECK(gone[0].kind == Kind::kPartnerLeft);
  CHECK(gone[0].pair == pair);
}
