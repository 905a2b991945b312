// chatd's entry point: options, then the server (net/chatd.hpp).
#include <iostream>

#include <string>

#include "net/config.hpp"
#include "net/chatd.hpp"
#include "net/session/credential_process.hpp"

int main(int argc, char** argv) {
  // chatd's own credential worker (net/session/credential_process.hpp), started by chatd itself
  // with its log's format and level.
  if (argc == 6 && argv[1] == chatd::kCredentialWorkerFlag) {
    chatd::log::Format format = chatd::log::Format::kText;
    chatd::log::Level level = chatd::log::Level::kInfo;
    chatd::log::parse_format(argv[4], format);
    chatd::log::parse_level(argv[5], level);
    chatd::log::configure(level, format);
    return chatd::run_credential_worker(chatd::kCredentialWorkerFd, std::stoul(argv[2]), std::stoul(argv[3]));
  }
  const std::vector<std::string> args(argv + 1, argv + argc);
  chatd::Config config;
  chatd::OptionsGiven given;
  std::vector<std::string> problems;
  chatd::parse_config(args, config, problems, &given);
  if (config.check_config) {
    // Every problem at once, on stdout: what an operator runs before a restart.
    for (const std::string& problem : chatd::check_setup(config)) problems.push_back(problem);
    for (const std::string& problem : problems) std::cout << "problem: " << problem << "\n";
    std::cout << (problems.empty() ? "config ok\n" : std::to_string(problems.size()) + " problems\n");
    return problems.empty() ? 0 : 1;
  }
  if (!problems.empty()) {
    std::cerr << "chatd: " << problems.front() << "\n";
    return 2;
  }
  if (config.version) {
    std::cout << "chatd " << CHATD_VERSION << " (log schema " << chatd::log::kSchemaVersion << ")\n";
    return 0;
  }
  if (config.config_example) {
    std::cout << chatd::config_example();
    return 0;
  }
  if (config.hash_password) return chatd::hash_password_from_stdin();
  if (config.help) {
    std::cout << chatd::config_help();
    return 0;
  }
  // SIGHUP reads the same command line, and the config file as it is then.
  return chatd::run_chatd(config, given, [&args] {
    chatd::ConfigReading reading;
    chatd::parse_config(args, reading.config, reading.problems, &reading.given);
    return reading;
  });
}
