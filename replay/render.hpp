// How chatreplay shows events and Worlds: one readable line per event, derived from the event's
// field declaration (events/fields.hpp), and the World as text or JSON, a section per domain
// (replay/views.hpp). Names are looked up in the World as it was just before the event, so a line
// says who a client was at that moment, not who it became later.
// Thread-safety: reentrant functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"
#include "core/base/text_rules.hpp"
#include "projections/world.hpp"

namespace chatd::replay {

// Every event type name of the schema ("server_started", "paired", ...), in schema order.
std::vector<std::string> all_event_types();

// `#42 2026-11-22T14:02:00.123Z paired pair=… seeker=3 "Alice" waiter=2 "Bob"`.
std::string describe_event(const events::Event& event, const projections::World& before);

// `3 "Alice"` (with the quoted name when the client is known in `world`).
std::string describe_client(ClientId id, const projections::World& world);

// A text value quoted and escaped like JSON, so names with spaces or control bytes stay readable;
// also DEL, C1 controls and bidirectional controls, as \uXXXX (still the same JSON string), so
// nothing in a log acts on the terminal that shows it.
std::string json_quoted(std::string_view text);

// A control or bidi control character (core/base/text_rules.hpp) as a JSON escape: \u001b, \u202e.
using chatd::append_u_escape;  // core/base/text_rules.hpp

// The World's fixed-width hash, as chatd's `info` and `state --hash` print it.
std::string hex64(std::uint64_t v);

struct ViewContext;  // replay/views.hpp
void write_world_text(const projections::World& world, const ViewContext& context, std::string& out);
void write_world_json(const projections::World& world, const ViewContext& context, std::string& out);

}  // namespace chatd::replay
