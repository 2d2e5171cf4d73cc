// SOCK_DESTROY (ss -K): asks the kernel to close one inet socket, identified by
// the full inet_diag_sockid the dump reported (ports, addresses, ifindex,
// cookie). Needs CONFIG_INET_DIAG_DESTROY and CAP_NET_ADMIN.
#pragma once

#include "core/expected.hpp"
#include "core/socket_record.hpp"
#include "netlink/diag_socket.hpp"

namespace sw {

// Error::code carries the errno (EOPNOTSUPP, ENOENT, EPERM...).
Expected<void> destroy_socket(DiagSocket& sock, const SocketRecord& r);

}  // namespace sw
