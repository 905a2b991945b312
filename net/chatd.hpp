// run_chatd: the whole server process, as `chatd` runs it.
// Thread-safety: call once, from main.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "net/config.hpp"

namespace chatd {

// The options as the command line and its config file give them at the moment of reading.
struct ConfigReading {
  Config config;
  OptionsGiven given;
  std::vector<std::string> problems;
};
using ConfigReader = std::function<ConfigReading()>;

// Runs chatd with `config` (`given`: the options that made it) until SIGINT or SIGTERM: opens the
// log in the data folder, starts the engine (which ends the previous run's sessions), listens, and
// prints "listening on ADDR:PORT". On SIGHUP, `reread` reads the options again and what can change
// while running does (the TLS certificate, the operator tokens); the log says what changed and
// what needs a restart. Returns the process exit code.
int run_chatd(const Config& config, const OptionsGiven& given = {}, const ConfigReader& reread = {});

// What `chatd --check-config` checks beyond the options' own values: the files and addresses
// they name (the listen address, the data folder, the operator tokens, the TLS certificate and
// key). Every problem, or none.
std::vector<std::string> check_setup(const Config& config);

// `chatd --hash-password`: reads one line from stdin and prints its argon2id hash.
int hash_password_from_stdin();

}  // namespace chatd
