// Destroy events (ss -E): a sock_diag socket joined to the SKNLGRP_*_DESTROY
// multicast groups; the kernel sends one inet_diag_msg when a TCP/UDP socket
// object is freed. Reads until the callback says stop or an error occurs.
#pragma once

#include <functional>

#include "core/expected.hpp"
#include "core/socket_record.hpp"

namespace sw {

struct EventGroups {
  bool tcp4 = false, udp4 = false, tcp6 = false, udp6 = false;
  bool any() const { return tcp4 || udp4 || tcp6 || udp6; }
};

// on_event returns false to stop. ENOBUFS (the kernel dropped events because
// we were slow) is reported through on_overrun and listening continues.
Expected<void> listen_destroy_events(const EventGroups& groups,
                                     const std::function<bool(SocketRecord&&)>& on_event,
                                     const std::function<void()>& on_overrun);

}  // namespace sw
