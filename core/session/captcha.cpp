#include "core/session/captcha.hpp"

#include <sodium.h>

#include <charconv>
#include <cstring>

#include "events/event.hpp"

namespace chatd::captcha {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kNonceHex = 2 * kNonceBytes;
constexpr std::size_t kTagHex = 2 * kTagBytes;
constexpr std::size_t kDigestHex = 2 * crypto_hash_sha256_BYTES;
constexpr std::size_t kMaxExpiryDigits = 15;  // * 1000 still fits in TimeMs
constexpr std::string_view kExpiresParam = "?expires=";
constexpr std::string_view kSaltTagDomain = "chatd-captcha-salt\n";

static_assert(crypto_auth_hmacsha256_KEYBYTES == 32);
static_assert(crypto_auth_hmacsha256_BYTES == 32 && crypto_hash_sha256_BYTES == 32);

constexpr char kHex[] = "0123456789abcdef";

void append_hex(std::string& out, const std::uint8_t* bytes, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
}

int lower_hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_lower_hex(std::string_view text, std::size_t size) {
  if (text.size() != size) return false;
  for (char c : text)
    if (lower_hex_value(c) < 0) return false;
  return true;
}

// Decodes lower-case hex already checked by is_lower_hex.
void decode_hex(std::string_view text, std::uint8_t* out) {
  for (std::size_t i = 0; i + 1 < text.size(); i += 2)
    out[i / 2] = static_cast<std::uint8_t>(lower_hex_value(text[i]) << 4 | lower_hex_value(text[i + 1]));
}

std::string decimal(std::uint64_t value) {
  char buf[24];
  auto result = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, result.ptr);
}

std::array<std::uint8_t, 32> hmac_sha256(const std::array<std::uint8_t, 32>& key, std::string_view data) {
  std::array<std::uint8_t, 32> mac{};
  crypto_auth_hmacsha256(mac.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                         key.data());
  return mac;
}

std::array<std::uint8_t, 32> sha256(std::string_view data) {
  std::array<std::uint8_t, 32> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return digest;
}

// The parts of a salt in our layout: <nonce hex><tag hex>?expires=<digits>&
struct SaltParts {
  std::string_view nonce_hex;
  std::string_view tag_hex;
  std::string_view expires_digits;
  TimeMs expires_ms = 0;
};

std::optional<SaltParts> parse_salt(std::string_view salt) {
  constexpr std::size_t kPrefix = kNonceHex + kTagHex;
  if (salt.size() < kPrefix + kExpiresParam.size() + 2) return std::nullopt;
  SaltParts parts;
  parts.nonce_hex = salt.substr(0, kNonceHex);
  parts.tag_hex = salt.substr(kNonceHex, kTagHex);
  if (!is_lower_hex(parts.nonce_hex, kNonceHex) || !is_lower_hex(parts.tag_hex, kTagHex)) return std::nullopt;
  std::string_view rest = salt.substr(kPrefix);
  if (rest.substr(0, kExpiresParam.size()) != kExpiresParam) return std::nullopt;
  rest.remove_prefix(kExpiresParam.size());
  if (rest.empty() || rest.back() != '&') return std::nullopt;  // the anti-splicing delimiter
  rest.remove_suffix(1);
  if (rest.empty() || rest.size() > kMaxExpiryDigits) return std::nullopt;
  if (rest.size() > 1 && rest.front() == '0') return std::nullopt;  // one spelling per value
  TimeMs seconds = 0;
  for (char c : rest) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  parts.expires_digits = rest;
  parts.expires_ms = seconds * 1000;
  return parts;
}

}  // namespace

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOk: return "ok";
    case Verdict::kMalformed: return "captcha_malformed";
    case Verdict::kWrongAlgorithm: return "captcha_wrong_algorithm";
    case Verdict::kBadSignature: return "captcha_bad_signature";
    case Verdict::kExpired: return "captcha_expired";
    case Verdict::kWrongAnswer: return "captcha_wrong_answer";
    case Verdict::kReused: return "captcha_reused";
    case Verdict::kNotIssuedHere: return "captcha_not_issued_here";
  }
  return "captcha_unknown";
}

std::string sha256_hex(std::string_view data) {
  auto digest = sha256(data);
  std::string out;
  out.reserve(kDigestHex);
  append_hex(out, digest.data(), digest.size());
  return out;
}

std::string hmac_sha256_hex(const std::array<std::uint8_t, 32>& key, std::string_view data) {
  auto mac = hmac_sha256(key, data);
  std::string out;
  out.reserve(kDigestHex);
  append_hex(out, mac.data(), mac.size());
  return out;
}

Issuer::Issuer(std::array<std::uint8_t, 32> hmac_key, std::uint64_t difficulty, TimeMs lifetime_ms,
               std::size_t max_remembered)
    : key_(hmac_key),
      difficulty_(difficulty),
      lifetime_ms_(lifetime_ms),
      max_remembered_(max_remembered < 1 ? 1 : max_remembered) {}

std::array<std::uint8_t, 16> Issuer::salt_tag(std::string_view nonce_hex, std::string_view expires_s) const {
  std::string message;
  message.reserve(kSaltTagDomain.size() + nonce_hex.size() + 1 + expires_s.size());
  message.append(kSaltTagDomain).append(nonce_hex).append("\n").append(expires_s);
  auto mac = hmac_sha256(key_, message);
  std::array<std::uint8_t, 16> tag{};
  std::memcpy(tag.data(), mac.data(), tag.size());
  return tag;
}

Challenge Issuer::issue(TimeMs now, Random& random) {
  // Nonce: 12 bytes from two draws, little-endian, so the salt is the same on every machine.
  std::uint8_t nonce[kNonceBytes];
  std::uint64_t a = random.next_u64(), b = random.next_u64();
  for (std::size_t i = 0; i < 8; ++i) nonce[i] = static_cast<std::uint8_t>(a >> (8 * i));
  for (std::size_t i = 8; i < kNonceBytes; ++i) nonce[i] = static_cast<std::uint8_t>(b >> (8 * (i - 8)));
  std::uint64_t number = difficulty_ == UINT64_MAX ? random.next_u64() : random.uniform(difficulty_ + 1);

  // Expiry rounded up to a whole second: the challenge lives at least lifetime_ms.
  TimeMs deadline = now + lifetime_ms_;
  TimeMs expires_s = deadline <= 0 ? 0 : (deadline + 999) / 1000;

  Challenge c;
  c.maxnumber = difficulty_;
  c.expires_ms = expires_s * 1000;
  std::string nonce_hex;
  append_hex(nonce_hex, nonce, kNonceBytes);
  std::string expires_digits = decimal(static_cast<std::uint64_t>(expires_s));
  auto tag = salt_tag(nonce_hex, expires_digits);
  c.salt.reserve(kNonceHex + kTagHex + kExpiresParam.size() + expires_digits.size() + 1);
  c.salt.append(nonce_hex);
  append_hex(c.salt, tag.data(), tag.size());
  c.salt.append(kExpiresParam).append(expires_digits).push_back('&');
  c.challenge = sha256_hex(c.salt + decimal(number));
  c.signature = hmac_sha256_hex(key_, c.challenge);
  return c;
}

void Issuer::prune(TimeMs now) {
  // An entry is dead once now > its expiry: verify() rejects it as kExpired before looking at the set.
  while (!by_expiry_.empty() && by_expiry_.begin()->first < now) {
    used_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

void Issuer::remember(const std::string& challenge, TimeMs expires_ms) {
  while (used_.size() >= max_remembered_ && !by_expiry_.empty()) {
    // Full of live entries (prune ran first): evict the one that expires soonest.
    ++evicted_live_;
    used_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
  used_.insert(challenge);
  by_expiry_.emplace(expires_ms, challenge);
}

namespace {

// The solution's form: algorithm, lower-case hex digests, a salt of the form this server issues.
Verdict check_form(const Solution& s, std::optional<SaltParts>& salt) {
  if (s.algorithm != kAlgorithm) return Verdict::kWrongAlgorithm;
  if (!is_lower_hex(s.challenge, kDigestHex) || !is_lower_hex(s.signature, kDigestHex)) return Verdict::kMalformed;
  salt = parse_salt(s.salt);
  return salt ? Verdict::kOk : Verdict::kMalformed;
}

}  // namespace

Verdict Issuer::verify(const Solution& s, std::string_view issued_challenge, TimeMs now) {
  // The form first: a payload that does not even decode is malformed, not another session's.
  std::optional<SaltParts> salt;
  if (Verdict form = check_form(s, salt); form != Verdict::kOk) return form;
  if (s.challenge.size() != issued_challenge.size() ||
      sodium_memcmp(s.challenge.data(), issued_challenge.data(), issued_challenge.size()) != 0)
    return Verdict::kNotIssuedHere;
  return verify(s, now);
}

Verdict Issuer::verify(const Solution& s, TimeMs now) {
  prune(now);
  std::optional<SaltParts> salt;
  if (Verdict form = check_form(s, salt); form != Verdict::kOk) return form;

  // Signature over the challenge, and the salt tag over the nonce and the expiry; both constant-time.
  std::string expected_signature = hmac_sha256_hex(key_, s.challenge);
  bool signature_ok = sodium_memcmp(expected_signature.data(), s.signature.data(), kDigestHex) == 0;
  std::uint8_t given_tag[kTagBytes];
  decode_hex(salt->tag_hex, given_tag);
  auto expected_tag = salt_tag(salt->nonce_hex, salt->expires_digits);
  bool tag_ok = sodium_memcmp(expected_tag.data(), given_tag, kTagBytes) == 0;
  if (!signature_ok || !tag_ok) return Verdict::kBadSignature;

  if (now > salt->expires_ms) return Verdict::kExpired;  // the expiry instant itself is still valid

  std::string answer = sha256_hex(s.salt + decimal(s.number));
  if (sodium_memcmp(answer.data(), s.challenge.data(), kDigestHex) != 0) return Verdict::kWrongAnswer;

  if (used_.count(s.challenge) != 0) return Verdict::kReused;
  remember(s.challenge, salt->expires_ms);
  return Verdict::kOk;
}

std::optional<std::uint64_t> solve(const Challenge& c) {
  if (c.algorithm != kAlgorithm || !is_lower_hex(c.challenge, kDigestHex)) return std::nullopt;
  std::uint8_t target[crypto_hash_sha256_BYTES];
  decode_hex(c.challenge, target);
  crypto_hash_sha256_state salted;
  crypto_hash_sha256_init(&salted);
  crypto_hash_sha256_update(&salted, reinterpret_cast<const unsigned char*>(c.salt.data()), c.salt.size());
  for (std::uint64_t n = 0;; ++n) {
    char buf[24];
    auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
    crypto_hash_sha256_state state = salted;
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buf),
                              static_cast<unsigned long long>(end - buf));
    std::uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state, digest);
    if (std::memcmp(digest, target, sizeof digest) == 0) return n;
    if (n == c.maxnumber) return std::nullopt;
  }
}

Solution make_solution(const Challenge& c, std::uint64_t number) {
  return Solution{c.algorithm, c.challenge, number, c.salt, c.signature};
}

std::string solution_json(const Solution& s) {
  std::string out;
  events::append_json_object(s, out);
  return out;
}

std::string challenge_json(const Challenge& c) {
  std::string out;
  events::append_json_object(c, out);
  return out;
}

}  // namespace chatd::captcha
