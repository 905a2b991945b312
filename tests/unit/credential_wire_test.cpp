// The credential worker's wire (net/session/credential_process.hpp): every field survives a round
// trip, and anything short, long or unknown is refused.
#include <catch2/catch.hpp>

#include "net/session/credential_process.hpp"

using namespace chatd;

TEST_CASE("credential wire: jobs and results survive the trip, with their ids", "[password]") {
  CredentialJob job{CredentialJob::Kind::kVerify, 99, std::string("pa\0ss", 5), "$argon2id$one", {"$a", "", "$c"}};
  const std::string bytes = encode_credential_job(7, job);
  auto back = decode_credential_job(bytes);
  REQUIRE(back);
  CHECK(back->first == 7);
  CHECK(back->second.kind == CredentialJob::Kind::kVerify);
  CHECK(back->second.ticket == 0);  // the parent's id stands for it on the wire
  CHECK(back->second.secret == job.secret);
  CHECK(back->second.hash == job.hash);
  CHECK(back->second.alternatives == job.alternatives);

  CredentialResult result{0, true, "$h", "SECRET", {false, true}};
  auto r = decode_credential_result(encode_credential_result(1ull << 40, result));
  REQUIRE(r);
  CHECK(r->first == 1ull << 40);
  CHECK(r->second.ok);
  CHECK_FALSE(r->second.unavailable);
  CHECK(r->second.hash == "$h");
  CHECK(r->second.secret == "SECRET");
  CHECK(r->second.alternatives_matched == std::vector<bool>{false, true});
  CredentialResult lost;
  lost.unavailable = true;
  auto l = decode_credential_result(encode_credential_result(2, lost));
  REQUIRE(l);
  CHECK(l->second.unavailable);
  CHECK_FALSE(l->second.ok);
}

TEST_CASE("credential wire: a short, trailing or unknown message is refused", "[password]") {
  const std::string job = encode_credential_job(1, CredentialJob{CredentialJob::Kind::kHash, 0, "secret", ""});
  for (std::size_t n = 0; n < job.size(); ++n) CHECK_FALSE(decode_credential_job(job.substr(0, n)));
  CHECK_FALSE(decode_credential_job(job + "x"));
  std::string unknown_kind = job;
  unknown_kind[8] = 9;
  CHECK_FALSE(decode_credential_job(unknown_kind));
  std::string huge = job;  // the secret's length says 4 GiB
  huge[9] = huge[10] = huge[11] = huge[12] = '\xff';
  CHECK_FALSE(decode_credential_job(huge));

  const std::string result = encode_credential_result(1, CredentialResult{0, true, "$h", "", {true}});
  for (std::size_t n = 0; n < result.size(); ++n) CHECK_FALSE(decode_credential_result(result.substr(0, n)));
  CHECK_FALSE(decode_credential_result(result + "x"));
  std::string flags = result;
  flags[8] = 4;
  CHECK_FALSE(decode_credential_result(flags));
  std::string matched = result;
  matched.back() = 2;  // a match is 0 or 1
  CHECK_FALSE(decode_credential_result(matched));
}
