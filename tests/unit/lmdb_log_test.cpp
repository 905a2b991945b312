// The durable log (events/lmdb_log): persistence, continuity, chunked scans, map growth,
// corruption reporting and read-only access from another process.
#include <catch2/catch.hpp>

#include <lmdb.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "events/codec.hpp"
#include "events/lmdb_log.hpp"
#include "events/memory_log.hpp"
#include "events/stranger/events.hpp"
#include "raw_lmdb.hpp"
#include "temp_dir.hpp"

using namespace chatd;
using namespace chatd::events;

namespace {

Event message(Seq seq, std::size_t text_size = 40) {
  PairId p;
  p.bytes[0] = static_cast<std::uint8_t>(seq);
  p.bytes[6] = 0x40;
  p.bytes[8] = 0x80;
  std::string text = "message " + std::to_string(seq) + " \"q\" \\ \xc3\xa9 ";
  text.resize(std::max(text.size(), text_size), '.');
  return Event{seq, 1795310400000 + static_cast<TimeMs>(seq), MessageSent{p, seq % 97, text}};
}

std::vector<Event> messages(Seq first, std::size_t n, std::size_t text_size = 40) {
  std::vector<Event> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(message(first + i, text_size));
  return out;
}

std::unique_ptr<LmdbLog> open_log(const std::string& dir, LmdbLog::Options options = {}) {
  std::unique_ptr<LmdbLog> log;
  Status st = LmdbLog::open(dir, options, &log);
  INFO(st.ToString());
  REQUIRE(st.ok());
  REQUIRE(log);
  return log;
}

Status append_in_batches(LmdbLog& log, Seq first, std::size_t n, std::size_t batch, std::size_t text_size = 40) {
  for (std::size_t done = 0; done < n; done += batch) {
    auto events = messages(first + done, std::min(batch, n - done), text_size);
    Status st = log.append(events);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

// Scans from `from`, checking every event is the one message() made; returns how many it saw.
std::size_t check_scan(const LmdbLog& log, Seq from, Status* status = nullptr, std::size_t text_size = 40) {
  std::size_t seen = 0;
  Seq expect = std::max<Seq>(from, 1);
  bool all_good = true;
  Status st = log.scan(from, [&](const Event& e) {
    const Event want = message(expect, text_size);
    all_good = all_good && e == want;
    ++expect;
    ++seen;
    return true;
  });
  CHECK(all_good);
  if (status) {
    *status = st;
  } else {
    INFO(st.ToString());
    CHECK(st.ok());
  }
  return seen;
}

}  // namespace

TEST_CASE("lmdb log: append and scan survive a reopen, seqs stay continuous", "[events][lmdb]") {
  TempDir tmp;
  const std::string dir = tmp.sub("log/nested");  // open() creates missing folders
  {
    auto log = open_log(dir);
    CHECK(log->last_seq() == 0);
    CHECK(check_scan(*log, 1) == 0);
    CHECK(log->append({}).ok());
    REQUIRE(append_in_batches(*log, 1, 250, 100).ok());
    CHECK(log->last_seq() == 250);
    CHECK(log->map_growths() == 0);
    CHECK(log->map_size() >= (std::size_t{64} << 20));
  }
  {
    auto log = open_log(dir);
    CHECK(log->last_seq() == 250);
    CHECK(check_scan(*log, 0) == 250);

    // Gaps, repeats and holes inside a batch are refused and change nothing.
    auto gap = messages(252, 1);
    Status st = log->append(gap);
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(st.message().find("expected 251") != std::string::npos);
    auto repeat = messages(250, 1);
    CHECK(log->append(repeat).code() == Status::Code::kInvalidArgument);
    std::vector<Event> holey{message(251), message(253)};
    CHECK(log->append(holey).code() == Status::Code::kInvalidArgument);
    std::vector<std::string> raw{encode(message(260))};
    CHECK(log->append_encoded(260, raw).code() == Status::Code::kInvalidArgument);
    CHECK(log->last_seq() == 250);

    REQUIRE(append_in_batches(*log, 251, 50, 7).ok());
    std::vector<std::string> encoded{encode(message(301)), encode(message(302))};
    REQUIRE(log->append_encoded(301, encoded).ok());
    CHECK(log->last_seq() == 302);
  }
  auto log = open_log(dir);
  CHECK(log->last_seq() == 302);
  CHECK(check_scan(*log, 1) == 302);
}

TEST_CASE("lmdb log: scans from the middle, across read-txn chunks, and stop on request", "[events][lmdb]") {
  TempDir tmp;
  auto log = open_log(tmp.path);
  REQUIRE(append_in_batches(*log, 1, 10000, 1000).ok());
  REQUIRE(10000 > 2 * LmdbLog::kScanChunkEvents);

  CHECK(check_scan(*log, 1) == 10000);
  CHECK(check_scan(*log, 4096) == 10000 - 4095);
  CHECK(check_scan(*log, 4097) == 10000 - 4096);
  CHECK(check_scan(*log, 9999) == 2);
  CHECK(check_scan(*log, 10000) == 1);
  CHECK(check_scan(*log, 10001) == 0);
  CHECK(check_scan(*log, UINT64_MAX) == 0);

  int visits = 0;
  REQUIRE(log->scan(4000, [&](const Event&) { return ++visits < 200; }).ok());  // stops inside chunk 1
  CHECK(visits == 200);

  // The visitor runs outside the read txn, so it may append to the log it scans.
  Seq next = 10001;
  REQUIRE(log->scan(9990, [&](const Event&) {
                   auto e = messages(next++, 1);
                   return log->append(e).ok();
                 }).ok());
  CHECK(log->last_seq() >= 10010);
  CHECK(check_scan(*log, 1) == log->last_seq());
}

TEST_CASE("lmdb log: a tiny map grows on MDB_MAP_FULL and keeps every event", "[events][lmdb]") {
  TempDir tmp;
  LmdbLog::Options options;
  options.initial_map_size = 64 << 10;  // 64 KiB
  {
    auto log = open_log(tmp.path, options);
    const std::size_t start_size = log->map_size();
    REQUIRE(append_in_batches(*log, 1, 20000, 250, 120).ok());
    CHECK(log->last_seq() == 20000);
    CHECK(log->map_growths() >= 4);
    CHECK(log->map_size() >= start_size << log->map_growths());
    CHECK(check_scan(*log, 1, nullptr, 120) == 20000);

    // One batch far larger than the map: several doublings inside a single append().
    const std::uint64_t before = log->map_growths();
    auto big = messages(20001, 200, 64 << 10);  // ~12.5 MiB
    REQUIRE(log->append(big).ok());
    CHECK(log->map_growths() >= before + 2);
    CHECK(check_scan(*log, 20001, nullptr, 64 << 10) == 200);
  }
  // Reopened with the same tiny initial size: LMDB adopts the file's larger map.
  auto log = open_log(tmp.path, options);
  CHECK(log->last_seq() == 20200);
  CHECK(log->map_size() > (64u << 10));
  Seq n = 0;
  REQUIRE(log->scan(1, [&](const Event& e) { return e.seq == ++n; }).ok());
  CHECK(n == 20200);
}

TEST_CASE("lmdb log: growth stops at max_map_size and the failed batch leaves no trace", "[events][lmdb]") {
  TempDir tmp;
  LmdbLog::Options options;
  options.initial_map_size = 64 << 10;
  options.max_map_size = 256 << 10;
  auto log = open_log(tmp.path, options);
  REQUIRE(append_in_batches(*log, 1, 100, 100).ok());
  auto huge = messages(101, 40, 16 << 10);  // ~640 KiB, more than the maximum
  Status st = log->append(huge);
  INFO(st.ToString());
  CHECK(st.code() == Status::Code::kIoError);
  CHECK(st.message().find("maximum") != std::string::npos);
  CHECK(log->map_size() <= options.max_map_size);
  CHECK(log->last_seq() == 100);
  CHECK(check_scan(*log, 1) == 100);
  REQUIRE(append_in_batches(*log, 101, 10, 10).ok());  // still usable
  CHECK(check_scan(*log, 1) == 110);
}

TEST_CASE("lmdb log: a value that does not decode is reported with its seq", "[events][lmdb]") {
  TempDir tmp;
  {
    auto log = open_log(tmp.path);
    REQUIRE(append_in_batches(*log, 1, 5000, 1000).ok());
  }
  raw_edit(tmp.path, [](MDB_txn* txn, MDB_dbi dbi) {
    unsigned char kb[8];
    MDB_val k = be_key(4500, kb);
    std::string garbage = "\x01\x02 not json at all";
    MDB_val v{garbage.size(), garbage.data()};
    REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
  });
  auto log = open_log(tmp.path);
  Status st;
  CHECK(check_scan(*log, 1, &st) == 4499);  // every good event before it is still visited
  CHECK(st.code() == Status::Code::kCorruption);
  CHECK(st.message().rfind("event seq 4500: ", 0) == 0);
  CHECK(check_scan(*log, 4501) == 500);  // and the events after it can be read on their own
}

TEST_CASE("lmdb log: a payload whose seq disagrees with its key is corruption", "[events][lmdb]") {
  TempDir tmp;
  {
    auto log = open_log(tmp.path);
    REQUIRE(append_in_batches(*log, 1, 10, 10).ok());
  }
  raw_edit(tmp.path, [](MDB_txn* txn, MDB_dbi dbi) {
    unsigned char kb[8];
    MDB_val k = be_key(3, kb);
    std::string moved = encode(message(9));
    MDB_val v{moved.size(), moved.data()};
    REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
  });
  auto log = open_log(tmp.path);
  Status st;
  CHECK(check_scan(*log, 1, &st) == 2);
  CHECK(st.code() == Status::Code::kCorruption);
  CHECK(st.message().find("event seq 3") != std::string::npos);
}

TEST_CASE("lmdb log: a missing key is reported as a gap", "[events][lmdb]") {
  TempDir tmp;
  {
    auto log = open_log(tmp.path);
    REQUIRE(append_in_batches(*log, 1, 100, 100).ok());
  }
  raw_edit(tmp.path, [](MDB_txn* txn, MDB_dbi dbi) {
    unsigned char kb[8];
    MDB_val k = be_key(42, kb);
    REQUIRE(mdb_del(txn, dbi, &k, nullptr) == 0);
  });
  auto log = open_log(tmp.path);
  Status st;
  CHECK(check_scan(*log, 1, &st) == 41);
  CHECK(st.code() == Status::Code::kCorruption);
  CHECK(st.message() == "gap after seq 41");
  CHECK(check_scan(*log, 42, &st) == 0);  // starting right at the hole
  CHECK(st.message() == "gap after seq 41");
}

TEST_CASE("lmdb log: one folder is open once per process, and read-only needs an existing log", "[events][lmdb]") {
  TempDir tmp;
  auto log = open_log(tmp.path);
  std::unique_ptr<LmdbLog> second;
  LmdbLog::Options ro;
  ro.read_only = true;
  CHECK(LmdbLog::open(tmp.path, {}, &second).code() == Status::Code::kInvalidArgument);
  CHECK(LmdbLog::open(tmp.path + "/.", ro, &second).code() == Status::Code::kInvalidArgument);
  CHECK(second == nullptr);
  log.reset();
  REQUIRE(LmdbLog::open(tmp.path, ro, &second).ok());  // free again once closed
  auto e = messages(1, 1);
  CHECK(second->append(e).code() == Status::Code::kInvalidArgument);
  second.reset();

  CHECK_FALSE(LmdbLog::open(tmp.sub("missing"), ro, &second).ok());
  CHECK_FALSE(std::filesystem::exists(tmp.sub("missing")));
  LmdbLog::Options bad;
  bad.initial_map_size = 2 << 20;
  bad.max_map_size = 1 << 20;
  CHECK(LmdbLog::open(tmp.path, bad, &second).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("lmdb log: another process reads a live log read-only while it grows", "[events][lmdb]") {
  TempDir tmp;
  LmdbLog::Options options;
  options.initial_map_size = 64 << 10;  // the writer will grow the map under the reader's feet
  auto writer = open_log(tmp.path, options);
  REQUIRE(append_in_batches(*writer, 1, 100, 100).ok());

  int to_child[2], to_parent[2];
  REQUIRE(pipe(to_child) == 0);
  REQUIRE(pipe(to_parent) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: no Catch macros (their failures belong to the parent); report through the exit code.
    close(to_child[1]);
    close(to_parent[0]);
    LmdbLog::Options ro;
    ro.read_only = true;
    ro.initial_map_size = 64 << 10;  // so the writer's growth outruns this map: MDB_MAP_RESIZED
    std::unique_ptr<LmdbLog> reader;
    if (!LmdbLog::open(tmp.path, ro, &reader).ok()) _exit(10);
    auto count = [&](Seq* last) {
      Seq n = 0;
      bool in_order = true;
      Status st = reader->scan(1, [&](const Event& e) { return in_order = e.seq == ++n; });
      *last = n;
      return st.ok() && in_order;
    };
    Seq n = 0;
    if (!count(&n) || n != 100 || reader->last_seq() != 100) _exit(11);
    char c = 'r';
    if (write(to_parent[1], &c, 1) != 1) _exit(20);
    if (read(to_child[0], &c, 1) != 1) _exit(21);  // the writer has grown the map meanwhile
    const std::size_t map_before = reader->map_size();
    if (!count(&n) || n != 6100) _exit(12);
    if (reader->map_size() <= map_before) _exit(15);  // it adopted the writer's larger map
    if (reader->last_seq() != 6100) _exit(13);
    auto e = messages(6101, 1);
    if (reader->append(e).code() != Status::Code::kInvalidArgument) _exit(14);
    _exit(0);  // skip destructors and Catch's teardown of the parent's state
  }
  close(to_child[0]);
  close(to_parent[1]);
  char c = 0;
  REQUIRE(read(to_parent[0], &c, 1) == 1);
  REQUIRE(append_in_batches(*writer, 101, 6000, 200, 200).ok());
  CHECK(writer->map_growths() > 0);
  REQUIRE(write(to_child[1], &c, 1) == 1);
  int wstatus = 0;
  REQUIRE(waitpid(pid, &wstatus, 0) == pid);
  close(to_child[1]);
  close(to_parent[0]);
  REQUIRE(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);
}

TEST_CASE("lmdb log: scans on other threads while the writer grows the map", "[events][lmdb]") {
  TempDir tmp;
  LmdbLog::Options options;
  options.initial_map_size = 64 << 10;  // growth (a remap) happens while readers are active
  auto log = open_log(tmp.path, options);
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<int> scans{0};
  auto reader = [&] {
    while (!done.load()) {
      const Seq floor = log->last_seq();  // everything up to here is committed and must be seen
      Seq n = 0;
      Status st = log->scan(1, [&](const Event& e) {
        if (e.seq != n + 1 || e.payload.as<MessageSent>().text != message(e.seq).payload.as<MessageSent>().text)
          ++bad;
        n = e.seq;
        return true;
      });
      if (!st.ok() || n < floor) ++bad;
      ++scans;
    }
  };
  std::thread r1(reader), r2(reader);
  Status st = append_in_batches(*log, 1, 20000, 100);
  done = true;
  r1.join();
  r2.join();
  REQUIRE(st.ok());
  CHECK(log->map_growths() > 0);
  CHECK(bad.load() == 0);
  CHECK(scans.load() > 0);
  CHECK(check_scan(*log, 1) == 20000);
}

TEST_CASE("logs: raw scans and single reads give the stored bytes of exactly the asked seqs", "[events][lmdb]") {
  TempDir tmp;
  auto lmdb = open_log(tmp.path);
  MemoryLog memory;
  // More than one scan chunk, so the raw scan crosses read txns.
  const std::size_t n = LmdbLog::kScanChunkEvents + 300;
  REQUIRE(append_in_batches(*lmdb, 1, n, 1000).ok());
  REQUIRE(memory.append(messages(1, n)).ok());
  for (const EventLog* log : {static_cast<const EventLog*>(lmdb.get()), static_cast<const EventLog*>(&memory)}) {
    Seq expected = 17;
    bool bytes_match = true;
    REQUIRE(log->scan_encoded(17, [&](Seq seq, std::string_view bytes) {
      bytes_match = bytes_match && seq == expected && bytes == encode(message(seq));
      ++expected;
      return seq < 4300;
    }).ok());
    CHECK(bytes_match);
    CHECK(expected == 4301);

    std::string bytes;
    REQUIRE(log->read_encoded(4242, bytes).ok());
    CHECK(bytes == encode(message(4242)));
    Event event;
    REQUIRE(log->read(n, event).ok());
    CHECK(event.seq == n);
    CHECK(event.payload.as<MessageSent>().text == message(n).payload.as<MessageSent>().text);
    CHECK(log->read(n + 1, event).code() == Status::Code::kNotFound);
    CHECK(log->read(0, event).code() == Status::Code::kNotFound);
  }
}

TEST_CASE("lmdb log: an erased key's bytes are gone from the file once the erasing append returns", "[lmdb][keys]") {
  TempDir dir;
  SealKey key;
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(0xA0 + i % 16) ^ static_cast<std::uint8_t>(i * 7);
  const std::string needle(reinterpret_cast<const char*>(key.data()), key.size());
  auto in_file = [&] {
    std::ifstream in(dir.path + "/data.mdb", std::ios::binary);
    const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return all.find(needle) != std::string::npos;
  };
  auto encoded = [](Seq first, std::size_t n) {
    std::vector<std::string> out;
    for (const Event& e : messages(first, n)) out.push_back(encode(e));
    return out;
  };
  auto log = open_log(dir.path);
  const std::vector<KeyChange> put{KeyChange{"account:1", key}}, erase{KeyChange{"account:1", std::nullopt}};
  REQUIRE(log->append_encoded(1, encoded(1, 10), put).ok());
  REQUIRE(in_file());  // the check sees a key where there is one
  // Without the scrub, the page the key was on kept it for two more commits (LMDB reuses a freed
  // page from the second transaction after the one that freed it).
  REQUIRE(log->append_encoded(11, encoded(11, 1), erase).ok());
  CHECK_FALSE(in_file());
  CHECK(log->last_seq() == 11);
  bool any = false;
  CHECK(log->read_keys([&](std::string_view, const SealKey&) { return any = true, true; }).ok());
  CHECK_FALSE(any);  // the scrub's own record is never left behind
  REQUIRE(log->append_encoded(12, encoded(12, 1)).ok());
}
