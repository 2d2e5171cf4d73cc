// Exact one-socket sock_diag queries (SOCK_DIAG_BY_FAMILY without NLM_F_DUMP):
// the kernel looks one socket up by the identity a dump reported and answers
// with that socket's message, or an error (ENOENT when no socket has that
// tuple, ESTALE when one has it but its cookie differs: a newer socket). Used
// by the live engine to refresh one socket with every extension (top's
// details pane). Builds requests and parses replies; prints nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "core/expected.hpp"
#include "core/socket_record.hpp"
#include "netlink/diag_socket.hpp"

namespace sw {

// Every idiag_ext bit ss -i -m -e --tos asks for (MEMINFO, INFO, VEGASINFO,
// CONG, TOS, TCLASS, SKMEMINFO). DCTCP and BBR details need no bit of their
// own: the kernel adds them with INFO or VEGASINFO. (idiag_ext is a u8, so
// attributes past SKMEMINFO cannot be asked for; SHUTDOWN always comes.)
uint8_t all_inet_extensions();
// Every UDIAG_SHOW_* bit ss -x -e -m uses.
uint32_t all_unix_show();

// The request for the inet socket `id` describes (table, family, addresses,
// ports, ifindex, cookie; a raw socket's protocol from `protocol`, else from
// lport, which holds it for raw sockets). A cookie of 0 (a /proc record) is
// sent as INET_DIAG_NOCOOKIE: any socket with that tuple answers.
// Sets NLM_F_ACK, so the reply ends with an ack DiagSocket::dump stops at.
// Empty when the table has no exact query (not inet; MPTCP looks sockets up
// by token, not by tuple).
std::vector<uint8_t> build_inet_query(const SocketRecord& id, uint8_t ext);
// The request for the unix socket with inode `inode` and cookie `cookie`.
std::vector<uint8_t> build_unix_query(uint64_t inode, uint64_t cookie, uint32_t show);

// Sends the query and parses the one reply. Error::code is the errno the
// kernel answered with (ENOENT / ESTALE: gone) or of the transport; the
// message is "sock_diag query: why".
Expected<SocketRecord> query_inet_socket(DiagSocket& sock, const SocketRecord& id, uint8_t ext);
Expected<SocketRecord> query_unix_socket(DiagSocket& sock, uint64_t inode, uint64_t cookie,
                                         uint32_t show);

}  // namespace sw
