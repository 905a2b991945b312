#include "tests/sim/script.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

namespace chatd::sim {
namespace {

constexpr std::array<const char*, static_cast<std::size_t>(ActionKind::kCount)> kNames = {
    "connect", "connect_lowf", "name", "search", "send", "leave", "report", "go_silent", "stop_reading",
    "resume_reading", "drop", "flood", "malformed", "create_room", "join_room", "leave_room", "post_room", "ask_rooms", "open_dm", "send_dm", "close_dm", "signup", "login", "login_token", "logout", "revoke_device", "change_password", "deactivate", "change_username", "set_profile", "read_accounts", "follow", "crash", "clock_jump",
    "storm"};

// Exponentially distributed gap with the given mean, at least 1 ms.
TimeMs exponential(SeededRandom& rng, double mean_ms) {
  const double u = (static_cast<double>(rng.next_u64() >> 11) + 0.5) / 9007199254740992.0;
  return std::max<TimeMs>(1, static_cast<TimeMs>(-std::log(u) * mean_ms));
}

// A rate that is zero for about half the seeds, and otherwise anywhere up to `max`.
double maybe(SeededRandom& rng, double max) {
  if (rng.uniform(2) == 0) return 0;
  return max * static_cast<double>(1 + rng.uniform(1000)) / 1000.0;
}

}  // namespace

const char* to_string(ActionKind kind) { return kNames[static_cast<std::size_t>(kind)]; }

Script generate(std::uint64_t seed, std::uint32_t users, TimeMs duration_ms) {
  SeededRandom rng(seed * 0x9e3779b97f4a7c15ULL + 1);
  Script s;
  s.seed = seed;
  s.users = users;
  s.duration_ms = duration_ms;
  s.idle.gate_ms = 10'000 + static_cast<TimeMs>(rng.uniform(50'000));
  s.idle.state_ms = 20'000 + static_cast<TimeMs>(rng.uniform(160'000));
  s.idle.silence_ms = 20'000 + static_cast<TimeMs>(rng.uniform(70'000));
  s.rate_per_sec = 5 + static_cast<std::uint32_t>(rng.uniform(20));
  s.rate_burst = s.rate_per_sec * 2;
  s.tick_ms = 1 + static_cast<TimeMs>(rng.uniform(20));
  s.max_batch = 1 + static_cast<std::uint32_t>(rng.uniform(1024));
  s.lmdb = rng.uniform(8) == 0;
  s.slow_reader_bytes = 256 + rng.uniform(8000);

  // Per-seed rates: per user-action probabilities, and faults per virtual minute.
  const double p_silent = maybe(rng, 0.02), p_stop_reading = maybe(rng, 0.02), p_flood = maybe(rng, 0.01),
               p_malformed = maybe(rng, 0.01), p_bad_captcha = maybe(rng, 0.3), p_lowf = maybe(rng, 0.5),
               p_drop = maybe(rng, 0.03);
  const double crashes_per_min = maybe(rng, 3), storms_per_min = maybe(rng, 1), jumps_per_min = maybe(rng, 2);

  const double think_ms = 4'000 + static_cast<double>(rng.uniform(12'000));
  for (std::uint32_t u = 0; u < users; ++u) {
    // Everyone connects within the first 10 s, then acts every `think_ms` on average.
    TimeMs t = static_cast<TimeMs>(rng.uniform(10'000));
    bool first = true;
    while (t < duration_ms) {
      Action a{t, u, ActionKind::kSend, 0};
      const double roll = static_cast<double>(rng.uniform(1'000'000)) / 1'000'000.0;
      if (first) {
        a.kind = ActionKind::kConnect;
      } else if (roll < p_silent) {
        a.kind = ActionKind::kGoSilent;
      } else if (roll < p_silent + p_stop_reading) {
        a.kind = ActionKind::kStopReading;
      } else if (roll < p_silent + p_stop_reading + p_flood) {
        a.kind = ActionKind::kFlood;
        a.arg = 20 + static_cast<std::uint32_t>(rng.uniform(200));
      } else if (roll < p_silent + p_stop_reading + p_flood + p_malformed) {
        a.kind = ActionKind::kMalformed;
      } else if (roll < p_silent + p_stop_reading + p_flood + p_malformed + p_drop) {
        a.kind = ActionKind::kDrop;
      } else {
        const std::uint64_t pick = rng.uniform(100);
        if (pick < 8) a.kind = ActionKind::kConnect;  // ignored while connected: reconnects after a drop
        else if (pick < 12) a.kind = ActionKind::kName, a.arg = static_cast<std::uint32_t>(rng.uniform(8));
        else if (pick < 30) a.kind = ActionKind::kSearch;
        else if (pick < 36) a.kind = ActionKind::kLeave;
        else if (pick < 38) a.kind = ActionKind::kReport;
        else if (pick < 40) a.kind = ActionKind::kResumeReading;
        else a.kind = ActionKind::kSend;
      }
      if (a.kind == ActionKind::kConnect) {
        if (static_cast<double>(rng.uniform(1000)) / 1000.0 < p_lowf) a.kind = ActionKind::kConnectLowf;
        else a.arg = static_cast<double>(rng.uniform(1000)) / 1000.0 < p_bad_captcha ? 1 : 0;
      }
      s.actions.push_back(a);
      first = false;
      t += exponential(rng, think_ms);
    }
  }
  // Rooms, from a stream of their own so that the other actions of a seed stay what they were:
  // for about half the seeds, some users create, join, leave and post in a few rooms.
  SeededRandom rooms_rng(seed * 0x2545f4914f6cdd1dULL + 7);
  const std::uint32_t roomers = rooms_rng.uniform(2) == 0 ? 0 : static_cast<std::uint32_t>(rooms_rng.uniform(users / 4 + 1));
  for (std::uint32_t i = 0; i < roomers; ++i) {
    const std::uint32_t u = static_cast<std::uint32_t>(rooms_rng.uniform(users));
    for (TimeMs t = 10'000 + exponential(rooms_rng, think_ms); t < duration_ms; t += exponential(rooms_rng, think_ms)) {
      Action a{t, u, ActionKind::kPostRoom, static_cast<std::uint32_t>(rooms_rng.uniform(kSimRooms))};
      const std::uint64_t pick = rooms_rng.uniform(100);
      if (pick < 10) a.kind = ActionKind::kCreateRoom;
      else if (pick < 35) a.kind = ActionKind::kJoinRoom, a.arg = static_cast<std::uint32_t>(rooms_rng.uniform(2 * kSimRooms));
      else if (pick < 45) a.kind = ActionKind::kLeaveRoom;
      else if (pick < 55) a.kind = ActionKind::kAskRooms, a.arg = static_cast<std::uint32_t>(rooms_rng.uniform(4 * kSimRooms));
      s.actions.push_back(a);
    }
  }
  // DMs, from a stream of their own too: for about half the seeds, some users open, use and close
  // DMs with each other (by the names of the pool, so some opens find nobody or several).
  SeededRandom dms_rng(seed * 0x94d049bb133111ebULL + 11);
  std::vector<std::uint32_t> dmers(dms_rng.uniform(2) == 0 ? 0 : 2 + dms_rng.uniform(users / 4 + 1));
  for (std::uint32_t& u : dmers) u = static_cast<std::uint32_t>(dms_rng.uniform(users));
  for (const std::uint32_t u : dmers) {
    for (TimeMs t = 10'000 + exponential(dms_rng, think_ms); t < duration_ms; t += exponential(dms_rng, think_ms)) {
      Action a{t, u, ActionKind::kSendDm, static_cast<std::uint32_t>(1 + dms_rng.uniform(8))};
      const std::uint64_t pick = dms_rng.uniform(100);
      if (pick < 20) a.kind = ActionKind::kOpenDm, a.arg = dmers[dms_rng.uniform(dmers.size())];
      else if (pick < 28) a.kind = ActionKind::kCloseDm;
      s.actions.push_back(a);
    }
  }
  // Accounts, from a stream of their own: for about half the seeds, some users sign up (racing for
  // three usernames), log in with right, wrong and old passwords and with tokens, log out, revoke,
  // change passwords and usernames, deactivate (and are purged), set their avatar for one of the
  // three audiences, read each other's profiles, lists and searches, follow, and create rooms.
  SeededRandom accounts_rng(seed * 0xbf58476d1ce4e5b9ULL + 13);
  std::vector<std::uint32_t> holders(accounts_rng.uniform(2) == 0 ? 0 : 2 + accounts_rng.uniform(users / 8 + 1));
  for (std::uint32_t& u : holders) u = static_cast<std::uint32_t>(accounts_rng.uniform(users));
  for (const std::uint32_t u : holders) {
    for (TimeMs t = 10'000 + exponential(accounts_rng, think_ms); t < duration_ms; t += exponential(accounts_rng, 2 * think_ms)) {
      Action a{t, u, ActionKind::kLogin, static_cast<std::uint32_t>(accounts_rng.uniform(12))};
      const std::uint64_t pick = accounts_rng.uniform(100);
      if (pick < 14) a.kind = ActionKind::kSignup;
      else if (pick < 30) a.kind = ActionKind::kLoginToken;
      else if (pick < 38) a.kind = ActionKind::kLogout;
      else if (pick < 44) a.kind = ActionKind::kRevokeDevice, a.arg = static_cast<std::uint32_t>(1 + accounts_rng.uniform(12));
      else if (pick < 48) a.kind = ActionKind::kChangePassword;
      else if (pick < 51) a.kind = ActionKind::kDeactivate;
      else if (pick < 56) a.kind = ActionKind::kChangeUsername;
      else if (pick < 66) a.kind = ActionKind::kSetProfile;
      else if (pick < 78) a.kind = ActionKind::kReadAccounts, a.arg = static_cast<std::uint32_t>(accounts_rng.uniform(400));
      else if (pick < 85) a.kind = ActionKind::kFollow, a.arg = static_cast<std::uint32_t>(accounts_rng.uniform(300));
      // A room created while logged in: news to the account's followers (when it is public).
      else if (pick < 89) a.kind = ActionKind::kCreateRoom, a.arg = static_cast<std::uint32_t>(accounts_rng.uniform(kSimRooms));
      s.actions.push_back(a);
    }
  }
  auto faults = [&](double per_min, ActionKind kind, auto arg) {
    if (per_min <= 0) return;
    for (TimeMs t = exponential(rng, 60'000 / per_min); t < duration_ms; t += exponential(rng, 60'000 / per_min))
      s.actions.push_back(Action{t, 0, kind, arg()});
  };
  faults(crashes_per_min, ActionKind::kCrash, [&] { return static_cast<std::uint32_t>(rng.uniform(4)); });
  faults(storms_per_min, ActionKind::kStorm, [&] { return 20 + static_cast<std::uint32_t>(rng.uniform(70)); });
  faults(jumps_per_min, ActionKind::kClockJump, [&] { return static_cast<std::uint32_t>(rng.uniform(1200)); });
  std::stable_sort(s.actions.begin(), s.actions.end(), [](const Action& a, const Action& b) { return a.at < b.at; });
  return s;
}

std::string to_text(const Script& s) {
  std::ostringstream out;
  out << "chatsim-script 1 seed " << s.seed << " users " << s.users << " duration_ms " << s.duration_ms << " gate_ms "
      << s.idle.gate_ms << " state_ms " << s.idle.state_ms << " silence_ms " << s.idle.silence_ms << " rate "
      << s.rate_per_sec << " burst " << s.rate_burst << " tick_ms " << s.tick_ms << " max_batch " << s.max_batch
      << " captcha " << s.captcha_difficulty << " lmdb " << (s.lmdb ? 1 : 0) << " slow_reader_bytes "
      << s.slow_reader_bytes << "\n";
  for (const Action& a : s.actions) out << a.at << ' ' << a.user << ' ' << to_string(a.kind) << ' ' << a.arg << '\n';
  return out.str();
}

Status from_text(const std::string& text, Script& out) {
  std::istringstream in(text);
  std::string magic, version, key;
  Script s;
  in >> magic >> version;
  if (magic != "chatsim-script" || version != "1") return Status::InvalidArgument("not a chatsim script (version 1)");
  int lmdb = 0;
  for (int i = 0; i < 13; ++i) {
    in >> key;
    if (key == "seed") in >> s.seed;
    else if (key == "users") in >> s.users;
    else if (key == "duration_ms") in >> s.duration_ms;
    else if (key == "gate_ms") in >> s.idle.gate_ms;
    else if (key == "state_ms") in >> s.idle.state_ms;
    else if (key == "silence_ms") in >> s.idle.silence_ms;
    else if (key == "rate") in >> s.rate_per_sec;
    else if (key == "burst") in >> s.rate_burst;
    else if (key == "tick_ms") in >> s.tick_ms;
    else if (key == "max_batch") in >> s.max_batch;
    else if (key == "captcha") in >> s.captcha_difficulty;
    else if (key == "lmdb") in >> lmdb;
    else if (key == "slow_reader_bytes") in >> s.slow_reader_bytes;
    else return Status::InvalidArgument("unknown script parameter '" + key + "'");
  }
  if (!in) return Status::InvalidArgument("the script's parameter line is incomplete");
  s.lmdb = lmdb != 0;
  std::string name;
  Action a;
  while (in >> a.at >> a.user >> name >> a.arg) {
    auto it = std::find_if(kNames.begin(), kNames.end(), [&](const char* n) { return name == n; });
    if (it == kNames.end()) return Status::InvalidArgument("unknown action '" + name + "'");
    a.kind = static_cast<ActionKind>(it - kNames.begin());
    if (a.user >= s.users && a.kind < ActionKind::kCrash) return Status::InvalidArgument("action for an unknown user");
    s.actions.push_back(a);
  }
  if (!in.eof()) return Status::InvalidArgument("an action line does not parse");
  out = std::move(s);
  return Status::Ok();
}

}  // namespace chatd::sim
