// A simulation script: everything one seed decides, written out before the run. The parameters
// (idle policy, batching, which faults are on and how often) and a time-ordered list of actions
// (what each simulated user does, and the faults) are drawn from the seed; running a script
// involves no other randomness, so a script reproduces its run exactly, and a failing script can
// be shrunk by dropping actions and running it again.
// Thread-safety: plain values and reentrant functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/session/idle_tracker.hpp"
#include "core/base/ids.hpp"
#include "core/base/status.hpp"

namespace chatd::sim {

enum class ActionKind : std::uint8_t {
  // A user's doings.
  kConnect,          // opens a connection (native: solves the captcha; arg 1: sends a wrong solution)
  kConnectLowf,      // opens a lowf connection (no captcha)
  kName,             // sets a name (arg: which of a few names)
  kSearch,
  kSend,             // sends a message (unique text)
  kLeave,
  kReport,
  kGoSilent,         // stops answering pings and sending anything, until it drops
  kStopReading,      // stops reading what the server sends
  kResumeReading,
  kDrop,             // closes its connection
  kFlood,            // sends a burst of arg frames at once
  kMalformed,        // sends a frame that is not JSON
  kCreateRoom,       // creates room number arg of the simulation's few (native; each has its settings)
  kJoinRoom,         // joins room arg, resuming from the last message it saw there if it saw one
  kLeaveRoom,
  kPostRoom,         // posts a message (unique text) to room arg
  kAskRooms,         // asks a read-only question: the public rooms, room arg's members, its rooms, who is online
  kOpenDm,           // opens a DM with user arg by its DM name (D<arg>), or for one in five by a name of the pool
                     // (which none, one or several may have)
  kSendDm,           // sends a message (unique text) in its latest DM; with none, in DM arg (not its own)
  kCloseDm,          // closes its oldest DM; with none, DM arg (not its own)
  kSignup,           // signs up as account name arg % 3 (a few names: signups race for each), or its own (arg % 4 == 3)
  kLogin,            // logs in as account name arg % 3, with its password (arg / 3 % 3 == 0 or 1), a wrong
                     // one (arg / 3 % 3 == 2, odd arg) or its other, older or newer one (even arg)
  kLoginToken,       // logs in with a token it was given: its latest (arg even) or its oldest (maybe revoked)
  kLogout,
  kRevokeDevice,     // revokes a device: near its own (arg even), or device arg
  kChangePassword,   // changes its account's password from the one it believes current to the other of two
  kDeactivate,       // deactivates its account (purged 20 s later, unless a login calls it off)
  kChangeUsername,   // renames its account: to account name arg % 3 (arg even: racing signups for it) or a fresh one
  kSetProfile,       // sets its avatar (a card field) to a unique value, public, for followers or private (arg % 3),
                     // or clears it (arg % 5 == 4)
  kReadAccounts,     // reads the profile, followers or following of a known account (by arg / 4), or searches for it (arg % 4)
  kFollow,           // follows, unfollows or removes as a follower (arg % 3) a known account (by arg / 3)
  // Faults.
  kCrash,            // the server dies (arg: 0 between batches, 1 after prepare, 2 inside the
                     // log's append before its sync, 3 after the commit before delivery)
  kClockJump,        // the wall clock jumps by arg seconds minus 600 (so -600..+599 s)
  kStorm,            // arg percent of the connected users drop at once
  kCount
};

const char* to_string(ActionKind kind);

// How many rooms the simulated users create, join and post in (their settings: simulation.cpp).
inline constexpr std::uint32_t kSimRooms = 4;

struct Action {
  TimeMs at = 0;           // virtual ms from the start
  std::uint32_t user = 0;  // for user actions
  ActionKind kind = ActionKind::kConnect;
  std::uint32_t arg = 0;
};

struct Script {
  std::uint64_t seed = 0;
  std::uint32_t users = 0;
  TimeMs duration_ms = 0;
  // Server and session parameters.
  IdlePolicy idle;
  std::uint32_t rate_per_sec = 20, rate_burst = 40;
  TimeMs tick_ms = 5;                 // how often the engine takes a batch
  std::uint32_t max_batch = 512;
  std::uint64_t captcha_difficulty = 64;
  bool lmdb = false;                  // the log: LMDB with a tiny initial map (else in memory)
  std::size_t slow_reader_bytes = 16384;  // a transport's budget for unread frames
  std::vector<Action> actions;        // ordered by time (then by position)
};

// Draws a whole script from `seed`. Each fault class gets its own rate per seed (often zero), so
// some seeds run with many faults of one kind and none of another.
Script generate(std::uint64_t seed, std::uint32_t users, TimeMs duration_ms);

// A script as text (one line of parameters, then one action per line) and back; chatsim --replay
// reads what a failing run writes.
std::string to_text(const Script& script);
Status from_text(const std::string& text, Script& out);

}  // namespace chatd::sim
