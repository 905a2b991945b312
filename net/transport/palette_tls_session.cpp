// The one translation unit that instantiates Connection over a line stream over TLS (each such
// unit costs ~20 s and ~750 MB to compile: keep them few).
#include "net/transport/connection.hpp"
#include "net/transport/line_stream.hpp"
#include "net/transport/palette_session.hpp"

namespace chatd {

void start_palette_session(ServerContext& ctx, TlsConnectionSocket socket, std::string addr, AdmissionSlot slot) {
  start_connection(ctx, LineStream<TlsConnectionSocket>(std::move(socket), ctx.config), ctx.palette, ctx.palette_options,
                   std::move(addr), std::move(slot));
}

}  // namespace chatd
