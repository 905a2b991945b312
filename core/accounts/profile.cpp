// The profile fields and their rules (core/accounts/profile.hpp).
#include "core/accounts/profile.hpp"

#include <algorithm>
#include <charconv>

#include "core/base/civil_date.hpp"
#include "core/base/text_rules.hpp"

namespace chatd {
namespace {

constexpr std::string_view kSexes[] = {"female", "male", "intersex", "other"};
constexpr std::string_view kInterests[] = {"men", "women", "nonbinary"};
constexpr std::string_view kMaritalStatuses[] = {"single",   "in_relationship", "engaged", "married",
                                                 "separated", "divorced",        "widowed", "complicated"};

using K = ProfileKind;
// Rooms' fields (seed-systems.md: phone, website, bio, personalInfo, basicInfo, religion, the icon)
// and the languages and country people are found by.
constexpr ProfileFieldRule kFields[] = {
    {.name = "bio", .kind = K::kLongText, .max_chars = 500},
    {.name = "website", .kind = K::kUrl, .max_chars = 200},
    {.name = "phone", .kind = K::kPhone, .max_chars = 32},
    {.name = "birth_date", .kind = K::kDate, .searchable = true},
    {.name = "sex", .kind = K::kChoice, .choices = kSexes, .searchable = true, .on_card = true},
    {.name = "country", .kind = K::kCountry, .searchable = true, .on_card = true},
    {.name = "languages", .kind = K::kLanguages, .max_items = 10, .searchable = true, .on_card = true},
    {.name = "hobbies", .kind = K::kList, .max_chars = 40, .max_items = 20, .searchable = true},
    {.name = "health", .kind = K::kList, .max_chars = 60, .max_items = 20},
    {.name = "race", .kind = K::kText, .max_chars = 64},
    {.name = "height_cm", .kind = K::kNumber, .min = 50, .max = 272},
    {.name = "weight_kg", .kind = K::kNumber, .min = 20, .max = 650},
    {.name = "interested_in", .kind = K::kChoices, .max_items = 3, .choices = kInterests},
    {.name = "marital_status", .kind = K::kChoice, .choices = kMaritalStatuses},
    {.name = "religion", .kind = K::kText, .max_chars = 64},
    {.name = "avatar", .kind = K::kUrl, .max_chars = 500, .on_card = true},
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The comma-separated items of `value`, trimmed; empty items are kept (and refused by the caller).
std::vector<std::string_view> items_of(std::string_view value) {
  std::vector<std::string_view> items;
  for (std::size_t start = 0;;) {
    const std::size_t comma = value.find(',', start);
    items.push_back(trim(value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) return items;
    start = comma + 1;
  }
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

bool all_letters(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
}

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool is_choice(const ProfileFieldRule& rule, std::string_view v) {
  return std::find(rule.choices.begin(), rule.choices.end(), v) != rule.choices.end();
}

std::string choices_text(const ProfileFieldRule& rule) {
  std::string out;
  for (std::string_view c : rule.choices) out += (out.empty() ? "" : ", ") + std::string(c);
  return out;
}

// Long text: valid UTF-8, at most max_chars characters, line breaks but no other controls.
std::string long_text_problem(std::string_view v, std::size_t max_chars) {
  const long chars = utf8_length(v);
  if (chars < 0) return "not valid UTF-8";
  if (static_cast<std::size_t>(chars) > max_chars) return "at most " + std::to_string(max_chars) + " characters";
  for (std::size_t i = 0; i < v.size();) {
    const std::size_t n = utf8_sequence_length(v, i);
    const char32_t c = utf8_code_point(v, i, n);
    if (c != '\n' && (is_control_character(c) || is_bidi_control(c))) return "no control characters but line breaks";
    i += n;
  }
  return "";
}

std::string phone_problem(std::string_view v) {
  std::size_t digits = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c >= '0' && c <= '9') ++digits;
    else if (!(c == ' ' || c == '-' || c == '(' || c == ')' || (c == '+' && i == 0))) return "digits, spaces, '-', '(' and ')', and '+' first";
  }
  if (digits < 4 || digits > 20) return "4 to 20 digits";
  return "";
}

std::string date_problem(std::string_view v, TimeMs now) {
  const std::string bad = "a date as YYYY-MM-DD";
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return bad;
  unsigned y = 0, m = 0, d = 0;
  auto number = [&](std::size_t at, std::size_t n, unsigned& out) {
    const char* first = v.data() + at;
    auto [end, ec] = std::from_chars(first, first + n, out);
    return ec == std::errc() && end == first + n;
  };
  if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) return bad;
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return "not a day of the calendar";
  const CivilDate date{y, m, d};
  if (date < CivilDate{1900, 1, 1} || date > civil_date_of(now)) return "a day from 1900-01-01 to today";
  return "";
}

}  // namespace

std::span<const ProfileFieldRule> profile_field_rules() { return kFields; }

const ProfileFieldRule* find_profile_field(std::string_view name) {
  for (const ProfileFieldRule& rule : kFields)
    if (rule.name == name) return &rule;
  return nullptr;
}

ProfileValue canonical_profile_value(const ProfileFieldRule& rule, std::string_view value, TimeMs now) {
  ProfileValue out;
  auto bad = [&](std::string problem) {
    out.problem = std::string(rule.name) + ": " + problem;
    return out;
  };
  if (value.empty()) return bad("empty (clear the field instead)");
  switch (rule.kind) {
    case K::kText:
      if (NameProblem p = check_label(value, rule.max_chars); p != NameProblem::kNone)
        return bad(describe_label(p, "the value", rule.max_chars));
      out.value = value;
      return out;
    case K::kLongText:
      if (std::string p = long_text_problem(value, rule.max_chars); !p.empty()) return bad(p);
      out.value = value;
      return out;
    case K::kUrl:
      if (value.size() > rule.max_chars || !valid_https_url(value))
        return bad("an https URL with a host, at most " + std::to_string(rule.max_chars) + " bytes");
      out.value = value;
      return out;
    case K::kPhone:
      if (value.size() > rule.max_chars) return bad("at most " + std::to_string(rule.max_chars) + " bytes");
      if (std::string p = phone_problem(value); !p.empty()) return bad(p);
      out.value = value;
      return out;
    case K::kDate:
      if (std::string p = date_problem(value, now); !p.empty()) return bad(p);
      out.value = value;
      return out;
    case K::kChoice:
      if (!is_choice(rule, value)) return bad("one of " + choices_text(rule));
      out.value = value;
      return out;
    case K::kCountry:
      if (value.size() != 2 || !all_letters(value)) return bad("an ISO 3166-1 alpha-2 code (two letters)");
      out.value = ascii_upper(value);
      return out;
    case K::kNumber: {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < rule.min || n > rule.max)
        return bad("a whole number from " + std::to_string(rule.min) + " to " + std::to_string(rule.max));
      out.value = std::to_string(n);
      return out;
    }
    case K::kChoices:
    case K::kList:
    case K::kLanguages: {
      std::vector<std::string> items, seen;
      for (std::string_view item : items_of(value)) {
        if (item.empty()) return bad("an empty item");
        std::string canonical(item);
        if (rule.kind == K::kChoices && !is_choice(rule, item)) return bad("some of " + choices_text(rule));
        if (rule.kind == K::kLanguages) {
          if (item.size() < 2 || item.size() > 3 || !all_letters(item)) return bad("ISO 639 language codes (2 or 3 letters)");
          canonical = ascii_lower(item);
        }
        if (rule.kind == K::kList)
          if (NameProblem p = check_label(item, rule.max_chars); p != NameProblem::kNone)
            return bad(describe_label(p, "an item", rule.max_chars));
        std::string key = ascii_lower(canonical);
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) return bad("'" + canonical + "' twice");
        seen.push_back(std::move(key));
        items.push_back(std::move(canonical));
      }
      if (items.size() > rule.max_items) return bad("at most " + std::to_string(rule.max_items) + " items");
      out.value = joined(items);
      return out;
    }
  }
  return bad("unknown kind");
}

std::vector<std::string> profile_search_terms(const ProfileFieldRule& rule, std::string_view canonical) {
  std::vector<std::string> terms;
  if (!rule.searchable) return terms;
  const std::string prefix = std::string(rule.name) + ":";
  if (rule.kind == K::kDate) {
    terms.push_back("birth_year:" + std::string(canonical.substr(0, 4)));
  } else if (rule.kind == K::kList || rule.kind == K::kLanguages || rule.kind == K::kChoices) {
    for (std::string_view item : items_of(canonical)) terms.push_back(prefix + ascii_lower(item));
  } else {
    terms.push_back(prefix + ascii_lower(canonical));
  }
  return terms;
}

}  // namespace chatd
