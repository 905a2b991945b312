// The one translation unit that instantiates Connection over a line stream (each such unit costs
// ~20 s and ~750 MB to compile: keep them few).
#include "net/transport/palette_session.hpp"

#include "net/transport/connection.hpp"
#include "net/transport/line_stream.hpp"

namespace chatd {

void start_palette_session(ServerContext& ctx, ConnectionSocket socket, std::string addr, AdmissionSlot slot) {
  start_connection(ctx, LineStream<ConnectionSocket>(std::move(socket), ctx.config), ctx.palette, ctx.palette_options,
                   std::move(addr), std::move(slot));
}

}  // namespace chatd
