// Starting a palette connection (a telnet-friendly TCP line stream, net/palette/) on an accepted
// TCP connection (net/transport/server.cpp).
// Thread-safety: call on the network thread.
#pragma once

#include "net/transport/ws_session.hpp"

namespace chatd {

void start_palette_session(ServerContext& ctx, ConnectionSocket socket, std::string addr, AdmissionSlot slot);
// Over TLS (its handshake done), in its own translation unit (net/transport/palette_tls_session.cpp).
void start_palette_session(ServerContext& ctx, TlsConnectionSocket socket, std::string addr, AdmissionSlot slot);

}  // namespace chatd
