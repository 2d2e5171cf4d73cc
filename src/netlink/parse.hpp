// Pure parsers: one sock_diag reply message -> SocketRecord. No I/O, no
// printing; every length is checked against the message so truncated or hostile
// bytes give an Error, never a read past the buffer (fuzzed).
#pragma once

#include <linux/netlink.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/expected.hpp"
#include "core/socket_record.hpp"

namespace sw {

// inet_diag_msg (TCP, UDP, RAW, DCCP, SCTP, MPTCP). `table` is the protocol the
// request asked for; the message itself does not say.
Expected<SocketRecord> parse_inet_msg(const nlmsghdr& h, Table table);
// unix_diag_msg. The table comes from udiag_type.
Expected<SocketRecord> parse_unix_msg(const nlmsghdr& h);
// netlink_diag_msg.
Expected<SocketRecord> parse_netlink_msg(const nlmsghdr& h);

// The errno an NLMSG_ERROR carries (its error field is -errno; 0 is an ACK).
// A value that is not a negated errno (from a hostile file: INT_MIN cannot
// even be negated) becomes EPROTO.
inline int nlmsgerr_errno(int error) {
  if (error == 0) return 0;
  return error < 0 && error >= -4095 ? -error : EPROTO;
}

// packet_diag_msg (netlink/parse_packet.cpp).
Expected<SocketRecord> parse_packet_msg(const nlmsghdr& h);

// vsock_diag_msg, TIPC's sock_diag answer, xdp_diag_msg
// (netlink/parse_families.cpp).
Expected<SocketRecord> parse_vsock_msg(const nlmsghdr& h);
Expected<SocketRecord> parse_tipc_msg(const nlmsghdr& h);
Expected<SocketRecord> parse_xdp_msg(const nlmsghdr& h);

// The error code of a message that describes no socket: TIPC answers a socket
// its state mask drops with an empty message. Callers skip it silently.
inline constexpr int kNoSocket = ENOMSG;

// Dispatches on the table a dump was requested for (unix: any unix table).
Expected<SocketRecord> parse_reply(const nlmsghdr& h, Table requested);

// Iterates the rtattrs in [data, data+len); fn(type, payload) for each valid
// one. Returns false if an attribute header or length is malformed.
template <typename Fn>
bool for_each_attr(const uint8_t* data, size_t len, Fn&& fn) {
  while (len >= 4) {
    uint16_t alen, atype;
    __builtin_memcpy(&alen, data, 2);
    __builtin_memcpy(&atype, data + 2, 2);
    if (alen < 4 || alen > len) return false;
    fn(static_cast<uint16_t>(atype & 0x3fff),
       std::string_view(reinterpret_cast<const char*>(data + 4), alen - 4u));
    size_t step = (static_cast<size_t>(alen) + 3u) & ~size_t{3};
    if (step >= len) return true;
    data += step;
    len -= step;
  }
  return true;
}

}  // namespace sw
