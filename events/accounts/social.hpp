// The accounts domain's social events: profile fields with who may see each, and follows. Part of
// the domain's event list (events/accounts/events.hpp).
//
// A profile field's value is sealed under the account's key, like the rest of its personal data;
// its name and its audience are not personal data and are stored as they are. A public field a
// search can find (core/accounts/profile.hpp says which) also records the blind indexes of its
// search terms under the server's index key: only public values are ever indexed, so a search can
// never tell a follower-only or private value.
// Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include "events/event.hpp"

namespace chatd::events {

using AccountId = std::uint64_t;

// Who may read a profile field: anyone (even without an account), the accounts that follow its
// owner (and the owner), or the owner only.
enum class Audience : std::uint8_t { kPublic = 0, kFollowers = 1, kPrivate = 2 };

template <>
struct EnumNames<Audience> {
  static constexpr std::string_view kWhat = "visibility";
  static constexpr std::array<std::pair<Audience, const char*>, 3> kNames{{
      {Audience::kPublic, "public"},
      {Audience::kFollowers, "followers"},
      {Audience::kPrivate, "private"},
  }};
};

// `by`, logged in as `account`, set its profile field `name` (logged as "field") to `value` (sealed), readable by
// `visibility`. `terms`: the blind indexes of its search terms, space-separated ("" unless the
// field is public and searchable).
struct ProfileFieldSet {
  static constexpr std::string_view kType = "profile_field_set";
  AccountId account = 0;
  ClientId by = kNoClient;
  std::string name;
  std::string value;  // sealed
  Audience visibility = Audience::kPrivate;
  std::string terms;
  static constexpr auto fields() {
    return std::tuple{field<&ProfileFieldSet::account>("account"), field<&ProfileFieldSet::by>("by", Role::kClient),
                      field<&ProfileFieldSet::name>("field"), field<&ProfileFieldSet::value>("value"),
                      field<&ProfileFieldSet::visibility>("visibility"),
                      field<&ProfileFieldSet::terms>("terms", FieldOptions{.omit_when_empty = true})};
  }
  bool operator==(const ProfileFieldSet&) const = default;
};

// `by`, logged in as `account`, removed its profile field `name` (logged as "field").
struct ProfileFieldCleared {
  static constexpr std::string_view kType = "profile_field_cleared";
  AccountId account = 0;
  ClientId by = kNoClient;
  std::string name;
  static constexpr auto fields() {
    return std::tuple{field<&ProfileFieldCleared::account>("account"), field<&ProfileFieldCleared::by>("by", Role::kClient),
                      field<&ProfileFieldCleared::name>("field")};
  }
  bool operator==(const ProfileFieldCleared&) const = default;
};

// `by`, logged in as `follower`, follows `followee` from now on.
struct Followed {
  static constexpr std::string_view kType = "followed";
  AccountId follower = 0;
  AccountId followee = 0;
  ClientId by = kNoClient;
  static constexpr auto fields() {
    return std::tuple{field<&Followed::follower>("follower"), field<&Followed::followee>("followee"),
                      field<&Followed::by>("by", Role::kClient)};
  }
  bool operator==(const Followed&) const = default;
};

// `follower` follows `followee` no more: `by` is logged in as the follower (an unfollow) or as the
// followee (who removed a follower).
struct Unfollowed {
  static constexpr std::string_view kType = "unfollowed";
  AccountId follower = 0;
  AccountId followee = 0;
  ClientId by = kNoClient;
  static constexpr auto fields() {
    return std::tuple{field<&Unfollowed::follower>("follower"), field<&Unfollowed::followee>("followee"),
                      field<&Unfollowed::by>("by", Role::kClient)};
  }
  bool operator==(const Unfollowed&) const = default;
};

}  // namespace chatd::events
