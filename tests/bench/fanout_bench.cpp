// fanout_bench: the delivery of one push to many sessions, as the router does it for a room or a
// broadcast, against the way every push used to go out (a copy of the push for each recipient,
// each session rendering its own frame).
//
//   shared:   one push (a SystemNoticePush of TEXT bytes) with N recipients: the router renders it
//             once per dialect and every recipient's Outbound shares the frame's bytes.
//   per-copy: N pushes, each a copy of the same body for one recipient: N renderings, N frames.
//
// Half the sessions speak the native dialect, half lowf. Reported per recipient: the time of
// Router::deliver (median of R rounds), allocations and bytes allocated (a counting operator new).
// --smoke (ctest) checks only what must hold whatever the machine: in the shared case every
// recipient of a dialect holds the same bytes, the frames say the text, and the allocations do
// not grow with the text; no timing is asserted.
//
//   fanout_bench [--recipients N] [--text BYTES] [--rounds R] [--smoke]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "net/engine/router.hpp"
#include "net/lowf/dialect.hpp"
#include "net/native/dialect.hpp"
#include "core/session/commands.hpp"
#include "projections/session/state.hpp"

namespace {

std::atomic<std::uint64_t> g_allocations{0}, g_bytes{0};

}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(n, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace chatd;

class Port final : public SessionPort {
 public:
  explicit Port(const WireDialect& dialect) : dialect_(dialect) {}
  void deliver(std::vector<Outbound> items) override { last = std::move(items); }
  const PushRenderer& renderer() const override { return dialect_; }
  std::vector<Outbound> last;

 private:
  const WireDialect& dialect_;
};

struct Measure {
  double ns_per_recipient = 0;
  double allocations_per_recipient = 0;
  double bytes_per_recipient = 0;
};

struct Setup {
  NativeDialect native;
  LowfDialect lowf;
  std::vector<std::shared_ptr<Port>> ports;
  Router router;

  explicit Setup(std::size_t n) {
    // Clients 1..n, routed to their sessions as Connect replies route them (binds_client).
    std::vector<Submission> items;
    Engine::BatchResult result;
    for (std::size_t i = 0; i < n; ++i) {
      ports.push_back(std::make_shared<Port>(i % 2 ? static_cast<const WireDialect&>(lowf) : native));
      items.push_back(Submission{Command{Connect{}}, ports.back(), ""});
      Reply r;
      r.binds_client = i + 1;
      result.replies.push_back(std::move(r));
      result.push_end.push_back(0);
    }
    router.deliver(items, result);
  }

  // One batch of one command whose pushes reach every client: one push for all (shared) or one
  // per recipient (per-copy).
  Engine::BatchResult batch(const std::string& text, bool shared) {
    Engine::BatchResult r;
    r.replies.emplace_back();
    const std::size_t n = ports.size();
    if (shared) {
      r.pushes.push_back({std::make_shared<const projections::Push>(projections::Push{.body = projections::SystemNoticePush{text}}), 0,
                          static_cast<std::uint32_t>(n)});
      for (std::size_t i = 0; i < n; ++i) r.recipients.push_back({i + 1, false});
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        r.pushes.push_back({std::make_shared<const projections::Push>(projections::Push{.body = projections::SystemNoticePush{text}}),
                            static_cast<std::uint32_t>(i), 1});
        r.recipients.push_back({i + 1, false});
      }
    }
    r.push_end.push_back(r.pushes.size());
    return r;
  }
};

Measure measure(Setup& s, const std::string& text, bool shared, int rounds) {
  std::vector<double> ns, allocs, bytes;
  for (int round = 0; round < rounds; ++round) {
    const std::uint64_t a0 = g_allocations.load(), b0 = g_bytes.load();
    auto t0 = std::chrono::steady_clock::now();
    // The push is built as notify builds it (a copy of the text per push), then delivered.
    Engine::BatchResult r = s.batch(text, shared);
    std::vector<Submission> items(1);
    s.router.deliver(items, r);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double n = static_cast<double>(s.ports.size());
    ns.push_back(secs * 1e9 / n);
    allocs.push_back(static_cast<double>(g_allocations.load() - a0) / n);
    bytes.push_back(static_cast<double>(g_bytes.load() - b0) / n);
  }
  return Measure{bench::median(ns), bench::median(allocs), bench::median(bytes)};
}

// The smoke checks: each recipient got one push whose frame says the text; in the shared case the
// recipients of a dialect hold the very same bytes.
bool check(Setup& s, const std::string& text, bool shared) {
  Engine::BatchResult r = s.batch(text, shared);
  std::vector<Submission> items(1);
  s.router.deliver(items, r);
  std::map<const PushRenderer*, const char*> bytes_of;
  for (const auto& port : s.ports) {
    if (port->last.size() != 1 || !port->last[0].frame) return false;
    if (port->last[0].frame.view().find(text) == std::string_view::npos) return false;
    auto [it, first] = bytes_of.try_emplace(&port->renderer(), port->last[0].frame.data());
    if (shared && !first && it->second != port->last[0].frame.data()) return false;
    if (!shared && !first && it->second == port->last[0].frame.data()) return false;
  }
  return bytes_of.size() == 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t recipients = 1000, text_bytes = 200;
  int rounds = 200;
  bool smoke = false;
  bench::Options options("fanout_bench", "one push delivered to many sessions: shared bytes against a copy per recipient");
  options.add("--recipients", "N", "sessions the push goes to (1000)", [&](const std::string& v) { recipients = std::stoull(v); });
  options.add("--text", "BYTES", "the pushed text's size (200)", [&](const std::string& v) { text_bytes = std::stoull(v); });
  options.add("--rounds", "R", "deliveries measured; the median is reported (200)", [&](const std::string& v) { rounds = std::stoi(v); });
  options.flag("--smoke", "check sharing and allocation counts only, no timing (ctest)", [&] { smoke = true; });
  if (int code = options.parse(argc, argv); code >= 0) return code;

  Setup s(recipients);
  const std::string text(text_bytes, 'x');
  if (smoke) {
    const std::string small(16, 's'), large(4000, 'l');
    const bool ok = check(s, text, true) && check(s, text, false);
    // Sharing: what a recipient costs does not grow with the text (one rendering per dialect).
    const Measure a = measure(s, small, true, 3), b = measure(s, large, true, 3);
    const bool flat = b.bytes_per_recipient < a.bytes_per_recipient + 64;
    std::printf("fanout smoke: frames shared per dialect %s; bytes per recipient %.0f (16-byte text) and %.0f (4,000-byte text)\n",
                ok ? "yes" : "NO", a.bytes_per_recipient, b.bytes_per_recipient);
    return ok && flat ? 0 : 1;
  }
  std::printf("fanout_bench: %zu recipients (half native, half lowf), a %zu-byte text, %d rounds, %s\n", recipients,
              text_bytes, rounds, bench::machine_state().c_str());
  for (int pass = 0; pass < 2; ++pass) {  // the first pass warms the allocator
    const Measure shared = measure(s, text, true, rounds), copies = measure(s, text, false, rounds);
    if (pass == 0) continue;
    std::printf("shared:   %.0f ns, %.2f allocations, %.0f bytes allocated per recipient\n", shared.ns_per_recipient,
                shared.allocations_per_recipient, shared.bytes_per_recipient);
    std::printf("per-copy: %.0f ns, %.2f allocations, %.0f bytes allocated per recipient\n", copies.ns_per_recipient,
                copies.allocations_per_recipient, copies.bytes_per_recipient);
    std::printf("per-copy / shared: time %.2f, bytes %.1f\n", copies.ns_per_recipient / shared.ns_per_recipient,
                copies.bytes_per_recipient / shared.bytes_per_recipient);
  }
  return 0;
}
