// The accounts domain's social rules: profile fields and who sees them on every path (a profile,
// a follower list, a search), follows, and what a purge leaves of them.
#include <catch2/catch.hpp>

#include "core/accounts/commands.hpp"
#include "core/accounts/errors.hpp"
#include "core/accounts/profile.hpp"
#include "core/accounts/social.hpp"
#include "core/base/civil_date.hpp"
#include "core/rooms/commands.hpp"
#include "core/session/commands.hpp"
#include "events/codec.hpp"
#include "projections/accounts/state.hpp"
#include "projections/world_codec.hpp"
#include "tests/support/model.hpp"

using namespace chatd;
using namespace chatd::events;
using namespace chatd::projections;
using chatd::testing::Model;

namespace {

const AccountsState& accounts(const Model& m) { return m.world.get<AccountsState>(); }

// A model on 2026-12-03 (birth dates are checked against today).
Model dated_model() {
  Model m;
  m.now = days_from_civil(2026, 12, 3) * 86'400'000;
  return m;
}

// Signs up `username` on a new client; returns the client.
ClientId member(Model& m, const std::string& username) {
  const ClientId c = m.connect(username);
  Decision d = m.run(c, Signup{username, username + "@example.com", "The " + username, "", "$argon2id$x"});
  REQUIRE(d.reply.ok());
  return c;
}

SetProfileField set(std::string field, std::optional<std::string> value, std::optional<Audience> visibility = std::nullopt) {
  return SetProfileField{std::move(field), std::move(value), visibility};
}

std::string stored(const Decision& d) {
  std::string all;
  for (const Payload& p : d.events) all += encode(Event{1, 1, p});
  return all;
}

// What `reader` sees of `username`'s profile: field -> value.
std::map<std::string, std::string> seen(Model& m, ClientId reader, const std::string& username) {
  Decision d = m.run(reader, ReadProfile{AccountRef{username}});
  REQUIRE(d.reply.ok());
  std::map<std::string, std::string> out;
  for (const ProfileEntry& e : d.reply.body.as<ProfileReply>().fields) out[e.field] = e.value;
  return out;
}

std::map<std::string, std::string> fields_of(const AccountCard& card) {
  std::map<std::string, std::string> out;
  for (const ProfileEntry& e : card.fields) out[e.field] = e.value;
  return out;
}

AccountsPage page(const Decision& d) {
  REQUIRE(d.reply.ok());
  return d.reply.body.as<AccountsPage>();
}

// Alice with a country of each audience: public languages, follower-only country, private sex.
struct ThreeAudiences {
  Model m = dated_model();
  ClientId alice = member(m, "alice"), fan = member(m, "fanny"), other = member(m, "other"), guest = m.connect("guest");
  ThreeAudiences() {
    REQUIRE(m.run(alice, set("languages", "en, de", Audience::kPublic)).reply.ok());
    REQUIRE(m.run(alice, set("country", "DE", Audience::kFollowers)).reply.ok());
    REQUIRE(m.run(alice, set("sex", "female", Audience::kPrivate)).reply.ok());
    REQUIRE(m.run(alice, set("bio", "Maps and boats", Audience::kPublic)).reply.ok());
    REQUIRE(m.run(fan, Follow{AccountRef{"alice"}}).reply.ok());
  }
};

}  // namespace

TEST_CASE("social: a profile field is set in its canonical form, sealed, private unless told", "[social]") {
  Model m = dated_model();
  const ClientId a = member(m, "alice");
  CHECK(m.run(m.connect("x"), set("bio", "hi")).reply.error == errors::kNotLoggedIn);
  const auto hash = m.world.hash();
  CHECK(m.run(a, set("email", "a@b.co")).reply.error == errors::kInvalidProfileField);
  CHECK(m.run(a, set("country", "Germany")).reply.error == errors::kInvalidProfileValue);
  CHECK(m.run(a, set("country", std::nullopt)).reply.error == errors::kInvalidProfileValue);
  CHECK(m.run(a, set("country", std::nullopt, Audience::kPublic)).reply.error == errors::kNotSet);
  CHECK(m.run(a, ClearProfileField{"country"}).reply.error == errors::kNotSet);
  CHECK(m.run(a, ClearProfileField{"nonsense"}).reply.error == errors::kInvalidProfileField);
  CHECK(m.world.hash() == hash);

  Decision d = m.run(a, set("languages", "EN,fr"));
  REQUIRE(d.reply.ok());
  CHECK(d.reply.body.as<ProfileEntry>() == ProfileEntry{"languages", "en, fr", Audience::kPrivate});
  const ProfileFieldSet& e = d.events.at(0).as<ProfileFieldSet>();
  CHECK(e.visibility == Audience::kPrivate);
  CHECK(e.terms.empty());  // private: not searchable
  CHECK(stored(d).find("en, fr") == std::string::npos);
  CHECK(m.run(a, set("languages", "en, fr")).reply.error == errors::kUnchanged);

  // Only the audience changes: the sealed bytes stay, and a public value gets its terms.
  Decision shown = m.run(a, set("languages", std::nullopt, Audience::kPublic));
  REQUIRE(shown.reply.ok());
  const ProfileFieldSet& p = shown.events.at(0).as<ProfileFieldSet>();
  CHECK(p.value == e.value);
  CHECK(std::count(p.terms.begin(), p.terms.end(), ' ') == 1);  // two terms: en and fr
  CHECK(accounts(m).by_term.size() == 2);
  REQUIRE(m.run(a, set("languages", "de", Audience::kPublic)).reply.ok());
  CHECK(accounts(m).by_term.size() == 1);
  REQUIRE(m.run(a, ClearProfileField{"languages"}).reply.ok());
  CHECK(accounts(m).by_term.empty());
  CHECK(accounts(m).find(1)->profile.empty());
}

TEST_CASE("social: a profile read shows each reader what its audience allows", "[social]") {
  ThreeAudiences t;
  Model& m = t.m;
  using Seen = std::map<std::string, std::string>;
  const Seen all{{"bio", "Maps and boats"}, {"country", "DE"}, {"languages", "en, de"}, {"sex", "female"}};
  CHECK(seen(m, t.alice, "alice") == all);
  CHECK(seen(m, t.fan, "alice") == Seen{{"bio", "Maps and boats"}, {"country", "DE"}, {"languages", "en, de"}});
  CHECK(seen(m, t.other, "alice") == Seen{{"bio", "Maps and boats"}, {"languages", "en, de"}});
  CHECK(seen(m, t.guest, "alice") == Seen{{"bio", "Maps and boats"}, {"languages", "en, de"}});

  const ProfileReply r = m.run(t.fan, ReadProfile{AccountRef{"", 1}}).reply.body.as<ProfileReply>();
  CHECK(r.username == "alice");
  CHECK(r.display_name == "The alice");
  CHECK(r.followers == 1);
  CHECK(r.you_follow);
  CHECK_FALSE(r.follows_you);
  CHECK(m.run(t.guest, ReadProfile{AccountRef{"nobody"}}).reply.error == errors::kNoSuchAccount);
  CHECK(m.run(t.guest, ReadProfile{AccountRef{"", 99}}).reply.error == errors::kNoSuchAccount);

  // The owner removes the follower: it is a reader like any other again.
  REQUIRE(m.run(t.alice, RemoveFollower{AccountRef{"fanny"}}).reply.ok());
  CHECK(seen(m, t.fan, "alice") == Seen{{"bio", "Maps and boats"}, {"languages", "en, de"}});
  CHECK(m.run(t.alice, RemoveFollower{AccountRef{"fanny"}}).reply.error == errors::kNotFollowing);
}

TEST_CASE("social: follower lists show each entry's card fields as the reader may see them", "[social]") {
  ThreeAudiences t;
  Model& m = t.m;
  REQUIRE(m.run(t.alice, Follow{AccountRef{"fanny"}}).reply.ok());  // alice appears in fanny's followers
  auto alice_in = [&](ClientId reader) {
    const AccountsPage p = page(m.run(reader, ListFollowers{AccountRef{"fanny"}}));
    REQUIRE(p.accounts.size() == 1);
    CHECK(p.accounts[0].username == "alice");
    return fields_of(p.accounts[0]);
  };
  using Seen = std::map<std::string, std::string>;
  // Cards carry the card fields only (not the bio), each by its audience.
  CHECK(alice_in(t.alice) == Seen{{"country", "DE"}, {"languages", "en, de"}, {"sex", "female"}});
  CHECK(alice_in(t.fan) == Seen{{"country", "DE"}, {"languages", "en, de"}});
  CHECK(alice_in(t.other) == Seen{{"languages", "en, de"}});
  CHECK(alice_in(t.guest) == Seen{{"languages", "en, de"}});
  // The other direction: who alice follows, and her own lists without naming her.
  CHECK(page(m.run(t.fan, ListFollowing{AccountRef{"alice"}})).accounts.at(0).username == "fanny");
  CHECK(page(m.run(t.alice, ListFollowers{})).accounts.at(0).username == "fanny");
  CHECK(m.run(t.guest, ListFollowers{}).reply.error == errors::kNotLoggedIn);
  CHECK(m.run(t.guest, ListFollowers{AccountRef{"nobody"}}).reply.error == errors::kNoSuchAccount);
}

TEST_CASE("social: a room's member list shows each logged-in member's card as the reader may see it", "[social][rooms]") {
  ThreeAudiences t;
  Model& m = t.m;
  CreateRoom harbour;
  harbour.name = "harbour";
  REQUIRE(m.run(t.alice, harbour).reply.ok());
  for (ClientId c : {t.fan, t.other, t.guest}) REQUIRE(m.run(c, JoinRoom{"harbour", std::nullopt, std::nullopt}).reply.ok());
  auto alice_in = [&](ClientId reader) {
    Decision d = m.run(reader, ListMembers{"harbour"});
    REQUIRE(d.reply.ok());
    const MembersReply r = d.reply.body.as<MembersReply>();
    CHECK(r.names == std::vector<std::string>{"alice", "fanny", "other", "guest"});
    REQUIRE(r.accounts.size() == 3);  // the guest has no account: a name only
    CHECK(r.accounts[1].first == 1);
    CHECK(r.accounts[1].second.username == "fanny");
    CHECK(r.accounts[0].first == 0);
    CHECK(r.accounts[0].second.username == "alice");
    CHECK(r.accounts[0].second.display_name == "The alice");
    return fields_of(r.accounts[0].second);
  };
  using Seen = std::map<std::string, std::string>;
  CHECK(alice_in(t.alice) == Seen{{"country", "DE"}, {"languages", "en, de"}, {"sex", "female"}});
  CHECK(alice_in(t.fan) == Seen{{"country", "DE"}, {"languages", "en, de"}});
  CHECK(alice_in(t.other) == Seen{{"languages", "en, de"}});
  CHECK(alice_in(t.guest) == Seen{{"languages", "en, de"}});
  // Logged out, a member is its name only (deactivating logs every client of the account out).
  REQUIRE(m.run(t.other, Logout{}).reply.ok());
  Decision after = m.run(t.guest, ListMembers{"harbour"});
  CHECK(after.reply.body.as<MembersReply>().accounts.size() == 2);
  Deactivate off;
  Deactivate::with_credential(off, "", 2, 1);
  REQUIRE(m.run(t.fan, off).reply.ok());
  CHECK(m.run(t.guest, ListMembers{"harbour"}).reply.body.as<MembersReply>().accounts.size() == 1);
}

TEST_CASE("social: followers hear of a public room an account creates and find it, but never a hidden one", "[social][rooms]") {
  ThreeAudiences t;  // fanny follows alice
  Model& m = t.m;
  CreateRoom harbour, secret, second;
  harbour.name = "harbour";
  secret.name = "lighthouse";
  secret.visibility = Visibility::kHidden;
  second.name = "boats";
  // The news, from the pushes of the last run.
  auto news = [&] {
    std::vector<std::pair<FollowedRoomCreatedPush, std::vector<ClientId>>> out;
    for (const auto& sent : m.pushes)
      if (const auto* p = sent.push.body.get_if<FollowedRoomCreatedPush>()) {
        std::vector<ClientId> to;
        for (const auto& r : sent.to) to.push_back(r.client);
        out.emplace_back(*p, to);
      }
    return out;
  };
  REQUIRE(m.run(t.alice, harbour).reply.ok());
  CHECK(news() == std::vector<std::pair<FollowedRoomCreatedPush, std::vector<ClientId>>>{{{1, 1, "harbour"}, {t.fan}}});
  REQUIRE(m.run(t.alice, secret).reply.ok());
  CHECK(news().empty());
  // A room by a client without an account, or by one nobody follows, is nobody's news.
  REQUIRE(m.run(t.guest, second).reply.ok());
  CHECK(news().empty());
  REQUIRE(m.run(t.other, CreateRoom{"quay"}).reply.ok());
  CHECK(news().empty());

  auto followed = [&](ClientId reader) {
    Decision d = m.run(reader, FollowedRooms{});
    REQUIRE(d.reply.ok());
    std::vector<std::pair<AccountId, std::string>> out;
    for (const auto& [account, listing] : d.reply.body.as<FollowedRoomsReply>().rooms) out.emplace_back(account, listing.name);
    return out;
  };
  using Rooms = std::vector<std::pair<AccountId, std::string>>;
  CHECK(followed(t.fan) == Rooms{{1, "harbour"}});  // not the hidden one
  CHECK(followed(t.other).empty());
  CHECK(followed(t.alice).empty());  // one does not follow oneself
  CHECK(m.run(t.guest, FollowedRooms{}).reply.error == errors::kNotLoggedIn);
  Decision after = m.run(t.fan, FollowedRooms{1});
  CHECK(after.reply.body.as<FollowedRoomsReply>().rooms.empty());  // paging: rooms after id 1
  // The room is listed while it lives and its creator's account is shown.
  REQUIRE(m.run(t.alice, DeleteRoom{"harbour"}).reply.ok());
  CHECK(followed(t.fan).empty());
  REQUIRE(m.run(t.alice, harbour).reply.ok());
  CHECK(followed(t.fan).size() == 1);
  Deactivate off;
  Deactivate::with_credential(off, "", 1, 1);
  REQUIRE(m.run(t.alice, off).reply.ok());
  CHECK(followed(t.fan).empty());
  // Purged, the account leaves no tie to its rooms: they live on, nobody's.
  m.now += m.limits.deactivation_grace_ms;
  REQUIRE(m.run(Command{Tick{}, kNoClient}).events.size() == 1);
  CHECK_FALSE(m.world.get<RoomsState>().by_owner_account.count(1));
  CHECK(m.world.get<RoomsState>().by_owner_account.count(3));  // other's quay is still other's
  for (const auto& [id, room] : m.world.get<RoomsState>().rooms) CHECK(room.owner_account != 1);
}

TEST_CASE("social: a search finds public values only, so it never tells a hidden one", "[social]") {
  ThreeAudiences t;
  Model& m = t.m;
  auto found = [&](ClientId reader, SearchAccounts s) {
    std::vector<std::string> names;
    for (const AccountCard& c : page(m.run(reader, std::move(s))).accounts) names.push_back(c.username);
    return names;
  };
  using Names = std::vector<std::string>;
  auto by = [](std::string field, std::string value) { return SearchAccounts{"", {{std::move(field), std::move(value)}}}; };
  CHECK(found(t.guest, by("languages", "de")) == Names{"alice"});
  CHECK(found(t.guest, by("languages", "DE, en")) == Names{"alice"});  // every item must match
  CHECK(found(t.guest, by("languages", "fr")).empty());
  // Her country is for followers and her sex private: no search finds them, not even a follower's.
  CHECK(found(t.fan, by("country", "DE")).empty());
  CHECK(found(t.alice, by("sex", "female")).empty());
  // Made public, it is found; made private again, it is not.
  REQUIRE(m.run(t.alice, set("country", std::nullopt, Audience::kPublic)).reply.ok());
  CHECK(found(t.guest, by("country", "de")) == Names{"alice"});
  REQUIRE(m.run(t.alice, set("country", std::nullopt, Audience::kPrivate)).reply.ok());
  CHECK(found(t.guest, by("country", "de")).empty());
  // The results' cards follow the audiences too: the guest sees only the public languages.
  const AccountsPage p = page(m.run(t.guest, by("languages", "en")));
  CHECK(fields_of(p.accounts.at(0)) == std::map<std::string, std::string>{{"languages", "en, de"}});

  CHECK(found(t.guest, SearchAccounts{"alice"}) == Names{"alice"});
  CHECK(found(t.guest, SearchAccounts{"nobody"}).empty());
  CHECK(m.run(t.guest, SearchAccounts{}).reply.error == errors::kInvalidSearch);
  CHECK(m.run(t.guest, by("bio", "maps")).reply.error == errors::kInvalidSearch);
  CHECK(m.run(t.guest, by("birth_date", "1990-01-01")).reply.error == errors::kInvalidSearch);
  CHECK(m.run(t.guest, by("country", "Germany")).reply.error == errors::kInvalidSearch);
}

TEST_CASE("social: a search by age uses public birth dates, to the day", "[social]") {
  Model m = dated_model();  // 2026-12-03
  const ClientId a = member(m, "older"), b = member(m, "young"), c = member(m, "secret");
  REQUIRE(m.run(a, set("birth_date", "1990-12-03", Audience::kPublic)).reply.ok());  // 36 today
  REQUIRE(m.run(b, set("birth_date", "1990-12-04", Audience::kPublic)).reply.ok());  // 35 until tomorrow
  REQUIRE(m.run(c, set("birth_date", "1990-06-01", Audience::kFollowers)).reply.ok());
  auto ages = [&](std::optional<std::uint64_t> min, std::optional<std::uint64_t> max) {
    SearchAccounts s;
    s.min_age = min;
    s.max_age = max;
    std::vector<std::string> names;
    for (const AccountCard& card : page(m.run(m.connect("g"), s)).accounts) names.push_back(card.username);
    return names;
  };
  using Names = std::vector<std::string>;
  CHECK(ages(36, 36) == Names{"older"});
  CHECK(ages(35, 35) == Names{"young"});
  CHECK(ages(30, std::nullopt) == Names{"older", "young"});
  CHECK(ages(std::nullopt, 20).empty());
  CHECK(m.run(m.connect("g"), SearchAccounts{"", {}, 40, 30}).reply.error == errors::kInvalidSearch);
  CHECK(m.run(m.connect("g"), SearchAccounts{"", {}, 0, 151}).reply.error == errors::kInvalidSearch);
  // With another criterion the age is checked on its candidates.
  REQUIRE(m.run(a, set("country", "NO", Audience::kPublic)).reply.ok());
  REQUIRE(m.run(b, set("country", "NO", Audience::kPublic)).reply.ok());
  SearchAccounts both{"", {{"country", "no"}}, 36, 40};
  CHECK(page(m.run(m.connect("g"), both)).accounts.size() == 1);
}

TEST_CASE("social: results and lists come in pages of 50, in id order", "[social]") {
  Model m = dated_model();
  const ClientId star = member(m, "star_1");
  for (int i = 0; i < 60; ++i) {
    const ClientId c = member(m, "fan_" + std::to_string(100 + i));
    REQUIRE(m.run(c, set("hobbies", "chess", Audience::kPublic)).reply.ok());
    REQUIRE(m.run(c, Follow{AccountRef{"star_1"}}).reply.ok());
  }
  const AccountsPage first = page(m.run(star, ListFollowers{}));
  REQUIRE(first.accounts.size() == kMaxListPage);
  CHECK(first.accounts.front().account == 2);
  CHECK(first.next_after == 51);
  const AccountsPage second = page(m.run(star, ListFollowers{AccountRef{}, first.next_after}));
  CHECK(second.accounts.size() == 10);
  CHECK(second.next_after == kNoAccount);
  SearchAccounts chess{"", {{"hobbies", "Chess"}}};
  chess.after = 55;
  CHECK(page(m.run(star, chess)).accounts.size() == 6);
}

TEST_CASE("social: follows have their rules", "[social]") {
  Model m = dated_model();
  m.limits.max_following = 2;
  const ClientId a = member(m, "alice");
  member(m, "bobby");
  member(m, "carol");
  member(m, "danny");
  CHECK(m.run(m.connect("x"), Follow{AccountRef{"bobby"}}).reply.error == errors::kNotLoggedIn);
  CHECK(m.run(a, Follow{AccountRef{"alice"}}).reply.error == errors::kSelfFollow);
  CHECK(m.run(a, Follow{AccountRef{"nobody"}}).reply.error == errors::kNoSuchAccount);
  Decision d = m.run(a, Follow{AccountRef{"bobby"}});
  REQUIRE(d.reply.ok());
  CHECK(d.events.at(0).as<Followed>() == Followed{1, 2, a});
  CHECK(m.run(a, Follow{AccountRef{"", 2}}).reply.error == errors::kAlreadyFollowing);
  REQUIRE(m.run(a, Follow{AccountRef{"carol"}}).reply.ok());
  CHECK(m.run(a, Follow{AccountRef{"danny"}}).reply.error == errors::kTooManyFollows);
  CHECK(m.run(a, Unfollow{AccountRef{"danny"}}).reply.error == errors::kNotFollowing);
  Decision u = m.run(a, Unfollow{AccountRef{"bobby"}});
  REQUIRE(u.reply.ok());
  CHECK(u.events.at(0).as<Unfollowed>() == Unfollowed{1, 2, a});
  CHECK_FALSE(accounts(m).follows(1, 2));
  REQUIRE(m.run(a, Follow{AccountRef{"danny"}}).reply.ok());
}

TEST_CASE("social: a deactivated account is found by nobody, and its purge leaves no tie", "[social]") {
  Model m = dated_model();
  m.limits.deactivation_grace_ms = 1000;
  const ClientId a = member(m, "alice"), b = member(m, "bobby");
  REQUIRE(m.run(a, set("country", "DE", Audience::kPublic)).reply.ok());
  REQUIRE(m.run(a, Follow{AccountRef{"bobby"}}).reply.ok());
  REQUIRE(m.run(b, Follow{AccountRef{"alice"}}).reply.ok());
  Deactivate deactivate;
  Deactivate::with_credential(deactivate, "", 1, 1);
  REQUIRE(m.run(a, deactivate).reply.ok());
  CHECK(m.run(b, ReadProfile{AccountRef{"alice"}}).reply.error == errors::kNoSuchAccount);
  CHECK(m.run(b, Follow{AccountRef{"alice"}}).reply.error == errors::kNoSuchAccount);
  CHECK(page(m.run(b, ListFollowers{})).accounts.empty());
  CHECK(page(m.run(b, SearchAccounts{"", {{"country", "DE"}}})).accounts.empty());

  m.now += 1000;
  REQUIRE(m.run(Command{Tick{}, kNoClient}).events.at(0).is<AccountPurged>());
  CHECK(accounts(m).following.empty());
  CHECK(accounts(m).followers.empty());
  CHECK(accounts(m).by_term.empty());
}

TEST_CASE("social: apply refuses what no rule would have decided", "[social]") {
  Model m = dated_model();
  const ClientId a = member(m, "alice"), b = member(m, "bobby");
  auto refused = [&](Payload p) { CHECK_FALSE(projections::apply(m.world, Event{m.world.last_seq + 1, m.now, std::move(p)}).ok()); };
  refused(ProfileFieldSet{1, b, "bio", "sealed", Audience::kPublic, ""});     // another's client
  refused(ProfileFieldSet{1, a, "bio", "", Audience::kPublic, ""});           // no value
  refused(ProfileFieldSet{1, a, "bio", "sealed", Audience::kPrivate, "abc"});  // a hidden value indexed
  refused(ProfileFieldCleared{1, a, "bio"});                                   // not set
  refused(Followed{1, 1, a});
  refused(Followed{1, 9, a});
  refused(Followed{1, 2, b});
  refused(Unfollowed{1, 2, a});  // not following
  REQUIRE(m.run(a, Follow{AccountRef{"bobby"}}).reply.ok());
  refused(Followed{1, 2, a});   // twice
  const ClientId c = m.connect("c");
  refused(Unfollowed{1, 2, c});  // neither side's client
}

TEST_CASE("social: a World with profiles, terms and follows survives its snapshot codec", "[social]") {
  ThreeAudiences t;
  REQUIRE(t.m.run(t.alice, Follow{AccountRef{"other"}}).reply.ok());
  const std::string bytes = encode_world(t.m.world);
  World back;
  REQUIRE(decode_world(bytes, back).ok());
  CHECK(back.hash() == t.m.world.hash());
  CHECK(back.get<AccountsState>().following == accounts(t.m).following);
  CHECK(back.get<AccountsState>().by_term == accounts(t.m).by_term);
  CHECK(back.get<AccountsState>().find(1)->profile == accounts(t.m).find(1)->profile);
}
