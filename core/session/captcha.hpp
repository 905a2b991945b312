// Proof-of-work captcha, compatible with ALTCHA v1 (https://altcha.org).
//
// The wire format is ALTCHA's:
//   challenge (server -> widget): {"algorithm":"SHA-256","challenge":C,"maxnumber":N,"salt":S,"signature":G}
//   solution  (widget -> server): base64 of {"algorithm":..,"challenge":C,"number":n,"salt":S,"signature":G}
// where C = hex(sha256(S + decimal(n))), G = hex(hmac_sha256(key, C)) (HMAC of the hex text of C), and the
// secret number n is uniform in [0, N]. The widget finds n by brute force; the server checks it with one hash.
// Base64 and JSON decoding of the solution happen in net/; this module takes the decoded fields.
//
// Salt. ALTCHA treats the salt as opaque except for URL-style parameters after '?', and a trailing '&'
// delimiter (which stops digits being moved between the salt and the number). Our salts are
//     <24 hex: 12 random bytes><32 hex: salt tag>?expires=<unix seconds>&
// The salt tag is the first 16 bytes of hmac_sha256(key, "chatd-captcha-salt\n" + nonce + "\n" + expires),
// so the expiry is authenticated directly, not only through C: a solution whose salt was edited (say, to
// push the expiry out) is reported as kBadSignature, not as a wrong answer. Any ALTCHA widget accepts this
// salt unchanged. Verification accepts only salts of exactly this form (and lower-case hex everywhere, as
// ALTCHA emits), so every challenge string has exactly one valid (salt, number) pair.
//
// Expiry. A challenge expires at expires_ms = <unix seconds> * 1000, and that instant is INCLUSIVE: a
// solution verified at now == expires_ms is accepted, at now == expires_ms + 1 it is kExpired (this matches
// ALTCHA's JS library, which rejects when expires * 1000 < Date.now()). issue() rounds the expiry UP to a
// whole second, so a challenge lives at least lifetime_ms (and less than lifetime_ms + 1000).
//
// Replay. The Issuer remembers the challenges it accepted (the used-set) until they expire, and rejects a
// second use with kReused. The set is bounded by max_remembered: when it is full, the entries that expire
// soonest are evicted first. An evicted challenge that has not yet expired could be accepted once more, so
// size max_remembered at least (peak verifications per second) * (lifetime in seconds + 1); the number of
// such early evictions is counted by evicted_live() for monitoring.
//
// Sessions. verify() only proves that the solution answers SOME challenge this server issued. A session
// must additionally require that the solution is for the challenge IT was given: either compare the
// challenge strings itself or use the verify() overload taking the issued challenge (kNotIssuedHere).
//
// Purity: no clock, no global RNG, no I/O. Time and randomness are passed in. libsodium is used only for
// SHA-256, HMAC-SHA-256 and constant-time comparison, none of which needs sodium_init().
// Thread-safety: free functions are reentrant. An Issuer is not thread-safe; its owner guards it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "core/base/ids.hpp"
#include "events/fields.hpp"

namespace chatd::captcha {

inline constexpr std::string_view kAlgorithm = "SHA-256";

struct Challenge {
  std::string algorithm = std::string(kAlgorithm);
  std::string challenge;        // 64 lower-case hex: sha256(salt + decimal(number))
  std::uint64_t maxnumber = 0;  // the secret number is in [0, maxnumber]
  std::string salt;             // carries "?expires=<unix seconds>&"
  std::string signature;        // 64 lower-case hex: hmac_sha256(key, challenge)
  TimeMs expires_ms = 0;        // convenience copy of the expiry in the salt; not sent to the client

  // ALTCHA's challenge object, in its order (challenge_json).
  static constexpr auto fields() {
    return std::tuple{events::field<&Challenge::algorithm>("algorithm"), events::field<&Challenge::challenge>("challenge"),
                      events::field<&Challenge::maxnumber>("maxnumber"), events::field<&Challenge::salt>("salt"),
                      events::field<&Challenge::signature>("signature")};
  }
};

struct Solution {
  std::string algorithm;
  std::string challenge;
  std::uint64_t number = 0;
  std::string salt;
  std::string signature;

  // ALTCHA's solution object, in its order (solution_json).
  static constexpr auto fields() {
    return std::tuple{events::field<&Solution::algorithm>("algorithm"), events::field<&Solution::challenge>("challenge"),
                      events::field<&Solution::number>("number"), events::field<&Solution::salt>("salt"),
                      events::field<&Solution::signature>("signature")};
  }
};

enum class Verdict {
  kOk,
  kMalformed,       // a field is not in the form this server issues (hex, salt layout, expiry)
  kWrongAlgorithm,  // algorithm is not "SHA-256"
  kBadSignature,    // signature or salt tag does not match: not issued by this key, or edited
  kExpired,         // now > expiry
  kWrongAnswer,     // sha256(salt + number) != challenge
  kReused,          // this challenge was already accepted
  kNotIssuedHere,   // the solution answers a different challenge than the one this session was given
};

// Stable snake_case strings used as error codes: "ok", "captcha_malformed", "captcha_wrong_algorithm",
// "captcha_bad_signature", "captcha_expired", "captcha_wrong_answer", "captcha_reused",
// "captcha_not_issued_here".
const char* to_string(Verdict verdict);

class Issuer {
 public:
  // difficulty is ALTCHA's maxnumber; 0 turns the captcha off (enabled() == false: the owner skips the
  // gate; issue()/verify() still work, with the number always 0). lifetime_ms > 0. max_remembered bounds
  // the used-set (values below 1 are taken as 1).
  Issuer(std::array<std::uint8_t, 32> hmac_key, std::uint64_t difficulty, TimeMs lifetime_ms,
         std::size_t max_remembered);

  // A fresh challenge: 12 random bytes of salt and a secret number uniform in [0, difficulty], both drawn
  // from `random` (so the same seed and time give the same challenge); expiry now + lifetime, rounded up
  // to a whole second.
  Challenge issue(TimeMs now, Random& random);

  // Checks, in order: algorithm, form, signature and salt tag (constant-time), expiry, the answer, and
  // that the challenge was not used before. On kOk the challenge is marked used. Expired entries are
  // pruned from the used-set on every call.
  Verdict verify(const Solution& solution, TimeMs now);

  // As above, but after the algorithm and the form requires solution.challenge == issued_challenge
  // (kNotIssuedHere otherwise); what a session uses with the challenge it handed out.
  Verdict verify(const Solution& solution, std::string_view issued_challenge, TimeMs now);

  bool enabled() const { return difficulty_ != 0; }
  std::uint64_t difficulty() const { return difficulty_; }
  TimeMs lifetime_ms() const { return lifetime_ms_; }

  std::size_t remembered() const { return used_.size(); }  // current size of the used-set
  std::uint64_t evicted_live() const { return evicted_live_; }  // not-yet-expired entries evicted

 private:
  void prune(TimeMs now);
  void remember(const std::string& challenge, TimeMs expires_ms);
  std::array<std::uint8_t, 16> salt_tag(std::string_view nonce_hex, std::string_view expires_s) const;

  std::array<std::uint8_t, 32> key_;
  std::uint64_t difficulty_;
  TimeMs lifetime_ms_;
  std::size_t max_remembered_;
  std::unordered_set<std::string> used_;                 // challenges accepted and not yet expired
  std::set<std::pair<TimeMs, std::string>> by_expiry_;   // the same entries, soonest expiry first
  std::uint64_t evicted_live_ = 0;
};

// Finds the number by brute force over [0, maxnumber] (what a client does); nullopt if the algorithm is
// not SHA-256, the challenge is not 64 hex, or no number matches. Used by tests, the load generator and
// the simulator.
std::optional<std::uint64_t> solve(const Challenge& challenge);

// The solution a client would send for `challenge` with `number`.
Solution make_solution(const Challenge& challenge, std::uint64_t number);

// ALTCHA's solution JSON (keys algorithm, challenge, number, salt, signature), which a client base64-encodes.
std::string solution_json(const Solution& solution);

// ALTCHA's challenge JSON (keys algorithm, challenge, maxnumber, salt, signature); no expires_ms field,
// the expiry lives in the salt.
std::string challenge_json(const Challenge& challenge);

// Lower-case hex of sha256(data) and of hmac_sha256(key, data); exposed for tests and tools.
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(const std::array<std::uint8_t, 32>& key, std::string_view data);

}  // namespace chatd::captcha
