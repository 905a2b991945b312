// The accounts domain's social ops in the native dialect: profiles, follows and the account search
// (docs/protocol.md, "Profiles and follows").
#include "core/accounts/errors.hpp"
#include "core/accounts/profile.hpp"
#include "core/accounts/social.hpp"
#include "core/base/json_text.hpp"
#include "net/native/dialect.hpp"

namespace chatd {
namespace {

using Fields = NativeDialect::Fields;

// `username` or `account` names the account; neither: none named (some ops mean one's own).
AccountRef account_ref(Fields& f) {
  AccountRef ref;
  if (std::string* username = f.text("username")) ref.username = std::move(*username);
  if (auto account = f.number("account")) ref.account = *account;
  return ref;
}
bool names_none(const AccountRef& ref) { return ref.username.empty() && ref.account == events::kNoAccount; }

template <class C>
void build_about(Fields& f, Decoded& out) {
  C c;
  c.who = account_ref(f);
  if (names_none(c.who)) return NativeDialect::reject(out, errors::kBadRequest, "name the account: username or account");
  out.request.command = std::move(c);
}

template <class C>
void build_list(Fields& f, Decoded& out) {
  C c;
  c.who = account_ref(f);
  c.after = f.number("after").value_or(events::kNoAccount);
  out.request.command = std::move(c);
}

void build_set_profile(Fields& f, Decoded& out) {
  SetProfileField c;
  c.field = std::move(*f.text("field"));
  if (std::string* value = f.text("value")) c.value = std::move(*value);
  if (std::string* visibility = f.text("visibility")) {
    c.visibility = events::enum_from<events::Audience>(*visibility);
    if (!c.visibility)
      return NativeDialect::reject(out, errors::kInvalidProfileValue, "visibility is public, followers or private");
  }
  out.request.command = std::move(c);
}

void build_clear_profile(Fields& f, Decoded& out) { out.request.command = ClearProfileField{std::move(*f.text("field"))}; }

void build_search(Fields& f, Decoded& out) {
  SearchAccounts c;
  if (std::string* username = f.text("username")) c.username = std::move(*username);
  for (const ProfileFieldRule& rule : profile_field_rules())
    if (rule.searchable && rule.kind != ProfileKind::kDate)
      if (std::string* value = f.text(rule.name)) c.criteria.emplace_back(std::string(rule.name), std::move(*value));
  c.min_age = f.number("min_age");
  c.max_age = f.number("max_age");
  c.after = f.number("after").value_or(events::kNoAccount);
  out.request.command = std::move(c);
}

void append_profile(const std::vector<ProfileEntry>& fields, std::string& out) {
  out += ",\"profile\":{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, fields[i].field);
    out += ":{\"value\":";
    append_json_string(out, fields[i].value);
    out += ",\"visibility\":\"";
    out += events::to_string(fields[i].visibility);
    out += "\"}";
  }
  out += '}';
}


void reply_set_profile(const Reply& reply, std::string& out) {
  const ProfileEntry& e = reply.body.as<ProfileEntry>();
  out += ",\"field\":";
  append_json_string(out, e.field);
  out += ",\"value\":";
  append_json_string(out, e.value);
  out += ",\"visibility\":\"";
  out += events::to_string(e.visibility);
  out += '"';
}

void reply_profile(const Reply& reply, std::string& out) {
  const ProfileReply& r = reply.body.as<ProfileReply>();
  out += ',';
  append_account_names(r.account, r.username, r.display_name, out);
  out += ",\"followers\":";
  append_json_uint(out, r.followers);
  out += ",\"following\":";
  append_json_uint(out, r.following);
  if (r.you_follow) out += ",\"you_follow\":true";
  if (r.follows_you) out += ",\"follows_you\":true";
  append_profile(r.fields, out);
}

void reply_page(const Reply& reply, std::string& out) {
  const AccountsPage& page = reply.body.as<AccountsPage>();
  out += ",\"accounts\":[";
  for (std::size_t i = 0; i < page.accounts.size(); ++i) {
    if (i) out += ',';
    append_account_card(page.accounts[i], out);
  }
  out += ']';
  if (page.next_after != events::kNoAccount) {
    out += ",\"next_after\":";
    append_json_uint(out, page.next_after);
  }
}

}  // namespace

void append_account_names(events::AccountId account, const std::string& username, const std::string& display_name, std::string& out) {
  out += "\"account\":";
  append_json_uint(out, account);
  out += ",\"username\":";
  append_json_string(out, username);
  out += ",\"display_name\":";
  append_json_string(out, display_name);
}

void append_account_card_fields(const AccountCard& card, std::string& out) {
  append_account_names(card.account, card.username, card.display_name, out);
  append_profile(card.fields, out);
}

void append_account_card(const AccountCard& card, std::string& out) {
  out += '{';
  append_account_card_fields(card, out);
  out += '}';
}

void add_native_social(NativeDialect& d) {
  using Type = NativeDialect::FieldType;
  const std::initializer_list<NativeDialect::FieldSpec> about = {{"username", Type::kString}, {"account", Type::kUint}};
  d.add_op("set_profile", {{"field", Type::kString, true}, {"value", Type::kString}, {"visibility", Type::kString}}, &build_set_profile);
  d.add_op("clear_profile", {{"field", Type::kString, true}}, &build_clear_profile);
  d.add_op("profile", about, &build_about<ReadProfile>);
  d.add_op("follow", about, &build_about<Follow>);
  d.add_op("unfollow", about, &build_about<Unfollow>);
  d.add_op("remove_follower", about, &build_about<RemoveFollower>);
  d.add_op("followers", {{"username", Type::kString}, {"account", Type::kUint}, {"after", Type::kUint}}, &build_list<ListFollowers>);
  d.add_op("following", {{"username", Type::kString}, {"account", Type::kUint}, {"after", Type::kUint}}, &build_list<ListFollowing>);
  d.add_op("search_accounts",
           {{"username", Type::kString}, {"country", Type::kString}, {"languages", Type::kString}, {"hobbies", Type::kString},
            {"sex", Type::kString}, {"min_age", Type::kUint}, {"max_age", Type::kUint}, {"after", Type::kUint}},
           &build_search);
  d.add_reply<SetProfileField>(&reply_set_profile);
  d.add_reply<ReadProfile>(&reply_profile);
  d.add_reply<ListFollowers>(&reply_page);
  d.add_reply<ListFollowing>(&reply_page);
  d.add_reply<SearchAccounts>(&reply_page);
}

}  // namespace chatd
