// The accounts domain's social rules (core/accounts/social.hpp). Every field shown to anyone goes
// through visible_fields, which asks AccountsState::may_see: one rule for every path.
#include "core/accounts/social.hpp"

#include <algorithm>

#include "core/accounts/access.hpp"
#include "core/accounts/profile.hpp"
#include "core/base/civil_date.hpp"

namespace chatd {
namespace {

using namespace chatd::events;
using namespace chatd::accounts;
using projections::Account;
using projections::AccountsState;
using projections::ProfileField;

std::string profile_context(std::string_view field) { return "profile/" + std::string(field); }

Reply no_such_account() { return Reply::failure(errors::kNoSuchAccount, "no account has that username or id"); }

// The account a reference names, with its key; null if there is none, or if it is deactivated
// (it asked to be deleted: nobody finds it) unless `deactivated_too`.
struct Target {
  AccountId id = kNoAccount;
  const Account* account = nullptr;
  const SealKey* key = nullptr;
};
std::optional<Target> find_target(const projections::World& w, const AccountRef& ref, const Context& ctx,
                                  bool deactivated_too = false) {
  const AccountsState& s = w.get<AccountsState>();
  AccountId id = ref.account;
  if (id == kNoAccount) {
    const SealKey* index = index_key(ctx);
    if (!index || ref.username.empty()) return std::nullopt;
    id = s.by_username_index(blind_index(*index, "username", ref.username));
  }
  const Account* a = s.find(id);
  const SealKey* key = a ? account_key(ctx, id) : nullptr;
  if (!key || (a->purge_at && !deactivated_too)) return std::nullopt;
  return Target{id, a, key};
}

// The account the actor reads as: its login's, or none.
AccountId reader_of(const projections::World& w, ClientId actor) {
  const projections::AccountLogin* login = w.get<AccountsState>().login_of(actor);
  return login ? login->account : kNoAccount;
}

// The fields of `t` that `reader` may see, opened, in the table's order (card_only: those lists show).
std::vector<ProfileEntry> visible_fields(const AccountsState& s, const Target& t, AccountId reader, bool card_only) {
  const AccountSeal sealed(*t.key, t.id);
  std::vector<ProfileEntry> out;
  for (const ProfileFieldRule& rule : profile_field_rules()) {
    if (card_only && !rule.on_card) continue;
    auto it = t.account->profile.find(std::string(rule.name));
    if (it == t.account->profile.end() || !s.may_see(t.id, reader, it->second.visibility)) continue;
    out.push_back(ProfileEntry{std::string(rule.name), sealed.open(profile_context(rule.name), it->second.value), it->second.visibility});
  }
  return out;
}

AccountCard card_of(const AccountsState& s, const Target& t, AccountId reader) {
  const AccountSeal sealed(*t.key, t.id);
  return AccountCard{t.id, sealed.open("username", t.account->username), sealed.open("display_name", t.account->display_name),
                     visible_fields(s, t, reader, true)};
}

// The target of a list or a search's candidate: listed only if it exists, has its key and is not deactivated.
std::optional<Target> listable(const projections::World& w, AccountId id, const Context& ctx) {
  return find_target(w, AccountRef{"", id}, ctx);
}

// A page of cards, in id order after `after`: `next(id)` is the first candidate after id
// (kNoAccount: none), `keep` whether a candidate is shown.
template <class Next, class Keep>
AccountsPage page_of(const projections::World& w, Next&& next, AccountId after, AccountId reader, const Context& ctx, Keep&& keep) {
  const AccountsState& s = w.get<AccountsState>();
  AccountsPage page;
  for (AccountId id = next(after); id != kNoAccount; id = next(id)) {
    const std::optional<Target> t = listable(w, id, ctx);
    if (!t || !keep(*t)) continue;
    if (page.accounts.size() == kMaxListPage) {
      page.next_after = page.accounts.back().account;
      break;
    }
    page.accounts.push_back(card_of(s, *t, reader));
  }
  return page;
}

// The first of `ids` after `id`, for page_of.
auto after_in(const std::set<AccountId>& ids) {
  return [&ids](AccountId id) {
    auto it = ids.upper_bound(id);
    return it == ids.end() ? kNoAccount : *it;
  };
}

std::string term_index(const SealKey& index, std::string_view term) { return blind_index(index, "term", term); }

Reply with_body(auto body) {
  Reply reply;
  reply.body = std::move(body);
  return reply;
}

}  // namespace

bool account_shown(const projections::World& w, AccountId account, const Context& ctx) { return listable(w, account, ctx).has_value(); }

std::optional<AccountCard> card_of_client(const projections::World& w, ClientId member, ClientId reader, const Context& ctx) {
  const projections::AccountLogin* login = w.get<AccountsState>().login_of(member);
  if (!login) return std::nullopt;
  const std::optional<Target> t = listable(w, login->account, ctx);
  if (!t) return std::nullopt;
  return card_of(w.get<AccountsState>(), *t, reader_of(w, reader));
}

Reply SetProfileField::decide(const projections::World& w, ClientId actor, const SetProfileField& c, const Context& ctx, Decided& out) {
  const Own own = own_account(w, actor, ctx);
  if (own.refused) return *own.refused;
  const ProfileFieldRule* rule = find_profile_field(c.field);
  if (!rule) return Reply::failure(errors::kInvalidProfileField, "a profile has no field '" + c.field + "'");
  if (!c.value && !c.visibility) return Reply::failure(errors::kInvalidProfileValue, "set a value, a visibility or both");
  const SealKey* index = index_key(ctx);
  if (!index) return no_index_key();
  const AccountSeal sealed(*own.key, own.login->account);
  auto existing = own.account->profile.find(c.field);
  const ProfileField* current = existing == own.account->profile.end() ? nullptr : &existing->second;
  if (!c.value && !current) return Reply::failure(errors::kNotSet, "the field '" + c.field + "' has no value to keep");

  std::string value;
  if (c.value) {
    ProfileValue canonical = canonical_profile_value(*rule, *c.value, ctx.now);
    if (!canonical.problem.empty()) return Reply::failure(errors::kInvalidProfileValue, canonical.problem);
    value = std::move(canonical.value);
  } else {
    value = sealed.open(profile_context(c.field), current->value);
  }
  const Audience visibility = c.visibility ? *c.visibility : current ? current->visibility : Audience::kPrivate;
  if (current && visibility == current->visibility && value == sealed.open(profile_context(c.field), current->value))
    return Reply::failure(errors::kUnchanged, "the field has that value and visibility already");

  std::string terms;
  if (visibility == Audience::kPublic)
    for (const std::string& term : profile_search_terms(*rule, value)) terms += (terms.empty() ? "" : " ") + term_index(*index, term);
  // A kept value keeps its sealed bytes: nothing new to seal.
  std::string stored = c.value ? sealed.seal(ctx.secret_random(), profile_context(c.field), value) : current->value;
  out.push_back(ProfileFieldSet{own.login->account, actor, c.field, std::move(stored), visibility, std::move(terms)});
  return with_body(ProfileEntry{c.field, std::move(value), visibility});
}

Reply ClearProfileField::decide(const projections::World& w, ClientId actor, const ClearProfileField& c, const Context& ctx, Decided& out) {
  const Own own = own_account(w, actor, ctx);
  if (own.refused) return *own.refused;
  if (!find_profile_field(c.field)) return Reply::failure(errors::kInvalidProfileField, "a profile has no field '" + c.field + "'");
  if (!own.account->profile.count(c.field)) return Reply::failure(errors::kNotSet, "the field '" + c.field + "' is not set");
  return accept(out, ProfileFieldCleared{own.login->account, actor, c.field});
}

Reply ReadProfile::decide(const projections::World& w, ClientId actor, const ReadProfile& c, const Context& ctx, Decided&) {
  if (!connected(w, actor)) return not_connected();
  const std::optional<Target> t = find_target(w, c.who, ctx);
  if (!t) return no_such_account();
  const AccountsState& s = w.get<AccountsState>();
  const AccountId reader = reader_of(w, actor);
  const AccountSeal sealed(*t->key, t->id);
  ProfileReply r{t->id, sealed.open("username", t->account->username), sealed.open("display_name", t->account->display_name),
                 0, 0, false, false, visible_fields(s, *t, reader, false)};
  if (auto it = s.followers.find(t->id); it != s.followers.end()) r.followers = it->second.size();
  if (auto it = s.following.find(t->id); it != s.following.end()) r.following = it->second.size();
  r.you_follow = s.follows(reader, t->id);
  r.follows_you = s.follows(t->id, reader);
  return with_body(std::move(r));
}

Reply Follow::decide(const projections::World& w, ClientId actor, const Follow& c, const Context& ctx, Decided& out) {
  const Own own = own_account(w, actor, ctx);
  if (own.refused) return *own.refused;
  const std::optional<Target> t = find_target(w, c.who, ctx);
  if (!t) return no_such_account();
  const AccountId self = own.login->account;
  if (t->id == self) return Reply::failure(errors::kSelfFollow, "an account does not follow itself");
  const AccountsState& s = w.get<AccountsState>();
  if (s.follows(self, t->id)) return Reply::failure(errors::kAlreadyFollowing, "you follow that account already");
  if (auto it = s.following.find(self); it != s.following.end() && it->second.size() >= ctx.limits.max_following)
    return Reply::failure(errors::kTooManyFollows, "you follow as many accounts as you may: unfollow one first");
  return accept(out, Followed{self, t->id, actor});
}

Reply Unfollow::decide(const projections::World& w, ClientId actor, const Unfollow& c, const Context& ctx, Decided& out) {
  const Own own = own_account(w, actor, ctx);
  if (own.refused) return *own.refused;
  const std::optional<Target> t = find_target(w, c.who, ctx, true);
  if (!t) return no_such_account();
  if (!w.get<AccountsState>().follows(own.login->account, t->id))
    return Reply::failure(errors::kNotFollowing, "you do not follow that account");
  return accept(out, Unfollowed{own.login->account, t->id, actor});
}

Reply RemoveFollower::decide(const projections::World& w, ClientId actor, const RemoveFollower& c, const Context& ctx, Decided& out) {
  const Own own = own_account(w, actor, ctx);
  if (own.refused) return *own.refused;
  const std::optional<Target> t = find_target(w, c.who, ctx, true);
  if (!t) return no_such_account();
  if (!w.get<AccountsState>().follows(t->id, own.login->account))
    return Reply::failure(errors::kNotFollowing, "that account does not follow you");
  return accept(out, Unfollowed{t->id, own.login->account, actor});
}

namespace {

// Whose list a follow listing shows: the named account, or (none named) the reader's own.
Reply list_follows(const projections::World& w, ClientId actor, const AccountRef& who, AccountId after, const Context& ctx,
                   const std::map<AccountId, std::set<AccountId>>& edges) {
  if (!connected(w, actor)) return not_connected();
  const AccountId reader = reader_of(w, actor);
  AccountId whose = kNoAccount;
  if (who.username.empty() && who.account == kNoAccount) {
    if (reader == kNoAccount) return not_logged_in();
    whose = reader;
  } else {
    const std::optional<Target> t = find_target(w, who, ctx);
    if (!t) return no_such_account();
    whose = t->id;
  }
  static const std::set<AccountId> kNone;
  auto it = edges.find(whose);
  return with_body(page_of(w, after_in(it == edges.end() ? kNone : it->second), after, reader, ctx, [](const Target&) { return true; }));
}

}  // namespace

Reply ListFollowers::decide(const projections::World& w, ClientId actor, const ListFollowers& c, const Context& ctx, Decided&) {
  return list_follows(w, actor, c.who, c.after, ctx, w.get<AccountsState>().followers);
}

Reply ListFollowing::decide(const projections::World& w, ClientId actor, const ListFollowing& c, const Context& ctx, Decided&) {
  return list_follows(w, actor, c.who, c.after, ctx, w.get<AccountsState>().following);
}

namespace {

constexpr std::uint64_t kMaxSearchAge = 150;

Reply invalid_search(std::string why) { return Reply::failure(errors::kInvalidSearch, std::move(why)); }

// Whole years from `birth` (YYYY-MM-DD) to `today`.
std::int64_t age_on(std::string_view birth, const CivilDate& today) {
  const CivilDate b{std::stoll(std::string(birth.substr(0, 4))), static_cast<unsigned>(std::stoul(std::string(birth.substr(5, 2)))),
                    static_cast<unsigned>(std::stoul(std::string(birth.substr(8, 2))))};
  std::int64_t age = today.year - b.year;
  if (today.month < b.month || (today.month == b.month && today.day < b.day)) --age;
  return age;
}

}  // namespace

// Candidates come from the smallest set every criterion shares (an exact username's account, or
// a term's accounts), or, for an age alone, from the birth years' sets merged in id order; each
// is then checked against every criterion, its age exactly, from its public birth date.
Reply SearchAccounts::decide(const projections::World& w, ClientId actor, const SearchAccounts& c, const Context& ctx, Decided&) {
  if (!connected(w, actor)) return not_connected();
  if (c.username.empty() && c.criteria.empty() && !c.min_age && !c.max_age)
    return invalid_search("give a username, a searchable field or an age");
  const SealKey* index = index_key(ctx);
  if (!index) return no_index_key();
  const AccountsState& s = w.get<AccountsState>();
  const std::uint64_t min_age = c.min_age.value_or(0), max_age = c.max_age.value_or(kMaxSearchAge);
  if (min_age > max_age || max_age > kMaxSearchAge) return invalid_search("ages from 0 to 150, the least first");

  static const std::set<AccountId> kNone;
  std::set<AccountId> by_username;
  std::vector<const std::set<AccountId>*> all_of;
  if (!c.username.empty()) {
    if (const AccountId id = s.by_username_index(blind_index(*index, "username", c.username)); id != kNoAccount) by_username.insert(id);
    all_of.push_back(&by_username);
  }
  for (const auto& [field, value] : c.criteria) {
    const ProfileFieldRule* rule = find_profile_field(field);
    if (!rule || !rule->searchable || rule->kind == ProfileKind::kDate) return invalid_search("no search by '" + field + "'");
    const ProfileValue canonical = canonical_profile_value(*rule, value, ctx.now);
    if (!canonical.problem.empty()) return invalid_search(canonical.problem);
    for (const std::string& term : profile_search_terms(*rule, canonical.value)) {
      auto it = s.by_term.find(term_index(*index, term));
      all_of.push_back(it == s.by_term.end() ? &kNone : &it->second);
    }
  }
  const bool by_age = c.min_age || c.max_age;
  const CivilDate today = civil_date_of(ctx.now);
  auto keep = [&](const Target& t) {
    for (const auto* set : all_of)
      if (!set->count(t.id)) return false;
    if (!by_age) return true;
    auto birth = t.account->profile.find("birth_date");
    if (birth == t.account->profile.end() || birth->second.visibility != Audience::kPublic) return false;
    const std::string date = AccountSeal(*t.key, t.id).open(profile_context("birth_date"), birth->second.value);
    if (date.size() != 10) return false;  // never so while its key exists: it was checked when set
    const std::int64_t age = age_on(date, today);
    return age >= static_cast<std::int64_t>(min_age) && age <= static_cast<std::int64_t>(max_age);
  };
  const AccountId reader = reader_of(w, actor);
  if (!all_of.empty()) {
    const auto* smallest = *std::min_element(all_of.begin(), all_of.end(), [](auto* a, auto* b) { return a->size() < b->size(); });
    return with_body(page_of(w, after_in(*smallest), c.after, reader, ctx, keep));
  }
  // An age alone: the accounts of the birth years it spans, merged in id order (a page costs
  // its length times the years' count of lookups, never a walk over every account).
  std::vector<const std::set<AccountId>*> years;
  for (std::int64_t y = today.year - static_cast<std::int64_t>(max_age) - 1; y <= today.year - static_cast<std::int64_t>(min_age); ++y)
    if (auto it = s.by_term.find(term_index(*index, "birth_year:" + std::to_string(y))); it != s.by_term.end())
      years.push_back(&it->second);
  auto next = [&](AccountId id) {
    AccountId first = kNoAccount;
    for (const auto* year : years)
      if (auto it = year->upper_bound(id); it != year->end() && (first == kNoAccount || *it < first)) first = *it;
    return first;
  };
  return with_body(page_of(w, next, c.after, reader, ctx, keep));
}

}  // namespace chatd
