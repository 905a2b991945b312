// Log: chatd's operational log, one line per event on stderr, as text or as JSON lines.
//
// A line is an event name (`listening`, `connection_rejected`, `slow_reader`, ...; the catalog is
// in docs/operations.md) with a level and named fields, never prose, so a line can be matched by
// its name and its fields read by a program. What a line must never carry, by construction:
//   - chat text, room topics, profile fields, passwords, tokens: no field takes them, and the
//     callers pass reasons (enum names), counts and ids only;
//   - a client's address, unless the level is debug: `peer` fields are dropped above it.
// Lines of one event past kBurst a second are counted instead of written; the next line of that
// event written carries `suppressed=N`, so a flood of refusals cannot fill a disk.
// Until configure() is called nothing is written: the simulator and the tests that drive sessions
// in-process stay quiet, and chatd configures it from --log-format and --log-level first thing.
//
// Thread-safety: every function may be called from any thread. A line is built on the caller's
// stack and written with one write(2) (stderr is unbuffered and lines are < PIPE_BUF, so lines of
// two threads never interleave); the burst counters take a mutex, only for lines being written.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace chatd::log {

// The version of the line format and of the event catalog; `chatd --version` prints it. Raise it
// when an event is renamed or a field changes meaning (adding events or fields does not).
inline constexpr int kSchemaVersion = 1;

enum class Level { kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

// Lines of one event name written per second; the rest are counted.
inline constexpr int kBurst = 20;

// Where whole lines go (with their '\n'); the default writes them to stderr.
using Sink = void (*)(std::string_view line);

// Call before threads that log start (tests may call it again between runs). kOff, the default,
// writes nothing.
void configure(Level level, Format format, Sink sink = nullptr);
bool enabled(Level level);
Level level();
Format format();

// "debug", "info", "warn", "error", "off" / "text", "json"; false for anything else.
bool parse_level(std::string_view text, Level& level);
bool parse_format(std::string_view text, Format& format);
std::string_view name_of(Level level);
std::string_view name_of(Format format);

// One line, written when it goes out of scope (if its level is enabled). `event` is a string
// literal (the burst limit keeps it by address).
//   log::info("listening").field("address", where).field("dialect", "native");
class Line {
 public:
  Line(Level level, std::string_view event);
  ~Line();
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  Line& field(std::string_view key, std::string_view value);
  Line& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  Line& field(std::string_view key, bool value);
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Line& field(std::string_view key, T value) {
    if constexpr (std::is_signed_v<T>) return signed_field(key, static_cast<std::int64_t>(value));
    else return unsigned_field(key, static_cast<std::uint64_t>(value));
  }
  // A client's address: written only at debug level.
  Line& peer(std::string_view key, std::string_view address);

 private:
  Line& signed_field(std::string_view key, std::int64_t value);
  Line& unsigned_field(std::string_view key, std::uint64_t value);
  void add(std::string_view key, std::string_view value, bool quoted);

  bool on_;  // the level is enabled: fields are formatted only then
  Level level_;
  std::string_view event_;
  std::string fields_;
};

inline Line debug(std::string_view event) { return Line(Level::kDebug, event); }
inline Line info(std::string_view event) { return Line(Level::kInfo, event); }
inline Line warn(std::string_view event) { return Line(Level::kWarn, event); }
inline Line error(std::string_view event) { return Line(Level::kError, event); }

}  // namespace chatd::log
