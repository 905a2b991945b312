// chatreplay: the operator's and moderator's tool on a chatd data folder (docs/replay.md).
#include <csignal>
#include <iostream>

#include "replay/cli.hpp"

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);  // `chatreplay events | head` ends with a write error, not a signal
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  int code = chatd::replay::run_chatreplay(args, std::cout, std::cerr, &g_stop);
  std::cout.flush();
  return code;
}
