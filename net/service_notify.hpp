// systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram to $NOTIFY_SOCKET.
// chatd says READY=1 once it listens and STOPPING=1 when a signal starts its shutdown, so a unit
// with Type=notify (packaging/chatd.service) starts its dependents only when clients can connect.
// Thread-safety: safe from any thread (each call opens its own socket).
#pragma once

#include <string_view>

namespace chatd {

// Sends `state` (for example "READY=1") to the service manager. False when there is none
// ($NOTIFY_SOCKET unset) or the send failed; chatd goes on either way.
bool notify_service(std::string_view state);

}  // namespace chatd
