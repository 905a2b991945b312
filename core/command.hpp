// Commands: what a client (or the server on its behalf) asks the engine to do. A dialect turns a
// frame into one; decide() turns it into events and a reply. Each domain declares its commands in
// core/<domain>/commands.hpp, with their traits and their rule:
//
//   struct Send {
//     static constexpr std::string_view kName = "send";
//     static constexpr CommandTraits kTraits{};  // needs a client, counts as in flight
//     std::string text;
//     static Reply decide(const projections::World&, ClientId actor, const Send&, const Context&, Decided& out);
//     bool operator==(const Send&) const = default;
//   };
//
// A command names its actor, the client it acts for, in the envelope and never in its body, which
// holds only its arguments and targets: the session stamps the actor, so a Kick{target} can never
// act on its sender, and no field of a frame can choose whom a command acts for.
// Thread-safety: plain values; a CommandType is a constant.
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/erased.hpp"
#include "core/base/ids.hpp"
#include "core/base/sealing.hpp"
#include "core/reply.hpp"
#include "events/event.hpp"
#include "projections/world.hpp"

namespace chatd {

// How a command uses a secret (a password) the client sent with it. The secret never reaches the
// engine: argon2id (about 22 ms a hash) runs on the session's credential pool, off the network
// thread and the engine (DESIGN.md "Slow work stays off the engine").
enum class CredentialUse : std::uint8_t {
  kNone,    // takes no secret
  kHashed,  // stores it: the session hashes the secret and hands the hash to the command
  kProven,  // checks it: the engine answers kCredentialNeeded with the stored hash; the session
            // verifies the secret against it and submits the command again with the proof
  kReplaced,  // changes it: the old secret is proven (kProven), then the new one (the request's
              // new_secret) is hashed (kHashed); the command goes back with the proof and the hash
};

// The length of a secret the server makes for a client (CommandType::wants_issued_secret): letters
// and digits, 381 bits.
inline constexpr std::size_t kIssuedSecretChars = 64;

// What the session must know about a command before the engine sees it (net/session applies these).
struct CommandTraits {
  bool needs_client = true;      // sent by a client: waits until the session is one; the actor is that client
  bool counts_in_flight = true;  // counts against the session's bound of commands awaiting a reply
  bool essential = false;        // never refused for a full engine queue (bounded otherwise: one per session)
  bool operators_only = false;   // the session answers `forbidden` unless the request carried an operator token
  CredentialUse credential = CredentialUse::kNone;
};

struct Command;

// What a command carries once the session verified its secret: whose credential (a room's id, an
// account's) and which version of it. A credential changed meanwhile makes the proof stale.
struct CredentialProof {
  std::uint64_t subject = 0;
  std::uint64_t version = 0;
  bool operator==(const CredentialProof&) const = default;
};

// One more credential a secret may match (an email's other accounts).
struct CredentialCandidate {
  std::string hash;
  CredentialProof proof;
  bool operator==(const CredentialCandidate&) const = default;
};

// The body of a kCredentialNeeded reply: what the session verifies the secret against, the
// version of that credential (the proof the command carries once verified: a credential changed
// meanwhile makes the proof stale), and the audit to submit when the secret is wrong.
struct CredentialChallenge {
  std::string hash;            // argon2id, as crypto_pwhash_str writes it
  std::uint64_t subject = 0;   // what the credential belongs to (a room's id): a proof names it
  std::uint64_t version = 0;
  std::shared_ptr<const Command> on_failure;  // null: none
  // What wrong secrets are counted against across every session (an account, by its username's
  // blind index, known or not, so that the throttle tells no username apart); "": none.
  std::string throttle_key;
  // kReplaced: what the new secret may not be besides the old one (the account's username); "": nothing.
  std::string distinct_from;
  // Verified too, every one (the work does not tell which matched): each match is one more proof
  // the command gets. Padded with hashes nothing matches, so that the count tells nothing either.
  std::vector<CredentialCandidate> alternatives;
  bool operator==(const CredentialChallenge&) const = default;
};

struct Context;
struct Command;
// What a decision records: its events in order, and the changes to the key store they need (a
// new account's sealing key, a purged one's erasure), committed in the same transaction.
struct Decided {
  std::vector<events::Payload> events;
  std::vector<KeyChange> keys;

  void push_back(events::Payload event) { events.push_back(std::move(event)); }
  void clear() {
    events.clear();
    keys.clear();
  }
  bool empty() const { return events.empty(); }
  std::size_t size() const { return events.size(); }
  events::Payload& operator[](std::size_t i) { return events[i]; }
  const events::Payload& operator[](std::size_t i) const { return events[i]; }
  const events::Payload& at(std::size_t i) const { return events.at(i); }
  auto begin() { return events.begin(); }
  auto end() { return events.end(); }
  auto begin() const { return events.begin(); }
  auto end() const { return events.end(); }
};

inline constexpr std::size_t kCommandCapacity = 72;

struct CommandType : ValueOps {
  static constexpr std::size_t kCapacity = kCommandCapacity;
  std::string_view name;
  CommandTraits traits;
  // The rule: the reply, and the events that record the outcome appended to `out` (none on refusal).
  Reply (*decide)(const projections::World&, const Command&, const Context&, Decided& out) = nullptr;
  // For the few commands a session accepts before its captcha is solved: checks the command and
  // folds it into the admission (the Connect the session will submit); an error reply refuses it.
  // Null: the command waits for the captcha.
  Reply (*before_admission)(const Command& command, Command& admission) = nullptr;
  // For a command whose traits.credential is not kNone: gives it the hash of its secret (kHashed)
  // or the subject and version of the credential its secret was verified against (kProven: once per
  // match, when the challenge had alternatives). Only the session calls it: no field of a frame can
  // set either.
  void (*with_credential)(Command& command, std::string hash, std::uint64_t subject, std::uint64_t version) = nullptr;
  // For a command whose secret has rules (a new password's length): an error reply refuses the
  // command before any work is done on the secret. Null: any secret.
  Reply (*check_secret)(const Command& command, std::string_view secret) = nullptr;
  // For a kHashed command that may ask the server to make its secret instead (OmeChat's 64 random
  // characters): whether this one does, and where the made secret goes (its reply shows it, once;
  // the engine keeps only its hash). Null: it never does.
  bool (*wants_issued_secret)(const Command& command) = nullptr;
  void (*with_issued_secret)(Command& command, std::string secret) = nullptr;

  template <class T>
  static const CommandType& of();
};

using CommandBody = Erased<CommandType, kCommandCapacity>;

struct Command {
  Command() = default;
  template <class T>
    requires(!std::is_same_v<std::remove_cvref_t<T>, Command> && !std::is_same_v<std::remove_cvref_t<T>, CommandBody>)
  Command(T&& body, ClientId actor = kNoClient)  // NOLINT: implicit, as from a variant's alternative
      : body(std::forward<T>(body)), actor(actor) {}

  // The command's type; a command must hold a body (an empty one is a programming error).
  const CommandType& type() const {
    assert(!body.empty());
    return *body.type();
  }
  template <class T>
  bool is() const {
    return body.is<T>();
  }
  template <class T>
  const T* get_if() const {
    return body.get_if<T>();
  }
  template <class T>
  const T& as() const {
    return body.as<T>();
  }
  template <class T>
  T& as() {
    return body.as<T>();
  }

  CommandBody body;
  ClientId actor = kNoClient;  // the client it acts for (stamped by the session), or none
};

template <class T>
const CommandType& CommandType::of() {
  static constexpr CommandType type = [] {
    CommandType t;
    static_cast<ValueOps&>(t) = value_ops<T, kCommandCapacity>();
    t.name = T::kName;
    t.traits = T::kTraits;
    t.decide = [](const projections::World& w, const Command& c, const Context& ctx, Decided& out) {
      return T::decide(w, c.actor, c.body.as<T>(), ctx, out);
    };
    if constexpr (requires { &T::before_admission; }) t.before_admission = &T::before_admission;
    if constexpr (requires { &T::with_credential; })
      t.with_credential = [](Command& c, std::string hash, std::uint64_t subject, std::uint64_t version) {
        T::with_credential(c.as<T>(), std::move(hash), subject, version);
      };
    if constexpr (requires { &T::with_issued_secret; }) {
      t.wants_issued_secret = [](const Command& c) { return T::wants_issued_secret(c.as<T>()); };
      t.with_issued_secret = [](Command& c, std::string secret) { T::with_issued_secret(c.as<T>(), std::move(secret)); };
    }
    if constexpr (requires { &T::check_secret; })
      t.check_secret = [](const Command& c, std::string_view secret) { return T::check_secret(c.as<T>(), secret); };
    return t;
  }();
  return type;
}

}  // namespace chatd
