// What a native client does with the server's hello: solve its ALTCHA challenge and build the
// captcha request. Shared by the integration tests and the simulator (no Asio here).
// Thread-safety: reentrant.
#pragma once

#include <string>

namespace chatd::testing {

// Solves the challenge in a native hello frame and returns the captcha request frame with
// `request_id` (raw JSON). Throws std::runtime_error if the hello holds no solvable challenge.
std::string solve_hello_captcha(const std::string& hello, const std::string& request_id);

}  // namespace chatd::testing
