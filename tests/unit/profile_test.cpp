// The profile fields' rules: each kind's canonical form and refusals, and the search terms.
#include <catch2/catch.hpp>

#include "core/accounts/profile.hpp"
#include "core/base/civil_date.hpp"

using namespace chatd;

namespace {

// 2026-12-03T12:00:00Z.
const TimeMs kNow = days_from_civil(2026, 12, 3) * 86'400'000 + 12 * 3'600'000;

std::string canonical(std::string_view field, std::string_view value) {
  const ProfileFieldRule* rule = find_profile_field(field);
  REQUIRE(rule != nullptr);
  const ProfileValue v = canonical_profile_value(*rule, value, kNow);
  return v.problem.empty() ? v.value : "!" + v.problem;
}

bool refused(std::string_view field, std::string_view value) { return canonical(field, value).starts_with("!"); }

}  // namespace

TEST_CASE("profile: the table holds Rooms' fields, each once", "[profile]") {
  std::vector<std::string_view> names;
  for (const ProfileFieldRule& rule : profile_field_rules()) {
    CHECK(std::find(names.begin(), names.end(), rule.name) == names.end());
    names.push_back(rule.name);
  }
  for (const char* rooms : {"bio", "website", "phone", "birth_date", "sex", "hobbies", "health", "race", "height_cm", "weight_kg",
                            "interested_in", "marital_status", "religion", "avatar", "languages", "country"})
    CHECK(find_profile_field(rooms) != nullptr);
  CHECK(find_profile_field("email") == nullptr);  // the account's, never a profile field
  CHECK(find_profile_field("") == nullptr);
}

TEST_CASE("profile: each kind has its canonical form and its refusals", "[profile]") {
  CHECK(canonical("bio", "Sailor.\nReader of maps.") == "Sailor.\nReader of maps.");
  CHECK(refused("bio", std::string(501, 'x')));
  CHECK(canonical("bio", std::string(500, 'x')).size() == 500);
  CHECK(refused("bio", "tab\tinside"));
  CHECK(refused("bio", "bidi \u202e trick"));
  CHECK(refused("bio", "bad \xff utf-8"));
  CHECK(refused("bio", ""));

  CHECK(canonical("website", "https://example.org/me") == "https://example.org/me");
  CHECK(refused("website", "http://example.org"));
  CHECK(refused("website", "https://user:pw@example.org"));
  CHECK(refused("website", "https://" + std::string(200, 'a') + ".org"));

  CHECK(canonical("phone", "+49 (30) 123-4567") == "+49 (30) 123-4567");
  CHECK(refused("phone", "12 3"));
  CHECK(refused("phone", "49+123456"));
  CHECK(refused("phone", "call me"));

  CHECK(canonical("birth_date", "1990-02-28") == "1990-02-28");
  CHECK(canonical("birth_date", "2000-02-29") == "2000-02-29");
  CHECK(refused("birth_date", "1990-02-29"));
  CHECK(refused("birth_date", "1990-13-01"));
  CHECK(refused("birth_date", "1899-12-31"));
  CHECK(canonical("birth_date", "2026-12-03") == "2026-12-03");  // today
  CHECK(refused("birth_date", "2026-12-04"));                    // tomorrow
  CHECK(refused("birth_date", "1990-2-28"));
  CHECK(refused("birth_date", "19x0-02-28"));

  CHECK(canonical("sex", "female") == "female");
  CHECK(refused("sex", "Female"));
  CHECK(canonical("marital_status", "in_relationship") == "in_relationship");
  CHECK(refused("marital_status", "it's complicated"));

  CHECK(canonical("country", "de") == "DE");
  CHECK(refused("country", "DEU"));
  CHECK(refused("country", "D1"));

  CHECK(canonical("languages", "EN, de,fr") == "en, de, fr");
  CHECK(refused("languages", "en, EN"));
  CHECK(refused("languages", "english"));
  CHECK(refused("languages", "en,,de"));
  CHECK(refused("languages", "aa,ab,ae,af,ak,am,an,ar,as,av,ay"));  // 11

  CHECK(canonical("hobbies", " Chess ,sailing") == "Chess, sailing");
  CHECK(refused("hobbies", "chess, CHESS"));
  CHECK(refused("hobbies", std::string(41, 'h')));
  CHECK(refused("hobbies", "bell\x07ringing"));

  CHECK(canonical("interested_in", "women, men") == "women, men");
  CHECK(refused("interested_in", "women, women"));
  CHECK(refused("interested_in", "cats"));

  CHECK(canonical("height_cm", "180") == "180");
  CHECK(canonical("height_cm", "0180") == "180");
  CHECK(refused("height_cm", "49"));
  CHECK(refused("height_cm", "273"));
  CHECK(refused("height_cm", "1.8"));
  CHECK(refused("weight_kg", "-70"));

  CHECK(canonical("race", "Human") == "Human");
  CHECK(refused("religion", std::string(65, 'r')));
}

TEST_CASE("profile: search terms are the searchable fields' items, lowered", "[profile]") {
  auto terms = [](std::string_view field, std::string_view canonical) {
    return profile_search_terms(*find_profile_field(field), canonical);
  };
  CHECK(terms("country", "DE") == std::vector<std::string>{"country:de"});
  CHECK(terms("languages", "en, de") == std::vector<std::string>{"languages:en", "languages:de"});
  CHECK(terms("hobbies", "Chess, sailing") == std::vector<std::string>{"hobbies:chess", "hobbies:sailing"});
  CHECK(terms("birth_date", "1990-02-28") == std::vector<std::string>{"birth_year:1990"});
  CHECK(terms("sex", "female") == std::vector<std::string>{"sex:female"});
  CHECK(terms("bio", "anything").empty());
  CHECK(terms("phone", "+49 30 1234567").empty());
}

TEST_CASE("profile: the calendar", "[profile]") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(civil_from_days(days_from_civil(2024, 2, 29)) == CivilDate{2024, 2, 29});
  CHECK(civil_date_of(-1) == CivilDate{1969, 12, 31});
  CHECK(civil_date_of(kNow) == CivilDate{2026, 12, 3});
  CHECK(days_in_month(1900, 2) == 28);
  CHECK(days_in_month(2000, 2) == 29);
}
