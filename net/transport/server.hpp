// Server: the listener. Accepts TCP connections, reads the HTTP request, answers plain HTTP
// (GET /health) and upgrades WebSocket requests to a session in the dialect of their path:
// "/" native, "/lowf" lowf. Enforces the connection limits before any session exists.
// Thread-safety: run on one network thread; stop() must be called on that thread (e.g. from a
// signal handler coroutine).
#pragma once

#include <memory>
#include <string>

#include "net/transport/server_context.hpp"

namespace boost::asio {
class io_context;
}

namespace chatd {

class Server {
 public:
  Server(boost::asio::io_context& io, ServerContext& ctx);
  ~Server();

  // Binds and starts accepting; returns "ADDR:PORT" with the real port, or throws with a clear
  // message if the address cannot be bound.
  std::string listen();
  // The same for the palette's own port (--palette-listen), when it is set.
  std::string listen_palette();

  // Tells every session `text` as the server's own notice (the shutdown countdown).
  void notice(const std::string& text);

  // Stops accepting and ends every session with "server shutting down".
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chatd
