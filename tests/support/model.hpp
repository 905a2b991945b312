// A World driven through decide + notify + apply, as the engine does it, without a log or threads:
// the rules' unit tests run commands against it and look at replies, events and pushes.
// Thread-safety: not thread-safe; one test's.
#pragma once

#include <catch2/catch.hpp>

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/decide.hpp"
#include "events/accounts/events.hpp"
#include "tests/support/domains.hpp"

namespace chatd::testing {

struct Model {
  projections::World world;
  SeededRandom random{42};
  TimeMs now = 1'000'000;
  Limits limits;
  // The key store as the engine keeps it: the server's index key, and the keys decisions made.
  KeyRing keys = [] {
    KeyRing k;
    k.put(std::string(events::kIndexKeySubject), SealKey{7, 7, 7});
    return k;
  }();
  SeededRandom secrets{4242};

  // A push and whom it went to.
  struct Sent {
    projections::Push push;
    std::vector<projections::Recipient> to;
    bool reaches(ClientId c) const {
      for (const auto& r : to)
        if (r.client == c) return true;
      return false;
    }
  };
  std::vector<Sent> pushes;  // of the last run()

  template <class T>
  Decision run(ClientId actor, T command) {
    return run(Command{std::move(command), actor});
  }
  Decision run(const Command& command) {
    Context ctx{now, &random, limits, &keys, &secrets};
    Decision d = decide(world, command, ctx);
    for (const KeyChange& change : d.events.keys) {
      if (change.key) keys.put(change.subject, *change.key);
      else keys.erase(change.subject);
    }
    Collect out{pushes};
    pushes.clear();
    for (const events::Payload& p : d.events) {
      events::Event e{world.last_seq + 1, now, p};
      projections::notify(world, e, out);
      Status s = projections::apply(world, e);
      REQUIRE(s.ok());
    }
    return d;
  }
  ClientId connect(std::string name = "") {
    Decision d = run(Connect{std::move(name), events::Dialect::kNative, "127.0.0.1"});
    REQUIRE(d.reply.ok());
    return d.reply.binds_client;
  }
  const projections::StrangerState& stranger() const { return world.get<projections::StrangerState>(); }
  projections::ClientState state(ClientId c) const { return stranger().find(c)->state; }

 private:
  struct Collect final : projections::PushSink {
    explicit Collect(std::vector<Sent>& into) : sent(into) {}
    std::vector<Sent>& sent;
    using PushSink::push;
    void push(projections::Push p, std::span<const projections::Recipient> to) override {
      sent.push_back({std::move(p), {to.begin(), to.end()}});
    }
  };
};

}  // namespace chatd::testing
