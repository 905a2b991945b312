// The one translation unit that instantiates Connection over a WebSocket (Beast and coroutines
// cost ~20 s and ~750 MB to compile per unit: keep them few).
#include "net/transport/ws_session.hpp"

#include "net/transport/connection.hpp"
#include "net/transport/websocket_stream.hpp"

namespace chatd {

void start_ws_session(ServerContext& ctx, ConnectionSocket socket, UpgradeRequest request, const WireDialect& dialect,
                      const SessionOptions& options, std::string addr, AdmissionSlot slot) {
  start_connection(ctx, WebSocketStream<ConnectionSocket>(std::move(socket), std::move(request), ctx.config), dialect,
                   options, std::move(addr), std::move(slot));
}

}  // namespace chatd
