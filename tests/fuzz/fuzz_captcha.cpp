// Fuzz target: a captcha payload (ALTCHA's base64 solution) and a raw solution object, decoded by
// the native dialect and verified against a challenge that was issued. Nothing a fuzzer writes
// solves it: verification must refuse every input.
#include <sodium.h>

#include <string>

#include "core/session/captcha.hpp"
#include "net/native/dialect.hpp"
#include "tests/fuzz/fuzz_target.hpp"

using namespace chatd;

namespace {
void verify_frame(const std::string& frame, captcha::Issuer& issuer, const captcha::Challenge& challenge) {
  static const NativeDialect dialect;
  Decoded decoded;
  dialect.decode(frame, decoded);
  if (decoded.outcome != Decoded::Outcome::kRequest || decoded.request.kind != Request::Kind::kCaptcha) return;
  FUZZ_CHECK(issuer.verify(decoded.request.solution, challenge.challenge, 1'000) != captcha::Verdict::kOk);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const int sodium_ready = sodium_init();
  (void)sodium_ready;
  captcha::Issuer issuer({}, 1'000'000, 60'000, 16);
  SeededRandom random(1);
  const captcha::Challenge challenge = issuer.issue(0, random);
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::string payload(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(payload.data(), payload.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  payload.resize(payload.size() - 1);  // the terminating NUL
  verify_frame(R"({"op":"captcha","id":1,"payload":")" + payload + "\"}", issuer, challenge);
  verify_frame(R"({"op":"captcha","id":2,"solution":)" + input + "}", issuer, challenge);
  return 0;
}
