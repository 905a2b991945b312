// Writing JSON text by hand, for the event codec and the wire dialects (reading is simdjson's job).
// Thread-safety: reentrant functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chatd {

// Appends `text` as a quoted JSON string; control characters and invalid UTF-8 bytes are escaped
// (invalid bytes as U+FFFD) so the output is always valid JSON.
void append_json_string(std::string& out, std::string_view text);
void append_json_uint(std::string& out, std::uint64_t value);
void append_json_int(std::string& out, std::int64_t value);

}  // namespace chatd
