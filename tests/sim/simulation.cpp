#include "tests/sim/simulation.hpp"

#include <unistd.h>

#include <array>
#include <cctype>
#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/accounts/commands.hpp"
#include "core/accounts/social.hpp"
#include "core/base/json_text.hpp"
#include "events/codec.hpp"
#include "events/lmdb_log.hpp"
#include "events/memory_log.hpp"
#include "net/engine/engine.hpp"
#include "net/engine/router.hpp"
#include "net/lowf/dialect.hpp"
#include "net/native/dialect.hpp"
#include "net/session/captcha_service.hpp"
#include "net/session/session_logic.hpp"
#include "projections/accounts/state.hpp"
#include "projections/rebuild.hpp"
#include "tests/support/domains.hpp"
#include "tests/support/hello_captcha.hpp"

namespace chatd::sim {
namespace {

using events::DisconnectReason;
using events::RoomId;
using projections::ClientState;
using projections::RoomsState;
using projections::StrangerState;

constexpr TimeMs kWallStart = 1'795'356'000'000;  // 2026-11-22T14:00:00Z
constexpr TimeMs kSweepMs = 1000;                 // how often the idle bounds and pairs are checked
constexpr TimeMs kIdleSlackMs = 50;               // a deadline may fire this late (event ordering)
constexpr TimeMs kRoomExpireMs = 30'000;          // an empty room's life: short, so rooms expire in a run
constexpr TimeMs kDeactivationGraceMs = 20'000;    // a deactivated account's wait: short, so purges happen in a run

// The rooms the simulated users use: a name and the settings its creator asks for (JSON members).
struct SimRoom {
  const char* name;
  const char* settings;
};
constexpr SimRoom kRooms[kSimRooms] = {
    {"lobby", ""}, {"small", R"(,"limit":3,"password":"pw")"}, {"Hidden.1", R"(,"visibility":"hidden","history":4)"}, {"tiny", R"(,"history":3)"}};
constexpr const char* kRoomPassword = "pw";  // small's

// The simulator's password hash: cheap and deterministic, behind the same interface as argon2id
// (the pool's work is modelled as a delay; its cost is not what the simulation checks).
std::string sim_hash(std::string_view secret) { return "sim$" + std::string(secret); }

// Which of kRooms `name` is (room names are matched without case), or kSimRooms.
std::uint32_t sim_room_index(std::string_view name) {
  for (std::uint32_t i = 0; i < kSimRooms; ++i) {
    const std::string_view n = kRooms[i].name;
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return i;
  }
  return kSimRooms;
}

// The disk under the simulated server: it survives crashes. It can lose the batch being appended
// (a crash between append and sync), and, planted, pretend to store a batch it drops.
class FaultyLog final : public events::EventLog {
 public:
  explicit FaultyLog(std::unique_ptr<events::EventLog> inner) : inner_(std::move(inner)) {}
  Status append(std::span<const events::Event> batch) override {
    std::vector<std::string> encoded;
    for (const auto& e : batch) encoded.push_back(events::encode(e));
    return batch.empty() ? Status::Ok() : append_encoded(batch[0].seq, encoded);
  }
  using EventLog::append_encoded;
  Status append_encoded(Seq first_seq, std::span<const std::string> encoded, std::span<const KeyChange> keys) override {
    if (crash_in_append) {
      crash_in_append = false;
      crashed_in_append = true;
      return Status::IoError("simulated crash before the sync");
    }
    if (lose_every > 0 && ++appends_ % lose_every == 0) return Status::Ok();  // planted: "acknowledged", not stored
    return inner_->append_encoded(first_seq, encoded, keys);
  }
  Status read_keys(const KeyVisitor& visit) const override { return inner_->read_keys(visit); }
  Seq last_seq() const override { return inner_->last_seq(); }
  Status scan_encoded(Seq from, const EncodedVisitor& visit) const override { return inner_->scan_encoded(from, visit); }
  Status read_encoded(Seq seq, std::string& out) const override { return inner_->read_encoded(seq, out); }

  events::EventLog& inner() { return *inner_; }
  void replace_inner(std::unique_ptr<events::EventLog> inner) { inner_ = std::move(inner); }

  bool crash_in_append = false;
  bool crashed_in_append = false;
  std::uint64_t lose_every = 0;

 private:
  std::unique_ptr<events::EventLog> inner_;
  std::uint64_t appends_ = 0;
};

// The wall clock of the simulated machine: virtual time plus the jumps a fault applied.
class SimWallClock final : public Clock {
 public:
  TimeMs now_ms() override { return kWallStart + *virtual_now + offset; }
  const TimeMs* virtual_now = nullptr;
  TimeMs offset = 0;
};

class Simulation;

// One connection: the real SessionLogic, with the transport and the client around it simulated.
class SimSession final : public SessionIo, public SessionPort, public std::enable_shared_from_this<SimSession> {
 public:
  SimSession(Simulation& sim, std::uint64_t conn, std::uint32_t user, bool lowf, bool bad_captcha);

  void send(Frame frame) override;
  void close(std::uint16_t code, std::string reason) override;
  bool submit(Command command, std::string request_id) override;
  bool start_credential(CredentialJob job) override;
  void deliver(std::vector<Outbound> items) override;
  const PushRenderer& renderer() const override;
  bool wants_bodies() const override { return true; }  // the oracle checks every message

  Simulation& sim;
  const std::uint64_t conn;
  const std::uint32_t user;
  const bool lowf;
  const bool bad_captcha;
  const std::string addr;
  const TimeMs opened;
  std::unique_ptr<SessionLogic> logic;
  bool transport_open = true;  // the transport has not seen the end yet (it may have unread frames)
  bool client_gone = false;    // the client dropped: it sends nothing more; its end waits in `inbound`
  bool dead = false;           // the server that held it crashed: nothing more happens to it
  bool reading = true;
  bool silent = false;
  bool solved = false;         // sent a correct captcha solution
  bool named = false;          // sent a valid name (native)
  bool dm_named = false;       // sent its DM name (D<user>) last
  bool overflow_pending = false;
  std::size_t unread_bytes = 0;
  TimeMs last_activity;        // the client's last frame or pong, as the transport saw it
  TimeMs timer_at = IdleTracker::kNever;  // when its idle timer is scheduled
  ClientId client = kNoClient;
  std::uint64_t next_id = 1;
  std::string hello;
  std::unordered_map<std::string, std::string> pending_sends;  // request id -> text (native)
  std::unordered_map<std::string, std::string> pending_posts;  // request id -> text of a room post
  std::unordered_map<std::string, std::string> pending_dm_sends;  // request id -> text of a DM message
  std::vector<events::DmId> dms;  // the DMs the client was told are open, in the order it learnt of them
  // Accounts: what each account request asked (request id -> username, and whether the password
  // was right), and the device the client is logged in through (kNoDevice: none it knows of).
  struct AccountAsk {
    ActionKind kind = ActionKind::kSignup;
    std::string username;  // "" for a token's
    bool right_password = true;
    int password = 0;      // which of the account's two passwords it sent (a change: the new one)
    bool stale = false;    // a login with the other password, no change of it in flight when sent
    events::AccountId account = events::kNoAccount;  // the account it acts on, as the client believed when it sent it
    std::string old_username;  // a rename's: the name it had
    bool contested = false;    // a signup's or a rename's: an acknowledged account held the name when sent, none letting go
    std::uint64_t releases_before = 0;  // ... and how many releases of the name had been sent by then
    bool by_email = false;     // a login by the client's own email (its user's accounts')
    bool issue_secret = false;  // a signup's: the server makes the password
  };
  std::unordered_map<std::string, AccountAsk> pending_accounts;
  std::unordered_map<std::string, events::DeviceId> pending_revokes;  // request id -> the device named
  events::DeviceId device = events::kNoDevice;
  events::AccountId account = events::kNoAccount;  // as the replies and pushes routed to it tell, in their order
  struct Resume {
    std::optional<std::uint64_t> since;
    RoomId room_id = events::kNoRoom;
  };
  std::unordered_map<std::string, Resume> pending_joins;       // request id -> what the join asked
  // What the client sent and the transport has not read yet (backpressure holds it here), in
  // order: frames, pongs, and the end of the stream; the front frame's verdict once asked, and
  // whether a read is scheduled.
  struct Inbound {
    enum class Kind : std::uint8_t { kFrame, kPong, kEnd };
    Kind kind = Kind::kFrame;
    std::string frame;
    bool send = false;  // a Send past the captcha: the engine must answer it, whichever the dialect
  };
  std::deque<Inbound> inbound;
  bool front_asked = false;
  TimeMs front_ready_at = 0;
  bool read_scheduled = false;
  std::uint64_t sends_handed = 0, sends_answered = 0;
  std::deque<CredentialJob> credential_jobs;  // with the simulated pool, in order
};

std::string addr_of(std::uint64_t conn) {
  return "10." + std::to_string((conn >> 16) & 0xff) + "." + std::to_string((conn >> 8) & 0xff) + "." +
         std::to_string(conn & 0xff);
}

class Simulation {
 public:
  Simulation(const Script& script, const RunOptions& options);
  ~Simulation();
  RunResult run();

  // Called by sessions.
  bool submit(std::shared_ptr<SimSession> from, Command command, std::string request_id);
  void on_close(SimSession& s, const std::string& reason);
  void check_outbound(SimSession& s, const Outbound& item);
  // Every frame a session is sent: a hidden room's name reaches only its owner and members.
  void check_hidden_names(const SimSession& s, std::string_view frame);
  // Every reply frame of a session with account requests pending (see the definition).
  void check_account_reply(SimSession& s, std::string_view frame);
  void check_profile_fields(const SimSession& s, events::AccountId shown, const std::vector<ProfileEntry>& fields);
  void schedule_timer(SimSession& s);
  void schedule_transport_closed(SimSession& s);
  void schedule_overflow(SimSession& s);
  void schedule_captcha_answer(SimSession& s);
  void schedule_read(SimSession& s, TimeMs at);
  void schedule_credential(SimSession& s) { schedule(now_ + 3, Ev::kCredential, s.conn); }
  TimeMs now() const { return now_; }
  const Script& script() const { return script_; }

  const NativeDialect native;
  const LowfDialect lowf;
  SessionOptions native_options, lowf_options;
  std::unique_ptr<CaptchaService> captcha;

 private:
  enum class Ev : std::uint8_t { kAction, kTick, kTimer, kTransportClosed, kOverflow, kCaptchaAnswer, kPing, kSweep, kDeadline, kRead, kCredential };
  struct Pending {
    TimeMs at;
    std::uint64_t order;
    Ev kind;
    std::uint64_t a;  // action index or connection number
    bool operator>(const Pending& o) const { return at != o.at ? at > o.at : order > o.order; }
  };
  void schedule(TimeMs at, Ev kind, std::uint64_t a) { queue_.push(Pending{at, order_++, kind, a}); }
  SimSession* session(std::uint64_t conn) {
    auto it = sessions_.find(conn);
    return it == sessions_.end() || it->second->dead ? nullptr : it->second.get();
  }

  void act(const Action& a, std::size_t index);
  void client_frame(SimSession& s, std::string frame, bool send = false);
  void client_sends(SimSession& s, SimSession::Inbound in);
  void client_drops(SimSession& s);
  void read_frames(SimSession& s);
  std::string frame_for(SimSession& s, ActionKind kind, std::uint32_t arg);
  void tick();
  void schedule_deadline();
  void crash();
  void start_server();
  void apply_committed(const Engine::BatchResult& result);
  void after_delivery(const std::vector<std::pair<std::string, ClientId>>& expected);
  void sweep();
  void check_pairs(const projections::World& w, const char* whose);
  void check_room_message(SimSession& s, const Outbound& item, const projections::RoomMessagePush& m);
  void check_dm_push(SimSession& s, const Outbound& item);
  void check_join_reply(SimSession& s, const JoinReply& r, const SimSession::Resume* asked);
  void check_durable();
  // Since when the durable World says client `c` is idle under the state limit (in stranger chat
  // LOOKING or DISCONNECTED, or out of its last room, and in no room), or nothing if it is not.
  std::optional<TimeMs> idle_since(ClientId c) const;
  void fail(const std::string& invariant, const std::string& detail);
  void count(const std::string& check) { ++result_.checks[check]; }
  void fault(const std::string& name) { ++result_.faults[name]; }

  const Script& script_;
  const RunOptions options_;
  RunResult result_;
  TimeMs now_ = 0;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> queue_;
  std::uint64_t order_ = 0;

  SimWallClock wall_;
  SeededRandom engine_random_;
  std::string lmdb_dir_;
  FaultyLog* log_ = nullptr;
  std::unique_ptr<FaultyLog> log_owner_;
  std::unique_ptr<Engine> engine_;
  Router router_;
  std::vector<Submission> submitted_;
  bool tick_scheduled_ = false;
  int armed_crash_ = 0;  // 1..3: crash at that point of the next batch

  std::map<std::uint64_t, std::shared_ptr<SimSession>> sessions_;  // by connection number
  std::vector<std::uint64_t> user_conn_;                           // each user's current connection (0: none)
  std::uint64_t next_conn_ = 1;
  std::vector<std::uint64_t> user_messages_;

  // The oracle: what the log holds, applied independently of the engine.
  projections::World durable_;
  events::EventDecoder decoder_;
  struct MessageInfo {
    Seq seq;
    PairId pair;
    ClientId from;
  };
  std::unordered_map<std::string, MessageInfo> messages_;          // durable message texts
  std::map<PairId, std::pair<ClientId, ClientId>> pair_sides_;     // every pair ever made
  std::unordered_set<std::string> acked_;                          // texts whose Send was answered ok
  std::unordered_set<std::string> delivered_;                      // text + '\n' + recipient
  std::unordered_map<ClientId, Seq> last_message_seq_;             // per recipient
  std::unordered_map<ClientId, std::uint64_t> client_conn_;        // client -> connection, from Connect replies
  std::unordered_map<ClientId, TimeMs> state_mono_;                // when the durable state last changed
  std::unordered_map<std::string, std::uint64_t> addr_conn_;
  std::vector<std::pair<std::string, ClientId>> expected_;         // deliveries a batch must make
  std::vector<std::uint64_t> released_;
  // Rooms: every post by its (unique) text, with the members present at its commit; the text of
  // each (room, number); who was ever the owner or a member of each hidden room (by name); the
  // last number each client saw per room; and what each user last saw of each room, across its
  // connections (for its resumes).
  struct RoomPostInfo {
    Seq seq = 0;
    RoomId room = events::kNoRoom;
    std::uint64_t number = 0;
    ClientId from = kNoClient;
    std::set<ClientId> recipients;
  };
  std::unordered_map<std::string, RoomPostInfo> room_posts_;
  std::map<std::pair<RoomId, std::uint64_t>, std::string> room_texts_;
  std::map<RoomId, std::string> hidden_rooms_;
  std::map<std::string, std::set<ClientId>> hidden_knowers_;
  std::map<std::pair<ClientId, RoomId>, std::uint64_t> last_room_number_;
  std::unordered_map<ClientId, TimeMs> presence_left_mono_;  // when the client's last room or DM presence ended
  struct UserRoom {
    RoomId id = events::kNoRoom;
    std::uint64_t last = 0;
  };
  std::vector<std::array<UserRoom, kSimRooms>> user_rooms_;
  std::uint64_t user_posts_ = 0;
  // DMs: every DM message by its (unique) text, as committed; the last number each client saw per DM.
  struct DmSendInfo {
    events::DmId dm = events::kNoDm;
    std::uint64_t number = 0;
    ClientId from = kNoClient, to = kNoClient;
  };
  std::unordered_map<std::string, DmSendInfo> dm_sends_;
  // Accounts: which account holds each username as far as acknowledged replies tell, and the
  // requests in flight that may let one go (a rename away, a deactivation: its purge frees it);
  // the tokens each user was given (in order), and the devices whose revocation (a logout, a
  // revoke) was acknowledged.
  std::map<std::string, events::AccountId> holder_;
  std::map<std::string, int> releases_in_flight_;
  std::map<std::string, std::uint64_t> releases_sent_;
  std::uint64_t renames_ = 0;
  std::unordered_map<std::uint32_t, std::vector<std::string>> user_tokens_;
  std::set<events::DeviceId> revoked_devices_;
  // Each account's password as far as acknowledged changes tell: the name it signed up with and
  // which of its two passwords it has, and its changes in flight; and the changes of who holds
  // each name in flight (a login with the other password proves nothing while either is).
  struct AccountPassword {
    std::string base;
    int which = 0;
    int changes_in_flight = 0;
    std::string issued;  // the first password, when the server made it at signup
  };
  std::map<events::AccountId, AccountPassword> passwords_;
  std::map<events::AccountId, std::uint32_t> signed_up_by_;  // the user whose email the account has
  std::uint64_t secrets_issued_ = 0;                         // by the simulated credential pool
  std::uint64_t credential_jobs_ = 0;                        // every 23rd is lost with its worker
  std::map<std::string, int> changes_in_flight_;
  // The name an account holds as far as the replies tell ("": none known), and forgetting it.
  std::string name_of(events::AccountId account) const {
    for (const auto& [name, holder] : holder_)
      if (holder == account && account != events::kNoAccount) return name;
    return "";
  }
  void forget_names_of(events::AccountId account) {
    std::erase_if(holder_, [&](const auto& entry) { return entry.second == account; });
  }
  // Profiles: each avatar value sent (unique), its audience and (once its reply is routed) its
  // owner; and every follow the log ever held, for the audiences' checks.
  struct AvatarInfo {
    events::Audience audience = events::Audience::kPrivate;
    events::AccountId owner = events::kNoAccount;
  };
  std::unordered_map<std::string, AvatarInfo> avatars_;
  std::set<std::pair<events::AccountId, events::AccountId>> ever_followed_;
  std::map<events::RoomId, bool> room_public_;  // every room created, whether public when created
  std::uint64_t avatar_count_ = 0;
  std::map<std::pair<ClientId, events::DmId>, std::uint64_t> last_dm_number_;
  std::set<std::uint64_t> right_password_;  // connections that sent small's password right
  std::uint64_t sweeps_ = 0;                            // sessions whose end a batch made durable
};

// ---- SimSession ------------------------------------------------------------------------------

SimSession::SimSession(Simulation& s, std::uint64_t c, std::uint32_t u, bool is_lowf, bool bad)
    : sim(s), conn(c), user(u), lowf(is_lowf), bad_captcha(bad), addr(addr_of(c)), opened(s.now()), last_activity(s.now()) {}

void SimSession::send(Frame frame) {
  if (!transport_open || dead) return;
  sim.check_hidden_names(*this, frame.view());
  if (!lowf && hello.empty()) {
    hello = std::string(frame.view());
    if (hello.find("\"captcha\":{") != std::string::npos) sim.schedule_captcha_answer(*this);
    return;
  }
  if (!lowf && !pending_accounts.empty() && frame.view().starts_with("{\"type\":\"reply\",")) sim.check_account_reply(*this, frame.view());
  if (reading) return;  // read and done with
  unread_bytes += frame.size();
  if (unread_bytes > sim.script().slow_reader_bytes && !overflow_pending) {
    overflow_pending = true;
    sim.schedule_overflow(*this);  // the transport reacts after the current delivery, as a real one does
  }
}

void SimSession::close(std::uint16_t, std::string reason) {
  if (dead) return;
  sim.on_close(*this, reason);
  if (transport_open) {
    transport_open = false;
    sim.schedule_transport_closed(*this);
  }
}

bool SimSession::submit(Command command, std::string request_id) {
  if (dead) return false;
  return sim.submit(shared_from_this(), std::move(command), std::move(request_id));
}

bool SimSession::start_credential(CredentialJob job) {
  if (dead) return false;
  credential_jobs.push_back(std::move(job));
  sim.schedule_credential(*this);
  return true;
}

const PushRenderer& SimSession::renderer() const {
  return lowf ? static_cast<const PushRenderer&>(sim.lowf) : sim.native;
}

void SimSession::deliver(std::vector<Outbound> items) {
  for (Outbound& item : items) {
    if (dead) return;
    sim.check_outbound(*this, item);
    logic->on_outbound(std::move(item), sim.now());
  }
  if (dead) return;
  sim.schedule_timer(*this);
  if (!inbound.empty()) sim.schedule_read(*this, sim.now());  // a reply may have ended a pause

}

// ---- Simulation ------------------------------------------------------------------------------

Simulation::Simulation(const Script& script, const RunOptions& options)
    : script_(script), options_(options), engine_random_(script.seed ^ 0x5eed5eed5eed5eedULL) {
  wall_.virtual_now = &now_;
  native_options.captcha_required = true;
  native_options.idle = script.idle;
  native_options.rate_per_sec = script.rate_per_sec;
  native_options.rate_burst = script.rate_burst;
  lowf_options = native_options;
  lowf_options.captcha_required = false;
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(script.seed >> (i % 8));
  captcha = std::make_unique<CaptchaService>(key, script.captcha_difficulty, 60'000,
                                             std::make_unique<SeededRandom>(script.seed ^ 0xca97c4aULL), wall_);
  user_conn_.assign(script.users, 0);
  user_messages_.assign(script.users, 0);
  user_rooms_.assign(script.users, {});

  std::unique_ptr<events::EventLog> inner;
  if (script.lmdb) {
    lmdb_dir_ = options.lmdb_dir + "/chatsim-" + std::to_string(getpid()) + "-" + std::to_string(script.seed) + "-" +
                std::to_string(reinterpret_cast<std::uintptr_t>(this));
    std::filesystem::remove_all(lmdb_dir_);
    events::LmdbLog::Options o;
    o.initial_map_size = 32 << 10;  // tiny: MDB_MAP_FULL fires and the map grows during the run
    o.no_sync = true;               // the crash is simulated; the file's atomicity is LMDB's own
    std::unique_ptr<events::LmdbLog> lmdb;
    Status st = events::LmdbLog::open(lmdb_dir_, o, &lmdb);
    if (!st.ok()) throw std::runtime_error("cannot open " + lmdb_dir_ + ": " + st.ToString());
    inner = std::move(lmdb);
  } else {
    inner = std::make_unique<events::MemoryLog>();
  }
  log_owner_ = std::make_unique<FaultyLog>(std::move(inner));
  log_ = log_owner_.get();
  if (options.plant == RunOptions::Plant::kLoseAcked) log_->lose_every = 40;
}

Simulation::~Simulation() {
  router_.clear();
  submitted_.clear();
  engine_.reset();
  for (auto& [conn, s] : sessions_) s->dead = true;
  sessions_.clear();
  log_owner_.reset();
  if (!lmdb_dir_.empty()) std::filesystem::remove_all(lmdb_dir_);
}

void Simulation::fail(const std::string& invariant, const std::string& detail) {
  if (result_.failed) return;
  result_.failed = true;
  result_.invariant = invariant;
  result_.detail = detail;
  result_.at = now_;
}

void Simulation::start_server() {
  EngineOptions engine_options;
  engine_options.limits.room_expire_idle_ms = kRoomExpireMs;
  engine_options.limits.deactivation_grace_ms = kDeactivationGraceMs;
  engine_ = std::make_unique<Engine>(*log_, wall_, engine_random_, engine_options);
  Status st = engine_->start();
  if (!st.ok()) return fail("server restarts", "engine start failed: " + st.ToString());
  // The start appended server_started: the oracle reads it from the log like any other event.
  Status bad;
  st = log_->scan_encoded(durable_.last_seq + 1, [&](Seq seq, std::string_view bytes) {
    events::Event e;
    bad = decoder_.decode_scanned(seq, bytes, e);
    if (bad.ok()) bad = projections::apply(durable_, e);
    return bad.ok();
  });
  if (!st.ok() || !bad.ok()) return fail("rebuild equals the live World", "after a start: " + (st.ok() ? bad : st).ToString());
  count("rebuild equals the live World");
  if (engine_->world().hash() != durable_.hash())
    fail("rebuild equals the live World", "the engine's World after its start differs from the log's");
  schedule_deadline();
}

// The World's next deadline, in virtual time: the server submits a Tick then, as EngineRunner does.
void Simulation::schedule_deadline() {
  if (!engine_) return;
  const TimeMs deadline = engine_->next_deadline();
  if (deadline == projections::kNoDeadline) return;
  schedule(std::max(now_, deadline - kWallStart - wall_.offset), Ev::kDeadline, 0);
}

RunResult Simulation::run() {
  const auto t0 = std::chrono::steady_clock::now();
  start_server();
  for (std::size_t i = 0; i < script_.actions.size(); ++i) schedule(script_.actions[i].at, Ev::kAction, i);
  schedule(kSweepMs, Ev::kSweep, 0);
  while (!queue_.empty() && !result_.failed) {
    Pending p = queue_.top();
    if (p.at > script_.duration_ms) break;
    queue_.pop();
    now_ = std::max(now_, p.at);
    switch (p.kind) {
      case Ev::kAction: act(script_.actions[p.a], p.a); break;
      case Ev::kTick: tick_scheduled_ = false; tick(); break;
      case Ev::kRead:
        if (SimSession* s = session(p.a)) {
          s->read_scheduled = false;
          read_frames(*s);
        }
        break;
      case Ev::kDeadline:
        if (engine_ && engine_->now() >= engine_->next_deadline()) submit(nullptr, Command{Tick{}}, "");
        break;
      case Ev::kSweep:
        sweep();
        schedule(now_ + kSweepMs, Ev::kSweep, 0);
        break;
      case Ev::kTimer:
        if (SimSession* s = session(p.a); s && s->timer_at == p.at) {
          s->timer_at = IdleTracker::kNever;
          // SessionLogic's rule, mirrored: while reading is paused, silence is the server's.
          if (s->logic->reading_paused()) s->last_activity = now_;
          s->logic->on_timer(now_);
          if (!s->dead) schedule_timer(*s);
        }
        break;
      case Ev::kTransportClosed:
        if (SimSession* s = session(p.a)) s->logic->on_transport_closed();
        break;
      case Ev::kOverflow:
        if (SimSession* s = session(p.a); s && s->transport_open) {
          fault("slow reader cut");
          s->logic->shutdown(DisconnectReason::kSlowReader, kClosePolicy, "slow reader");
        }
        break;
      case Ev::kCaptchaAnswer:
        if (SimSession* s = session(p.a); s && s->transport_open && !s->silent) {
          std::string frame;
          if (s->bad_captcha) {
            fault("wrong captcha solution");
            frame = R"({"op":"captcha","id":0,"solution":{"algorithm":"SHA-256","challenge":"00","number":1,"salt":"x?expires=1&","signature":"00"}})";
          } else {
            frame = testing::solve_hello_captcha(s->hello, "0");
            s->solved = true;
          }
          client_frame(*s, frame);
        }
        break;
      case Ev::kCredential:
        if (SimSession* s = session(p.a); s && !s->credential_jobs.empty()) {
          CredentialJob job = std::move(s->credential_jobs.front());
          s->credential_jobs.pop_front();
          CredentialResult r{job.ticket, false, ""};
          if (++credential_jobs_ % 23 == 0) {
            // The worker process died with the job (net/session/credential_process.hpp): the
            // session must answer busy and count no wrong password.
            fault("password worker lost the check");
            r.unavailable = true;
          } else if (job.kind == CredentialJob::Kind::kIssue) {
            r.secret = "issued" + std::to_string(++secrets_issued_);
            r.secret.resize(kIssuedSecretChars, 'x');
            r.hash = sim_hash(r.secret), r.ok = true;
          } else if (job.kind == CredentialJob::Kind::kHash) {
            r.hash = sim_hash(job.secret), r.ok = true;
          } else {
            r.ok = job.hash == sim_hash(job.secret);
          }
          if (!r.unavailable) {
            for (const std::string& other : job.alternatives) r.alternatives_matched.push_back(other == sim_hash(job.secret));
            if (!r.ok) fault("wrong room password");
          }
          s->logic->on_credential(std::move(r), now_);
          if (!s->dead) {
            schedule_timer(*s);
            if (!s->inbound.empty()) schedule_read(*s, now_);
          }
        }
        break;
      case Ev::kPing:
        // The transport pings every silence/3; a client that reads and is not silent answers.
        if (SimSession* s = session(p.a); s && s->transport_open) {
          if (s->reading && !s->silent) client_sends(*s, SimSession::Inbound{SimSession::Inbound::Kind::kPong, "", false});
          schedule(now_ + std::max<TimeMs>(script_.idle.silence_ms / 3, 1), Ev::kPing, s->conn);
        }
        break;
    }
  }
  if (!result_.failed) {
    // The end: drain what is queued, then the log, the engine and the oracle must agree.
    while (!submitted_.empty() && !result_.failed) tick();
    if (!result_.failed) check_durable();
  }
  log_->scan_encoded(1, [&](Seq, std::string_view bytes) {
    result_.log.emplace_back(bytes);
    return true;
  });
  result_.events = log_->last_seq();
  if (script_.lmdb) {
    if (auto* lmdb = dynamic_cast<events::LmdbLog*>(&log_->inner())) result_.faults["lmdb map growths"] += lmdb->map_growths();
  }
  result_.real_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result_;
}

bool Simulation::submit(std::shared_ptr<SimSession> from, Command command, std::string request_id) {
  if (!engine_) return false;
  if (!command.type().traits.essential && submitted_.size() >= 65536) return false;
  submitted_.push_back(Submission{std::move(command), std::move(from), std::move(request_id)});
  if (!tick_scheduled_) {
    tick_scheduled_ = true;
    schedule((now_ / script_.tick_ms + 1) * script_.tick_ms, Ev::kTick, 0);
  }
  return true;
}

void Simulation::schedule_timer(SimSession& s) {
  if (s.logic->closing()) return;  // a closing session's deadlines no longer matter (on_timer ignores them)
  const TimeMs d = s.logic->deadline();
  if (d < s.timer_at) {
    s.timer_at = std::max(d, now_);
    schedule(s.timer_at, Ev::kTimer, s.conn);
  }
}
void Simulation::schedule_transport_closed(SimSession& s) { schedule(now_ + 1, Ev::kTransportClosed, s.conn); }
void Simulation::schedule_overflow(SimSession& s) { schedule(now_, Ev::kOverflow, s.conn); }
void Simulation::schedule_captcha_answer(SimSession& s) { schedule(now_ + 1, Ev::kCaptchaAnswer, s.conn); }
void Simulation::schedule_read(SimSession& s, TimeMs at) {
  if (s.read_scheduled) return;
  s.read_scheduled = true;
  schedule(at, Ev::kRead, s.conn);
}

std::string Simulation::frame_for(SimSession& s, ActionKind kind, std::uint32_t arg) {
  static const char* const kNamesPool[] = {"Ana", "Bo", "Chen", "Dara", "Émile", "Fatou", "Gus", ""};
  const std::string id = std::to_string(s.next_id++);
  std::string text;
  if (kind == ActionKind::kSend) {
    text = "u" + std::to_string(s.user) + "m" + std::to_string(++user_messages_[s.user]);
    if (!s.lowf) s.pending_sends[id] = text;
  }
  if (s.lowf) {
    switch (kind) {
      case ActionKind::kName: {
        std::string f = R"({"type":"command","body":4,"message":)";
        append_json_string(f, kNamesPool[arg % 8]);
        return f + "}";
      }
      case ActionKind::kSearch: return R"({"type":"command","body":0})";
      case ActionKind::kSend: return R"({"type":"command","body":2,"message":")" + text + "\"}";
      case ActionKind::kLeave: return R"({"type":"command","body":1})";
      case ActionKind::kReport: return R"({"type":"command","body":3})";
      default: return R"({"type":"command","body":0})";
    }
  }
  if (kind == ActionKind::kAskRooms) {
    const std::string head = R"(,"id":)" + id;
    switch (arg / kSimRooms % 4) {
      case 0: return R"({"op":"rooms")" + head + "}";
      case 1: return R"({"op":"members")" + head + R"(,"room":")" + kRooms[arg % kSimRooms].name + "\"}";
      case 2: return R"({"op":"my_rooms")" + head + "}";
      default: return R"({"op":"online")" + head + "}";
    }
  }
  if (kind == ActionKind::kOpenDm) {
    std::string f = R"({"op":"open_dm","id":)" + id + R"(,"to":)";
    append_json_string(f, arg % 5 == 0 ? std::string(kNamesPool[arg % 7]) : "D" + std::to_string(arg));
    return f + "}";
  }
  if (kind >= ActionKind::kSignup && kind <= ActionKind::kFollow) {
    // Signups race for three names, or (one in two) take the user's own; the reads and follows
    // name an account the replies told of (or one of the three, before any).
    const std::string username =
        kind == ActionKind::kSignup && arg % 4 >= 2 ? "accu" + std::to_string(s.user) : "acct" + std::to_string(arg % 3);
    auto known = [&](std::uint32_t pick) {
      if (holder_.empty()) return "acct" + std::to_string(pick % 3);
      return std::next(holder_.begin(), static_cast<std::ptrdiff_t>(pick % holder_.size()))->first;
    };
    const std::string head = R"(,"id":)" + id;
    auto password = [](const AccountPassword& p, int which) {
      return which == 0 && !p.issued.empty() ? p.issued : "password-" + p.base + (which ? "-2" : "");
    };
    // A name is contested when an acknowledged account holds it and nothing in flight may let it go.
    auto contested = [&](const std::string& name) { return holder_.count(name) && releases_in_flight_[name] == 0; };
    // The client's own account, as the replies routed to it tell: its id, its name, its password.
    const events::AccountId me = s.account;
    const std::string mine = me == events::kNoAccount ? username : name_of(me);
    const AccountPassword my_password = me == events::kNoAccount ? AccountPassword{username} : passwords_[me];
    switch (kind) {
      case ActionKind::kSignup:
        s.pending_accounts[id] = {kind, username, true, 0, false, events::kNoAccount, "", contested(username), releases_sent_[username]};
        ++changes_in_flight_[username];
        s.pending_accounts[id].issue_secret = arg % 4 == 1;  // a secret the server makes, instead of a password
        return R"({"op":"signup")" + head + R"(,"username":")" + username + R"(","email":"u)" + std::to_string(s.user) +
               R"(@sim.example","display_name":"U)" + std::to_string(s.user) +
               (arg % 4 == 1 ? std::string(R"(","issue_secret":true})") : R"(","password":"password-)" + username + "\"}");
      case ActionKind::kLogin: {
        const bool wrong = arg / 3 % 3 == 2 && arg % 2 == 1, other = arg / 3 % 3 == 2 && arg % 2 == 0;
        if (arg % 3 == 1) {  // by the user's own email, with the password of one of its accounts (the first or the last)
          events::AccountId own = events::kNoAccount;
          for (const auto& [signed_up, user] : signed_up_by_)
            if (user == s.user && (own == events::kNoAccount || arg / 3 % 2)) own = signed_up;
          const AccountPassword known = own == events::kNoAccount ? AccountPassword{username} : passwords_[own];
          s.pending_accounts[id] = {kind, "", !wrong, known.which, false, own};
          s.pending_accounts[id].by_email = true;
          return R"({"op":"login")" + head + R"(,"email":"u)" + std::to_string(s.user) + R"(@sim.example","password":")" +
                 (wrong ? std::string("not-the-password") : password(known, known.which)) + "\"}";
        }
        auto held = holder_.find(username);
        const events::AccountId account = held == holder_.end() ? events::kNoAccount : held->second;
        const AccountPassword known = account == events::kNoAccount ? AccountPassword{username} : passwords_[account];
        const int which = other ? 1 - known.which : known.which;
        const bool stale = other && account != events::kNoAccount && known.changes_in_flight == 0 && changes_in_flight_[username] == 0;
        s.pending_accounts[id] = {kind, username, !wrong, which, stale, account};
        return R"({"op":"login")" + head + R"(,"username":")" + username + R"(","password":")" +
               (wrong ? std::string("not-the-password") : password(known, which)) + "\"}";
      }
      case ActionKind::kChangePassword: {
        s.pending_accounts[id] = {kind, mine, true, 1 - my_password.which, false, me};
        if (me != events::kNoAccount) ++passwords_[me].changes_in_flight;
        return R"({"op":"change_password")" + head + R"(,"password":")" + password(my_password, my_password.which) +
               R"(","new_password":")" + password(my_password, 1 - my_password.which) + "\"}";
      }
      case ActionKind::kDeactivate: {
        s.pending_accounts[id] = {kind, mine, true, my_password.which, false, me};
        ++releases_in_flight_[mine];
        ++releases_sent_[mine];
        return R"({"op":"deactivate")" + head + R"(,"password":")" + password(my_password, my_password.which) + "\"}";
      }
      case ActionKind::kLoginToken: {
        const auto& tokens = user_tokens_[s.user];
        const std::string token = tokens.empty() ? "never-issued" : arg % 2 == 0 ? tokens.back() : tokens.front();
        s.pending_accounts[id] = {kind, "", true};
        return R"({"op":"login_token")" + head + R"(,"token":")" + token + "\"}";
      }
      case ActionKind::kChangeUsername: {
        const std::string to = arg % 2 == 0 ? username : "acctr" + std::to_string(++renames_);
        s.pending_accounts[id] = {kind, to, true, my_password.which, false, me, mine, contested(to), releases_sent_[to]};
        ++releases_in_flight_[mine];
        ++releases_sent_[mine];
        ++changes_in_flight_[mine];
        ++changes_in_flight_[to];
        return R"({"op":"change_username")" + head + R"(,"username":")" + to + R"(","password":")" +
               password(my_password, my_password.which) + "\"}";
      }
      case ActionKind::kSetProfile: {
        if (arg % 5 == 4) return R"({"op":"clear_profile")" + head + R"(,"field":"avatar"})";
        const auto audience = static_cast<events::Audience>(arg % 3);
        const std::string value = std::string("https://sim.example/") + events::to_string(audience) + "/u" +
                                  std::to_string(s.user) + "n" + std::to_string(++avatar_count_);
        avatars_[value] = AvatarInfo{audience, events::kNoAccount};
        return R"({"op":"set_profile")" + head + R"(,"field":"avatar","value":")" + value + R"(","visibility":")" +
               events::to_string(audience) + "\"}";
      }
      case ActionKind::kReadAccounts: {
        const std::string of = known(arg / 4);
        static constexpr const char* kOps[] = {"profile", "followers", "following", "search_accounts"};
        return std::string(R"({"op":")") + kOps[arg % 4] + "\"" + head + R"(,"username":")" + of + "\"}";
      }
      case ActionKind::kFollow: {
        static constexpr const char* kOps[] = {"follow", "unfollow", "remove_follower"};
        return std::string(R"({"op":")") + kOps[arg % 3] + "\"" + head + R"(,"username":")" + known(arg / 3) + "\"}";
      }
      case ActionKind::kLogout: return R"({"op":"logout")" + head + "}";
      default:
      {
        // A device near its own (an account's devices are often issued close together), or any.
        const events::DeviceId device = s.device != events::kNoDevice && arg % 2 == 0 && s.device + arg % 7 > 3 ? s.device + arg % 7 - 3 : arg;
        s.pending_revokes[id] = device;
        return R"({"op":"revoke_device")" + head + R"(,"device":)" + std::to_string(device) + "}";
      }
    }
  }
  if (kind == ActionKind::kSendDm || kind == ActionKind::kCloseDm) {
    // Its own DM if it knows one, else one it may not be in (refused: no_such_dm).
    const events::DmId dm = s.dms.empty() ? arg : kind == ActionKind::kSendDm ? s.dms.back() : s.dms.front();
    if (kind == ActionKind::kCloseDm) return R"({"op":"close_dm","id":)" + id + R"(,"dm":)" + std::to_string(dm) + "}";
    const std::string text = "u" + std::to_string(s.user) + "d" + std::to_string(++user_posts_);
    s.pending_dm_sends[id] = text;
    return R"({"op":"send_dm","id":)" + id + R"(,"dm":)" + std::to_string(dm) + R"(,"text":")" + text + "\"}";
  }
  if (kind >= ActionKind::kCreateRoom && kind <= ActionKind::kPostRoom) {
    const SimRoom& room = kRooms[arg % kSimRooms];
    const std::string head = R"(,"id":)" + id + R"(,"room":")" + room.name + "\"";
    switch (kind) {
      case ActionKind::kCreateRoom: return R"({"op":"create_room")" + head + room.settings + "}";
      case ActionKind::kJoinRoom: {
        const UserRoom& seen = user_rooms_[s.user][arg % kSimRooms];
        SimSession::Resume& asked = s.pending_joins[id];
        std::string password;
        if (arg % kSimRooms == 1) {  // small has a password: given right, or wrong
          const bool right = arg / kSimRooms % 2 == 0;
          password = std::string(R"(,"password":")") + (right ? kRoomPassword : "guess") + "\"";
          if (right) right_password_.insert(s.conn);
        }
        if (seen.id == events::kNoRoom) return R"({"op":"join")" + head + password + "}";
        asked = SimSession::Resume{seen.last, seen.id};
        return R"({"op":"join")" + head + password + R"(,"since":)" + std::to_string(seen.last) + R"(,"room_id":)" +
               std::to_string(seen.id) + "}";
      }
      case ActionKind::kLeaveRoom: return R"({"op":"leave_room")" + head + "}";
      default: {
        const std::string post = "u" + std::to_string(s.user) + "p" + std::to_string(++user_posts_);
        s.pending_posts[id] = post;
        return R"({"op":"post")" + head + R"(,"text":")" + post + "\"}";
      }
    }
  }
  switch (kind) {
    case ActionKind::kName: {
      s.named = arg % 8 != 7;  // the last of the pool is empty: refused
      s.dm_named = false;
      std::string f = R"({"op":"name","id":)" + id + R"(,"name":)";
      append_json_string(f, kNamesPool[arg % 8]);
      return f + "}";
    }
    case ActionKind::kSearch: return R"({"op":"search","id":)" + id + "}";
    case ActionKind::kSend: return R"({"op":"send","id":)" + id + R"(,"text":")" + text + "\"}";
    case ActionKind::kLeave: return R"({"op":"leave","id":)" + id + "}";
    case ActionKind::kReport: return R"({"op":"report","id":)" + id + R"(,"reason":"spam"})";
    default: return R"({"op":"search","id":)" + id + "}";
  }
}

void Simulation::client_frame(SimSession& s, std::string frame, bool send) {
  // (A native Send before the captcha is answered by the gate, not by the engine.)
  client_sends(s, SimSession::Inbound{SimSession::Inbound::Kind::kFrame, std::move(frame), send && (s.lowf || s.solved)});
}

void Simulation::client_sends(SimSession& s, SimSession::Inbound in) {
  if (s.client_gone) return;
  s.inbound.push_back(std::move(in));
  read_frames(s);
}

// The client goes away (a FIN): what it sent before is still read, then the end.
void Simulation::client_drops(SimSession& s) {
  client_sends(s, SimSession::Inbound{SimSession::Inbound::Kind::kEnd, "", false});
  s.client_gone = true;
}

// The transport's reader, as net/transport/connection.hpp runs it: nothing is read while the logic
// pauses reading (pongs and the end included: they come through the same reads), and a frame
// read waits for its frame_ready_at().
void Simulation::read_frames(SimSession& s) {
  while (!s.inbound.empty() && !s.dead && s.transport_open) {
    if (!s.front_asked) {
      if (s.logic->reading_paused()) return;  // a delivery schedules the next read
      if (s.inbound.front().kind == SimSession::Inbound::Kind::kPong) {
        s.inbound.pop_front();
        s.last_activity = now_;
        s.logic->on_pong(now_);
        continue;
      }
      if (s.inbound.front().kind == SimSession::Inbound::Kind::kEnd) {
        s.inbound.clear();
        s.transport_open = false;
        s.logic->on_transport_closed();
        return;
      }
      s.front_asked = true;
      s.front_ready_at = s.logic->frame_ready_at(now_);
      if (s.dead) return;
    }
    if (s.front_ready_at > now_) return schedule_read(s, s.front_ready_at);
    SimSession::Inbound in = std::move(s.inbound.front());
    s.inbound.pop_front();
    s.front_asked = false;
    s.last_activity = now_;
    if (in.send && !s.logic->closing()) ++s.sends_handed;
    s.logic->on_frame(in.frame, now_);
  }
  if (!s.dead) schedule_timer(s);
}

void Simulation::act(const Action& a, std::size_t index) {
  if (a.kind == ActionKind::kCrash) {
    if (!engine_) return;
    if (a.arg == 0) {
      fault("crash between batches");
      return crash();
    }
    armed_crash_ = static_cast<int>(a.arg);
    return;
  }
  if (a.kind == ActionKind::kClockJump) {
    fault("clock jump");
    wall_.offset += (static_cast<TimeMs>(a.arg) - 600) * 1000;
    return;
  }
  if (a.kind == ActionKind::kStorm) {
    fault("disconnect storm");
    SeededRandom pick(script_.seed ^ (index * 0x9e3779b97f4a7c15ULL));
    for (std::uint32_t u = 0; u < script_.users; ++u) {
      SimSession* s = session(user_conn_[u]);
      if (s && s->transport_open && !s->client_gone && pick.uniform(100) < a.arg) client_drops(*s);
    }
    return;
  }
  SimSession* s = session(user_conn_[a.user]);
  const bool open = s && s->transport_open && !s->client_gone;
  switch (a.kind) {
    case ActionKind::kConnect:
    case ActionKind::kConnectLowf: {
      if (open || !engine_) return;
      const bool is_lowf = a.kind == ActionKind::kConnectLowf;
      auto fresh = std::make_shared<SimSession>(*this, next_conn_++, a.user, is_lowf, a.arg == 1);
      fresh->logic = std::make_unique<SessionLogic>(is_lowf ? static_cast<const WireDialect&>(lowf) : native,
                                                    is_lowf ? lowf_options : native_options, captcha.get(), *fresh,
                                                    fresh->addr, now_);
      sessions_[fresh->conn] = fresh;
      user_conn_[a.user] = fresh->conn;
      addr_conn_[fresh->addr] = fresh->conn;
      ++result_.connections;
      fresh->logic->open();
      if (!fresh->dead) {
        schedule_timer(*fresh);
        if (script_.idle.silence_ms > 0) schedule(now_ + std::max<TimeMs>(script_.idle.silence_ms / 3, 1), Ev::kPing, fresh->conn);
      }
      return;
    }
    default: break;
  }
  if (!open || s->silent) return;
  switch (a.kind) {
    case ActionKind::kGoSilent: fault("client goes silent"); s->silent = true; return;
    case ActionKind::kStopReading: fault("client stops reading"); s->reading = false; return;
    case ActionKind::kResumeReading: s->reading = true; s->unread_bytes = 0; return;
    case ActionKind::kDrop:
      fault("client drops");
      return client_drops(*s);
    case ActionKind::kMalformed: fault("malformed frame"); return client_frame(*s, "{this is not json");
    case ActionKind::kFlood:
      fault("flood");
      // A burst of messages, as lowf's page sends them when pasted text is split: backpressure
      // delivers the burst in order, and only a flood past the rate for long is closed.
      for (std::uint32_t i = 0; i < a.arg && s->transport_open && !s->dead; ++i) client_frame(*s, frame_for(*s, ActionKind::kSend, 0), true);
      return;
    case ActionKind::kSend: return client_frame(*s, frame_for(*s, a.kind, a.arg), true);
    case ActionKind::kCreateRoom:
    case ActionKind::kJoinRoom:
    case ActionKind::kLeaveRoom:
    case ActionKind::kPostRoom:
    case ActionKind::kAskRooms:
    case ActionKind::kOpenDm:
    case ActionKind::kSendDm:
    case ActionKind::kCloseDm:
      if (s->lowf) return;  // lowf is stranger chat only
      // A DM user goes by a name of its own (D<user>), so that others can find it.
      if (a.kind >= ActionKind::kOpenDm && !s->dm_named) {
        client_frame(*s, R"({"op":"name","id":)" + std::to_string(s->next_id++) + R"(,"name":"D)" + std::to_string(a.user) + "\"}");
        s->named = s->dm_named = true;
      }
      // Rooms and DMs show who speaks: a user without a name takes one first (as a client would).
      if (!s->named) client_frame(*s, frame_for(*s, ActionKind::kName, a.user % 7));
      return client_frame(*s, frame_for(*s, a.kind, a.arg));
    case ActionKind::kSignup:
    case ActionKind::kLogin:
    case ActionKind::kLoginToken:
    case ActionKind::kLogout:
    case ActionKind::kRevokeDevice:
    case ActionKind::kChangePassword:
    case ActionKind::kDeactivate:
    case ActionKind::kChangeUsername:
    case ActionKind::kSetProfile:
    case ActionKind::kReadAccounts:
    case ActionKind::kFollow:
      if (s->lowf) return;  // lowf's page cannot log in
      return client_frame(*s, frame_for(*s, a.kind, a.arg));
    default: return client_frame(*s, frame_for(*s, a.kind, a.arg));
  }
}

void Simulation::tick() {
  if (!engine_ || submitted_.empty()) return;
  const std::size_t n = std::min<std::size_t>(submitted_.size(), script_.max_batch);
  std::vector<Submission> items(std::make_move_iterator(submitted_.begin()),
                                std::make_move_iterator(submitted_.begin() + static_cast<std::ptrdiff_t>(n)));
  submitted_.erase(submitted_.begin(), submitted_.begin() + static_cast<std::ptrdiff_t>(n));
  std::vector<Command> commands;
  commands.reserve(n);
  for (Submission& item : items) commands.push_back(std::move(item.command));
  Engine::BatchResult result;
  Status st = engine_->prepare(commands, result);
  if (!st.ok()) return fail("the engine accepts every batch", "prepare failed: " + st.ToString());
  ++result_.batches;
  for (std::size_t i = 0; i < n; ++i) items[i].command = std::move(commands[i]);
  const int crash_at = std::exchange(armed_crash_, 0);
  if (crash_at == 1) {
    fault("crash after prepare");
    return crash();
  }
  if (options_.plant == RunOptions::Plant::kEarlyRelease) router_.deliver(items, result);
  if (crash_at == 2) log_->crash_in_append = true;
  st = engine_->commit(result);
  if (!st.ok()) {
    if (log_->crashed_in_append) {
      log_->crashed_in_append = false;
      fault("crash inside the append, before the sync");
      return crash();
    }
    // A real log failure: chatd stops (nothing of the batch was acknowledged) and restarts.
    fault("log failure");
    return crash();
  }
  apply_committed(result);
  if (result_.failed) return;
  if (crash_at == 3) {
    fault("crash after the commit, before delivery");
    return crash();
  }
  if (options_.plant != RunOptions::Plant::kEarlyRelease) router_.deliver(items, result);
  after_delivery(expected_);
  for (std::uint64_t conn : std::exchange(released_, {})) {
    auto it = sessions_.find(conn);
    if (it != sessions_.end() && !it->second->transport_open) sessions_.erase(it);
  }
  if (!submitted_.empty() && !tick_scheduled_) {
    tick_scheduled_ = true;
    schedule(now_ + script_.tick_ms, Ev::kTick, 0);
  }
  schedule_deadline();
}

void Simulation::apply_committed(const Engine::BatchResult& result) {
  expected_.clear();
  released_.clear();
  for (std::size_t i = 0; i < result.encoded_count; ++i) {
    events::Event e;
    const Seq seq = result.first_seq + i;
    Status st = decoder_.decode_stored(seq, result.encoded[i], e);
    if (!st.ok()) return fail("the log holds what the engine committed", st.ToString());
    const projections::World& before = durable_;
    // Who this event changes the state of, and when (monotonic), for the idle checks.
    std::vector<ClientId> involved = projections::subjects_of(e, before).clients;
    // (state, state_since) before the event: a change of either is a state change. The state alone
    // is not enough with a clock jumped back, when the engine holds event times still.
    std::vector<std::tuple<ClientId, ClientState, TimeMs>> since_before;
    for (ClientId c : involved)
      if (const auto* client = before.get<StrangerState>().find(c)) since_before.emplace_back(c, client->state, client->state_since);
    if (const auto* connected = e.payload.get_if<events::ClientConnected>()) {
      count("no client without the captcha");
      auto conn = addr_conn_.find(connected->addr);
      auto session = conn == addr_conn_.end() ? sessions_.end() : sessions_.find(conn->second);
      const SimSession* s = session == sessions_.end() ? nullptr : session->second.get();
      if (!s) return fail("no client without the captcha", "a client from an unknown connection " + connected->addr);
      if (!s->lowf && !s->solved)
        return fail("no client without the captcha", "connection " + connected->addr + " became client " +
                                                           std::to_string(connected->client) + " without solving the captcha");
    }
    if (const auto* m = e.payload.get_if<events::MessageSent>()) {
      messages_[m->text] = MessageInfo{seq, m->pair, m->from};
      const auto& sides = pair_sides_[m->pair];
      for (ClientId side : {sides.first, sides.second})
        if (client_conn_.count(side)) expected_.emplace_back(m->text, side);
    }
    if (const auto* p = e.payload.get_if<events::Paired>()) pair_sides_[p->pair] = {p->seeker, p->waiter};
    if (const auto* f = e.payload.get_if<events::Followed>()) ever_followed_.insert({f->follower, f->followee});
    if (const auto* c = e.payload.get_if<events::RoomCreated>()) room_public_[c->room] = c->visibility == events::Visibility::kPublic;
    if (const auto* p = e.payload.get_if<events::RoomPosted>()) {
      RoomPostInfo info{seq, p->room, p->number, p->from, {}};
      if (const projections::Room* r = before.get<RoomsState>().find(p->room))
        for (const auto& [member, since] : r->members) {
          info.recipients.insert(member);
          if (client_conn_.count(member)) expected_.emplace_back(p->text, member);
        }
      room_texts_[{p->room, p->number}] = p->text;
      room_posts_[p->text] = std::move(info);
    }
    if (const auto* c = e.payload.get_if<events::RoomCreated>(); c && c->visibility == events::Visibility::kHidden) {
      hidden_rooms_[c->room] = c->name;
      hidden_knowers_[c->name].insert(c->owner);
    }
    if (const auto* j = e.payload.get_if<events::RoomJoined>()) {
      if (auto h = hidden_rooms_.find(j->room); h != hidden_rooms_.end()) hidden_knowers_[h->second].insert(j->client);
      const projections::Room* r = before.get<RoomsState>().find(j->room);
      if (r && !r->password_hash.empty() && r->owner != j->client) {
        count("a room's password is needed to join it");
        auto conn = client_conn_.find(j->client);
        if (conn == client_conn_.end() || !right_password_.count(conn->second))
          return fail("a room's password is needed to join it", "client " + std::to_string(j->client) + " joined room " +
                                                                    std::to_string(j->room) + " without sending its password");
      }
    }
    if (const auto* d = e.payload.get_if<events::RoomDeleted>(); d && d->why == events::RoomEnd::kExpired) fault("room expired");
    if (const auto* m = e.payload.get_if<events::DmSent>()) {
      dm_sends_[m->text] = DmSendInfo{m->dm, m->number, m->from, m->to};
      for (ClientId side : {m->from, m->to})
        if (client_conn_.count(side)) expected_.emplace_back(m->text, side);
    }
    if (e.payload.is<events::DmOpened>() || e.payload.is<events::DmSent>()) {
      count("a DM's two sides are online while it is open");
      const auto& clients = durable_.get<StrangerState>();
      for (ClientId c : involved)
        if (!clients.find(c)) return fail("a DM's two sides are online while it is open", "client " + std::to_string(c) + " is gone");
    }
    // Who may be leaving its last room with this event (the session's tracker restarts its idle time).
    std::vector<ClientId> leaving_rooms;
    if (const auto* l = e.payload.get_if<events::RoomLeft>()) leaving_rooms.push_back(l->client);
    if (const auto* d = e.payload.get_if<events::RoomDeleted>())
      if (const projections::Room* r = before.get<RoomsState>().find(d->room))
        for (const auto& [member, since] : r->members) leaving_rooms.push_back(member);
    // (and its DMs: one it closes, or one whose other side goes away)
    if (const auto* c = e.payload.get_if<events::DmClosed>())
      if (const projections::Dm* dm = before.get<projections::DmsState>().find(c->dm)) leaving_rooms.insert(leaving_rooms.end(), {dm->opener, dm->peer});
    if (const auto* x = e.payload.get_if<events::ClientDisconnected>())
      if (const auto* dms = before.get<projections::DmsState>().dms_of(x->client))
        for (events::DmId id : *dms)
          if (const projections::Dm* dm = before.get<projections::DmsState>().find(id)) leaving_rooms.push_back(dm->other(x->client));
    st = projections::apply(durable_, e);
    if (!st.ok()) return fail("the log holds what the engine committed", st.ToString());
    for (ClientId c : leaving_rooms)  // in no room and no DM: idle from now
      if (durable_.get<RoomsState>().rooms_of(c) == nullptr && durable_.get<projections::DmsState>().dms_of(c) == nullptr)
        presence_left_mono_[c] = now_;
    if (const auto* x = e.payload.get_if<events::ClientDisconnected>()) {
      count("a client's DMs end with it");
      if (durable_.get<projections::DmsState>().dms_of(x->client))
        return fail("a client's DMs end with it", "client " + std::to_string(x->client) + " still has a DM open");
    }
    if (const auto* j = e.payload.get_if<events::RoomJoined>()) {
      count("a room never holds more members than its limit");
      const projections::Room* r = durable_.get<RoomsState>().find(j->room);
      if (r && r->settings.limit > 0 && r->members.size() > r->settings.limit)
        return fail("a room never holds more members than its limit", "room " + std::to_string(j->room) + " holds " +
                                                                          std::to_string(r->members.size()) + " members, its limit is " +
                                                                          std::to_string(r->settings.limit));
    }
    for (ClientId c : involved) {
      const auto* client = durable_.get<StrangerState>().find(c);
      if (!client) continue;
      auto was = std::find_if(since_before.begin(), since_before.end(), [&](const auto& p) { return std::get<0>(p) == c; });
      if (was == since_before.end() || std::get<1>(*was) != client->state || std::get<2>(*was) != client->state_since)
        state_mono_[c] = now_;
    }
    if (const auto* connected = e.payload.get_if<events::ClientConnected>()) state_mono_[connected->client] = now_;
    if (const auto* d = e.payload.get_if<events::ClientDisconnected>()) {
      state_mono_.erase(d->client);
      presence_left_mono_.erase(d->client);
      auto conn = client_conn_.find(d->client);
      if (conn != client_conn_.end()) {
        // The session's end is durable: the simulation lets go of it once its transport is gone.
        released_.push_back(conn->second);  // after this batch's delivery
        client_conn_.erase(conn);
      }
    }
  }
}

void Simulation::check_outbound(SimSession& s, const Outbound& item) {
  if (item.kind == Outbound::Kind::kReply) {
    if (item.command == &CommandType::of<Connect>() && item.reply.ok()) {
      s.client = item.reply.binds_client;
      client_conn_[s.client] = s.conn;
    }
    if (item.command == &CommandType::of<Send>()) {
      ++s.sends_answered;
      auto pending = s.pending_sends.find(item.request_id);
      if (pending == s.pending_sends.end()) return;
      const std::string text = std::move(pending->second);
      s.pending_sends.erase(pending);
      if (!item.reply.ok()) return;
      count("acknowledged only after commit");
      if (!messages_.count(text))
        return fail("acknowledged only after commit", "the send of \"" + text + "\" was acknowledged before its event was in the log");
      acked_.insert(text);
    }
    if (item.command == &CommandType::of<PostRoom>()) {
      auto pending = s.pending_posts.find(item.request_id);
      if (pending == s.pending_posts.end()) return;
      const std::string text = std::move(pending->second);
      s.pending_posts.erase(pending);
      if (!item.reply.ok()) return;
      count("acknowledged only after commit");
      if (!room_posts_.count(text))
        return fail("acknowledged only after commit", "the post of \"" + text + "\" was acknowledged before its event was in the log");
    }
    if (item.command == &CommandType::of<SendDm>()) {
      auto pending = s.pending_dm_sends.find(item.request_id);
      if (pending == s.pending_dm_sends.end()) return;
      const std::string text = std::move(pending->second);
      s.pending_dm_sends.erase(pending);
      if (!item.reply.ok()) return fault("DM send refused: " + std::string(item.reply.error.code()));
      count("acknowledged only after commit");
      if (!dm_sends_.count(text))
        return fail("acknowledged only after commit", "the DM message \"" + text + "\" was acknowledged before its event was in the log");
    }
    if (item.command == &CommandType::of<OpenDm>()) {
      if (!item.reply.ok()) return fault("DM open refused: " + std::string(item.reply.error.code()));
      const events::DmId dm = item.reply.body.as<DmReply>().dm.dm;
      if (std::find(s.dms.begin(), s.dms.end(), dm) == s.dms.end()) s.dms.push_back(dm);
    }
    if (item.command == &CommandType::of<CloseDm>() && item.reply.ok()) {
      fault("DM closed");
      s.dms.clear();  // (re-learnt below from what is still open: the closed one is the oldest)
      if (const auto* mine = durable_.get<projections::DmsState>().dms_of(s.client)) s.dms = *mine;
    }
    if (item.reply.ok() && (item.command == &CommandType::of<Signup>() || item.command == &CommandType::of<Login>() ||
                            item.command == &CommandType::of<LoginToken>()))
      s.account = item.reply.body.as<LoginReply>().account;
    if (item.reply.ok() && (item.command == &CommandType::of<Logout>() || item.command == &CommandType::of<Deactivate>()))
      s.account = events::kNoAccount;
    if (item.command == &CommandType::of<SetProfileField>() && item.reply.ok())
      if (auto sent = avatars_.find(item.reply.body.as<ProfileEntry>().value); sent != avatars_.end()) sent->second.owner = s.account;
    if (item.command == &CommandType::of<SetProfileField>() || item.command == &CommandType::of<ReadProfile>() ||
        item.command == &CommandType::of<Follow>() || item.command == &CommandType::of<SearchAccounts>())
      fault(std::string(item.command->name) + (item.reply.ok() ? "" : " refused: " + std::string(item.reply.error.code())));
    if (item.reply.ok()) {
      if (item.command == &CommandType::of<ReadProfile>()) {
        const ProfileReply& r = item.reply.body.as<ProfileReply>();
        check_profile_fields(s, r.account, r.fields);
      }
      if (item.command == &CommandType::of<ListFollowers>() || item.command == &CommandType::of<ListFollowing>() ||
          item.command == &CommandType::of<SearchAccounts>())
        for (const AccountCard& card : item.reply.body.as<AccountsPage>().accounts) check_profile_fields(s, card.account, card.fields);
      if (item.command == &CommandType::of<ListMembers>())
        for (const auto& [index, card] : item.reply.body.as<MembersReply>().accounts) check_profile_fields(s, card.account, card.fields);
      if (result_.failed) return;
    }
    if (item.command == &CommandType::of<Logout>() && item.reply.ok()) {
      fault("logout");
      revoked_devices_.insert(s.device);
      s.device = events::kNoDevice;
    }
    if (item.command == &CommandType::of<RevokeDevice>()) {
      auto asked = s.pending_revokes.find(item.request_id);
      if (asked == s.pending_revokes.end()) return;
      const events::DeviceId device = asked->second;
      s.pending_revokes.erase(asked);
      if (!item.reply.ok()) return;
      fault("device revoked");
      revoked_devices_.insert(device);
      if (device == s.device) s.device = events::kNoDevice, s.account = events::kNoAccount;  // its own: a logout
    }
    if ((item.command == &CommandType::of<JoinRoom>() || item.command == &CommandType::of<CreateRoom>()) && item.reply.ok()) {
      auto asked = s.pending_joins.find(item.request_id);
      check_join_reply(s, item.reply.body.as<JoinReply>(), asked == s.pending_joins.end() ? nullptr : &asked->second);
      if (asked != s.pending_joins.end()) s.pending_joins.erase(asked);
    }
    return;
  }
  if (const auto* m = item.push->body.get_if<projections::RoomMessagePush>()) return check_room_message(s, item, *m);
  if (const auto* news = item.push->body.get_if<projections::FollowedRoomCreatedPush>()) {
    // The news of a room goes only to an account that followed its creator, and never of a hidden room.
    const char* const kInvariant = "a followed account's new room is told to its followers only, never a hidden one";
    fault("followed room created");
    count(kInvariant);
    auto created = room_public_.find(news->room);
    if (created != room_public_.end() && !created->second)
      return fail(kInvariant, "client " + std::to_string(s.client) + " was told of hidden room " + news->room_name);
    if (s.account == events::kNoAccount || !ever_followed_.count({s.account, news->account}))
      return fail(kInvariant, "client " + std::to_string(s.client) + " (account " + std::to_string(s.account) +
                                  ") was told of a room by account " + std::to_string(news->account));
    return;
  }
  if (item.push->body.type()->domain == std::string_view("dms")) return check_dm_push(s, item);
  if (const auto* out = item.push->body.get_if<projections::LoggedOutPush>()) {
    revoked_devices_.insert(out->device);
    s.account = events::kNoAccount;
    s.device = events::kNoDevice;
    return;
  }
  const auto* message = item.push->body.get_if<projections::MessagePush>();
  if (!message) return;
  ++result_.messages_delivered;
  count("a message reaches only the partner, once, in order, after its commit");
  const std::string& text = message->text;
  if (!item.own && !item.frame)  // (a native sender has its reply instead of its own message)
    return fail("a message reaches only the partner", "client " + std::to_string(s.client) + " got \"" + text +
                                                          "\" with no frame to send: its dialect said nothing");
  auto info = messages_.find(text);
  if (info == messages_.end())
    return fail("a message is delivered only after its commit", "client " + std::to_string(s.client) + " got \"" + text +
                                                                    "\" before its event was in the log");
  const auto sides = pair_sides_[info->second.pair];
  const bool own = info->second.from == s.client;
  if (s.client != sides.first && s.client != sides.second)
    return fail("a message reaches only the partner", "client " + std::to_string(s.client) + " got \"" + text +
                                                          "\" of a pair it is not in");
  if (own != item.own)
    return fail("a message reaches only the partner", "the echo flag of \"" + text + "\" is wrong for client " +
                                                          std::to_string(s.client));
  if (own) acked_.insert(text);  // its sender saw it: acknowledged
  if (!delivered_.insert(text + '\n' + std::to_string(s.client)).second)
    return fail("a message reaches the partner exactly once", "\"" + text + "\" reached client " + std::to_string(s.client) + " twice");
  Seq& last = last_message_seq_[s.client];
  if (info->second.seq <= last)
    return fail("messages arrive in order", "client " + std::to_string(s.client) + " got seq " +
                                                std::to_string(info->second.seq) + " after seq " + std::to_string(last));
  last = info->second.seq;
}

// The text of `"key":"..."` or the number of `"key":N` in a frame the server wrote (no escapes in
// what the simulation's accounts send), or "".
std::string frame_value(std::string_view frame, std::string_view key) {
  const std::string head = "\"" + std::string(key) + "\":";
  std::size_t at = frame.find(head);
  if (at == std::string_view::npos) return "";
  at += head.size();
  if (at < frame.size() && frame[at] == '"') return std::string(frame.substr(at + 1, frame.find('"', at + 1) - at - 1));
  return std::string(frame.substr(at, frame.find_first_of(",}", at) - at));
}

// A signup's or a login's answer, as the client reads it (a password's answer may come from the
// session's gate, never from the engine, so the frame is what tells): a username is signed up at
// most once, a wrong password never logs in, a token whose revocation was acknowledged never logs
// in again, and a login is as the account asked for.
void Simulation::check_account_reply(SimSession& s, std::string_view frame) {
  const std::string id = frame_value(frame, "id");
  auto it = s.pending_accounts.find(id);
  if (it == s.pending_accounts.end()) return;
  const SimSession::AccountAsk asked = std::move(it->second);
  s.pending_accounts.erase(it);
  const bool accepted = frame.find("\"ok\":true") != std::string_view::npos;
  // A name taken while an acknowledged account held it, with no release of it sent since before
  // the request was: two accounts had one username at once.
  auto unique = [&](const std::string& name) {
    count("usernames are unique at every seq");
    if (asked.contested && releases_sent_[name] == asked.releases_before)
      fail("usernames are unique at every seq", "\"" + name + "\" was taken while account " + std::to_string(holder_[name]) + " held it");
  };
  if (asked.kind == ActionKind::kChangePassword || asked.kind == ActionKind::kDeactivate) {
    const bool change = asked.kind == ActionKind::kChangePassword;
    if (change && asked.account != events::kNoAccount) --passwords_[asked.account].changes_in_flight;
    if (!change) --releases_in_flight_[asked.username];
    if (!accepted) return fault(std::string(change ? "password change" : "deactivation") + " refused: " + frame_value(frame, "error"));
    fault(change ? "password changed" : "deactivated");
    if (change) {
      if (asked.account != events::kNoAccount) passwords_[asked.account].which = asked.password;
    } else {  // every device of the account is revoked: this one is known; its purge frees the name
      revoked_devices_.insert(s.device);
      s.device = events::kNoDevice;
      forget_names_of(asked.account);
    }
    return;
  }
  if (asked.kind == ActionKind::kChangeUsername) {
    --releases_in_flight_[asked.old_username];
    --changes_in_flight_[asked.old_username];
    --changes_in_flight_[asked.username];
    if (!accepted) return fault("rename refused: " + frame_value(frame, "error"));
    fault("username changed");
    unique(asked.username);
    if (asked.account != events::kNoAccount) {
      forget_names_of(asked.account);
      holder_[asked.username] = asked.account;
    }
    return;
  }
  const char* what = asked.kind == ActionKind::kSignup ? "signup"
                     : asked.kind == ActionKind::kLogin ? (asked.by_email ? "email login" : "password login")
                                                        : "token login";
  if (asked.kind == ActionKind::kSignup) --changes_in_flight_[asked.username];
  // A login by email names, or logs in as, only accounts of that email.
  auto of_the_email = [&](events::AccountId account) {
    count("a login by email reaches only the email's accounts");
    auto signer = signed_up_by_.find(account);
    if (signer != signed_up_by_.end() && signer->second != s.user)
      fail("a login by email reaches only the email's accounts",
           "client " + std::to_string(s.client) + " of user " + std::to_string(s.user) + " was given account " + std::to_string(account));
  };
  if (asked.by_email && frame_value(frame, "error") == "choose_account") {
    fault("email login: choose an account");
    for (std::size_t at = frame.find("{\"account\":"); at != std::string_view::npos; at = frame.find("{\"account\":", at + 1))
      of_the_email(std::stoull("0" + frame_value(frame.substr(at), "account")));
    return;
  }
  if (!accepted) return fault(std::string(what) + " refused: " + frame_value(frame, "error"));
  fault(what);
  const std::string username = frame_value(frame, "username");
  const events::DeviceId device = std::stoull("0" + frame_value(frame, "device"));
  const events::AccountId account = std::stoull("0" + frame_value(frame, "account"));
  if (asked.kind == ActionKind::kSignup) {
    unique(asked.username);
    if (result_.failed) return;
    passwords_[account] = AccountPassword{asked.username};
    signed_up_by_[account] = s.user;
    count("a secret the server makes is shown once, to its signup");
    const std::string issued = frame_value(frame, "secret");
    if (issued.size() != (asked.issue_secret ? kIssuedSecretChars : 0))
      return fail("a secret the server makes is shown once, to its signup",
                  "signup of \"" + asked.username + "\" got a secret of " + std::to_string(issued.size()) + " characters");
    passwords_[account].issued = issued;
  } else if (asked.kind == ActionKind::kLogin) {
    if (asked.by_email) of_the_email(account);
    count("a wrong password never logs in");
    if (!asked.right_password)
      return fail("a wrong password never logs in", "client " + std::to_string(s.client) + " logged in as \"" + username + "\"");
    // Sent with the password an acknowledged change replaced, and none in flight since: refused.
    count("a replaced password never logs in after its change commits");
    const AccountPassword& known = passwords_[account];
    if (asked.stale && account == asked.account && known.changes_in_flight == 0 && changes_in_flight_[asked.username] == 0 &&
        known.which != asked.password)
      return fail("a replaced password never logs in after its change commits",
                  "client " + std::to_string(s.client) + " logged in as \"" + username + "\" with the old password");
  } else {
    count("a revoked token never logs in after its revocation commits");
    if (revoked_devices_.count(device))
      return fail("a revoked token never logs in after its revocation commits",
                  "client " + std::to_string(s.client) + " logged in through revoked device " + std::to_string(device));
  }
  if (!asked.username.empty() && username != asked.username)
    return fail("a login is as the account asked for", "asked for \"" + asked.username + "\", got \"" + username + "\"");
  forget_names_of(account);
  holder_[username] = account;  // it held the name when the login was decided
  if (const std::string token = frame_value(frame, "token"); !token.empty()) user_tokens_[s.user].push_back(token);
  s.device = device;
}

// The profile fields of account `shown` a reply routed to `s` shows (a profile, a follower list,
// a search's cards): an avatar is shown with the audience it was set with, a private one only to
// its owner, a follower-only one only to its owner or an account that followed it at some point.
// Each is counted as checked when the account's avatar is one the reader may not see.
void Simulation::check_profile_fields(const SimSession& s, events::AccountId shown, const std::vector<ProfileEntry>& fields) {
  if (const projections::Account* a = durable_.get<projections::AccountsState>().find(shown); a && shown != s.account) {
    if (auto avatar = a->profile.find("avatar"); avatar != a->profile.end()) {
      if (avatar->second.visibility == events::Audience::kPrivate) count("a private field never reaches another client");
      if (avatar->second.visibility == events::Audience::kFollowers && !ever_followed_.count({s.account, shown}))
        count("a follower-only field reaches only followers");
    }
  }
  for (const ProfileEntry& f : fields) {
    if (f.field != "avatar") continue;
    auto sent = avatars_.find(f.value);
    if (sent == avatars_.end()) return fail("a profile shows what its owner set", "an avatar nobody set: " + f.value);
    const AvatarInfo& info = sent->second;
    if (f.visibility != info.audience)
      return fail("a profile shows what its owner set", f.value + " shown as " + events::to_string(f.visibility));
    if (info.owner == events::kNoAccount) continue;  // its setter's reply is not routed yet
    const std::string reader = "client " + std::to_string(s.client) + " (account " + std::to_string(s.account) + ")";
    if (info.audience == events::Audience::kPrivate) {
      if (s.account != info.owner) return fail("a private field never reaches another client", reader + " was shown " + f.value);
    } else if (info.audience == events::Audience::kFollowers) {
      if (s.account == events::kNoAccount || (s.account != info.owner && !ever_followed_.count({s.account, info.owner})))
        return fail("a follower-only field reaches only followers", reader + " was shown " + f.value);
    }
  }
}

void Simulation::check_dm_push(SimSession& s, const Outbound& item) {
  if (const auto* o = item.push->body.get_if<projections::DmOpenedPush>()) {
    if (!item.own) s.dms.push_back(o->dm);
    return fault("DM opened");
  }
  if (const auto* c = item.push->body.get_if<projections::DmClosedPush>()) {
    if (!item.own) std::erase(s.dms, c->dm);
    return;
  }
  const auto* m = item.push->body.get_if<projections::DmMessagePush>();
  if (!m) return;
  const char* const kInvariant = "a DM message reaches exactly its two sides, once, in order, after its commit";
  count(kInvariant);
  auto info = dm_sends_.find(m->text);
  if (info == dm_sends_.end())
    return fail(kInvariant, "client " + std::to_string(s.client) + " got \"" + m->text + "\" before its event was in the log");
  const DmSendInfo& sent = info->second;
  if (s.client != sent.from && s.client != sent.to)
    return fail(kInvariant, "client " + std::to_string(s.client) + " got \"" + m->text + "\" of DM " + std::to_string(sent.dm) +
                                " it is not a side of");
  if (item.own != (s.client == sent.from))
    return fail(kInvariant, "the own flag of \"" + m->text + "\" is wrong for client " + std::to_string(s.client));
  if (!item.frame) return fail(kInvariant, "client " + std::to_string(s.client) + " got \"" + m->text + "\" with no frame to send");
  if (!delivered_.insert(m->text + '\n' + std::to_string(s.client)).second)
    return fail(kInvariant, "\"" + m->text + "\" reached client " + std::to_string(s.client) + " twice");
  std::uint64_t& last = last_dm_number_[{s.client, m->dm}];
  if (m->number != last + 1 || m->dm != sent.dm || m->number != sent.number)
    return fail(kInvariant, "client " + std::to_string(s.client) + " got number " + std::to_string(m->number) + " of DM " +
                                std::to_string(m->dm) + " after number " + std::to_string(last));
  last = m->number;
}

void Simulation::check_room_message(SimSession& s, const Outbound& item, const projections::RoomMessagePush& m) {
  const char* const kInvariant = "a room message reaches exactly the members present at its commit, once, in order";
  count(kInvariant);
  const std::string& text = m.message.text;
  auto info = room_posts_.find(text);
  if (info == room_posts_.end())
    return fail(kInvariant, "client " + std::to_string(s.client) + " got \"" + text + "\" before its event was in the log");
  if (!info->second.recipients.count(s.client))
    return fail(kInvariant, "client " + std::to_string(s.client) + " got \"" + text + "\" without being in room " +
                                std::to_string(info->second.room) + " at its commit");
  if (item.own != (info->second.from == s.client))
    return fail(kInvariant, "the own flag of \"" + text + "\" is wrong for client " + std::to_string(s.client));
  if (!item.frame) return fail(kInvariant, "the native dialect said nothing of \"" + text + "\"");
  if (!delivered_.insert(text + '\n' + std::to_string(s.client)).second)
    return fail(kInvariant, "\"" + text + "\" reached client " + std::to_string(s.client) + " twice");
  std::uint64_t& last = last_room_number_[{s.client, m.room}];
  if (m.message.number <= last)
    return fail(kInvariant, "client " + std::to_string(s.client) + " got number " + std::to_string(m.message.number) + " of room " +
                                std::to_string(m.room) + " after number " + std::to_string(last));
  last = m.message.number;
  if (const std::uint32_t i = sim_room_index(m.room_name); i < kSimRooms) user_rooms_[s.user][i] = UserRoom{m.room, m.message.number};
}

void Simulation::check_join_reply(SimSession& s, const JoinReply& r, const SimSession::Resume* asked) {
  const char* const kInvariant = "resume returns exactly the missed messages or a gap";
  count(kInvariant);
  const std::string room = "room " + std::to_string(r.room) + " for client " + std::to_string(s.client);
  for (std::size_t i = 0; i < r.history.size(); ++i) {
    const projections::RoomMessage& m = r.history[i];
    if (i > 0 && m.number != r.history[i - 1].number + 1) return fail(kInvariant, room + ": the history has a hole at " + std::to_string(m.number));
    auto logged = room_texts_.find({r.room, m.number});
    if (logged == room_texts_.end() || logged->second != m.text)
      return fail(kInvariant, room + ": message " + std::to_string(m.number) + " is not the one the log holds");
  }
  if (!r.history.empty() && r.history.back().number != r.last_number)
    return fail(kInvariant, room + ": the history ends at " + std::to_string(r.history.back().number) + ", the room at " +
                                std::to_string(r.last_number));
  if (asked && asked->since) {
    const std::uint64_t since = *asked->since;
    if (asked->room_id != r.room) {
      if (!r.gap) return fail(kInvariant, room + ": a resume by another room's id is not a gap");
    } else if (!r.gap) {
      const std::uint64_t first = r.history.empty() ? r.last_number + 1 : r.history.front().number;
      if (first != std::min(since, r.last_number) + 1)
        return fail(kInvariant, room + ": resumed from " + std::to_string(since) + " without a gap, but its history starts at " +
                                    std::to_string(first));
    } else if (!r.history.empty() && r.history.front().number <= since + 1) {
      return fail(kInvariant, room + ": a gap reported where none was (resumed from " + std::to_string(since) + ")");
    }
    if (asked->room_id == r.room) fault(r.gap ? "room resume with a gap" : "room resume without a gap");
  }
  std::uint64_t& last = last_room_number_[{s.client, r.room}];
  last = std::max(last, r.last_number);
  if (const std::uint32_t i = sim_room_index(r.name); i < kSimRooms) user_rooms_[s.user][i] = UserRoom{r.room, r.last_number};
}

void Simulation::check_hidden_names(const SimSession& s, std::string_view frame) {
  for (const auto& [name, knowers] : hidden_knowers_) {
    if (frame.find(name) == std::string_view::npos) continue;
    count("a hidden room's name never reaches a non-member");
    if (!knowers.count(s.client))
      return fail("a hidden room's name never reaches a non-member", "client " + std::to_string(s.client) + " got a frame naming \"" +
                                                                       name + "\": " + std::string(frame.substr(0, 200)));
  }
}

void Simulation::after_delivery(const std::vector<std::pair<std::string, ClientId>>& expected) {
  for (const auto& [text, client] : expected) {
    count("a message reaches the partner exactly once");
    if (!delivered_.count(text + '\n' + std::to_string(client)))
      return fail("a message reaches the partner exactly once", "\"" + text + "\" never reached client " + std::to_string(client) +
                                                                     ", whose session was routed");
  }
}

void Simulation::on_close(SimSession& s, const std::string& reason) {
  // The logic closes for idleness only once the deadline has passed, never before.
  const TimeMs since_open = now_ - s.opened;
  if (reason == "captcha not solved in time") {
    fault("idle: captcha gate");
    count("idle deadlines never fire early");
    if (since_open < script_.idle.gate_ms)
      fail("idle deadlines never fire early", "gate closed after " + std::to_string(since_open) + " ms");
  } else if (reason.rfind("idle: no frame", 0) == 0) {
    fault("idle: silent");
    count("idle deadlines never fire early");
    if (now_ - s.last_activity < script_.idle.silence_ms)
      fail("idle deadlines never fire early", "silence closed after " + std::to_string(now_ - s.last_activity) + " ms");
  } else if (reason.rfind("idle: ", 0) == 0) {
    fault("idle: looking or disconnected");
    count("idle deadlines never fire early");
    const std::optional<TimeMs> since = idle_since(s.client);
    if (!since || now_ - *since < script_.idle.state_ms)
      fail("idle deadlines never fire early", "client " + std::to_string(s.client) + " closed as idle: " + reason);
  } else if (reason.rfind("flooding", 0) == 0) {
    fault("flooding cut");
  }
}

std::optional<TimeMs> Simulation::idle_since(ClientId c) const {
  if (durable_.get<RoomsState>().rooms_of(c)) return std::nullopt;  // in a room: active
  if (durable_.get<projections::DmsState>().dms_of(c)) return std::nullopt;  // in a DM: active
  const projections::Stranger* client = durable_.get<StrangerState>().find(c);
  if (!client) return std::nullopt;
  auto state = state_mono_.find(c);
  auto left = presence_left_mono_.find(c);
  const bool idle_state = client->state == ClientState::kLooking || client->state == ClientState::kDisconnected;
  if (!idle_state && left == presence_left_mono_.end()) return std::nullopt;  // paired, or never marked (CONNECTED)
  if (client->state == ClientState::kPaired) return std::nullopt;
  TimeMs since = 0;
  if (idle_state && state != state_mono_.end()) since = state->second;
  if (left != presence_left_mono_.end()) since = std::max(since, left->second);
  return since;
}

void Simulation::sweep() {
  // Every idle deadline fires within its bound: nobody stays past one.
  for (const auto& [conn, sp] : sessions_) {
    const SimSession& s = *sp;
    if (s.dead || !s.transport_open || s.logic->closing()) continue;
    count("idle deadlines fire within their bound");
    const IdlePolicy& idle = script_.idle;
    if (idle.silence_ms > 0 && now_ > s.last_activity + idle.silence_ms + kIdleSlackMs)
      return fail("idle deadlines fire within their bound", "connection " + s.addr + " silent for " +
                                                                std::to_string(now_ - s.last_activity) + " ms is still open");
    if (s.client == kNoClient && !s.logic->closing() && idle.gate_ms > 0 && s.hello.find("\"captcha\":{") != std::string::npos &&
        now_ > s.opened + idle.gate_ms + kIdleSlackMs)
      return fail("idle deadlines fire within their bound", "connection " + s.addr + " past the captcha gate is still open");
    if (s.client != kNoClient && idle.state_ms > 0) {
      const std::optional<TimeMs> since = idle_since(s.client);
      if (since && now_ > *since + idle.state_ms + kIdleSlackMs)
        return fail("idle deadlines fire within their bound", "client " + std::to_string(s.client) + " idle for " +
                                                                  std::to_string(now_ - *since) + " ms is still connected");
    }
  }
  // Whole-World pair checks cost a pass over every client: every 5 sweeps, and at each crash and the end.
  if (++sweeps_ % 5 == 0) {
    if (engine_) check_pairs(engine_->world(), "the engine's");
    check_pairs(durable_, "the log's");
  }
}

void Simulation::check_pairs(const projections::World& world, const char* whose) {
  count("pairs are symmetric");
  const StrangerState& w = world.get<StrangerState>();
  for (const auto& [id, c] : w.clients) {
    if (c.state != ClientState::kPaired) continue;
    auto p = w.pairs.find(c.pair);
    const projections::Stranger* partner = w.find(c.partner);
    if (p == w.pairs.end() || !partner || partner->pair != c.pair || partner->partner != id ||
        (p->second.seeker != id && p->second.waiter != id))
      return fail("pairs are symmetric", std::string(whose) + " World: client " + std::to_string(id) + " is in a one-sided pair");
  }
  for (const auto& [id, p] : w.pairs) {
    for (ClientId side : {p.seeker, p.waiter}) {
      const projections::Stranger* c = w.find(side);
      if (!c || c->state != ClientState::kPaired || c->pair != id)
        return fail("pairs are symmetric", std::string(whose) + " World: pair " + id.to_string() + " has a side not in it");
    }
  }
}

void Simulation::check_durable() {
  if (engine_) check_pairs(engine_->world(), "the engine's");
  check_pairs(durable_, "the log's");
  if (result_.failed) return;
  // Every acknowledged message is in the log, and the log rebuilds to the oracle's World.
  count("acknowledged events survive");
  std::unordered_set<std::string> logged;
  events::EventDecoder decoder;
  Status bad;
  Status st = log_->scan_encoded(1, [&](Seq seq, std::string_view bytes) {
    if (bytes.find("\"message_sent\"") == std::string_view::npos) return true;
    events::Event e;
    bad = decoder.decode_scanned(seq, bytes, e);
    if (bad.ok()) logged.insert(e.payload.as<events::MessageSent>().text);
    return bad.ok();
  });
  if (!st.ok() || !bad.ok()) return fail("acknowledged events survive", "the log does not scan: " + (st.ok() ? bad : st).ToString());
  // Backpressure loses nothing: every message a session still open has read was answered.
  for (const auto& [conn, sp] : sessions_) {
    const SimSession& sess = *sp;
    if (sess.dead || !sess.transport_open || sess.logic->closing()) continue;
    count("every message read is answered");
    if (sess.sends_handed != sess.sends_answered)
      return fail("every message read is answered", "connection " + sess.addr + " read " + std::to_string(sess.sends_handed) +
                                                        " messages and had " + std::to_string(sess.sends_answered) + " answered");
  }
  for (const std::string& text : acked_)
    if (!logged.count(text)) return fail("acknowledged events survive", "acknowledged message \"" + text + "\" is not in the log");
  count("rebuild equals the live World");
  projections::World rebuilt;
  st = projections::rebuild(*log_, rebuilt);
  if (!st.ok()) return fail("rebuild equals the live World", "rebuild failed: " + st.ToString());
  if (rebuilt.hash() != durable_.hash())
    return fail("rebuild equals the live World", "the log rebuilds to another World than the one its commits built");
  if (engine_ && !engine_->broken() && engine_->world().last_seq == rebuilt.last_seq && engine_->world().hash() != rebuilt.hash())
    return fail("rebuild equals the live World", "the engine's World differs from the log's");
}

void Simulation::crash() {
  ++result_.crashes;
  // The process is gone: its sessions, queue, routes and engine with it.
  for (auto& [conn, s] : sessions_) {
    s->dead = true;
    s->transport_open = false;
  }
  router_.clear();
  submitted_.clear();
  engine_.reset();
  sessions_.clear();
  client_conn_.clear();
  state_mono_.clear();
  presence_left_mono_.clear();
  std::fill(user_conn_.begin(), user_conn_.end(), 0);
  check_durable();
  if (result_.failed) return;
  if (script_.lmdb) {
    // A new process opens the folder again.
    log_->replace_inner(nullptr);
    events::LmdbLog::Options o;
    o.no_sync = true;
    std::unique_ptr<events::LmdbLog> lmdb;
    Status st = events::LmdbLog::open(lmdb_dir_, o, &lmdb);
    if (!st.ok()) return fail("server restarts", "cannot reopen the log: " + st.ToString());
    log_->replace_inner(std::move(lmdb));
  }
  start_server();
}

}  // namespace

const char* to_string(RunOptions::Plant plant) {
  switch (plant) {
    case RunOptions::Plant::kNone: return "none";
    case RunOptions::Plant::kEarlyRelease: return "early-release";
    case RunOptions::Plant::kLoseAcked: return "lose-acked";
  }
  return "?";
}

RunResult run(const Script& script, const RunOptions& options) {
  Simulation sim(script, options);
  return sim.run();
}

Script shrink(const Script& failing, const RunOptions& options, const std::string& invariant, int max_runs) {
  Script best = failing;
  int runs = 0;
  auto still_fails = [&](const Script& candidate) {
    ++runs;
    RunResult r = run(candidate, options);
    return r.failed && r.invariant == invariant;
  };
  // Delta debugging: drop chunks, halving the chunk size when no chunk can go.
  for (std::size_t chunk = std::max<std::size_t>(best.actions.size() / 2, 1); chunk >= 1 && runs < max_runs;) {
    bool dropped = false;
    for (std::size_t start = 0; start < best.actions.size() && runs < max_runs;) {
      Script candidate = best;
      const std::size_t end = std::min(best.actions.size(), start + chunk);
      candidate.actions.erase(candidate.actions.begin() + static_cast<std::ptrdiff_t>(start),
                              candidate.actions.begin() + static_cast<std::ptrdiff_t>(end));
      if (still_fails(candidate)) {
        best = std::move(candidate);
        dropped = true;
      } else {
        start = end;
      }
    }
    if (!dropped) {
      if (chunk == 1) break;
      chunk /= 2;
    }
  }
  // A shorter run that still fails is simpler too.
  if (!best.actions.empty()) {
    Script candidate = best;
    candidate.duration_ms = best.actions.back().at + 60'000;
    if (candidate.duration_ms < best.duration_ms && runs < max_runs && still_fails(candidate)) best = candidate;
  }
  return best;
}

}  // namespace chatd::sim
