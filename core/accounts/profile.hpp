// An account's profile: a fixed set of named fields (Rooms' account fields), each with its rule, a
// size limit, and whether a search can find it or lists show it. Not free JSON: a client can store
// only these, in their canonical form, so that every reader sees the same text and every limit
// holds. Each field's value also has its audience (events/accounts/social.hpp), set by its owner.
// Thread-safety: constants and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/ids.hpp"

namespace chatd {

enum class ProfileKind : std::uint8_t {
  kText,       // one line of text (the name rules' characters), at most max_chars
  kLongText,   // text with line breaks, at most max_chars
  kUrl,        // an https URL with a host, at most max_chars bytes
  kPhone,      // digits with an optional leading '+', spaces, '-', '(' and ')': 4 to 20 digits
  kDate,       // YYYY-MM-DD, a real day from 1900-01-01 to today
  kChoice,     // one of `choices`
  kChoices,    // some of `choices`, comma-separated, each at most once
  kList,       // up to max_items comma-separated items of one line, each at most max_chars
  kLanguages,  // up to max_items ISO 639 codes (2-3 lowercase letters), comma-separated
  kCountry,    // an ISO 3166-1 alpha-2 code (two uppercase letters)
  kNumber,     // a whole number from min to max
};

struct ProfileFieldRule {
  std::string_view name;
  ProfileKind kind = ProfileKind::kText;
  std::size_t max_chars = 0;
  std::size_t max_items = 1;
  std::int64_t min = 0, max = 0;
  std::span<const std::string_view> choices = {};
  bool searchable = false;  // a public value is indexed: search_accounts finds it
  bool on_card = false;     // shown where accounts are listed (search, followers), not only in the profile
};

// Every field, in the order a profile lists them.
std::span<const ProfileFieldRule> profile_field_rules();
const ProfileFieldRule* find_profile_field(std::string_view name);

// `value` in its canonical form for `rule` (lists as "a, b", codes' letters in their case), or
// the problem in words. `now` bounds dates.
struct ProfileValue {
  std::string value;
  std::string problem;  // "": good
};
ProfileValue canonical_profile_value(const ProfileFieldRule& rule, std::string_view value, TimeMs now);

// The search terms a canonical value is found by ("country:de", "language:en", "hobby:chess",
// "sex:female", "birth_year:1990"); none for a field that is not searchable.
std::vector<std::string> profile_search_terms(const ProfileFieldRule& rule, std::string_view canonical);

// The most accounts one search or one page of a list returns.
inline constexpr std::size_t kMaxListPage = 50;

}  // namespace chatd
