// How the accounts domain follows its social events: profile fields and their search terms, and
// follows.
#include "projections/accounts/social.hpp"

#include "projections/domain.hpp"

namespace chatd::projections {
namespace {

using namespace chatd::events;

// Calls fn on each blind index of a field's space-separated `terms`.
template <class Fn>
void for_each_term(const std::string& terms, Fn&& fn) {
  for (std::size_t start = 0; start < terms.size();) {
    std::size_t space = terms.find(' ', start);
    if (space == std::string::npos) space = terms.size();
    if (space > start) fn(terms.substr(start, space - start));
    start = space + 1;
  }
}

void index_terms(AccountsState& s, AccountId id, const std::string& terms) {
  for_each_term(terms, [&](const std::string& term) { s.by_term[term].insert(id); });
}

void unindex_terms(AccountsState& s, AccountId id, const std::string& terms) {
  for_each_term(terms, [&](const std::string& term) {
    auto it = s.by_term.find(term);
    if (it == s.by_term.end()) return;
    it->second.erase(id);
    if (it->second.empty()) s.by_term.erase(it);
  });
}

Status apply_profile_field_set(World& w, const Event& e, const ProfileFieldSet& p) {
  AccountsState& s = w.get<AccountsState>();
  Account* account = s.logged_in_as(p.by, p.account);
  if (!account) return impossible(e, "only the account's own client sets its profile");
  if (p.name.empty() || p.value.empty()) return impossible(e, "a profile field has a name and a sealed value");
  if (!p.terms.empty() && p.visibility != Audience::kPublic) return impossible(e, "only a public value is searchable");
  ProfileField& field = account->profile[p.name];
  unindex_terms(s, p.account, field.terms);
  field = ProfileField{p.value, p.visibility, p.terms};
  index_terms(s, p.account, field.terms);
  return Status::Ok();
}

Status apply_profile_field_cleared(World& w, const Event& e, const ProfileFieldCleared& p) {
  AccountsState& s = w.get<AccountsState>();
  Account* account = s.logged_in_as(p.by, p.account);
  if (!account) return impossible(e, "only the account's own client clears its profile");
  auto field = account->profile.find(p.name);
  if (field == account->profile.end()) return impossible(e, "the profile field is not set");
  unindex_terms(s, p.account, field->second.terms);
  account->profile.erase(field);
  return Status::Ok();
}

void add_follow(AccountsState& s, AccountId follower, AccountId followee) {
  s.following[follower].insert(followee);
  s.followers[followee].insert(follower);
}

void remove_one(std::map<AccountId, std::set<AccountId>>& edges, AccountId from, AccountId to) {
  auto it = edges.find(from);
  if (it == edges.end()) return;
  it->second.erase(to);
  if (it->second.empty()) edges.erase(it);
}

void remove_follow(AccountsState& s, AccountId follower, AccountId followee) {
  remove_one(s.following, follower, followee);
  remove_one(s.followers, followee, follower);
}

Status apply_followed(World& w, const Event& e, const Followed& p) {
  AccountsState& s = w.get<AccountsState>();
  if (!s.logged_in_as(p.by, p.follower)) return impossible(e, "only the follower's own client follows");
  if (p.followee == p.follower || !s.find(p.followee)) return impossible(e, "an account follows another that exists");
  if (s.follows(p.follower, p.followee)) return impossible(e, "it follows that account already");
  add_follow(s, p.follower, p.followee);
  return Status::Ok();
}

Status apply_unfollowed(World& w, const Event& e, const Unfollowed& p) {
  AccountsState& s = w.get<AccountsState>();
  if (!s.follows(p.follower, p.followee)) return impossible(e, "it does not follow that account");
  const AccountLogin* login = s.login_of(p.by);
  if (!login || (login->account != p.follower && login->account != p.followee))
    return impossible(e, "only a client of the follower or of the followee ends a follow");
  remove_follow(s, p.follower, p.followee);
  return Status::Ok();
}

}  // namespace

void erase_social(AccountsState& s, AccountId id, const Account& account) {
  for (const auto& [name, field] : account.profile) unindex_terms(s, id, field.terms);
  if (auto it = s.following.find(id); it != s.following.end()) {
    for (AccountId followee : it->second) remove_one(s.followers, followee, id);
    s.following.erase(it);
  }
  if (auto it = s.followers.find(id); it != s.followers.end()) {
    for (AccountId follower : it->second) remove_one(s.following, follower, id);
    s.followers.erase(it);
  }
}

void add_social_projection(Projections& p) {
  p.apply<&apply_profile_field_set>();
  p.apply<&apply_profile_field_cleared>();
  p.apply<&apply_followed>();
  p.apply<&apply_unfollowed>();
}

}  // namespace chatd::projections
