// The rules of accounts: decide() against a World, with the events applied, the key store's
// changes kept and the pushes collected as the engine does. The session's part (hashing and
// verifying on the pool) is played by hand here: a "hash" is whatever the test hands over.
#include <catch2/catch.hpp>

#include "core/accounts/commands.hpp"
#include "core/accounts/errors.hpp"
#include "events/codec.hpp"
#include "projections/accounts/state.hpp"
#include "tests/support/model.hpp"

using namespace chatd;
using namespace chatd::events;
using namespace chatd::projections;
using chatd::testing::Model;

namespace {

const AccountsState& accounts(const Model& m) { return m.world.get<AccountsState>(); }

Signup signup(std::string username, std::string email = "alice@example.com", std::string display = "Alice A.") {
  return Signup{std::move(username), std::move(email), std::move(display), "laptop", "$argon2id$hash-of-secret"};
}

LoginReply logged_in(const Decision& d) {
  REQUIRE(d.reply.ok());
  return d.reply.body.as<LoginReply>();
}

// The bytes every event of `d` is stored as.
std::string stored(const Decision& d) {
  std::string all;
  for (const Payload& p : d.events) all += encode(Event{1, 1, p});
  return all;
}

}  // namespace

TEST_CASE("accounts: usernames, emails and passwords have their rules", "[accounts]") {
  CHECK_FALSE(username_problem("alice", 32));
  CHECK_FALSE(username_problem("a_1_b_2", 32));
  CHECK(username_problem("al", 32));
  CHECK(username_problem("alice", 4));
  CHECK(username_problem("Alice", 32));  // refused, not lowered: what one typed is what one gets
  CHECK(username_problem("al ice", 32));
  CHECK(username_problem("alicé", 32));

  for (const char* good : {"a@b.co", "alice.smith+chat@mail.example.org", "o'brien@x-y.example.com", "ALICE@EXAMPLE.COM"})
    CHECK_FALSE(email_problem(good));
  for (const char* bad : {"", "alice", "@example.com", "alice@", "alice@example", "alice@example.c", "alice@.example.com",
                          "alice@example..com", "alice@-example.com", "alice@example-.com", ".alice@example.com",
                          "alice.@example.com", "al..ice@example.com", "al ice@example.com", "al\"ice@example.com",
                          "alice@exa_mple.com", "alice@example.c0m", "alice@@example.com"})
    CHECK(email_problem(bad));
  CHECK(email_problem(std::string(65, 'a') + "@example.com"));
  CHECK(email_problem("a@" + std::string(250, 'b') + ".com"));

  const Signup s = signup("alice");
  CHECK(Signup::check_secret(s, "correct horse").ok());
  CHECK(Signup::check_secret(s, "short").error == errors::kWeakPassword);
  CHECK(Signup::check_secret(s, "ééééééé").error == errors::kWeakPassword);  // 7 characters, 14 bytes
  CHECK(Signup::check_secret(s, "éééééééé").ok());
  CHECK(Signup::check_secret(Signup{"alice_smith"}, "alice_smith").error == errors::kWeakPassword);
  CHECK(Signup::check_secret(s, std::string(1025, 'x')).error == errors::kWeakPassword);
  CHECK(Signup::check_secret(s, "bad\xff utf-8 text").error == errors::kWeakPassword);
}

TEST_CASE("accounts: a signup seals what it stores and logs the client in", "[accounts]") {
  Model m;
  const ClientId c = m.connect("guest");
  Decision d = m.run(c, signup("alice"));
  const LoginReply r = logged_in(d);
  CHECK(r.account == 1);
  CHECK(r.username == "alice");
  CHECK(r.display_name == "Alice A.");
  CHECK(r.device == 1);
  CHECK(r.token.size() == 43);
  REQUIRE(d.events.size() == 3);
  CHECK(d.events[0].is<AccountCreated>());
  CHECK(d.events[1].is<DeviceAdded>());
  CHECK(d.events[2].as<LoggedIn>() == LoggedIn{c, 1, 1});
  // One key made, for the account; nothing of what the user typed is in the events in clear.
  REQUIRE(d.events.keys.size() == 1);
  CHECK(d.events.keys[0].subject == "account:1");
  const std::string bytes = stored(d);
  for (const char* clear : {"alice", "example.com", "Alice A.", "laptop", "argon2id", "hash-of-secret"})
    CHECK(bytes.find(clear) == std::string::npos);
  CHECK(bytes.find(r.token) == std::string::npos);  // the token's hash only
  CHECK(d.events[1].as<DeviceAdded>().token_hash == token_hash(r.token));

  REQUIRE(accounts(m).login_of(c) != nullptr);
  CHECK(accounts(m).login_of(c)->account == 1);
  CHECK(accounts(m).find(1)->devices.size() == 1);
}

TEST_CASE("accounts: a bad signup is refused with its code and changes nothing", "[accounts]") {
  Model m;
  const ClientId c = m.connect("guest"), other = m.connect("other");
  REQUIRE(m.run(c, signup("alice")).reply.ok());
  const auto hash = m.world.hash();
  auto refused = [&](ClientId actor, Signup s, ErrorCode code) {
    Decision d = m.run(actor, std::move(s));
    CHECK(d.reply.error == code);
    CHECK(d.events.empty());
    CHECK(d.events.keys.empty());
  };
  refused(other, signup("alice"), errors::kUsernameTaken);
  refused(other, signup("bob"), errors::kInvalidUsername);
  refused(other, signup("bobby", "bobby"), errors::kInvalidEmail);
  refused(other, signup("bobby", "b@example.com", ""), errors::kInvalidDisplayName);
  refused(other, signup("bobby", "b@example.com", "bad\x07name"), errors::kInvalidDisplayName);
  Signup no_password = signup("bobby");
  no_password.password_hash.clear();
  refused(other, no_password, errors::kWeakPassword);
  refused(c, signup("alice_two"), errors::kLoggedIn);
  refused(kNoClient, signup("bobby"), errors::kNotConnected);
  CHECK(m.world.hash() == hash);

  // Without the server's index key (never so in chatd: its first start makes it) nothing works.
  m.keys.erase(kIndexKeySubject);
  refused(other, signup("bobby"), errors::kAccountsUnavailable);

  // Another account may share the email.
  m.keys.put(std::string(kIndexKeySubject), SealKey{7, 7, 7});
  CHECK(m.run(other, signup("bobby", "alice@example.com")).reply.ok());
  CHECK(accounts(m).by_email.size() == 1);
  CHECK(accounts(m).by_email.begin()->second == std::vector<AccountId>{1, 2});
}

TEST_CASE("accounts: a signup with a secret the server made shows it once in its reply, and stores only its hash", "[accounts]") {
  Model m;
  Signup c = signup("alice");
  c.issue_secret = true;
  CHECK(m.run(m.connect("a"), c).reply.error == errors::kWeakPassword);  // the session made none: refused
  c.issued_secret = std::string(kIssuedSecretChars, 'k');
  const ClientId b = m.connect("b");
  Decision d = m.run(b, c);
  CHECK(logged_in(d).secret == c.issued_secret);
  CHECK(stored(d).find(std::string(16, 'k')) == std::string::npos);
  // Only that reply: a later login shows no secret.
  Login proven{"alice", "phone"};
  Login::with_credential(proven, "", 1, 1);
  CHECK(logged_in(m.run(m.connect("c"), proven)).secret.empty());
  CHECK(logged_in(m.run(m.connect("d"), signup("bobby"))).secret.empty());
}

TEST_CASE("accounts: a password login is proven by the session, against the account's hash", "[accounts]") {
  Model m;
  const ClientId a = m.connect("a"), b = m.connect("b");
  REQUIRE(m.run(a, signup("alice")).reply.ok());

  // First the engine answers with the hash to verify: the account's own, unsealed.
  Decision ask = m.run(b, Login{"alice", "phone"});
  CHECK(ask.reply.error == errors::kCredentialNeeded);
  CHECK(ask.events.empty());
  const CredentialChallenge& challenge = ask.reply.body.as<CredentialChallenge>();
  CHECK(challenge.hash == "$argon2id$hash-of-secret");
  CHECK(challenge.subject == 1);
  CHECK(challenge.version == 1);

  // An unknown username gets a dummy argon2id hash (the same work), for no account.
  Decision unknown = m.run(b, Login{"mallory", ""});
  CHECK(unknown.reply.error == errors::kCredentialNeeded);
  const CredentialChallenge& dummy = unknown.reply.body.as<CredentialChallenge>();
  CHECK(dummy.hash.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);
  CHECK(dummy.subject == kNoAccount);
  // Wrong passwords are counted per username, known or not, by its blind index (no clear text).
  CHECK(challenge.throttle_key.rfind("login:", 0) == 0);
  CHECK(challenge.throttle_key.size() == 6 + 64);
  CHECK(challenge.throttle_key.find("alice") == std::string::npos);
  CHECK(dummy.throttle_key.size() == 6 + 64);
  CHECK(dummy.throttle_key != challenge.throttle_key);
  CHECK(m.run(b, Login{"mallory", "other"}).reply.body.as<CredentialChallenge>().throttle_key == dummy.throttle_key);
  // Even "proven" against the dummy (never: nothing matches it), no account is logged in.
  Login forged{"mallory", ""};
  Login::with_credential(forged, "", kNoAccount, 0);
  CHECK(m.run(b, forged).reply.error == errors::kCredentialNeeded);

  // A proof for another account or an older credential is asked again.
  Login stale{"alice", "phone"};
  Login::with_credential(stale, "", 1, 0);
  CHECK(m.run(b, stale).reply.error == errors::kCredentialNeeded);

  Login proven{"alice", "phone"};
  Login::with_credential(proven, "", 1, 1);
  Decision in = m.run(b, proven);
  const LoginReply r = logged_in(in);
  CHECK(r == LoginReply{1, "alice", "Alice A.", 2, r.token});
  CHECK(r.token.size() == 43);
  REQUIRE(in.events.size() == 2);
  CHECK(in.events[1].as<LoggedIn>() == LoggedIn{b, 1, 2});
  CHECK(accounts(m).find(1)->devices.size() == 2);
  CHECK(m.run(b, proven).reply.error == errors::kLoggedIn);
}

TEST_CASE("accounts: a login by email verifies every account of it, and names only those the password opened", "[accounts]") {
  Model m;
  const ClientId a = m.connect("a"), b = m.connect("b"), c = m.connect("c");
  Signup bob = signup("bobby", "Shared@Example.com", "Bob");
  bob.password_hash = "$argon2id$bob";
  REQUIRE(m.run(a, signup("alice", "shared@example.com")).reply.ok());
  REQUIRE(m.run(b, bob).reply.ok());
  REQUIRE(m.run(c, signup("carol", "carol@example.com", "Carol")).reply.ok());
  const ClientId d = m.connect("d");
  auto by_email = [](std::string email, AccountId chosen = kNoAccount) {
    Login l{"", "tablet", std::move(email)};
    l.account = chosen;
    return l;
  };

  // The challenge: both accounts of the email (its case does not matter), padded to four hashes.
  Decision ask = m.run(d, by_email("SHARED@example.com"));
  REQUIRE(ask.reply.error == errors::kCredentialNeeded);
  const CredentialChallenge ch = ask.reply.body.as<CredentialChallenge>();
  CHECK(ch.hash == "$argon2id$hash-of-secret");
  CHECK(ch.subject == 1);
  REQUIRE(ch.alternatives.size() == 3);
  CHECK(ch.alternatives[0] == CredentialCandidate{"$argon2id$bob", CredentialProof{2, 1}});
  CHECK(ch.alternatives[1].proof.subject == kNoAccount);
  CHECK(ch.alternatives[1].hash == ch.alternatives[2].hash);
  CHECK(ch.throttle_key.rfind("login-email:", 0) == 0);
  CHECK(ch.throttle_key.find("shared") == std::string::npos);
  // An unknown email, or an account chosen that is not the email's: the same work, nobody to open.
  for (const Login& nobody : {by_email("nobody@example.com"), by_email("shared@example.com", 3)}) {
    const CredentialChallenge none = m.run(d, nobody).reply.body.as<CredentialChallenge>();
    CHECK(none.subject == kNoAccount);
    CHECK(none.hash == ch.alternatives[1].hash);
    REQUIRE(none.alternatives.size() == 3);
    for (const CredentialCandidate& other : none.alternatives) CHECK(other.proof.subject == kNoAccount);
  }

  // The password matched Bob's only: logged in as Bob.
  Login bobs = by_email("shared@example.com");
  Login::with_credential(bobs, "", 2, 1);
  const LoginReply in = logged_in(m.run(d, bobs));
  CHECK(in.account == 2);
  CHECK(in.username == "bobby");
  REQUIRE(m.run(d, Logout{}).reply.ok());

  // It matched both: the client is asked to choose, and nothing happens until it does.
  Login both = by_email("shared@example.com");
  Login::with_credential(both, "", 1, 1);
  Login::with_credential(both, "", 2, 1);
  const auto hash = m.world.hash();
  Decision choose = m.run(d, both);
  CHECK(choose.reply.error == errors::kChooseAccount);
  CHECK(choose.events.empty());
  CHECK(m.world.hash() == hash);
  CHECK(choose.reply.body.as<ChooseAccountReply>().accounts ==
        std::vector<AccountChoice>{{1, "alice", "Alice A."}, {2, "bobby", "Bob"}});
  // Naming one: the challenge is that account's alone (padded), and its proof logs in.
  const CredentialChallenge alone = m.run(d, by_email("shared@example.com", 2)).reply.body.as<CredentialChallenge>();
  CHECK(alone.subject == 2);
  CHECK(alone.alternatives.size() == 3);
  Login chosen = by_email("shared@example.com", 2);
  Login::with_credential(chosen, "", 2, 1);
  CHECK(logged_in(m.run(d, chosen)).account == 2);
  // A stale proof (the password changed since) opens nothing: asked again.
  Login stale = by_email("carol@example.com");
  Login::with_credential(stale, "", 3, 0);
  CHECK(m.run(m.connect("e"), stale).reply.error == errors::kCredentialNeeded);
  // One of the two, or a chosen account on a username login, is a bad request.
  CHECK(m.run(m.connect("f"), Login{"alice", "", "shared@example.com"}).reply.error == errors::kBadRequest);
  CHECK(m.run(m.connect("f"), Login{"", "", ""}).reply.error == errors::kBadRequest);
  CHECK(m.run(m.connect("f"), by_email("not an address")).reply.error == errors::kInvalidEmail);
}

TEST_CASE("accounts: a login by email opens the email's oldest max_accounts_per_email accounts, the others log in by username",
          "[accounts]") {
  Model m;
  m.limits.max_accounts_per_email = 2;
  // No bound on an email's accounts: one would tell whoever signs up with it how many it has.
  REQUIRE(m.run(m.connect("a"), signup("alice", "same@example.com")).reply.ok());
  REQUIRE(m.run(m.connect("b"), signup("bobby", "SAME@example.com")).reply.ok());
  REQUIRE(m.run(m.connect("c"), signup("carol", "same@EXAMPLE.com")).reply.ok());
  const ClientId d = m.connect("d");
  REQUIRE(m.run(d, signup("daisy", "daisy@example.com")).reply.ok());
  ChangeEmail move{"same@example.com"};
  ChangeEmail::with_credential(move, "", 4, 1);
  CHECK(m.run(d, move).reply.ok());
  // The challenge is the two oldest, however many there are: the work is bounded.
  const CredentialChallenge ch = m.run(m.connect("e"), Login{"", "", "same@example.com"}).reply.body.as<CredentialChallenge>();
  CHECK(ch.subject == 1);
  REQUIRE(ch.alternatives.size() == 1);
  CHECK(ch.alternatives[0].proof.subject == 2);
  // Naming a newer one gets the dummies: it logs in by username.
  const CredentialChallenge newer = m.run(m.connect("f"), [] {
    Login l{"", "", "same@example.com"};
    l.account = 3;
    return l;
  }()).reply.body.as<CredentialChallenge>();
  CHECK(newer.subject == kNoAccount);
  CHECK(m.run(m.connect("g"), Login{"carol", ""}).reply.body.as<CredentialChallenge>().subject == 3);
}

TEST_CASE("accounts: tokens log in until revoked, and a logout revokes its own", "[accounts]") {
  Model m;
  const ClientId a = m.connect("a");
  const std::string first_token = logged_in(m.run(a, signup("alice"))).token;
  // Disconnecting ends the login, not the device.
  REQUIRE(m.run(a, Disconnect{DisconnectReason::kClosed}).reply.ok());
  CHECK(accounts(m).logins.empty());
  CHECK(accounts(m).find(1)->devices.size() == 1);

  const ClientId b = m.connect("b"), c = m.connect("c");
  const LoginReply again = logged_in(m.run(b, LoginToken{first_token}));
  CHECK(again == LoginReply{1, "alice", "Alice A.", 1, ""});  // no new token
  CHECK(m.run(c, LoginToken{"nonsense"}).reply.error == errors::kInvalidToken);
  CHECK(m.run(c, LoginToken{std::string(300, 'x')}).reply.error == errors::kInvalidToken);

  // A second device, from c; b sees both and which one it is on.
  Login proven{"alice", "phone"};
  Login::with_credential(proven, "", 1, 1);
  const std::string second_token = logged_in(m.run(c, proven)).token;
  const DevicesReply devices = m.run(b, MyDevices{}).reply.body.as<DevicesReply>();
  REQUIRE(devices.devices.size() == 2);
  CHECK(devices.devices[0].device == 1);
  CHECK(devices.devices[0].name == "laptop");
  CHECK(devices.devices[0].current);
  CHECK(devices.devices[1].name == "phone");
  CHECK_FALSE(devices.devices[1].current);

  // b revokes c's device: c is logged out and told; its token logs in no more.
  CHECK(m.run(b, RevokeDevice{9}).reply.error == errors::kNoSuchDevice);
  Decision revoked = m.run(b, RevokeDevice{2});
  REQUIRE(revoked.reply.ok());
  CHECK(revoked.events.at(0).as<DeviceRevoked>() == DeviceRevoked{1, 2, b});
  REQUIRE(m.pushes.size() == 1);
  CHECK(m.pushes[0].push.body.as<LoggedOutPush>() == LoggedOutPush{1, 2, LogoutCause::kRevoked});
  CHECK(m.pushes[0].reaches(c));
  CHECK(accounts(m).login_of(c) == nullptr);
  CHECK(m.run(c, LoginToken{second_token}).reply.error == errors::kInvalidToken);

  // b logs out: its device goes with it.
  CHECK(m.run(b, Logout{}).reply.ok());
  CHECK(m.run(b, Logout{}).reply.error == errors::kNotLoggedIn);
  CHECK(m.run(b, MyDevices{}).reply.error == errors::kNotLoggedIn);
  CHECK(m.run(c, LoginToken{first_token}).reply.error == errors::kInvalidToken);
  CHECK(accounts(m).find(1)->devices.empty());
  CHECK(accounts(m).by_token.empty());
}

TEST_CASE("accounts: the World holds only what is stored, so erasing a key changes no hash", "[accounts]") {
  Model m;
  const ClientId c = m.connect("guest");
  REQUIRE(m.run(c, signup("alice")).reply.ok());
  const auto hash = m.world.hash();
  m.keys.erase("account:1");
  CHECK(m.world.hash() == hash);
  // Without its key the account cannot be logged into: it is as if unknown.
  const ClientId d = m.connect("d");
  Decision ask = m.run(d, Login{"alice", ""});
  CHECK(ask.reply.body.as<CredentialChallenge>().subject == kNoAccount);
}

TEST_CASE("accounts: a device limit per account", "[accounts]") {
  Model m;
  m.limits.max_devices_per_account = 2;
  REQUIRE(m.run(m.connect("a"), signup("alice")).reply.ok());
  Login proven{"alice", ""};
  Login::with_credential(proven, "", 1, 1);
  REQUIRE(m.run(m.connect("b"), proven).reply.ok());
  CHECK(m.run(m.connect("c"), proven).reply.error == errors::kTooManyDevices);
}

namespace {

// The command as the session submits it once the old password is proven and the new one hashed.
ChangePassword changed_to(std::string hash, AccountId account, std::uint64_t version) {
  ChangePassword c;
  ChangePassword::with_credential(c, std::move(hash), account, version);
  return c;
}

Deactivate proven_deactivation(AccountId account, std::uint64_t version) {
  Deactivate c;
  Deactivate::with_credential(c, "", account, version);
  return c;
}

Login proven_login(std::string username, std::uint64_t version) {
  Login c{std::move(username), ""};
  Login::with_credential(c, "", 1, version);
  return c;
}

}  // namespace

TEST_CASE("accounts: changing the password needs the old one and signs out every other device", "[accounts]") {
  Model m;
  const ClientId a = m.connect("a"), b = m.connect("b"), c = m.connect("c");
  REQUIRE(m.run(a, signup("alice")).reply.ok());
  const std::string b_token = logged_in(m.run(b, proven_login("alice", 1))).token;
  REQUIRE(m.run(c, proven_login("alice", 1)).reply.ok());
  CHECK(m.run(m.connect("x"), ChangePassword{}).reply.error == errors::kNotLoggedIn);

  // The engine asks for the old password first, with the username the new one may not be.
  Decision ask = m.run(a, ChangePassword{});
  REQUIRE(ask.reply.error == errors::kCredentialNeeded);
  const CredentialChallenge& challenge = ask.reply.body.as<CredentialChallenge>();
  CHECK(challenge.hash == "$argon2id$hash-of-secret");
  CHECK(challenge.version == 1);
  CHECK(challenge.distinct_from == "alice");
  CHECK(challenge.throttle_key == m.run(m.connect("y"), Login{"alice", ""}).reply.body.as<CredentialChallenge>().throttle_key);
  CHECK(ask.events.empty());
  CHECK(m.run(a, changed_to("$argon2id$new", 1, 0)).reply.error == errors::kCredentialNeeded);  // stale proof
  CHECK(m.run(a, changed_to("", 1, 1)).reply.error == errors::kWeakPassword);
  CHECK(ChangePassword::check_secret(ChangePassword{}, "short").error == errors::kWeakPassword);
  CHECK(ChangePassword::check_secret(ChangePassword{}, "long enough").ok());

  Decision done = m.run(a, changed_to("$argon2id$new", 1, 1));
  REQUIRE(done.reply.ok());
  REQUIRE(done.events.size() == 1);
  const PasswordChanged& e = done.events[0].as<PasswordChanged>();
  CHECK(e.credential == 2);
  CHECK(stored(done).find("$argon2id$new") == std::string::npos);  // sealed
  // b and c are out and told why, each for its device; a stays on its own.
  REQUIRE(m.pushes.size() == 2);
  for (const auto& sent : m.pushes) CHECK(sent.push.body.as<LoggedOutPush>().why == LogoutCause::kPasswordChanged);
  CHECK(m.pushes[0].reaches(b) != m.pushes[0].reaches(c));
  CHECK(accounts(m).login_of(a) != nullptr);
  CHECK(accounts(m).login_of(b) == nullptr);
  CHECK(accounts(m).login_of(c) == nullptr);
  CHECK(accounts(m).find(1)->devices.size() == 1);
  CHECK(m.run(b, LoginToken{b_token}).reply.error == errors::kInvalidToken);
  // The new hash is the one a login is verified against, and proofs of the old one are stale.
  CHECK(m.run(b, Login{"alice", ""}).reply.body.as<CredentialChallenge>().hash == "$argon2id$new");
  CHECK(m.run(b, proven_login("alice", 1)).reply.error == errors::kCredentialNeeded);
  CHECK(m.run(b, proven_login("alice", 2)).reply.ok());
}

TEST_CASE("accounts: deactivation waits its grace period, and a login calls it off and is told", "[accounts]") {
  Model m;
  m.limits.deactivation_grace_ms = 10'000;
  const ClientId a = m.connect("a"), b = m.connect("b");
  const std::string token = logged_in(m.run(a, signup("alice"))).token;
  REQUIRE(m.run(b, proven_login("alice", 1)).reply.ok());
  CHECK(m.run(m.connect("x"), Deactivate{}).reply.error == errors::kNotLoggedIn);
  CHECK(m.run(a, Deactivate{}).reply.error == errors::kCredentialNeeded);
  CHECK(m.run(a, proven_deactivation(1, 0)).reply.error == errors::kCredentialNeeded);

  Decision d = m.run(a, proven_deactivation(1, 1));
  REQUIRE(d.reply.ok());
  CHECK(d.reply.body.as<DeactivationReply>().purge_at == m.now + 10'000);
  CHECK(d.events.at(0).as<DeactivationScheduled>() == DeactivationScheduled{1, a, m.now + 10'000});
  // Every device is revoked and every client logged out; the others are told.
  REQUIRE(m.pushes.size() == 1);
  CHECK(m.pushes[0].reaches(b));
  CHECK(m.pushes[0].push.body.as<LoggedOutPush>().why == LogoutCause::kDeactivated);
  CHECK(accounts(m).logins.empty());
  CHECK(accounts(m).find(1)->devices.empty());
  CHECK(m.run(a, LoginToken{token}).reply.error == errors::kInvalidToken);
  CHECK(m.world.next_deadline() == m.now + 10'000);

  // A login with the password before the deadline calls the purge off, and says it was pending.
  m.now += 9'999;
  Decision back = m.run(b, proven_login("alice", 1));
  const LoginReply r = logged_in(back);
  CHECK(r.deactivation_cancelled == m.now + 1);
  CHECK(back.events.at(0).as<DeactivationCancelled>() == DeactivationCancelled{1, b});
  CHECK(accounts(m).find(1)->purge_at == 0);
  CHECK(accounts(m).purges.empty());
  m.now += 10;
  CHECK(m.run(Command{Tick{}, kNoClient}).events.empty());
  CHECK(accounts(m).find(1) != nullptr);
}

TEST_CASE("accounts: at the deadline the account is purged: its key erased, its username free", "[accounts]") {
  Model m;
  m.limits.deactivation_grace_ms = 10'000;
  const ClientId a = m.connect("a");
  REQUIRE(m.run(a, signup("alice", "shared@example.com")).reply.ok());
  const ClientId other = m.connect("o");
  REQUIRE(m.run(other, signup("bobby", "shared@example.com")).reply.ok());
  REQUIRE(m.run(a, proven_deactivation(1, 1)).reply.ok());

  m.now += 9'999;
  CHECK(m.run(Command{Tick{}, kNoClient}).events.empty());  // not yet
  m.now += 1;
  Decision purge = m.run(Command{Tick{}, kNoClient});
  REQUIRE(purge.events.size() == 1);
  CHECK(purge.events[0].as<AccountPurged>() == AccountPurged{1});
  REQUIRE(purge.events.keys.size() == 1);
  CHECK(purge.events.keys[0] == KeyChange{"account:1", std::nullopt});
  CHECK(m.keys.find("account:1") == nullptr);
  CHECK(m.keys.find("account:2") != nullptr);
  CHECK(accounts(m).find(1) == nullptr);
  CHECK(accounts(m).purges.empty());
  CHECK(m.world.next_deadline() == kNoDeadline);
  // The shared email still finds the other account; the username is anyone's again, with a new id.
  CHECK(accounts(m).by_email.size() == 1);
  CHECK(accounts(m).by_email.begin()->second == std::vector<AccountId>{2});
  const LoginReply again = logged_in(m.run(m.connect("n"), signup("alice", "new@example.com")));
  CHECK(again.account == 3);
  // A purge the log did not schedule, or before its time, is refused by apply.
  Model fresh;
  CHECK_FALSE(projections::apply(fresh.world, Event{fresh.world.last_seq + 1, 5, AccountPurged{1}}).ok());
}

namespace {

template <class T>
T proven(T c, AccountId account, std::uint64_t version) {
  T::with_credential(c, "", account, version);
  return c;
}

}  // namespace

TEST_CASE("accounts: the display name changes with a login, sealed, and a bad or same one is refused", "[accounts]") {
  Model m;
  const ClientId a = m.connect("a");
  REQUIRE(m.run(a, signup("alice")).reply.ok());
  CHECK(m.run(m.connect("x"), SetDisplayName{"Eve"}).reply.error == errors::kNotLoggedIn);
  const auto hash = m.world.hash();
  CHECK(m.run(a, SetDisplayName{""}).reply.error == errors::kInvalidDisplayName);
  CHECK(m.run(a, SetDisplayName{"bad\x07name"}).reply.error == errors::kInvalidDisplayName);
  CHECK(m.run(a, SetDisplayName{"Alice A."}).reply.error == errors::kUnchanged);
  CHECK(m.world.hash() == hash);

  Decision d = m.run(a, SetDisplayName{"Queen Alice 👑"});
  REQUIRE(d.reply.ok());
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].as<DisplayNameChanged>().by == a);
  CHECK(stored(d).find("Queen") == std::string::npos);
  // A later login is told the new one.
  CHECK(logged_in(m.run(m.connect("b"), proven_login("alice", 1))).display_name == "Queen Alice 👑");
}

TEST_CASE("accounts: a new username follows the rules, needs the password, and frees the old one", "[accounts]") {
  Model m;
  const ClientId a = m.connect("a"), b = m.connect("b");
  REQUIRE(m.run(a, signup("alice")).reply.ok());
  REQUIRE(m.run(b, signup("bobby", "b@example.com", "Bob")).reply.ok());
  CHECK(m.run(m.connect("x"), ChangeUsername{"carol"}).reply.error == errors::kNotLoggedIn);
  const auto hash = m.world.hash();
  // The cheap checks come before the password is asked for.
  CHECK(m.run(a, ChangeUsername{"Carol"}).reply.error == errors::kInvalidUsername);
  CHECK(m.run(a, ChangeUsername{"car"}).reply.error == errors::kInvalidUsername);
  CHECK(m.run(a, ChangeUsername{"bobby"}).reply.error == errors::kUsernameTaken);
  CHECK(m.run(a, ChangeUsername{"alice"}).reply.error == errors::kUnchanged);
  Decision ask = m.run(a, ChangeUsername{"carol"});
  REQUIRE(ask.reply.error == errors::kCredentialNeeded);
  CHECK(ask.reply.body.as<CredentialChallenge>().subject == 1);
  CHECK(m.run(a, proven(ChangeUsername{"carol"}, 1, 0)).reply.error == errors::kCredentialNeeded);  // stale
  CHECK(m.run(a, proven(ChangeUsername{"carol"}, 2, 1)).reply.error == errors::kCredentialNeeded);  // another's
  CHECK(m.world.hash() == hash);

  Decision d = m.run(a, proven(ChangeUsername{"carol"}, 1, 1));
  REQUIRE(d.reply.ok());
  REQUIRE(d.events.size() == 1);
  CHECK(stored(d).find("carol") == std::string::npos);
  // The new name logs in; the old one is unknown (the dummy's challenge) and anyone's to take.
  CHECK(m.run(m.connect("c"), Login{"carol", ""}).reply.body.as<CredentialChallenge>().subject == 1);
  CHECK(m.run(m.connect("c"), Login{"alice", ""}).reply.body.as<CredentialChallenge>().subject == kNoAccount);
  CHECK(logged_in(m.run(m.connect("c"), proven_login("carol", 1))).username == "carol");
  CHECK(logged_in(m.run(m.connect("n"), signup("alice", "n@example.com"))).account == 3);
  CHECK(accounts(m).by_username.size() == 3);
  // Taken meanwhile: the proven resubmission is refused too.
  CHECK(m.run(b, proven(ChangeUsername{"carol"}, 2, 1)).reply.error == errors::kUsernameTaken);
}

TEST_CASE("accounts: a new email needs the password, moves between shared indexes, and is sealed", "[accounts]") {
  Model m;
  const ClientId a = m.connect("a"), b = m.connect("b");
  REQUIRE(m.run(a, signup("alice", "shared@example.com")).reply.ok());
  REQUIRE(m.run(b, signup("bobby", "shared@example.com", "Bob")).reply.ok());
  REQUIRE(accounts(m).by_email.size() == 1);
  CHECK(m.run(m.connect("x"), ChangeEmail{"x@example.com"}).reply.error == errors::kNotLoggedIn);
  CHECK(m.run(a, ChangeEmail{"not-an-address"}).reply.error == errors::kInvalidEmail);
  CHECK(m.run(a, ChangeEmail{"shared@example.com"}).reply.error == errors::kUnchanged);
  CHECK(m.run(a, ChangeEmail{"alice@mail.example"}).reply.error == errors::kCredentialNeeded);

  Decision d = m.run(a, proven(ChangeEmail{"alice@mail.example"}, 1, 1));
  REQUIRE(d.reply.ok());
  CHECK(stored(d).find("mail.example") == std::string::npos);
  const EmailChanged& e = d.events.at(0).as<EmailChanged>();
  CHECK(accounts(m).by_email.size() == 2);
  CHECK(accounts(m).by_email.at(e.email_index) == std::vector<AccountId>{1});
  CHECK(accounts(m).by_email.at(accounts(m).find(2)->email_index) == std::vector<AccountId>{2});
  // Only its case differs: the same index, a new sealed value.
  Decision upper = m.run(a, proven(ChangeEmail{"Alice@Mail.Example"}, 1, 1));
  REQUIRE(upper.reply.ok());
  CHECK(upper.events.at(0).as<EmailChanged>().email_index == e.email_index);
  CHECK(accounts(m).by_email.at(e.email_index) == std::vector<AccountId>{1});
}

TEST_CASE("accounts: apply refuses a change that no login of the account made", "[accounts]") {
  Model m;
  const ClientId a = m.connect("a"), b = m.connect("b");
  REQUIRE(m.run(a, signup("alice")).reply.ok());
  REQUIRE(m.run(b, signup("bobby", "b@example.com", "Bob")).reply.ok());
  auto refused = [&](Payload p) {
    CHECK_FALSE(projections::apply(m.world, Event{m.world.last_seq + 1, m.now, std::move(p)}).ok());
  };
  refused(DisplayNameChanged{1, b, "sealed"});
  refused(DisplayNameChanged{1, a, ""});
  refused(UsernameChanged{1, b, "idx", "sealed"});
  refused(UsernameChanged{1, a, accounts(m).find(2)->username_index, "sealed"});  // taken
  refused(EmailChanged{2, a, "idx", "sealed"});
  refused(EmailChanged{1, a, "", "sealed"});
}
