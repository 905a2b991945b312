// What the accounts domain's rules share (core/accounts/*.cpp only): sealing and opening one
// account's fields under its key, the server's index key, and the account a client is logged in as.
// Thread-safety: plain functions of their arguments.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/accounts/errors.hpp"
#include "core/base/sealing.hpp"
#include "core/decide.hpp"
#include "projections/accounts/state.hpp"
#include "projections/session/state.hpp"

namespace chatd::accounts {

using events::AccountId;

inline bool connected(const projections::World& w, ClientId actor) {
  return w.get<projections::SessionState>().find(actor) != nullptr;
}

inline Reply not_logged_in() { return Reply::failure(errors::kNotLoggedIn, "log in first"); }

// Seals and opens the fields of one account under its key.
class AccountSeal {
 public:
  AccountSeal(const SealKey& key, AccountId account) : key_(key), account_(account) {}
  std::string seal(Random& secrets, std::string_view field, std::string_view plain) const {
    return chatd::seal(key_, random_bytes<kSealNonceBytes>([&] { return secrets.next_u64(); }),
                       events::seal_context(account_, field), plain);
  }
  // "" if it does not open (never, while the key exists: the World holds only what was sealed).
  std::string open(std::string_view field, std::string_view sealed) const {
    return unseal(key_, events::seal_context(account_, field), sealed).value_or(std::string());
  }

 private:
  const SealKey& key_;
  AccountId account_;
};

inline const SealKey* account_key(const Context& ctx, AccountId account) {
  return ctx.keys ? ctx.keys->find(events::account_key_subject(account)) : nullptr;
}

inline const SealKey* index_key(const Context& ctx) { return ctx.keys ? ctx.keys->find(events::kIndexKeySubject) : nullptr; }

inline Reply no_index_key() { return Reply::failure(errors::kAccountsUnavailable, "accounts are not available on this server"); }

// What a command of a logged-in client acts on: its login, account and key; or the refusal.
struct Own {
  const projections::AccountLogin* login = nullptr;
  const projections::Account* account = nullptr;
  const SealKey* key = nullptr;
  std::optional<Reply> refused;
};
inline Own own_account(const projections::World& w, ClientId actor, const Context& ctx) {
  Own own;
  if (!connected(w, actor)) {
    own.refused = not_connected();
    return own;
  }
  const projections::AccountsState& s = w.get<projections::AccountsState>();
  own.login = s.login_of(actor);
  own.account = own.login ? s.find(own.login->account) : nullptr;
  own.key = own.account ? account_key(ctx, own.login->account) : nullptr;
  if (!own.key) own.refused = not_logged_in();
  return own;
}

}  // namespace chatd::accounts
