// Unit tests for core/captcha: the ALTCHA-compatible proof-of-work captcha.
#include "core/session/captcha.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <set>
#include <string>
#include <vector>

using namespace chatd;
using namespace chatd::captcha;

namespace {

// Key bytes 00 01 02 ... 1f.
std::array<std::uint8_t, 32> test_key() {
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  return key;
}

std::array<std::uint8_t, 32> other_key() {
  std::array<std::uint8_t, 32> key{};
  key.fill(0x5a);
  return key;
}

constexpr TimeMs kNow = 1'700'000'000'123;  // ms
constexpr TimeMs kLifetime = 120'000;

// A challenge built independently of this module (openssl / sha256sum at test-writing time), with key
// 00..1f, nonce 0123456789abcdef01234567, expires 1700000000 and secret number 42:
//   TAG  = first 32 hex of HMAC-SHA256(key, "chatd-captcha-salt\n" + nonce + "\n" + "1700000000")
//   SALT = nonce + TAG + "?expires=1700000000&"
//   CH   = sha256(SALT + "42");  SIG = HMAC-SHA256(key, CH)
constexpr const char* kKatSalt = "0123456789abcdef01234567d3f951e16cf8ea401de0c13842db0b2a?expires=1700000000&";
constexpr const char* kKatChallenge = "896ad46aa61147b07a32a3338144ad352e84e66e1fca393b0dd6a803bbbd515b";
constexpr const char* kKatSignature = "bb3594c6713a38ad4ec4f13acd58b75cae02c56d0f2d4c643449863ecc614670";
constexpr TimeMs kKatExpiresMs = 1'700'000'000'000;

Solution kat_solution(std::uint64_t number = 42) {
  return Solution{"SHA-256", kKatChallenge, number, kKatSalt, kKatSignature};
}

Solution issue_and_solve(Issuer& issuer, TimeMs now, Random& random) {
  Challenge c = issuer.issue(now, random);
  auto number = solve(c);
  REQUIRE(number.has_value());
  return make_solution(c, *number);
}

}  // namespace

TEST_CASE("captcha: sha256 and hmac known answers", "[captcha]") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("0123456789abcdef0123456789abcdef0123456789abcdef01234567?expires=1700000000&42") ==
        "f0e8373f305896846f3489a927da222b87da532b10c7caa9c348833e55aff1d8");
  CHECK(hmac_sha256_hex(test_key(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") ==
        "4632ec1a59eabb3ab887302285075d12cd1cc5addf71cd432adcfde274b74f3b");
  CHECK(sha256_hex(std::string(kKatSalt) + "42") == kKatChallenge);
  CHECK(hmac_sha256_hex(test_key(), kKatChallenge) == kKatSignature);
}

TEST_CASE("captcha: an independently built challenge verifies, and solve finds its number", "[captcha]") {
  Issuer issuer(test_key(), 100, kLifetime, 16);
  CHECK(issuer.verify(kat_solution(), kKatExpiresMs - 5000) == Verdict::kOk);

  Challenge c;
  c.challenge = kKatChallenge;
  c.maxnumber = 100;
  c.salt = kKatSalt;
  c.signature = kKatSignature;
  CHECK(solve(c) == std::optional<std::uint64_t>(42));
  c.maxnumber = 41;  // the number is out of the searched range
  CHECK_FALSE(solve(c).has_value());
  c.maxnumber = 100;
  c.algorithm = "SHA-1";
  CHECK_FALSE(solve(c).has_value());
}

TEST_CASE("captcha: issue, solve, verify", "[captcha]") {
  Issuer issuer(test_key(), 5000, kLifetime, 64);
  CHECK(issuer.enabled());
  SeededRandom random(7);
  Challenge c = issuer.issue(kNow, random);

  CHECK(c.algorithm == "SHA-256");
  CHECK(c.maxnumber == 5000);
  CHECK(c.challenge.size() == 64);
  CHECK(c.signature.size() == 64);
  CHECK(c.signature == hmac_sha256_hex(test_key(), c.challenge));
  // Expiry rounded up to a whole second: at least the lifetime, less than a second more.
  CHECK(c.expires_ms % 1000 == 0);
  CHECK(c.expires_ms >= kNow + kLifetime);
  CHECK(c.expires_ms < kNow + kLifetime + 1000);
  std::string params = "?expires=" + std::to_string(c.expires_ms / 1000) + "&";
  REQUIRE(c.salt.size() > params.size());
  CHECK(c.salt.substr(c.salt.size() - params.size()) == params);
  CHECK(c.salt.size() == 24 + 32 + params.size());

  auto number = solve(c);
  REQUIRE(number.has_value());
  CHECK(*number <= c.maxnumber);
  CHECK(sha256_hex(c.salt + std::to_string(*number)) == c.challenge);
  CHECK(issuer.verify(make_solution(c, *number), kNow + 1000) == Verdict::kOk);
  CHECK(issuer.remembered() == 1);
}

TEST_CASE("captcha: the secret number covers [0, maxnumber] inclusive", "[captcha]") {
  Issuer issuer(test_key(), 10, kLifetime, 64);
  SeededRandom random(99);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 500; ++i) {
    auto number = solve(issuer.issue(kNow, random));
    REQUIRE(number.has_value());
    seen.insert(*number);
  }
  CHECK(seen.size() == 11);
  CHECK(*seen.begin() == 0);
  CHECK(*seen.rbegin() == 10);
}

TEST_CASE("captcha: wrong number", "[captcha]") {
  Issuer issuer(test_key(), 100, kLifetime, 16);
  CHECK(issuer.verify(kat_solution(41), kKatExpiresMs) == Verdict::kWrongAnswer);
  CHECK(issuer.verify(kat_solution(420), kKatExpiresMs) == Verdict::kWrongAnswer);
  CHECK(issuer.remembered() == 0);
  // A wrong try does not burn the challenge.
  CHECK(issuer.verify(kat_solution(42), kKatExpiresMs) == Verdict::kOk);
}

TEST_CASE("captcha: tampering is a bad signature", "[captcha]") {
  Issuer issuer(test_key(), 100, kLifetime, 16);

  SECTION("expiry extended in the salt") {
    Solution s = kat_solution();
    s.salt = "0123456789abcdef01234567d3f951e16cf8ea401de0c13842db0b2a?expires=1800000000&";
    CHECK(issuer.verify(s, kKatExpiresMs) == Verdict::kBadSignature);
    // Even long after the real expiry, the edited salt is caught as tampering, not as expired.
    CHECK(issuer.verify(s, kKatExpiresMs + 3'600'000) == Verdict::kBadSignature);
  }
  SECTION("nonce changed") {
    Solution s = kat_solution();
    s.salt[0] = '1';
    CHECK(issuer.verify(s, kKatExpiresMs) == Verdict::kBadSignature);
  }
  SECTION("salt tag changed") {
    Solution s = kat_solution();
    s.salt[30] = s.salt[30] == 'a' ? 'b' : 'a';
    CHECK(issuer.verify(s, kKatExpiresMs) == Verdict::kBadSignature);
  }
  SECTION("signature changed") {
    Solution s = kat_solution();
    s.signature[63] = s.signature[63] == '0' ? '1' : '0';
    CHECK(issuer.verify(s, kKatExpiresMs) == Verdict::kBadSignature);
  }
  SECTION("a challenge of our own making, signed with another key") {
    Issuer foreign(other_key(), 100, kLifetime, 16);
    SeededRandom random(1);
    Solution s = issue_and_solve(foreign, kNow, random);
    CHECK(foreign.verify(s, kNow) == Verdict::kOk);
    CHECK(issuer.verify(s, kNow) == Verdict::kBadSignature);
  }
  CHECK(issuer.remembered() == 0);
}

TEST_CASE("captcha: expiry is inclusive", "[captcha]") {
  SECTION("independent challenge, expires at 1700000000 s") {
    Issuer issuer(test_key(), 100, kLifetime, 16);
    CHECK(issuer.verify(kat_solution(), kKatExpiresMs + 1) == Verdict::kExpired);
    CHECK(issuer.verify(kat_solution(), kKatExpiresMs + 3'600'000) == Verdict::kExpired);
    CHECK(issuer.verify(kat_solution(), kKatExpiresMs) == Verdict::kOk);  // exactly at the boundary
  }
  SECTION("issued challenge") {
    Issuer issuer(test_key(), 100, kLifetime, 16);
    SeededRandom random(3);
    Challenge c = issuer.issue(kNow, random);
    Solution s = make_solution(c, *solve(c));
    CHECK(issuer.verify(s, c.expires_ms + 1) == Verdict::kExpired);
    CHECK(issuer.verify(s, kNow + kLifetime) == Verdict::kOk);  // lives at least the lifetime
  }
  SECTION("expired beats wrong answer and reuse") {
    Issuer issuer(test_key(), 100, kLifetime, 16);
    CHECK(issuer.verify(kat_solution(7), kKatExpiresMs + 1) == Verdict::kExpired);
  }
}

TEST_CASE("captcha: a solution is accepted once", "[captcha]") {
  Issuer issuer(test_key(), 100, kLifetime, 16);
  SeededRandom random(11);
  Solution s = issue_and_solve(issuer, kNow, random);
  CHECK(issuer.verify(s, kNow) == Verdict::kOk);
  CHECK(issuer.verify(s, kNow) == Verdict::kReused);
  CHECK(issuer.verify(s, kNow + 1000) == Verdict::kReused);
  // Another challenge is unaffected.
  Solution t = issue_and_solve(issuer, kNow, random);
  CHECK(issuer.verify(t, kNow) == Verdict::kOk);
  CHECK(issuer.remembered() == 2);
}

TEST_CASE("captcha: wrong algorithm", "[captcha]") {
  Issuer issuer(test_key(), 100, kLifetime, 16);
  for (const char* algorithm : {"SHA-1", "SHA-512", "sha-256", "SHA256", ""}) {
    Solution s = kat_solution();
    s.algorithm = algorithm;
    CHECK(issuer.verify(s, kKatExpiresMs) == Verdict::kWrongAlgorithm);
  }
}

TEST_CASE("captcha: malformed solutions", "[captcha]") {
  Issuer issuer(test_key(), 100, kLifetime, 16);
  auto verdict = [&](auto edit) {
    Solution s = kat_solution();
    edit(s);
    return issuer.verify(s, kKatExpiresMs);
  };
  SECTION("challenge") {
    CHECK(verdict([](Solution& s) { s.challenge[10] = 'g'; }) == Verdict::kMalformed);
    CHECK(verdict([](Solution& s) { s.challenge[10] = 'A'; }) == Verdict::kMalformed);  // lower-case only
    CHECK(verdict([](Solution& s) { s.challenge.pop_back(); }) == Verdict::kMalformed);
    CHECK(verdict([](Solution& s) { s.challenge += "0"; }) == Verdict::kMalformed);
    CHECK(verdict([](Solution& s) { s.challenge.clear(); }) == Verdict::kMalformed);
    CHECK(verdict([](Solution& s) {
            for (auto& ch : s.challenge) ch = static_cast<char>(std::toupper(ch));
          }) == Verdict::kMalformed);
  }
  SECTION("signature") {
    CHECK(verdict([](Solution& s) { s.signature[0] = 'z'; }) == Verdict::kMalformed);
    CHECK(verdict([](Solution& s) { s.signature.pop_back(); }) == Verdict::kMalformed);
  }
  SECTION("salt") {
    const std::string prefix = "0123456789abcdef01234567d3f951e16cf8ea401de0c13842db0b2a";
    CHECK(verdict([&](Solution& s) { s.salt = prefix; }) == Verdict::kMalformed);        // no expires
    CHECK(verdict([&](Solution& s) { s.salt = prefix + "?"; }) == Verdict::kMalformed);
    CHECK(verdict([&](Solution& s) { s.salt = prefix + "?foo=1&"; }) == Verdict::kMalformed);
    CHECK(verdict([&](Solution& s) { s.salt = prefix + "?expires=&"; }) == Verdict::kMalformed);
    CHECK(verdict([&](Solution& s) { s.salt = prefix + "?expires=17x0000000&"; }) == Verdict::kMalformed);
    CHECK(verdict([&](Solution& s) { s.salt = prefix + "?expires=01700000000&"; }) == Verdict::kMalformed);
    CHECK(verdict([&](Solution& s) { s.salt = prefix + "?expires=1700000000"; }) == Verdict::kMalformed);
    CHECK(verdict([&](Solution& s) { s.salt = prefix + "?expires=1700000000&x=1&"; }) == Verdict::kMalformed);
    CHECK(verdict([&](Solution& s) { s.salt = prefix + "?expires=9999999999999999&"; }) == Verdict::kMalformed);
    CHECK(verdict([&](Solution& s) { s.salt = "x" + std::string(kKatSalt).substr(1); }) == Verdict::kMalformed);
    CHECK(verdict([](Solution& s) { s.salt.clear(); }) == Verdict::kMalformed);
  }
  SECTION("splicing digits of the number into the salt") {
    // sha256(salt + "4" + "2") is the same text, so challenge and signature still match; the trailing '&'
    // delimiter is what rejects it.
    CHECK(verdict([](Solution& s) {
            s.salt += "4";
            s.number = 2;
          }) == Verdict::kMalformed);
  }
  CHECK(issuer.remembered() == 0);
}

TEST_CASE("captcha: difficulty 0 turns the captcha off", "[captcha]") {
  Issuer issuer(test_key(), 0, kLifetime, 16);
  CHECK_FALSE(issuer.enabled());
  CHECK(issuer.difficulty() == 0);
  // Still usable: the number is always 0.
  SeededRandom random(5);
  Challenge c = issuer.issue(kNow, random);
  CHECK(c.maxnumber == 0);
  CHECK(solve(c) == std::optional<std::uint64_t>(0));
  CHECK(issuer.verify(make_solution(c, 0), kNow) == Verdict::kOk);

  CHECK(Issuer(test_key(), 1, kLifetime, 16).enabled());
}

TEST_CASE("captcha: same seed, same challenge", "[captcha]") {
  Issuer a(test_key(), 100000, kLifetime, 16);
  Issuer b(test_key(), 100000, kLifetime, 16);
  SeededRandom ra(2024), rb(2024), rc(2025);
  for (int i = 0; i < 5; ++i) {
    Challenge x = a.issue(kNow + i, ra);
    Challenge y = b.issue(kNow + i, rb);
    CHECK(challenge_json(x) == challenge_json(y));
    CHECK(x.expires_ms == y.expires_ms);
  }
  Challenge z = a.issue(kNow, rc);
  Challenge w = b.issue(kNow, rb);
  CHECK(z.salt != w.salt);
  CHECK(z.challenge != w.challenge);
}

TEST_CASE("captcha: the used-set stays bounded", "[captcha]") {
  SECTION("full of live entries: the soonest-expiring are evicted") {
    Issuer issuer(test_key(), 20, kLifetime, 8);
    SeededRandom random(42);
    std::vector<Solution> accepted;
    for (int i = 0; i < 200; ++i) {
      TimeMs now = kNow + i * 10;  // all still live
      Solution s = issue_and_solve(issuer, now, random);
      REQUIRE(issuer.verify(s, now) == Verdict::kOk);
      CHECK(issuer.remembered() <= 8);
      accepted.push_back(s);
    }
    CHECK(issuer.remembered() == 8);
    CHECK(issuer.evicted_live() == 192);
    // The latest ones are still remembered.
    CHECK(issuer.verify(accepted.back(), kNow + 2000) == Verdict::kReused);
  }
  SECTION("expired entries are pruned") {
    Issuer issuer(test_key(), 20, 1000, 1000);
    SeededRandom random(43);
    for (int i = 0; i < 300; ++i) {
      TimeMs now = kNow + i * 100;  // ten issued per second, each living ~1-2 s
      Solution s = issue_and_solve(issuer, now, random);
      REQUIRE(issuer.verify(s, now) == Verdict::kOk);
      CHECK(issuer.remembered() <= 21);
    }
    CHECK(issuer.evicted_live() == 0);
    Solution late = issue_and_solve(issuer, kNow + 1'000'000, random);
    CHECK(issuer.verify(late, kNow + 1'000'000) == Verdict::kOk);
    CHECK(issuer.remembered() == 1);
  }
  SECTION("max_remembered 0 is taken as 1") {
    Issuer issuer(test_key(), 20, kLifetime, 0);
    SeededRandom random(44);
    Solution s = issue_and_solve(issuer, kNow, random);
    CHECK(issuer.verify(s, kNow) == Verdict::kOk);
    CHECK(issuer.verify(s, kNow) == Verdict::kReused);
    CHECK(issuer.remembered() == 1);
  }
}

TEST_CASE("captcha: a session accepts only the challenge it handed out", "[captcha]") {
  Issuer issuer(test_key(), 100, kLifetime, 16);
  SeededRandom random(8);
  Challenge mine = issuer.issue(kNow, random);
  Challenge theirs = issuer.issue(kNow, random);
  Solution other = make_solution(theirs, *solve(theirs));
  CHECK(issuer.verify(other, mine.challenge, kNow) == Verdict::kNotIssuedHere);
  CHECK(issuer.remembered() == 0);
  // A solution that is not even of the form this server issues is malformed, whoever it is for.
  Solution garbled;
  garbled.algorithm = std::string(kAlgorithm);
  CHECK(issuer.verify(garbled, mine.challenge, kNow) == Verdict::kMalformed);
  Solution bad_salt = make_solution(mine, 1);
  bad_salt.salt = "x";
  CHECK(issuer.verify(bad_salt, mine.challenge, kNow) == Verdict::kMalformed);
  Solution sha1 = make_solution(mine, 1);
  sha1.algorithm = "SHA-1";
  CHECK(issuer.verify(sha1, mine.challenge, kNow) == Verdict::kWrongAlgorithm);
  Solution own = make_solution(mine, *solve(mine));
  CHECK(issuer.verify(own, mine.challenge, kNow) == Verdict::kOk);
  CHECK(issuer.verify(own, mine.challenge, kNow) == Verdict::kReused);
}

TEST_CASE("captcha: ALTCHA JSON", "[captcha]") {
  Challenge c;
  c.challenge = kKatChallenge;
  c.maxnumber = 100;
  c.salt = kKatSalt;
  c.signature = kKatSignature;
  c.expires_ms = kKatExpiresMs;
  CHECK(challenge_json(c) ==
        std::string("{\"algorithm\":\"SHA-256\",\"challenge\":\"") + kKatChallenge +
            "\",\"maxnumber\":100,\"salt\":\"" + kKatSalt + "\",\"signature\":\"" + kKatSignature + "\"}");
  CHECK(solution_json(make_solution(c, 42)) ==
        std::string("{\"algorithm\":\"SHA-256\",\"challenge\":\"") + kKatChallenge +
            "\",\"number\":42,\"salt\":\"" + kKatSalt + "\",\"signature\":\"" + kKatSignature + "\"}");
}

TEST_CASE("captcha: verdict strings", "[captcha]") {
  CHECK(std::string(to_string(Verdict::kOk)) == "ok");
  CHECK(std::string(to_string(Verdict::kMalformed)) == "captcha_malformed");
  CHECK(std::string(to_string(Verdict::kWrongAlgorithm)) == "captcha_wrong_algorithm");
  CHECK(std::string(to_string(Verdict::kBadSignature)) == "captcha_bad_signature");
  CHECK(std::string(to_string(Verdict::kExpired)) == "captcha_expired");
  CHECK(std::string(to_string(Verdict::kWrongAnswer)) == "captcha_wrong_answer");
  CHECK(std::string(to_string(Verdict::kReused)) == "captcha_reused");
  CHECK(std::string(to_string(Verdict::kNotIssuedHere)) == "captcha_not_issued_here");
}
