// chatreplay over a log written by the real engine: a scripted afternoon whose every fact the test
// knows, asked back through the command line (in-process) and checked; lowf exports byte-compared
// with files in tests/expected/; verify catching a planted gap, a damaged event and a newer schema.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/base/sorted_entries.hpp"
#include "events/codec.hpp"
#include "events/lmdb_log.hpp"
#include "net/engine/engine.hpp"
#include "raw_lmdb.hpp"
#include "projections/world_codec.hpp"
#include "replay/stranger/audit.hpp"
#include "replay/cli.hpp"
#include "replay/history.hpp"
#include "replay/snapshot.hpp"
#include "replay/time_text.hpp"
#include "chatreplay_run.hpp"
#include "temp_dir.hpp"
#include "tests/support/domains.hpp"

using namespace chatd;
using namespace chatd::events;
using namespace chatd::replay;

namespace {

constexpr TimeMs kT0 = 1'795'356'000'000;  // 2026-11-22T14:00:00Z

using Run = ChatreplayRun;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string hex(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// The afternoon, one command per second from 14:00:00 (seq 1 is the engine's server_started at
// 14:00:00; each step below is one batch). What the log must then say is recorded as it happens.
struct Afternoon {
  TempDir tmp;
  std::string dir = tmp.sub("data");
  std::vector<std::uint64_t> hash_at;  // hash_at[seq]: the engine's World hash after seq
  std::vector<TimeMs> time_at;         // time_at[seq]
  PairId first_pair, second_pair;
  Seq report_seq = 0, rename_seq = 0, first_pair_end = 0;

  explicit Afternoon(TimeMs start = kT0) {
    std::unique_ptr<LmdbLog> log;
    REQUIRE(LmdbLog::open(dir, {}, &log).ok());
    ManualClock clock(start);
    SeededRandom random(2026);
    Engine engine(*log, clock, random, EngineOptions{});
    REQUIRE(engine.start().ok());
    record(engine);
    auto step = [&](Command c) {
      clock.advance(1000);
      Engine::BatchResult r;
      REQUIRE(engine.process(std::vector<Command>{std::move(c)}, r).ok());
      REQUIRE(r.replies.at(0).ok());
      record(engine);
      return r;
    };
    step(Connect{"Alice", Dialect::kLowf, "10.0.0.1"});                  // seq 2, client 1, 14:00:01
    step(Connect{"Bob", Dialect::kNative, "10.0.0.2"});                  // 3, client 2
    step(RecordCaptchaFailure{"10.0.0.3", "wrong number"});             // 4
    step(Connect{"Carol", Dialect::kNative, "10.0.0.3"});               // 5, client 3
    step(Command{Search{}, 1});                                                     // 6, Alice waits
    step(Command{Search{}, 2});                                                     // 7, paired, 14:00:06
    first_pair = engine.world().get<projections::StrangerState>().find(1)->pair;
    step(Command{Send{"hello alice"}, 2});                                        // 8
    step(Command{Send{"hi bob"}, 1});                                             // 9
    step(Command{SetName{"Robert"}, 2});                                          // 10
    rename_seq = engine.world().last_seq;
    step(Command{Send{"it's Robert now, \"quoted\""}, 2});                        // 11
    step(Command{Leave{}, 1});                                                      // 12, 14:00:11
    first_pair_end = engine.world().last_seq;
    step(Command{Report{"rude"}, 2});                                             // 13
    report_seq = engine.world().last_seq;
    step(Command{Search{}, 3});                                                     // 14, Carol waits
    step(Command{Search{}, 1});                                                     // 15, Alice + Carol, 14:00:14
    second_pair = engine.world().get<projections::StrangerState>().find(1)->pair;
    step(Command{Send{"hey"}, 3});                                                // 16
    step(Command{Disconnect{DisconnectReason::kIdleState}, 3});                  // 17
    step(Command{Disconnect{DisconnectReason::kClosed}, 2});                     // 18, 14:00:17
    REQUIRE(engine.world().last_seq == 18);
  }

  void record(const Engine& engine) {
    const auto& w = engine.world();
    hash_at.resize(w.last_seq + 1);
    time_at.resize(w.last_seq + 1);
    hash_at[w.last_seq] = w.hash();
    time_at[w.last_seq] = w.last_time;
  }

  std::vector<std::string> args(std::vector<std::string> a) const {
    a.insert(a.begin() + 1, {"--data", dir});
    return a;
  }
};

}  // namespace

TEST_CASE("chatreplay state: the World at every seq and time, as the engine had it", "[replay]") {
  Afternoon a;
  for (Seq seq = 1; seq <= 18; ++seq) {
    Run r = chatreplay(a.args({"state", "--hash", "--at-seq", std::to_string(seq), "--snapshot-every", "4"}));
    INFO(r.err);
    REQUIRE(r.code == kExitOk);
    CHECK(r.out == "seq " + std::to_string(seq) + " hash " + hex(a.hash_at[seq]) + "\n");
  }
  // The snapshots written on the way sit at every 4th seq, and queries from them agree.
  CHECK(SnapshotStore(a.dir + "/snapshots", 4).list() == std::vector<Seq>{4, 8, 12, 16});
  Run again = chatreplay(a.args({"state", "--hash", "--at-seq", "14", "--snapshot-every", "4"}));
  CHECK(again.out == "seq 14 hash " + hex(a.hash_at[14]) + "\n");

  // A time names the last event at or before it: 14:00:06.999 is still seq 7 (paired at :06).
  Run at = chatreplay(a.args({"state", "--hash", "--at", "2026-11-22T14:00:06.999Z"}));
  CHECK(at.out == "seq 7 hash " + hex(a.hash_at[7]) + "\n");
  CHECK(a.time_at[7] == kT0 + 6000);

  Run text = chatreplay(a.args({"state", "--at", "2026-11-22T14:00:07Z"}));
  REQUIRE(text.code == kExitOk);
  CHECK(text.out.find("seq 8 at 2026-11-22T14:00:07.000Z") == 0);
  CHECK(text.out.find("  1 \"Alice\" paired since 2026-11-22T14:00:06.000Z lowf 10.0.0.1") != std::string::npos);
  CHECK(text.out.find("  3 \"Carol\" connected since") != std::string::npos);
  CHECK(text.out.find("pairs (1):\n  " + a.first_pair.to_string() + " waiter 1 \"Alice\" seeker 2 \"Bob\"") != std::string::npos);
  CHECK(text.out.find("messages 1\n") != std::string::npos);

  Run json = chatreplay(a.args({"state", "--json", "--at-seq", "14"}));
  CHECK(json.out.find("\"searching\":[3]") != std::string::npos);
  CHECK(json.out.find("{\"id\":2,\"name\":\"Robert\",\"state\":\"disconnected\"") != std::string::npos);
  CHECK(json.out.find("\"hash\":\"" + hex(a.hash_at[14]) + "\"") != std::string::npos);

  // Plain errors with their documented codes.
  Run before = chatreplay(a.args({"state", "--at", "2026-11-22T13:59:59Z"}));
  CHECK(before.code == kExitOutOfRange);
  CHECK(before.err.find("before the first event") != std::string::npos);
  CHECK(chatreplay(a.args({"state", "--at-seq", "19"})).code == kExitOutOfRange);
  CHECK(chatreplay(a.args({"state", "--at", "yesterday"})).code == kExitUsage);
  CHECK(chatreplay({"state", "--data", a.tmp.sub("nowhere")}).code == kExitNoData);
  CHECK(chatreplay({"state", "--data", a.tmp.path}).code == kExitNoData);  // a folder, but no log
  CHECK(chatreplay({"state"}).code == kExitUsage);
  CHECK(chatreplay(a.args({"state", "--bogus"})).code == kExitUsage);
  CHECK(chatreplay({"frobnicate"}).code == kExitUsage);
  Run help = chatreplay({"audit", "--help"});
  CHECK(help.code == kExitOk);
  CHECK(help.out.find("usage: chatreplay audit pair") == 0);
}

TEST_CASE("chatreplay events: filters by type, client, name, pair, address, seq and time", "[replay]") {
  Afternoon a;
  auto seqs_of = [](const std::string& out) {
    std::vector<Seq> seqs;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) seqs.push_back(std::stoull(line.substr(1, line.find(' ') - 1)));
    return seqs;
  };
  Run all = chatreplay(a.args({"events", "--no-snapshots"}));
  REQUIRE(all.code == kExitOk);
  CHECK(seqs_of(all.out).size() == 18);
  CHECK(all.out.find("#7 2026-11-22T14:00:06.000Z paired pair=" + a.first_pair.to_string() +
                     " seeker=2 \"Bob\" waiter=1 \"Alice\"\n") != std::string::npos);

  // Client 2 (Bob): connect, search/pair, its and its partner's messages, rename, leave by the
  // partner, its report, its disconnect.
  CHECK(seqs_of(chatreplay(a.args({"events", "--client", "2"})).out) == std::vector<Seq>{3, 7, 8, 9, 10, 11, 12, 13, 18});
  CHECK(seqs_of(chatreplay(a.args({"events", "--name", "Robert"})).out) == std::vector<Seq>{10, 11, 12, 13, 18});
  CHECK(seqs_of(chatreplay(a.args({"events", "--pair", a.second_pair.to_string()})).out) == std::vector<Seq>{15, 16, 17});
  CHECK(seqs_of(chatreplay(a.args({"events", "--addr", "10.0.0.3"})).out) == std::vector<Seq>{4, 5, 14, 15, 16, 17});
  CHECK(seqs_of(chatreplay(a.args({"events", "--type", "paired,pair_left"})).out) == std::vector<Seq>{7, 12, 15});
  CHECK(seqs_of(chatreplay(a.args({"events", "--from-seq", "9", "--to-seq", "11"})).out) == std::vector<Seq>{9, 10, 11});
  CHECK(seqs_of(chatreplay(a.args({"events", "--from", "2026-11-22T14:00:15Z", "--to", "2026-11-22T14:00:16.5Z"})).out) ==
        std::vector<Seq>{16, 17});
  CHECK(seqs_of(chatreplay(a.args({"events", "--limit", "2", "--type", "message_sent"})).out) == std::vector<Seq>{8, 9});

  // JSON lines are the stored events themselves.
  Run json = chatreplay(a.args({"events", "--json", "--type", "message_sent", "--client", "3"}));
  std::unique_ptr<LmdbLog> log;
  {
    LmdbLog::Options ro;
    ro.read_only = true;
    REQUIRE(LmdbLog::open(a.dir, ro, &log).ok());
    std::string stored;
    REQUIRE(log->read_encoded(16, stored).ok());
    CHECK(json.out == stored + "\n");
    log.reset();
  }

  Run none = chatreplay(a.args({"events", "--client", "99"}));
  CHECK(none.code == kExitNoMatch);
  CHECK(none.err.find("no event matches") != std::string::npos);
  Run bad_type = chatreplay(a.args({"events", "--type", "paired,kissed"}));
  CHECK(bad_type.code == kExitUsage);
  CHECK(bad_type.err.find("unknown event type 'kissed'") != std::string::npos);
  CHECK(chatreplay(a.args({"events", "--pair", "not-a-uuid"})).code == kExitUsage);
  CHECK(chatreplay(a.args({"events", "--from-seq", "40"})).code == kExitOutOfRange);
  CHECK(chatreplay(a.args({"events", "--to-seq", "40"})).code == kExitOutOfRange);

  // --follow starts where asked even before the log gets there, and stops at its end point.
  CHECK(seqs_of(chatreplay(a.args({"events", "--follow", "--from-seq", "10", "--to-seq", "12"})).out) ==
        std::vector<Seq>{10, 11, 12});
  CHECK(seqs_of(chatreplay(a.args({"events", "--follow", "--from", "2026-11-22T14:00:15Z", "--to-seq", "17"})).out) ==
        std::vector<Seq>{16, 17});
}

TEST_CASE("chatreplay audit pair: the transcript, and lowf's chat log byte for byte", "[replay]") {
  Afternoon a;
  Run lowf = chatreplay(a.args({"audit", "pair", a.first_pair.to_string(), "--lowf"}));
  INFO(lowf.err);
  REQUIRE(lowf.code == kExitOk);
  CHECK(lowf.out == read_file(CHATD_EXPECTED_DIR "/first_pair_lowf.txt"));
  Run site = chatreplay(a.args({"audit", "pair", a.second_pair.to_string(), "--lowf", "--site", "chat.example"}));
  CHECK(site.out == "chat.example conversation\n\nThis is a conversation between Carol and Alice.\n\nCarol: hey\n");

  Run text = chatreplay(a.args({"audit", "pair", a.first_pair.to_string()}));
  CHECK(text.out.find("#7 2026-11-22T14:00:06.000Z paired: 1 \"Alice\" (waiting, 10.0.0.1) with 2 \"Bob\" (searching, 10.0.0.2)") != std::string::npos);
  CHECK(text.out.find("#10 2026-11-22T14:00:09.000Z 2 renamed \"Bob\" -> \"Robert\"") != std::string::npos);
  CHECK(text.out.find("#12 2026-11-22T14:00:11.000Z ended: left by 1 \"Alice\"") != std::string::npos);
  Run second = chatreplay(a.args({"audit", "pair", a.second_pair.to_string()}));
  CHECK(second.out.find("ended: 3 \"Carol\" disconnected (idle)") != std::string::npos);

  // At a point in time: up to 14:00:08 the pair is still on, with two messages.
  Run at = chatreplay(a.args({"audit", "pair", a.first_pair.to_string(), "--at", "2026-11-22T14:00:08Z"}));
  CHECK(at.out.find("hi bob") != std::string::npos);
  CHECK(at.out.find("Robert") == std::string::npos);
  CHECK(at.out.find("(still paired at the end of the range)") != std::string::npos);

  Run unknown = chatreplay(a.args({"audit", "pair", "6f1c0000-0000-4000-8000-000000000000"}));
  CHECK(unknown.code == kExitNoMatch);
  Run late = chatreplay(a.args({"audit", "pair", a.first_pair.to_string(), "--from-seq", "9"}));
  CHECK(late.code == kExitNoMatch);
  CHECK(late.err.find("started before seq 9") != std::string::npos);
}

TEST_CASE("chatreplay audit report and client: context, lowf's report JSON, a client's life", "[replay]") {
  Afternoon a;
  Run list = chatreplay(a.args({"audit", "report"}));
  REQUIRE(list.code == kExitOk);
  CHECK(list.out == "#13 2026-11-22T14:00:12.000Z 2 \"Robert\" reported 1 \"Alice\" for pair " + a.first_pair.to_string() +
                        ": \"rude\"\n");
  Run lowf = chatreplay(a.args({"audit", "report", "--seq", std::to_string(a.report_seq), "--lowf"}));
  INFO(lowf.err);
  REQUIRE(lowf.code == kExitOk);
  CHECK(lowf.out == read_file(CHATD_EXPECTED_DIR "/report_lowf.json"));

  Run ctx = chatreplay(a.args({"audit", "report", "--seq", "13", "--last", "2"}));
  CHECK(ctx.out.find("  reporter: 2 \"Robert\" from 10.0.0.2\n  reported: 1 \"Alice\" from 10.0.0.1\n  reason: \"rude\"") != std::string::npos);
  CHECK(ctx.out.find("(2 earlier lines omitted)") != std::string::npos);
  CHECK(ctx.out.find("hello alice") == std::string::npos);
  CHECK(ctx.out.find("hi bob") == std::string::npos);
  CHECK(ctx.out.find("it's Robert now") != std::string::npos);
  CHECK(chatreplay(a.args({"audit", "report", "--seq", "12"})).code == kExitNoMatch);  // not a report
  CHECK(chatreplay(a.args({"audit", "report", "--seq", "99"})).code == kExitOutOfRange);
  CHECK(chatreplay(a.args({"audit", "report", "--to-seq", "12"})).code == kExitNoMatch);

  Run carol = chatreplay(a.args({"audit", "client", "3"}));
  INFO(carol.err);
  REQUIRE(carol.code == kExitOk);
  CHECK(carol.out ==
        "client 3 \"Carol\" from 10.0.0.3\n"
        "#4 2026-11-22T14:00:03.000Z before connecting: captcha failed from 10.0.0.3 (wrong number)\n"
        "#5 2026-11-22T14:00:04.000Z connected as \"Carol\" from 10.0.0.3 (native)\n"
        "#14 2026-11-22T14:00:13.000Z started searching\n"
        "#15 2026-11-22T14:00:14.000Z paired with 1 \"Alice\" from 10.0.0.1 in pair " + a.second_pair.to_string() + " (it was waiting)\n"
        "#17 2026-11-22T14:00:16.000Z disconnected: idle, ending pair " + a.second_pair.to_string() + " (1 sent, 0 received)\n");
  Run bob = chatreplay(a.args({"audit", "client", "2"}));
  CHECK(bob.out.find("renamed \"Bob\" -> \"Robert\"") != std::string::npos);
  CHECK(bob.out.find("partner 1 left pair " + a.first_pair.to_string() + " (2 sent, 1 received)") != std::string::npos);
  CHECK(bob.out.find("reported 1 for pair") != std::string::npos);
  CHECK(bob.out.find("disconnected: closed") != std::string::npos);
  Run alice_early = chatreplay(a.args({"audit", "client", "1", "--at-seq", "9"}));
  CHECK(alice_early.out.find("(still connected at seq 9)") != std::string::npos);
  CHECK(chatreplay(a.args({"audit", "client", "9"})).code == kExitNoMatch);
}

TEST_CASE("chatreplay diff: what changed between two points", "[replay]") {
  Afternoon a;
  Run d = chatreplay(a.args({"diff", "--from-seq", "6", "--to", "2026-11-22T14:00:12Z"}));
  INFO(d.err);
  REQUIRE(d.code == kExitOk);
  CHECK(d.out.find("from seq 6 (2026-11-22T14:00:05.000Z) to seq 13 (2026-11-22T14:00:12.000Z): 7 events") == 0);
  CHECK(d.out.find("~ client 2 name: \"Bob\" -> \"Robert\"\n") != std::string::npos);
  CHECK(d.out.find("~ client 1 state: looking since 2026-11-22T14:00:05.000Z -> disconnected since 2026-11-22T14:00:11.000Z\n") != std::string::npos);
  CHECK(d.out.find("~ searching queue: 1 -> (none)\n") != std::string::npos);
  CHECK(d.out.find("~ totals messages: 0 -> 3\n") != std::string::npos);
  CHECK(d.out.find("~ totals reports: 0 -> 1\n") != std::string::npos);
  CHECK(d.out.find("pair ") == std::string::npos);  // the pair started and ended in between
  Run gone = chatreplay(a.args({"diff", "--from-seq", "15", "--json"}));
  CHECK(gone.out.find("{\"kind\":\"removed\",\"subject\":\"client 3\"") != std::string::npos);
  CHECK(gone.out.find("{\"kind\":\"removed\",\"subject\":\"pair " + a.second_pair.to_string()) != std::string::npos);
  CHECK(chatreplay(a.args({"diff"})).code == kExitUsage);
  CHECK(chatreplay(a.args({"diff", "--from-seq", "12", "--to-seq", "3"})).code == kExitUsage);
}

TEST_CASE("chatreplay verify: a good log passes, and a gap, a damaged event or a newer schema fails at its seq", "[replay]") {
  Afternoon a;
  Run good = chatreplay(a.args({"verify"}));
  INFO(good.err);
  REQUIRE(good.code == kExitOk);
  CHECK(good.out.find("ok: 18 events (seq 1..18) from 2026-11-22T14:00:00.000Z to 2026-11-22T14:00:17.000Z\nWorld hash " +
                      hex(a.hash_at[18]) + ", the same when rebuilt twice\n") == 0);

  SECTION("a gap") {
    raw_edit(a.dir, [](MDB_txn* txn, MDB_dbi dbi) {
      unsigned char kb[8];
      MDB_val k = be_key(9, kb);
      REQUIRE(mdb_del(txn, dbi, &k, nullptr) == 0);
    });
    Run r = chatreplay(a.args({"verify"}));
    CHECK(r.code == kExitProblem);
    CHECK(r.out.find("FAILED at seq 9: corruption: gap after seq 8") == 0);
  }
  SECTION("a damaged event") {
    raw_edit(a.dir, [](MDB_txn* txn, MDB_dbi dbi) {
      unsigned char kb[8];
      MDB_val k = be_key(11, kb);
      std::string garbage = "{\"v\":1,\"seq\":11,\"t\":17953560";
      MDB_val v{garbage.size(), garbage.data()};
      REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
    });
    Run r = chatreplay(a.args({"verify"}));
    CHECK(r.code == kExitProblem);
    CHECK(r.out.find("FAILED at seq 11: corruption: event seq 11") == 0);
    // A query that must read it says so too; one that stops before it still answers.
    CHECK(chatreplay(a.args({"state", "--at-seq", "12", "--no-snapshots"})).code == kExitProblem);
    CHECK(chatreplay(a.args({"state", "--at-seq", "10", "--no-snapshots"})).code == kExitOk);
  }
  SECTION("an impossible event and time going backwards") {
    raw_edit(a.dir, [&](MDB_txn* txn, MDB_dbi dbi) {
      unsigned char kb[8];
      MDB_val k = be_key(16, kb);  // a message from client 3 in the first pair, long over
      std::string forged = encode(Event{16, kT0 + 15000, MessageSent{a.first_pair, 3, "forged"}});
      MDB_val v{forged.size(), forged.data()};
      REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
      MDB_val k2 = be_key(5, kb);
      std::string early = encode(Event{5, kT0 - 1, ClientConnected{3, "Carol", Dialect::kNative, "10.0.0.3"}});
      MDB_val v2{early.size(), early.data()};
      REQUIRE(mdb_put(txn, dbi, &k2, &v2, 0) == 0);
    });
    Run r = chatreplay(a.args({"verify"}));
    CHECK(r.code == kExitProblem);
    CHECK(r.out.find("FAILED at seq 5: time goes backwards") == 0);
  }
  SECTION("a newer schema") {
    raw_edit(a.dir, [](MDB_txn* txn, MDB_dbi dbi) {
      unsigned char kb[8];
      MDB_val k = be_key(19, kb);
      std::string future = "{\"v\":2,\"seq\":19,\"t\":1795356018000,\"type\":\"room_created\",\"room\":\"x\"}";
      MDB_val v{future.size(), future.data()};
      REQUIRE(mdb_put(txn, dbi, &k, &v, MDB_APPEND) == 0);
    });
    CHECK(chatreplay(a.args({"state"})).code == kExitNewerSchema);
    Run r = chatreplay(a.args({"verify"}));
    CHECK(r.code == kExitNewerSchema);
    CHECK(r.out.find("FAILED at seq 19: unsupported: event seq 19") == 0);
  }
}

TEST_CASE("chatreplay snapshots: a damaged or foreign snapshot is refused, the answer stays right", "[replay]") {
  Afternoon a;
  REQUIRE(chatreplay(a.args({"state", "--hash", "--snapshot-every", "5"})).code == kExitOk);
  const std::string snap10 = a.dir + "/snapshots/00000000000000000010.snap";
  SECTION("damaged") {
    std::string bytes = read_file(snap10);
    bytes[bytes.size() / 2] ^= 0x5a;
    std::ofstream(snap10, std::ios::binary | std::ios::trunc) << bytes;
  }
  SECTION("of another log") {
    // Seq 10 of the same afternoon a day later: the same events at seq 10 but another log (its
    // server_started differs), and a World whose times differ.
    Afternoon other(kT0 + 86'400'000);
    REQUIRE(chatreplay(other.args({"state", "--hash", "--snapshot-every", "5"})).code == kExitOk);
    std::filesystem::copy_file(other.dir + "/snapshots/00000000000000000010.snap", snap10,
                               std::filesystem::copy_options::overwrite_existing);
  }
  Run v = chatreplay(a.args({"verify", "--snapshot-every", "5"}));
  CHECK(v.code == kExitOk);  // snapshots are derived data: a warning, not a log failure
  CHECK(v.out.find("3 snapshots checked, 1 refused") != std::string::npos);
  Run r = chatreplay(a.args({"state", "--hash", "--at-seq", "12", "--snapshot-every", "5"}));
  CHECK(r.code == kExitOk);
  CHECK(r.out == "seq 12 hash " + hex(a.hash_at[12]) + "\n");
  CHECK(r.err.find("snapshot " + snap10) != std::string::npos);
  // The refused snapshot was written anew on the way: the next query uses it without a word.
  Run healed = chatreplay(a.args({"state", "--hash", "--at-seq", "12", "--snapshot-every", "5"}));
  CHECK(healed.out == r.out);
  CHECK(healed.err.empty());
  CHECK(chatreplay(a.args({"verify", "--snapshot-every", "5"})).out.find("3 snapshots checked, 0 refused") != std::string::npos);
}

TEST_CASE("utc times: parsed and formatted exactly", "[replay]") {
  CHECK(parse_utc_time("2026-11-22T14:02:00Z") == kT0 + 120'000);
  CHECK(parse_utc_time("2026-11-22 14:02") == kT0 + 120'000);
  CHECK(parse_utc_time("2026-11-22T14:02:00.25Z") == kT0 + 120'250);
  CHECK(parse_utc_time("2026-11-22") == kT0 - 14 * 3'600'000);
  CHECK(parse_utc_time("1795356000000") == kT0);
  CHECK(parse_utc_time("2024-02-29T00:00:00Z").has_value());
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-11-22T24:00", "2026-11-22T14:02:00.1234Z", "2026-11-22T14",
                          "14:02", "", "2026-11-22T14:02:00+01:00"})
    CHECK_FALSE(parse_utc_time(bad).has_value());
  CHECK(format_utc_time(kT0 + 120'250) == "2026-11-22T14:02:00.250Z");
  CHECK(format_utc_time(0) == "1970-01-01T00:00:00.000Z");
  for (TimeMs t : {TimeMs{951'782'400'000}, kT0 + 1, TimeMs{4'102'444'800'000}})
    CHECK(parse_utc_time(format_utc_time(t)) == t);
}

TEST_CASE("world codec: round trip, and every truncation or extension is refused", "[replay]") {
  Afternoon a;
  std::unique_ptr<LmdbLog> log;
  LmdbLog::Options ro;
  ro.read_only = true;
  REQUIRE(LmdbLog::open(a.dir, ro, &log).ok());
  projections::World world;
  REQUIRE(History(*log, nullptr).world_at(15, world).ok());  // two clients paired, one more, totals
  REQUIRE(world.get<projections::StrangerState>().pairs.size() == 1);
  const std::string bytes = projections::encode_world(world);
  projections::World back;
  REQUIRE(projections::decode_world(bytes, back).ok());
  CHECK(back.hash() == world.hash());
  CHECK(back.hash() == a.hash_at[15]);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    projections::World partial;
    partial.get<projections::SessionState>().next_client = 42;
    Status st = projections::decode_world(std::string_view(bytes).substr(0, n), partial);
    CHECK(st.code() == Status::Code::kCorruption);
    CHECK(partial.get<projections::SessionState>().next_client == 42);  // an error leaves the output untouched
  }
  CHECK(projections::decode_world(bytes + "x", back).code() == Status::Code::kCorruption);

  // The smallest client records (one-letter names and addresses) still decode.
  projections::World tiny;
  for (ClientId id = 1; id <= 50; ++id) {
    tiny.get<projections::SessionState>().clients[id] = projections::Connection{Dialect::kNative, "1"};
    tiny.get<projections::StrangerState>().clients[id] = projections::Stranger{"a"};
  }
  tiny.get<projections::SessionState>().next_client = 51;
  projections::World tiny_back;
  REQUIRE(projections::decode_world(projections::encode_world(tiny), tiny_back).ok());
  CHECK(tiny_back.hash() == tiny.hash());
}

TEST_CASE("world codec: a table of pairs is written in id order, whatever its history", "[replay]") {
  // The pairs live in a hash table; the World's hash, its snapshot bytes and chatreplay's views
  // must not depend on the order they were added in or on the table's bucket count.
  std::vector<PairId> ids;
  std::uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 200; ++i) {
    PairId p;
    for (auto& byte : p.bytes) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift64: ids in no particular order
      byte = static_cast<std::uint8_t>(x);
    }
    p.bytes[15] = static_cast<std::uint8_t>(i);  // and no two alike
    ids.push_back(p);
  }
  projections::World forward, backward;
  for (std::size_t i = 0; i < ids.size(); ++i)
    forward.get<projections::StrangerState>().pairs[ids[i]] = projections::Pair{i + 1, i + 2, 7, i};
  auto& back_pairs = backward.get<projections::StrangerState>().pairs;
  back_pairs.rehash(4096);
  for (std::size_t i = ids.size(); i-- > 0;) back_pairs[ids[i]] = projections::Pair{i + 1, i + 2, 7, i};
  REQUIRE(forward.get<projections::StrangerState>().pairs.bucket_count() != back_pairs.bucket_count());

  CHECK(forward.hash() == backward.hash());
  CHECK(projections::encode_world(forward) == projections::encode_world(backward));
  std::vector<PairId> walked;
  for (const auto* entry : sorted_entries(back_pairs)) walked.push_back(entry->first);
  std::sort(ids.begin(), ids.end());
  CHECK(walked == ids);
  projections::World decoded;
  REQUIRE(projections::decode_world(projections::encode_world(backward), decoded).ok());
  CHECK(decoded.get<projections::StrangerState>().pairs == back_pairs);
  CHECK(decoded.hash() == forward.hash());
}

TEST_CASE("lowf report file: both sides named as they were at the report", "[replay]") {
  ReportContext r;
  r.transcript.pair = *PairId::parse("78bc927d-ed35-455d-aad7-1e75cde2b88e");
  r.transcript.user1 = Party{1, "Alice", "10.0.0.1"};
  r.transcript.user2 = Party{2, "Bob", "10.0.0.2"};
  r.transcript.lines.push_back({TranscriptLine::Kind::kNameChange, 10, kT0, 2, "Bob", "Robert"});
  r.reporter = Party{2, "Rob", "10.0.0.2"};      // renamed again after the pair ended
  r.reported = Party{1, "Alicia", "10.0.0.1"};   // renamed after the pair ended
  CHECK(lowf_report_json(r) ==
        R"({"reporter_id":"2","reporter_ip":"10.0.0.2","reporter_name":"Rob","rpairid":"78bc927d-ed35-455d-aad7-1e75cde2b88e",)"
        R"("info":{"user1id":"1","user1ip":"10.0.0.1","user1name":"Alicia","user2id":"2","user2ip":"10.0.0.2","user2name":"Rob"}})");
}
