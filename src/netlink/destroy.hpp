// SOCK_DESTROY (ss -K): asks the kernel to close one inet socket, identified by
// the full inet_diag_sockid the dump reported (ports, addresses, ifindex,
// cookie). Needs CONFIG_INET_DIAG_DESTROY and CAP_NET_ADMIN.
#pragma once

#include <cstdint>

#include "core/expected.hpp"
#include "core/socket_record.hpp"
#include "netlink/diag_socket.hpp"

namespace sw {

// INET_DIAG_NOCOOKIE (both cookie words all-ones): the kernel then matches
// any socket with the addresses, not this one.
constexpr uint64_t kNoCookie = ~uint64_t{0};

// Error::code carries the errno (EOPNOTSUPP, ENOENT, EPERM...). A record whose
// cookie is kNoCookie is refused (EINVAL) without asking the kernel: a live
// dump never reports one, so it comes from hostile data.
Expected<void> destroy_socket(DiagSocket& sock, const SocketRecord& r);

}  // namespace sw
