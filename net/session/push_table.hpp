// PushTable: a dialect's renderers of push bodies, one per push type, each registered by address:
//   table.add<&render_paired>();  // bool render_paired(const PairedPush&, bool own, std::string& out)
// A dialect registers a renderer for every push type of every domain it serves, also for the ones it
// says nothing of (a renderer that returns false): missing() lists the types it forgot, and a test
// checks that every dialect's list is empty, so a new push type cannot be ignored silently.
// Thread-safety: add() while the dialect is built; then read-only, safe from any thread.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/fn_traits.hpp"
#include "projections/domain.hpp"
#include "projections/push.hpp"

namespace chatd {

class PushTable {
 public:
  using RenderFn = bool (*)(const projections::Push&, bool own, std::string& out);

  template <auto Fn>
  void add() {
    using P = Param<Fn, 0>;
    projections::Projections::instance();  // numbers the push types
    const projections::PushType& type = projections::PushType::of<P>();
    if (type.index < 0) return;  // a body no domain registered: it can never be pushed
    const auto i = static_cast<std::size_t>(type.index);
    if (fns_.size() <= i) fns_.resize(i + 1, nullptr);
    fns_[i] = [](const projections::Push& p, bool own, std::string& out) { return Fn(p.body.as<P>(), own, out); };
  }

  // For a dialect that can say nothing of the pushes of types P... (a domain its clients cannot
  // use): each gets a renderer that says nothing, stated here rather than forgotten.
  template <class... P>
  void add_silent() {
    (add<&say_nothing<P>>(), ...);
  }

  // Renders `push` (false: nothing to say, or no renderer for its type).
  bool render(const projections::Push& push, bool own, std::string& out) const {
    const projections::PushType* type = push.body.type();
    if (!type || type->index < 0 || static_cast<std::size_t>(type->index) >= fns_.size()) return false;
    const RenderFn fn = fns_[static_cast<std::size_t>(type->index)];
    return fn && fn(push, own, out);
  }

  // The registered push types of `domains` (all if empty) this table has no renderer for, by name.
  std::vector<std::string_view> missing(const std::vector<std::string_view>& domains = {}) const {
    std::vector<std::string_view> out;
    for (const projections::PushType* t : projections::Projections::instance().push_types()) {
      if (!domains.empty() && std::find(domains.begin(), domains.end(), t->domain) == domains.end()) continue;
      const auto i = static_cast<std::size_t>(t->index);
      if (i >= fns_.size() || !fns_[i]) out.push_back(t->name);
    }
    return out;
  }

 private:
  template <class P>
  static bool say_nothing(const P&, bool, std::string&) {
    return false;
  }
  std::vector<RenderFn> fns_;  // by PushType::index
};

}  // namespace chatd
