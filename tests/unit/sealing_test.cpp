// Sealing personal data and the key store beside the log: what is sealed opens only with its key
// and its context, blind indexes find equal values without them, and a key commits with the events
// that use it, in both logs, and is gone once erased.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include "core/base/sealing.hpp"
#include "events/codec.hpp"
#include "events/lmdb_log.hpp"
#include "events/memory_log.hpp"
#include "events/session/events.hpp"

using namespace chatd;
using namespace chatd::events;

namespace {

SealKey key_of(std::uint8_t b) {
  SealKey k;
  k.fill(b);
  return k;
}

SealNonce nonce_of(std::uint8_t b) {
  SealNonce n;
  n.fill(b);
  return n;
}

std::map<std::string, SealKey> keys_in(const EventLog& log) {
  std::map<std::string, SealKey> out;
  REQUIRE(log.read_keys([&](std::string_view subject, const SealKey& key) { out.emplace(subject, key); }).ok());
  return out;
}

// A key store through `log`'s interface: written with events, read back, erased, and never seen
// by a scan.
void check_key_store(EventLog& log) {
  const std::string e1 = encode(Event{1, 10, ServerStarted{0}}), e2 = encode(Event{2, 11, ServerStarted{0}});
  const std::vector<KeyChange> made = {{"index", key_of(1)}, {"account:1", key_of(2)}};
  REQUIRE(log.append_encoded(1, std::span<const std::string>(&e1, 1), made).ok());
  CHECK(keys_in(log) == std::map<std::string, SealKey>{{"account:1", key_of(2)}, {"index", key_of(1)}});
  CHECK(log.last_seq() == 1);

  // A key changes only with events; an erasure is idempotent.
  CHECK(log.append_encoded(2, {}, made).code() == Status::Code::kInvalidArgument);
  const std::vector<KeyChange> erased = {{"account:1", std::nullopt}, {"account:9", std::nullopt}};
  REQUIRE(log.append_encoded(2, std::span<const std::string>(&e2, 1), erased).ok());
  CHECK(keys_in(log) == std::map<std::string, SealKey>{{"index", key_of(1)}});

  // Scans see the events only.
  std::vector<Seq> seen;
  REQUIRE(log.scan_encoded(0, [&](Seq seq, std::string_view) { return seen.push_back(seq), true; }).ok());
  CHECK(seen == std::vector<Seq>{1, 2});
  CHECK(log.last_seq() == 2);
}

}  // namespace

TEST_CASE("sealing: a sealed value opens with its key and its context only", "[sealing]") {
  const std::string sealed = seal(key_of(1), nonce_of(9), "account:1/email", "alice@example.com");
  CHECK(sealed.rfind("s1:", 0) == 0);
  CHECK(sealed.find("alice") == std::string::npos);
  CHECK(sealed.size() == 3 + (24 + 17 + 16) * 4 / 3);  // base64 of nonce, text and tag, unpadded
  CHECK(unseal(key_of(1), "account:1/email", sealed) == std::optional<std::string>("alice@example.com"));
  CHECK_FALSE(unseal(key_of(2), "account:1/email", sealed));     // another key
  CHECK_FALSE(unseal(key_of(1), "account:2/email", sealed));     // moved to another account
  CHECK_FALSE(unseal(key_of(1), "account:1/username", sealed));  // or another field
  std::string altered = sealed;
  altered[10] = altered[10] == 'A' ? 'B' : 'A';
  CHECK_FALSE(unseal(key_of(1), "account:1/email", altered));
  CHECK_FALSE(unseal(key_of(1), "account:1/email", sealed.substr(0, 40)));
  CHECK_FALSE(unseal(key_of(1), "account:1/email", "alice@example.com"));
  CHECK_FALSE(unseal(key_of(1), "account:1/email", "s1:!!!"));
  // The empty text seals too, and two nonces make two different texts of one value.
  CHECK(unseal(key_of(1), "c", seal(key_of(1), nonce_of(0), "c", "")) == std::optional<std::string>(""));
  CHECK(seal(key_of(1), nonce_of(1), "c", "x") != seal(key_of(1), nonce_of(2), "c", "x"));
}

TEST_CASE("sealing: blind indexes, token hashes and random bytes", "[sealing]") {
  const std::string a = blind_index(key_of(1), "username", "alice");
  CHECK(a.size() == 64);
  CHECK(a == blind_index(key_of(1), "username", "alice"));
  CHECK(a != blind_index(key_of(2), "username", "alice"));
  CHECK(a != blind_index(key_of(1), "email", "alice"));
  CHECK(a != blind_index(key_of(1), "username", "alicf"));
  CHECK(blind_index(key_of(1), "ab", "c") != blind_index(key_of(1), "a", "bc"));  // the purpose is delimited

  CHECK(token_hash("t") == token_hash("t"));
  CHECK(token_hash("t") != token_hash("u"));
  CHECK(token_hash("t").size() == 64);
  const std::uint8_t bytes[] = {0xfb, 0xff, 0x00};
  CHECK(base64url(bytes, sizeof bytes) == "-_8A");

  SeededRandom r1(5), r2(5);
  CHECK(random_bytes<24>([&] { return r1.next_u64(); }) == random_bytes<24>([&] { return r2.next_u64(); }));
  CHECK(random_bytes<32>([&] { return r1.next_u64(); }) != random_bytes<32>([&] { return r1.next_u64(); }));
}

TEST_CASE("key store: the memory log keeps keys with their events", "[sealing][memory_log]") {
  MemoryLog log;
  check_key_store(log);
}

TEST_CASE("key store: the LMDB log keeps keys in the events' transaction, across a reopen", "[sealing][lmdb]") {
  const std::string dir = (std::filesystem::temp_directory_path() / ("chatd-keys-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(dir);
  {
    std::unique_ptr<LmdbLog> log;
    REQUIRE(LmdbLog::open(dir, {}, &log).ok());
    check_key_store(*log);
  }
  std::unique_ptr<LmdbLog> log;
  REQUIRE(LmdbLog::open(dir, {}, &log).ok());
  CHECK(log->last_seq() == 2);
  CHECK(keys_in(*log) == std::map<std::string, SealKey>{{"index", key_of(1)}});
  // Appends go on after the key records (which sort before every seq).
  const std::string e3 = encode(Event{3, 12, ServerStarted{0}});
  REQUIRE(log->append_encoded(3, std::span<const std::string>(&e3, 1), std::vector<KeyChange>{{"account:2", key_of(3)}}).ok());
  Event e;
  REQUIRE(log->read(3, e).ok());
  CHECK(e.seq == 3);
  CHECK(keys_in(*log).size() == 2);
  log.reset();
  std::filesystem::remove_all(dir);
}
