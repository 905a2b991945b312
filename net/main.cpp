// chatd's entry point: options, then the server (net/chatd.hpp).
#include <iostream>

#include "net/config.hpp"
#include "net/chatd.hpp"

int main(int argc, char** argv) {
  chatd::Config config;
  std::string error;
  if (!chatd::parse_config(std::vector<std::string>(argv + 1, argv + argc), config, error)) {
    std::cerr << "chatd: " << error << "\n";
    return 2;
  }
  if (config.help) {
    std::cout << chatd::config_help();
    return 0;
  }
  return chatd::run_chatd(config);
}
