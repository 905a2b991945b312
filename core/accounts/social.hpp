// The accounts domain's social commands: an account's profile (set, clear, read), follows (follow,
// unfollow, remove a follower, the lists) and the search for accounts. Every read goes through one
// rule, AccountsState::may_see: a field reaches a reader only if its audience includes the reader,
// whichever command shows it (a profile, a search's results, a follower list).
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/command.hpp"
#include "core/decide.hpp"
#include "events/accounts/events.hpp"

namespace chatd {

// Which account a command is about: by username, or by id when `account` is not 0.
struct AccountRef {
  std::string username;
  events::AccountId account = events::kNoAccount;
  bool operator==(const AccountRef&) const = default;
};

// Sets one profile field of one's account: its value (canonicalized by the field's rule), its
// audience, or both. A new field without an audience is private: nothing is shown that its owner
// did not choose to show.
struct SetProfileField {
  static constexpr std::string_view kName = "set_profile";
  static constexpr CommandTraits kTraits{};
  std::string field;
  std::optional<std::string> value;  // absent: keep it (the field must be set)
  std::optional<events::Audience> visibility;  // absent: keep it (a new field: private)
  static Reply decide(const projections::World& w, ClientId actor, const SetProfileField& c, const Context& ctx, Decided& out);
  bool operator==(const SetProfileField&) const = default;
};

struct ClearProfileField {
  static constexpr std::string_view kName = "clear_profile";
  static constexpr CommandTraits kTraits{};
  std::string field;
  static Reply decide(const projections::World& w, ClientId actor, const ClearProfileField& c, const Context& ctx, Decided& out);
  bool operator==(const ClearProfileField&) const = default;
};

// Reads an account's profile as the actor may see it (a client without an account: public fields).
struct ReadProfile {
  static constexpr std::string_view kName = "profile";
  static constexpr CommandTraits kTraits{};
  AccountRef who;
  static Reply decide(const projections::World& w, ClientId actor, const ReadProfile& c, const Context& ctx, Decided& out);
  bool operator==(const ReadProfile&) const = default;
};

struct Follow {
  static constexpr std::string_view kName = "follow";
  static constexpr CommandTraits kTraits{};
  AccountRef who;
  static Reply decide(const projections::World& w, ClientId actor, const Follow& c, const Context& ctx, Decided& out);
  bool operator==(const Follow&) const = default;
};

struct Unfollow {
  static constexpr std::string_view kName = "unfollow";
  static constexpr CommandTraits kTraits{};
  AccountRef who;
  static Reply decide(const projections::World& w, ClientId actor, const Unfollow& c, const Context& ctx, Decided& out);
  bool operator==(const Unfollow&) const = default;
};

// Stops `who` following one's account: what a follower-only field shows is the owner's to decide.
struct RemoveFollower {
  static constexpr std::string_view kName = "remove_follower";
  static constexpr CommandTraits kTraits{};
  AccountRef who;
  static Reply decide(const projections::World& w, ClientId actor, const RemoveFollower& c, const Context& ctx, Decided& out);
  bool operator==(const RemoveFollower&) const = default;
};

// One page of an account's followers, or of the accounts it follows (in id order, after `after`).
// Anyone may list them, as on Rooms; each entry shows what the reader may see of it.
struct ListFollowers {
  static constexpr std::string_view kName = "followers";
  static constexpr CommandTraits kTraits{};
  AccountRef who;  // empty: one's own
  events::AccountId after = events::kNoAccount;
  static Reply decide(const projections::World& w, ClientId actor, const ListFollowers& c, const Context& ctx, Decided& out);
  bool operator==(const ListFollowers&) const = default;
};

struct ListFollowing {
  static constexpr std::string_view kName = "following";
  static constexpr CommandTraits kTraits{};
  AccountRef who;
  events::AccountId after = events::kNoAccount;
  static Reply decide(const projections::World& w, ClientId actor, const ListFollowing& c, const Context& ctx, Decided& out);
  bool operator==(const ListFollowing&) const = default;
};

// Finds accounts by an exact username and by the public values of searchable profile fields
// (core/accounts/profile.hpp), and by age (a public birth date's year). Every criterion must hold.
// Only public values are indexed, so a search never tells a follower-only or private value.
struct SearchAccounts {
  static constexpr std::string_view kName = "search_accounts";
  static constexpr CommandTraits kTraits{};
  std::string username;
  std::vector<std::pair<std::string, std::string>> criteria;  // (searchable field, value)
  std::optional<std::uint64_t> min_age, max_age;
  events::AccountId after = events::kNoAccount;
  static Reply decide(const projections::World& w, ClientId actor, const SearchAccounts& c, const Context& ctx, Decided& out);
  bool operator==(const SearchAccounts&) const = default;
};

// ---- reply bodies ------------------------------------------------------------------------------

struct ProfileEntry {
  std::string field;
  std::string value;
  events::Audience visibility = events::Audience::kPrivate;
  bool operator==(const ProfileEntry&) const = default;
};

struct ProfileReply {
  events::AccountId account = events::kNoAccount;
  std::string username;
  std::string display_name;
  std::uint64_t followers = 0, following = 0;
  bool you_follow = false, follows_you = false;  // the reader's follows, when it has an account
  std::vector<ProfileEntry> fields;              // in the order of the field table
  bool operator==(const ProfileReply&) const = default;
};

// An account where accounts are listed: its names and the card fields the reader may see.
struct AccountCard {
  events::AccountId account = events::kNoAccount;
  std::string username;
  std::string display_name;
  std::vector<ProfileEntry> fields;
  bool operator==(const AccountCard&) const = default;
};

// The card of the account client `member` is logged in as (none: no login, or its account is
// deactivated), with the card fields client `reader` may see: how other domains show an account
// (a room's member list).
std::optional<AccountCard> card_of_client(const projections::World& w, ClientId member, ClientId reader, const Context& ctx);

// Whether other domains may show `account` (it exists and is not deactivated).
bool account_shown(const projections::World& w, events::AccountId account, const Context& ctx);

struct AccountsPage {
  std::vector<AccountCard> accounts;  // in id order
  events::AccountId next_after = events::kNoAccount;  // pass as `after` for the next page; 0: no more
  bool operator==(const AccountsPage&) const = default;
};

}  // namespace chatd
