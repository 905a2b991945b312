// The accounts domain's rules. Sealing (core/base/sealing.hpp) happens here, with keys and nonces
// from the context's secret source, so that the events hold no clear personal data and a seed
// still reproduces them.
#include <algorithm>

#include "core/accounts/access.hpp"
#include "core/accounts/commands.hpp"
#include "core/accounts/errors.hpp"
#include "core/base/sealing.hpp"
#include "core/base/text_rules.hpp"
#include "core/lifecycle.hpp"
#include "projections/accounts/state.hpp"
#include "projections/session/state.hpp"

namespace chatd {
namespace {

using namespace chatd::events;
using projections::Account;
using projections::AccountLogin;
using projections::AccountsState;
using namespace chatd::accounts;

// What an unknown username's login is verified against: an argon2id hash of 32 random bytes
// nobody kept, with the parameters of every real hash (Argon2idHasher), so that it costs the same.
constexpr std::string_view kDummyHash =
    "$argon2id$v=19$m=19456,t=2,p=1$tF9WjlkmXgYXfTdoU/eYeA$APxJd0bGtdlmb4vmzGjCKY56X8ARbZ/TPVNi5hp6SiE";
constexpr std::size_t kTokenBytes = 32;

std::optional<std::string> device_problem(std::string_view device) {
  if (device.empty()) return std::nullopt;
  if (auto p = check_label(device, kMaxDeviceNameChars); p != NameProblem::kNone) return describe_label(p, "the device name", kMaxDeviceNameChars);
  return std::nullopt;
}

std::optional<Reply> display_name_refused(std::string_view display_name) {
  if (auto p = check_name(display_name); p != NameProblem::kNone)
    return Reply::failure(errors::kInvalidDisplayName, describe_label(p, "the display name", kMaxNameChars));
  return std::nullopt;
}

Reply unchanged(std::string_view what) { return Reply::failure(errors::kUnchanged, std::string(what) + " is the current one"); }

// A new device for `account` with a fresh token, the client logged in through it, and the reply.
Reply add_device_and_log_in(const AccountsState& s, AccountId account, const AccountSeal& sealed, std::string_view username,
                            std::string_view display_name, std::string_view device_name, ClientId actor, const Context& ctx,
                            Decided& out) {
  Random& secrets = ctx.secret_random();
  const auto token_bytes = random_bytes<kTokenBytes>([&] { return secrets.next_u64(); });
  std::string token = base64url(token_bytes.data(), token_bytes.size());
  const DeviceId device = s.last_device + 1;
  out.push_back(DeviceAdded{account, device, actor, token_hash(token), sealed.seal(secrets, "device", device_name)});
  out.push_back(LoggedIn{actor, account, device});
  Reply reply;
  reply.body = LoginReply{account, std::string(username), std::string(display_name), device, std::move(token)};
  return reply;
}

// The checks every login shares: a connected client, not logged in yet.
std::optional<Reply> refuse_login(const projections::World& w, ClientId actor) {
  if (!connected(w, actor)) return not_connected();
  if (w.get<AccountsState>().login_of(actor)) return Reply::failure(errors::kLoggedIn, "the client is logged in already: log out first");
  return std::nullopt;
}

// The account's password, unless the command carries a proof of it (its account and the current
// credential version): the challenge the session verifies the secret against. Wrong passwords
// count against the username, whichever command tried them.
std::optional<Reply> unless_proven(const Account& a, AccountId account, const AccountSeal& sealed,
                                   const std::optional<CredentialProof>& proven, bool replaced = false) {
  if (proven == CredentialProof{account, a.credential}) return std::nullopt;
  Reply challenge = Reply::failure(errors::kCredentialNeeded, "the account needs its password");
  challenge.body = CredentialChallenge{sealed.open("password", a.password), account, a.credential, nullptr,
                                       "login:" + a.username_index, replaced ? sealed.open("username", a.username) : ""};
  return challenge;
}

// The rules every password follows (the session checks them before it hashes one).
Reply password_rules(std::string_view password) {
  const long chars = utf8_length(password);
  if (chars < 0) return Reply::failure(errors::kWeakPassword, "a password is valid UTF-8");
  if (static_cast<std::size_t>(chars) < kMinPasswordChars)
    return Reply::failure(errors::kWeakPassword, "a password has at least " + std::to_string(kMinPasswordChars) + " characters");
  if (password.size() > kMaxPasswordBytes)
    return Reply::failure(errors::kWeakPassword, "a password has at most " + std::to_string(kMaxPasswordBytes) + " bytes");
  return Reply{};
}

// Purges the accounts whose grace period has ended: the event, and the key's erasure with it.
void purge_accounts(const projections::World& w, const Context& ctx, Decided& out) {
  for (const auto& [at, account] : w.get<AccountsState>().purges) {
    if (at > ctx.now) break;
    out.push_back(AccountPurged{account});
    out.keys.push_back(KeyChange{account_key_subject(account), std::nullopt});
  }
}

// The server's index key, made the first time a server starts on a log without one.
void make_index_key(const projections::World&, const Context& ctx, Decided& out) {
  if (index_key(ctx)) return;
  Random& secrets = ctx.secret_random();
  out.keys.push_back(KeyChange{std::string(kIndexKeySubject), random_bytes<kSealKeyBytes>([&] { return secrets.next_u64(); })});
}

}  // namespace

void add_accounts_rules(Lifecycle& lifecycle) {
  lifecycle.on_start(&make_index_key);
  lifecycle.on_tick(&purge_accounts);
}

std::optional<std::string> username_problem(std::string_view username, std::size_t max_chars) {
  if (username.size() < kMinUsernameChars) return "a username has at least " + std::to_string(kMinUsernameChars) + " characters";
  if (username.size() > max_chars) return "a username has at most " + std::to_string(max_chars) + " characters";
  for (unsigned char c : username)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return std::string("a username is lowercase letters, digits and '_'");
  return std::nullopt;
}

// An address as people type it, not all RFC 5322 allows (no quoted local parts, comments or IP
// literals): a local part of 1-64 visible ASCII characters but ()<>[]:;@\," and spaces, with no
// leading, trailing or double dot; '@'; a domain of two or more dot-separated labels of letters,
// digits and '-' (1-63 each, no '-' at either end), the last one letters only; 254 bytes in all.
std::optional<std::string> email_problem(std::string_view email) {
  const std::string invalid = "not an email address (name@example.com)";
  if (email.size() > kMaxEmailBytes) return "an email address has at most " + std::to_string(kMaxEmailBytes) + " bytes";
  const std::size_t at = email.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return invalid;
  const std::string_view local = email.substr(0, at), domain = email.substr(at + 1);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return invalid;
  for (unsigned char c : local)
    if (c <= ' ' || c >= 0x7f || std::string_view("()<>[]:;@\\,\"").find(static_cast<char>(c)) != std::string_view::npos) return invalid;
  std::size_t labels = 0;
  std::string_view last;
  for (std::size_t start = 0;;) {
    const std::size_t dot = domain.find('.', start);
    const std::string_view label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return invalid;
    for (unsigned char c : label)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return invalid;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels < 2 || last.size() < 2 ||
      !std::all_of(last.begin(), last.end(), [](unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }))
    return invalid;
  return std::nullopt;
}

Reply Signup::check_secret(const Signup& c, std::string_view password) {
  if (Reply bad = password_rules(password); !bad.ok()) return bad;
  if (password == c.username) return Reply::failure(errors::kWeakPassword, "a password is not the username");
  return Reply{};
}

// The session checks the rest: that it differs from the old one and from the username.
Reply ChangePassword::check_secret(const ChangePassword&, std::string_view new_password) { return password_rules(new_password); }

Reply Signup::decide(const projections::World& w, ClientId actor, const Signup& c, const Context& ctx, Decided& out) {
  if (auto refused = refuse_login(w, actor)) return *refused;
  if (auto p = username_problem(c.username, ctx.limits.max_username_chars)) return Reply::failure(errors::kInvalidUsername, *p);
  if (auto p = email_problem(c.email)) return Reply::failure(errors::kInvalidEmail, *p);
  if (auto refused = display_name_refused(c.display_name)) return *refused;
  if (auto p = device_problem(c.device)) return Reply::failure(errors::kInvalidName, *p);
  // The session hashes a password it was given (after check_secret); none reaches here empty-handed.
  if (c.password_hash.empty() || (c.issue_secret && c.issued_secret.size() != kIssuedSecretChars))
    return Reply::failure(errors::kWeakPassword, "a password is needed");
  const SealKey* index = index_key(ctx);
  if (!index) return no_index_key();
  const AccountsState& s = w.get<AccountsState>();
  const std::string username_index = blind_index(*index, "username", c.username);
  if (s.by_username.count(username_index)) return Reply::failure(errors::kUsernameTaken, "that username is taken");
  const std::string email_index = blind_index(*index, "email", ascii_lower(c.email));

  Random& secrets = ctx.secret_random();
  const AccountId account = s.last_account + 1;
  const SealKey key = random_bytes<kSealKeyBytes>([&] { return secrets.next_u64(); });
  out.keys.push_back(KeyChange{account_key_subject(account), key});
  const AccountSeal sealed(key, account);
  out.push_back(AccountCreated{account, actor, username_index, email_index,
                               sealed.seal(secrets, "username", c.username), sealed.seal(secrets, "email", c.email),
                               sealed.seal(secrets, "display_name", c.display_name),
                               sealed.seal(secrets, "password", c.password_hash)});
  Reply reply = add_device_and_log_in(s, account, sealed, c.username, c.display_name, c.device, actor, ctx, out);
  if (c.issue_secret) reply.body.as<LoginReply>().secret = c.issued_secret;
  return reply;
}

namespace {

// The proof of `account` among a login's, if it has one.
std::optional<CredentialProof> proof_of(const std::vector<CredentialProof>& proven, AccountId account) {
  for (const CredentialProof& p : proven)
    if (p.subject == account) return p;
  return std::nullopt;
}

// Logs the client in as `account`, whose password it proved: a new device.
Reply log_in_proven(const AccountsState& s, AccountId account, const Account& a, const AccountSeal& sealed, ClientId actor,
                    const Login& c, const Context& ctx, Decided& out) {
  if (a.devices.size() >= ctx.limits.max_devices_per_account)
    return Reply::failure(errors::kTooManyDevices, "the account has as many devices as it may: revoke one first");
  // A login during the grace period calls the purge off (deactivation revoked every device, so
  // only a password gets here); the reply tells the owner it was pending.
  if (a.purge_at) out.push_back(DeactivationCancelled{account, actor});
  Reply reply = add_device_and_log_in(s, account, sealed, sealed.open("username", a.username),
                                      sealed.open("display_name", a.display_name), c.device, actor, ctx, out);
  reply.body.as<LoginReply>().deactivation_cancelled = a.purge_at;
  return reply;
}

// A login by email. The password is verified against each account of the email (the one chosen,
// once chosen), padded with dummies to Limits::max_accounts_per_email: neither the work nor its
// time tells how many accounts the email has, or whether it has any. Only accounts the password
// opened are ever named.
Reply login_by_email(const AccountsState& s, const SealKey& index, ClientId actor, const Login& c, const Context& ctx,
                     Decided& out) {
  if (auto p = email_problem(c.email)) return Reply::failure(errors::kInvalidEmail, *p);
  const std::string email_index = blind_index(index, "email", ascii_lower(c.email));
  // The email's oldest max_accounts_per_email accounts (by id): an email's accounts are not
  // bounded (a bound would tell anyone who signs up with an email how many it has, and let them
  // fill it), the work of a login by it is. The others log in by username.
  std::vector<AccountId> candidates, opened;
  if (auto it = s.by_email.find(email_index); it != s.by_email.end()) {
    std::vector<AccountId> of_email;
    for (AccountId id : it->second)
      if (account_key(ctx, id)) of_email.push_back(id);
    std::sort(of_email.begin(), of_email.end());
    if (of_email.size() > ctx.limits.max_accounts_per_email) of_email.resize(ctx.limits.max_accounts_per_email);
    for (AccountId id : of_email)
      if (c.account == kNoAccount || c.account == id) candidates.push_back(id);
  }
  for (AccountId id : candidates)
    if (proof_of(c.proven, id) == CredentialProof{id, s.find(id)->credential}) opened.push_back(id);

  if (opened.empty()) {
    Reply challenge = Reply::failure(errors::kCredentialNeeded, "the account needs its password");
    CredentialChallenge ask{std::string(kDummyHash), kNoAccount, 0, nullptr, "login-email:" + email_index, ""};
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const Account& a = *s.find(candidates[i]);
      const std::string hash = AccountSeal(*account_key(ctx, candidates[i]), candidates[i]).open("password", a.password);
      if (i == 0) ask.hash = hash, ask.subject = candidates[i], ask.version = a.credential;
      else ask.alternatives.push_back(CredentialCandidate{hash, CredentialProof{candidates[i], a.credential}});
    }
    while (ask.alternatives.size() + 1 < ctx.limits.max_accounts_per_email)
      ask.alternatives.push_back(CredentialCandidate{std::string(kDummyHash), CredentialProof{kNoAccount, 0}});
    challenge.body = std::move(ask);
    return challenge;
  }
  if (opened.size() == 1) {
    const Account& a = *s.find(opened[0]);
    return log_in_proven(s, opened[0], a, AccountSeal(*account_key(ctx, opened[0]), opened[0]), actor, c, ctx, out);
  }
  Reply choose = Reply::failure(errors::kChooseAccount, "the password opens several accounts of that email: log in again naming one");
  ChooseAccountReply body;
  for (AccountId id : opened) {
    const Account& a = *s.find(id);
    const AccountSeal sealed(*account_key(ctx, id), id);
    body.accounts.push_back(AccountChoice{id, sealed.open("username", a.username), sealed.open("display_name", a.display_name)});
  }
  choose.body = std::move(body);
  return choose;
}

}  // namespace

Reply Login::decide(const projections::World& w, ClientId actor, const Login& c, const Context& ctx, Decided& out) {
  if (auto refused = refuse_login(w, actor)) return *refused;
  if (c.username.empty() == c.email.empty()) return Reply::failure(errors::kBadRequest, "log in by username or by email, one of the two");
  if (auto p = device_problem(c.device)) return Reply::failure(errors::kInvalidName, *p);
  const SealKey* index = index_key(ctx);
  if (!index) return no_index_key();
  const AccountsState& s = w.get<AccountsState>();
  if (!c.email.empty()) return login_by_email(s, *index, actor, c, ctx, out);
  const std::string username_index = blind_index(*index, "username", c.username);
  const AccountId account = s.by_username_index(username_index);
  const Account* a = s.find(account);
  const SealKey* key = a ? account_key(ctx, account) : nullptr;
  if (!key) {
    // Verified against the dummy, which nothing matches: `wrong_password`, after the same work,
    // counted against the username as a real account's would be.
    Reply challenge = Reply::failure(errors::kCredentialNeeded, "the account needs its password");
    challenge.body = CredentialChallenge{std::string(kDummyHash), kNoAccount, 0, nullptr, "login:" + username_index, ""};
    return challenge;
  }
  const AccountSeal sealed(*key, account);
  if (auto challenge = unless_proven(*a, account, sealed, proof_of(c.proven, account))) return *challenge;
  return log_in_proven(s, account, *a, sealed, actor, c, ctx, out);
}

Reply LoginToken::decide(const projections::World& w, ClientId actor, const LoginToken& c, const Context& ctx, Decided& out) {
  if (auto refused = refuse_login(w, actor)) return *refused;
  const AccountsState& s = w.get<AccountsState>();
  auto it = c.token.size() > 256 ? s.by_token.end() : s.by_token.find(token_hash(c.token));
  const SealKey* key = it == s.by_token.end() ? nullptr : account_key(ctx, it->second.account);
  if (!key) return Reply::failure(errors::kInvalidToken, "that token logs in no device (revoked, or never issued)");
  const AccountId account = it->second.account;
  const Account& a = *s.find(account);
  const AccountSeal sealed(*key, account);
  out.push_back(LoggedIn{actor, account, it->second.device});
  Reply reply;
  reply.body = LoginReply{account, sealed.open("username", a.username), sealed.open("display_name", a.display_name), it->second.device, ""};
  return reply;
}

Reply Logout::decide(const projections::World& w, ClientId actor, const Logout&, const Context&, Decided& out) {
  if (!connected(w, actor)) return not_connected();
  const AccountLogin* login = w.get<AccountsState>().login_of(actor);
  if (!login) return not_logged_in();
  return accept(out, LoggedOut{actor, login->account, login->device});
}

Reply MyDevices::decide(const projections::World& w, ClientId actor, const MyDevices&, const Context& ctx, Decided&) {
  const Own own = own_account(w, actor, ctx);
  if (own.refused) return *own.refused;
  const AccountSeal sealed(*own.key, own.login->account);
  DevicesReply body;
  for (const auto& [id, device] : own.account->devices)
    body.devices.push_back(DeviceListing{id, sealed.open("device", device.name), device.created, device.last_login, id == own.login->device});
  Reply reply;
  reply.body = std::move(body);
  return reply;
}

Reply RevokeDevice::decide(const projections::World& w, ClientId actor, const RevokeDevice& c, const Context&, Decided& out) {
  if (!connected(w, actor)) return not_connected();
  const AccountsState& s = w.get<AccountsState>();
  const AccountLogin* login = s.login_of(actor);
  if (!login) return not_logged_in();
  if (!s.find(login->account)->devices.count(c.device)) return Reply::failure(errors::kNoSuchDevice, "the account has no device of that id");
  if (c.device == login->device) return accept(out, LoggedOut{actor, login->account, login->device});  // one's own: a logout
  return accept(out, DeviceRevoked{login->account, c.device, actor});
}

Reply ChangePassword::decide(const projections::World& w, ClientId actor, const ChangePassword& c, const Context& ctx, Decided& out) {
  const Own own = own_account(w, actor, ctx);
  if (own.refused) return *own.refused;
  const AccountSeal sealed(*own.key, own.login->account);
  if (auto challenge = unless_proven(*own.account, own.login->account, sealed, c.proven, true))
    return *challenge;
  if (c.password_hash.empty()) return Reply::failure(errors::kWeakPassword, "a new password is needed");
  return accept(out, PasswordChanged{own.login->account, actor, own.account->credential + 1,
                                     sealed.seal(ctx.secret_random(), "password", c.password_hash)});
}

Reply SetDisplayName::decide(const projections::World& w, ClientId actor, const SetDisplayName& c, const Context& ctx, Decided& out) {
  const Own own = own_account(w, actor, ctx);
  if (own.refused) return *own.refused;
  if (auto refused = display_name_refused(c.display_name)) return *refused;
  const AccountSeal sealed(*own.key, own.login->account);
  if (sealed.open("display_name", own.account->display_name) == c.display_name) return unchanged("that display name");
  return accept(out, DisplayNameChanged{own.login->account, actor, sealed.seal(ctx.secret_random(), "display_name", c.display_name)});
}

// The new username is checked before the password is: a refusal costs no argon2id work. Usernames
// are public (a profile is read by one), so `username_taken` tells nothing a reader could not learn.
Reply ChangeUsername::decide(const projections::World& w, ClientId actor, const ChangeUsername& c, const Context& ctx, Decided& out) {
  const Own own = own_account(w, actor, ctx);
  if (own.refused) return *own.refused;
  if (auto p = username_problem(c.username, ctx.limits.max_username_chars)) return Reply::failure(errors::kInvalidUsername, *p);
  const SealKey* index = index_key(ctx);
  if (!index) return no_index_key();
  const std::string username_index = blind_index(*index, "username", c.username);
  if (username_index == own.account->username_index) return unchanged("that username");
  if (w.get<AccountsState>().by_username.count(username_index)) return Reply::failure(errors::kUsernameTaken, "that username is taken");
  const AccountSeal sealed(*own.key, own.login->account);
  if (auto challenge = unless_proven(*own.account, own.login->account, sealed, c.proven)) return *challenge;
  return accept(out, UsernameChanged{own.login->account, actor, username_index,
                                     sealed.seal(ctx.secret_random(), "username", c.username)});
}

Reply ChangeEmail::decide(const projections::World& w, ClientId actor, const ChangeEmail& c, const Context& ctx, Decided& out) {
  const Own own = own_account(w, actor, ctx);
  if (own.refused) return *own.refused;
  if (auto p = email_problem(c.email)) return Reply::failure(errors::kInvalidEmail, *p);
  const SealKey* index = index_key(ctx);
  if (!index) return no_index_key();
  const AccountSeal sealed(*own.key, own.login->account);
  if (sealed.open("email", own.account->email) == c.email) return unchanged("that email address");
  const std::string email_index = blind_index(*index, "email", ascii_lower(c.email));
  if (auto challenge = unless_proven(*own.account, own.login->account, sealed, c.proven)) return *challenge;
  return accept(out, EmailChanged{own.login->account, actor, email_index,
                                  sealed.seal(ctx.secret_random(), "email", c.email)});
}

Reply Deactivate::decide(const projections::World& w, ClientId actor, const Deactivate& c, const Context& ctx, Decided& out) {
  const Own own = own_account(w, actor, ctx);
  if (own.refused) return *own.refused;
  const AccountSeal sealed(*own.key, own.login->account);
  if (auto challenge = unless_proven(*own.account, own.login->account, sealed, c.proven)) return *challenge;
  const TimeMs purge_at = ctx.now + ctx.limits.deactivation_grace_ms;
  out.push_back(DeactivationScheduled{own.login->account, actor, purge_at});
  Reply reply;
  reply.body = DeactivationReply{purge_at};
  return reply;
}

}  // namespace chatd
