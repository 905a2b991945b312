// The one translation unit that instantiates Connection over a WebSocket over TLS (each such unit
// costs ~20 s and ~750 MB to compile: keep them few).
#include <boost/beast/websocket/ssl.hpp>  // the WebSocket's teardown over TLS: close_notify, then TCP

#include "net/transport/connection.hpp"
#include "net/transport/websocket_stream.hpp"
#include "net/transport/ws_session.hpp"

namespace chatd {

void start_ws_session(ServerContext& ctx, TlsConnectionSocket socket, UpgradeRequest request, const WireDialect& dialect,
                      const SessionOptions& options, std::string addr, AdmissionSlot slot) {
  start_connection(ctx, WebSocketStream<TlsConnectionSocket>(std::move(socket), std::move(request), ctx.config), dialect,
                   options, std::move(addr), std::move(slot));
}

}  // namespace chatd
