// Fuzz target: a frame of the native dialect, as any client may send it before or after the
// captcha (decode, then the session's gates: tests/fuzz/session_fuzz.hpp).
#include "net/native/dialect.hpp"
#include "tests/fuzz/session_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const chatd::NativeDialect dialect;
  chatd::fuzz::decode_and_handle(dialect, std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
