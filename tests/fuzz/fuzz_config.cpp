// Fuzz target: a config file's text (`chatd --config FILE`). It is accepted, or refused with a
// message; never a crash.
#include <string>

#include "net/config.hpp"
#include "tests/fuzz/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chatd::Config config;
  std::string error;
  if (!chatd::parse_config_text(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", config, error))
    FUZZ_CHECK(!error.empty());
  return 0;
}
