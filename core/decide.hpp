// decide(): the rules of the server, as a pure function of the World, a command and a context. It
// returns the events that record the outcome (never applied here) and the reply to the requester.
// A rejected command returns no events: bad input changes nothing. The rule itself is the
// command's own (core/<domain>/); this is the one entry point to all of them.
// Thread-safety: reentrant; the World must not change during the call.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/command.hpp"
#include "core/reply.hpp"
#include "projections/world.hpp"

namespace chatd {

struct Limits {
  std::size_t max_message_bytes = 4096;
  std::size_t max_report_reason_bytes = 500;
  // Rooms (core/rooms/): how many may exist, how many one client may own, the history a room keeps
  // unless its creator asks for less (and the most it may ask for), how long a room with nobody in
  // it and no post lives, and the largest media a post may refer to.
  std::size_t max_rooms = 10'000;
  std::size_t max_rooms_per_client = 5;
  std::uint64_t room_history = 100;
  std::uint64_t max_room_history = 1'000;
  TimeMs room_expire_idle_ms = 7 * 24 * 3600 * 1000LL;
  std::uint64_t max_media_bytes = 100ull << 20;
  // DMs (core/dms/): how many one client may have open at once (each side counts it).
  std::size_t max_dms_per_client = 20;
  // Accounts (core/accounts/): the longest username, how many devices (logins with a token) one
  // account may hold (the oldest is not dropped for a new one: the user revokes it), and how long
  // a deactivated account waits for its purge (a login before then calls it off). Several accounts
  // may share an email; a login by email verifies the password against max_accounts_per_email
  // hashes (about 22 ms each, on the credential pool): the oldest of its accounts, padded.
  std::size_t max_username_chars = 32;
  std::size_t max_devices_per_account = 20;
  std::size_t max_accounts_per_email = 4;
  TimeMs deactivation_grace_ms = 30 * 24 * 3600 * 1000LL;
  // How many accounts one account may follow (followers are not bounded: nobody chooses them).
  std::size_t max_following = 5'000;
};

// What decide may use besides the World: the time, random draws, the configured limits, and
// for personal data the sealing keys and a source of secrets.
struct Context {
  TimeMs now = 0;
  Random* random = nullptr;
  Limits limits;
  // The key store's keys (core/base/sealing.hpp); null: none (a rule that needs one refuses).
  const KeyRing* keys = nullptr;
  // Draws for what must not be guessed (keys, nonces, device tokens): a CSPRNG in chatd, `random`
  // in the simulator and the tests, whose outcomes a seed reproduces. Null: `random`.
  Random* secrets = nullptr;
  Random& secret_random() const { return secrets ? *secrets : *random; }
};

struct Decision {
  Decided events;
  Reply reply;
};

Decision decide(const projections::World& world, const Command& command, const Context& context);

// The same, appending the events to `events` (which the engine reuses, batch after batch).
inline Reply decide_into(const projections::World& world, const Command& command, const Context& context, Decided& events) {
  return command.type().decide(world, command, context, events);
}

// The reply of a rule that accepts: `event` joins the decision.
inline Reply accept(Decided& out, events::Payload event) {
  out.push_back(std::move(event));
  return Reply{};
}

}  // namespace chatd
