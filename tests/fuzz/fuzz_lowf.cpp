// Fuzz target: a frame of the lowf dialect (no captcha, no hello: the first frame an outsider sends).
#include "net/lowf/dialect.hpp"
#include "tests/fuzz/session_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const chatd::LowfDialect dialect;
  chatd::fuzz::decode_and_handle(dialect, std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
