// halfopen: a hostile client for the integration tests, in its own process (it needs its own
// open-files limit): opens N connections to 127.0.0.1:PORT from a chosen loopback address, sends
// each the first half of a WebSocket upgrade and never the rest, and keeps every connection the
// server leaves open. Closes the ones the server closed as it goes, so it can make more attempts
// than it may hold files. Prints "attempts A held H" when done, then holds them for HOLD_SECONDS
// (or until SIGTERM).
//   halfopen PORT SOURCE_ADDR ATTEMPTS HOLD_SECONDS
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

// Closes the connections the server has closed (readable: its refusal, or EOF).
void drop_closed(std::vector<int>& fds) {
  std::vector<pollfd> polled;
  polled.reserve(fds.size());
  for (int fd : fds) polled.push_back(pollfd{fd, POLLIN, 0});
  if (poll(polled.data(), polled.size(), 0) <= 0) return;
  std::vector<int> kept;
  kept.reserve(fds.size());
  for (const pollfd& p : polled) {
    if (p.revents != 0) close(p.fd);
    else kept.push_back(p.fd);
  }
  fds.swap(kept);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: halfopen PORT SOURCE_ADDR ATTEMPTS HOLD_SECONDS\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const char* source = argv[2];
  const long attempts = std::atol(argv[3]);
  const int hold_seconds = std::atoi(argv[4]);
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  const std::size_t can_hold = files.rlim_cur > 64 ? files.rlim_cur - 64 : 1;

  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source, &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  const char half[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n";  // no blank line: never ends

  std::vector<int> fds;
  long made = 0;
  // Bounded in time too: a server that keeps every connection makes it stop at its files' limit.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (long i = 0; i < attempts && std::chrono::steady_clock::now() < give_up; ++i) {
    if (fds.size() >= can_hold || i % 256 == 0) drop_closed(fds);
    if (fds.size() >= can_hold) {
      usleep(1000);
      --i;
      continue;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    int one = 1;  // the port is chosen at connect, per destination: 20,000 binds do not exhaust them
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      close(fd);
      continue;  // the backlog was full: another attempt
    }
    ++made;
    (void)!write(fd, half, sizeof half - 1);
    fds.push_back(fd);
  }
  // What the server holds, not how fast it drains its backlog: the count once it has stopped
  // falling for a second (a sanitized server took longer than the 200 ms this once waited, and
  // 154 connections it was about to refuse were counted as held). Bounded: 15 s at most.
  const auto settle_by = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  std::size_t last = fds.size() + 1;
  int steady = 0;
  while (steady < 10 && std::chrono::steady_clock::now() < settle_by) {
    usleep(100'000);
    drop_closed(fds);
    steady = fds.size() == last ? steady + 1 : 0;
    last = fds.size();
  }
  std::printf("attempts %ld held %zu\n", made, fds.size());
  std::fflush(stdout);
  sleep(static_cast<unsigned>(hold_seconds));  // or until SIGTERM
  for (int fd : fds) close(fd);
  return 0;
}
