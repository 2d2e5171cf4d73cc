#include "netlink/destroy.hpp"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include <cstring>

namespace sw {

Expected<void> destroy_socket(DiagSocket& sock, const SocketRecord& r) {
  if (r.cookie == kNoCookie)
    return Error{"SOCK_DESTROY: refusing a socket without a cookie (INET_DIAG_NOCOOKIE)", EINVAL};
  struct {
    nlmsghdr h;
    inet_diag_req_v2 req;
  } msg{};
  msg.h.nlmsg_len = sizeof msg;
  msg.h.nlmsg_type = SOCK_DESTROY;
  msg.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  msg.h.nlmsg_seq = 1;
  msg.req.sdiag_family = r.family;
  switch (r.table) {
    case Table::Udp:
      msg.req.sdiag_protocol = IPPROTO_UDP;
      break;
    case Table::Raw:
      msg.req.sdiag_protocol = IPPROTO_RAW;
      // inet_diag_req_raw: the pad byte carries the raw socket's protocol.
      msg.req.pad = r.protocol.value_or(0);
      break;
    default:
      msg.req.sdiag_protocol = IPPROTO_TCP;
      break;
  }
  inet_diag_sockid& id = msg.req.id;
  id.idiag_sport = htons(r.lport);
  id.idiag_dport = htons(r.rport);
  std::memcpy(id.idiag_src, r.local.bytes.data(), 16);
  std::memcpy(id.idiag_dst, r.peer.bytes.data(), 16);
  id.idiag_if = r.ifindex;
  id.idiag_cookie[0] = static_cast<uint32_t>(r.cookie);
  id.idiag_cookie[1] = static_cast<uint32_t>(r.cookie >> 32);
  return sock.request_ack(&msg, sizeof msg);
}

}  // namespace sw
