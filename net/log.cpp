#include "net/log.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>

#include "core/base/civil_date.hpp"
#include "core/base/json_text.hpp"

namespace chatd::log {
namespace {

// Set by configure(), normally before any thread logs; atomics so that a test configuring again
// between runs is no data race (relaxed loads cost what plain ones do on x86).
std::atomic<Level> g_level{Level::kOff};
std::atomic<Format> g_format{Format::kText};
std::atomic<Sink> g_sink{nullptr};

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error", "off"};

// The burst limit, per event name. chatd's catalog is a few dozen names: a small table searched
// linearly, under a mutex taken only for lines whose level is enabled (none is on a hot path).
struct Burst {
  std::string_view event;  // the names are literals: they outlive the table
  std::int64_t second = 0;
  int written = 0;
  std::uint64_t suppressed = 0;  // not written since the last line of this event
};
std::mutex g_burst_mutex;
std::array<Burst, 64> g_bursts;
std::size_t g_burst_count = 0;

// Whether a line of `event` may be written at `now_ms`; if so, how many were held back before it.
bool admit(std::string_view event, std::int64_t now_ms, std::uint64_t& suppressed) {
  std::lock_guard lock(g_burst_mutex);
  Burst* b = nullptr;
  for (std::size_t i = 0; i < g_burst_count; ++i)
    if (g_bursts[i].event == event) b = &g_bursts[i];
  if (!b) {
    if (g_burst_count == g_bursts.size()) {  // a catalog grown past the table: no limit for the rest
      suppressed = 0;
      return true;
    }
    b = &g_bursts[g_burst_count++];
    *b = Burst{event};
  }
  const std::int64_t second = now_ms / 1000;
  if (second != b->second) {
    b->second = second;
    b->written = 0;
  }
  if (b->written >= kBurst) {
    ++b->suppressed;
    return false;
  }
  ++b->written;
  suppressed = b->suppressed;
  b->suppressed = 0;
  return true;
}

void write_all(std::string_view line) {
  while (!line.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr closed or full: the log is best effort, the server goes on
    line.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Text values: bare when they are one plain word, quoted (with \" \\ and \xNN escapes) otherwise.
void append_text_value(std::string& out, std::string_view v) {
  bool bare = !v.empty();
  for (unsigned char c : v)
    if (c <= ' ' || c == '"' || c == '\\' || c == '=' || c >= 0x7f) bare = false;
  if (bare) {
    out += v;
    return;
  }
  out += '"';
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < ' ' || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

}  // namespace

void configure(Level level, Format format, Sink sink) {
  g_level.store(level, std::memory_order_relaxed);
  g_format.store(format, std::memory_order_relaxed);
  g_sink.store(sink, std::memory_order_relaxed);
  std::lock_guard lock(g_burst_mutex);
  g_burst_count = 0;
}

bool enabled(Level level) { return level != Level::kOff && level >= g_level.load(std::memory_order_relaxed); }

Level level() { return g_level.load(std::memory_order_relaxed); }
Format format() { return g_format.load(std::memory_order_relaxed); }
std::string_view name_of(Level level) { return kLevelNames[static_cast<int>(level)]; }
std::string_view name_of(Format format) { return format == Format::kJson ? "json" : "text"; }

bool parse_level(std::string_view text, Level& level) {
  for (std::size_t i = 0; i < std::size(kLevelNames); ++i)
    if (text == kLevelNames[i]) {
      level = static_cast<Level>(i);
      return true;
    }
  return false;
}

bool parse_format(std::string_view text, Format& format) {
  if (text == "text") format = Format::kText;
  else if (text == "json") format = Format::kJson;
  else return false;
  return true;
}

Line::Line(Level level, std::string_view event) : on_(enabled(level)), level_(level), event_(event) {}

Line::~Line() {
  if (!on_) return;
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::uint64_t suppressed = 0;
  if (!admit(event_, now_ms, suppressed)) return;
  if (suppressed > 0) unsigned_field("suppressed", suppressed);
  std::string line;
  line.reserve(64 + fields_.size());
  const std::string_view level = kLevelNames[static_cast<int>(level_)];
  if (g_format.load(std::memory_order_relaxed) == Format::kJson) {
    line += "{\"ts\":";
    append_json_string(line, format_utc_time(now_ms));
    line += ",\"level\":";
    append_json_string(line, level);
    line += ",\"event\":";
    append_json_string(line, event_);
    line += fields_;
    line += "}\n";
  } else {
    line += format_utc_time(now_ms);
    line += ' ';
    line += level;
    line += ' ';
    line += event_;
    line += fields_;
    line += '\n';
  }
  if (Sink sink = g_sink.load(std::memory_order_relaxed)) sink(line);
  else write_all(line);
}

void Line::add(std::string_view key, std::string_view value, bool quoted) {
  if (g_format.load(std::memory_order_relaxed) == Format::kJson) {
    fields_ += ',';
    append_json_string(fields_, key);
    fields_ += ':';
    if (quoted) append_json_string(fields_, value);
    else fields_ += value;
  } else {
    fields_ += ' ';
    fields_ += key;
    fields_ += '=';
    if (quoted) append_text_value(fields_, value);
    else fields_ += value;
  }
}

Line& Line::field(std::string_view key, std::string_view value) {
  if (on_) add(key, value, true);
  return *this;
}

Line& Line::signed_field(std::string_view key, std::int64_t value) {
  if (on_) add(key, std::to_string(value), false);
  return *this;
}

Line& Line::unsigned_field(std::string_view key, std::uint64_t value) {
  if (on_) add(key, std::to_string(value), false);
  return *this;
}

Line& Line::field(std::string_view key, bool value) {
  if (on_) add(key, value ? "true" : "false", false);
  return *this;
}

Line& Line::peer(std::string_view key, std::string_view address) {
  if (on_ && g_level.load(std::memory_order_relaxed) == Level::kDebug) add(key, address, true);
  return *this;
}

}  // namespace chatd::log
