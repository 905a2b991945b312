// The one translation unit that instantiates Connection over a WebSocket (Beast and coroutines
// cost ~20 s and ~750 MB to compile per unit: keep them few).
#include "net/transport/ws_session.hpp"

#include "net/transport/connection.hpp"
#include "net/transport/websocket_stream.hpp"

namespace chatd {

void start_ws_session(ServerContext& ctx, ConnectionStream stream,
                      boost::beast::http::request<boost::beast::http::string_body> request, const WireDialect& dialect,
                      const SessionOptions& options, std::string addr, AdmissionSlot slot) {
  using Ws = WebSocketStream<ConnectionSocket>;
  auto connection = std::make_shared<Connection<Ws>>(ctx, Ws(stream.release_socket(), std::move(request), ctx.config),
                                                     dialect, options, std::move(addr), std::move(slot));
  connection->start();
}

}  // namespace chatd
