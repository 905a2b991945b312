// run_chatd: the whole server process, as `chatd` runs it.
// Thread-safety: call once, from main.
#pragma once

#include <string>
#include <vector>

#include "net/config.hpp"

namespace chatd {

// Runs chatd with `config` until SIGINT or SIGTERM: opens the log in the data folder, starts the
// engine (which ends the previous run's sessions), listens, and prints "listening on ADDR:PORT".
// Returns the process exit code.
int run_chatd(const Config& config);

// What `chatd --check-config` checks beyond the options' own values: the files and addresses
// they name (the listen address, the data folder, the operator tokens). Every problem, or none.
std::vector<std::string> check_setup(const Config& config);

// `chatd --hash-password`: reads one line from stdin and prints its argon2id hash.
int hash_password_from_stdin();

}  // namespace chatd
