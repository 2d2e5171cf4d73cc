#include "netlink/parse.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <linux/inet_diag.h>
#include <linux/netlink_diag.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>

#include <cstring>

namespace sw {

namespace {

template <typename T>
T load(std::string_view p) {
  T v{};
  std::memcpy(&v, p.data(), std::min(sizeof(T), p.size()));
  return v;
}

std::string_view payload_of(const nlmsghdr& h, size_t fixed) {
  const auto* base = reinterpret_cast<const char*>(NLMSG_DATA(&h));
  size_t total = h.nlmsg_len - NLMSG_HDRLEN;
  size_t start = NLMSG_ALIGN(fixed);
  if (start > total) return {};
  return {base + start, total - start};
}

std::vector<uint32_t> load_u32s(std::string_view p) {
  std::vector<uint32_t> v(p.size() / 4);
  if (!v.empty()) std::memcpy(v.data(), p.data(), v.size() * 4);
  return v;
}

Error truncated(const char* what, const nlmsghdr& h) {
  return Error{fmt::format("{} message: truncated ({} bytes)", what, h.nlmsg_len), EBADMSG};
}

}  // namespace

Expected<SocketRecord> parse_inet_msg(const nlmsghdr& h, Table table) {
  if (h.nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) return truncated("inet_diag", h);
  inet_diag_msg m;
  std::memcpy(&m, NLMSG_DATA(&h), sizeof m);
  SocketRecord r;
  r.table = table;
  r.family = m.idiag_family;
  r.state = m.idiag_state;
  r.timer = m.idiag_timer;
  r.retrans = m.idiag_retrans;
  r.expires = m.idiag_expires;
  r.rqueue = m.idiag_rqueue;
  r.wqueue = m.idiag_wqueue;
  r.uid = m.idiag_uid;
  r.inode = m.idiag_inode;
  r.lport = ntohs(m.id.idiag_sport);
  r.rport = ntohs(m.id.idiag_dport);
  r.ifindex = m.id.idiag_if;
  // ss's cookie_sk_get(): cookie[1] is the high word.
  r.cookie = (uint64_t{m.id.idiag_cookie[1]} << 32) | m.id.idiag_cookie[0];
  size_t alen = r.family == AF_INET ? 4 : 16;
  r.local.family = r.peer.family = r.family;
  std::memcpy(r.local.bytes.data(), m.id.idiag_src, alen);
  std::memcpy(r.peer.bytes.data(), m.id.idiag_dst, alen);

  auto attrs = payload_of(h, sizeof(inet_diag_msg));
  bool ok = for_each_attr(reinterpret_cast<const uint8_t*>(attrs.data()), attrs.size(),
                          [&](uint16_t type, std::string_view p) {
                            switch (type) {
                              case INET_DIAG_MEMINFO:
                                if (p.size() >= sizeof(inet_diag_meminfo))
                                  r.ensure_ext().meminfo = load<inet_diag_meminfo>(p);
                                break;
                              case INET_DIAG_INFO: {
                                auto& e = r.ensure_ext();
                                if (table == Table::Tcp || table == Table::Dccp) {
                                  // Older kernels send a shorter tcp_info; zero-pad like ss does.
                                  e.info = load<tcp_info>(p);
                                  e.info_len = static_cast<uint32_t>(p.size());
                                } else {
                                  e.raw_info.assign(p);
                                }
                                break;
                              }
                              case INET_DIAG_VEGASINFO:
                                if (p.size() >= sizeof(tcpvegas_info))
                                  r.ensure_ext().vegas = load<tcpvegas_info>(p);
                                break;
                              case INET_DIAG_CONG: {
                                auto n = p.find('\0');
                                r.ensure_ext().cong.assign(p.substr(0, n));
                                break;
                              }
                              case INET_DIAG_TOS:
                                if (!p.empty()) r.ensure_ext().tos = static_cast<uint8_t>(p[0]);
                                break;
                              case INET_DIAG_TCLASS:
                                if (!p.empty()) r.ensure_ext().tclass = static_cast<uint8_t>(p[0]);
                                break;
                              case INET_DIAG_SKMEMINFO:
                                r.ensure_ext().skmem = load_u32s(p);
                                break;
                              case INET_DIAG_SHUTDOWN:
                                if (!p.empty()) r.shutdown = static_cast<uint8_t>(p[0]);
                                break;
                              case INET_DIAG_DCTCPINFO:
                                if (p.size() >= sizeof(tcp_dctcp_info))
                                  r.ensure_ext().dctcp = load<tcp_dctcp_info>(p);
                                break;
                              case INET_DIAG_PROTOCOL:
                                if (!p.empty()) r.protocol = static_cast<uint8_t>(p[0]);
                                break;
                              case INET_DIAG_SKV6ONLY:
                                if (!p.empty()) r.v6only = static_cast<uint8_t>(p[0]);
                                break;
                              case INET_DIAG_LOCALS:
                                r.ensure_ext().locals.assign(p);
                                break;
                              case INET_DIAG_PEERS:
                                r.ensure_ext().peers.assign(p);
                                break;
                              case INET_DIAG_MARK:
                                if (p.size() >= 4) r.mark = load<uint32_t>(p);
                                break;
                              case INET_DIAG_BBRINFO:
                                // ss copies min(payload, sizeof) and zero-fills the rest.
                                r.ensure_ext().bbr = load<tcp_bbr_info>(p);
                                break;
                              case INET_DIAG_CLASS_ID:
                                if (p.size() >= 4) r.ensure_ext().class_id = load<uint32_t>(p);
                                break;
                              case INET_DIAG_MD5SIG:
                                r.ensure_ext().md5sig.assign(p);
                                break;
                              case INET_DIAG_ULP_INFO:
                                r.ensure_ext().ulp.assign(p);
                                break;
                              case INET_DIAG_CGROUP_ID:
                                if (p.size() >= 8) r.cgroup_id = load<uint64_t>(p);
                                break;
                              case INET_DIAG_SOCKOPT:
                                if (p.size() >= sizeof(inet_diag_sockopt))
                                  r.sockopt = load<inet_diag_sockopt>(p);
                                break;
                              default:
                                break;
                            }
                          });
  if (!ok) return Error{fmt::format("inet_diag message: malformed attribute"), EBADMSG};
  return r;
}

Expected<SocketRecord> parse_unix_msg(const nlmsghdr& h) {
  if (h.nlmsg_len < NLMSG_LENGTH(sizeof(unix_diag_msg))) return truncated("unix_diag", h);
  unix_diag_msg m;
  std::memcpy(&m, NLMSG_DATA(&h), sizeof m);
  SocketRecord r;
  r.family = AF_UNIX;
  r.table = m.udiag_type == SOCK_STREAM      ? Table::UnixStream
            : m.udiag_type == SOCK_SEQPACKET ? Table::UnixSeq
                                             : Table::UnixDgram;
  r.state = m.udiag_state;
  r.inode = m.udiag_ino;
  r.cookie = (uint64_t{m.udiag_cookie[1]} << 32) | m.udiag_cookie[0];
  auto& u = r.ensure_unix();
  auto attrs = payload_of(h, sizeof(unix_diag_msg));
  bool ok = for_each_attr(reinterpret_cast<const uint8_t*>(attrs.data()), attrs.size(),
                          [&](uint16_t type, std::string_view p) {
                            switch (type) {
                              case UNIX_DIAG_NAME: {
                                u.has_name = true;
                                if (!p.empty() && p[0] == '\0') {
                                  // Abstract name: ss shows every NUL as '@'.
                                  u.path.assign(p);
                                  for (auto& c : u.path)
                                    if (c == '\0') c = '@';
                                } else {
                                  u.path.assign(p.substr(0, p.find('\0')));
                                }
                                break;
                              }
                              case UNIX_DIAG_VFS:
                                if (p.size() >= sizeof(unix_diag_vfs)) {
                                  auto v = load<unix_diag_vfs>(p);
                                  u.vfs = std::make_pair(v.udiag_vfs_ino, v.udiag_vfs_dev);
                                }
                                break;
                              case UNIX_DIAG_PEER:
                                if (p.size() >= 4) {
                                  u.peer_inode = load<uint32_t>(p);
                                  u.has_peer = true;
                                }
                                break;
                              case UNIX_DIAG_ICONS:
                                u.icons = load_u32s(p);
                                break;
                              case UNIX_DIAG_RQLEN:
                                if (p.size() >= sizeof(unix_diag_rqlen)) {
                                  auto q = load<unix_diag_rqlen>(p);
                                  r.rqueue = q.udiag_rqueue;
                                  r.wqueue = q.udiag_wqueue;
                                }
                                break;
                              case UNIX_DIAG_MEMINFO:
                                u.skmem = load_u32s(p);
                                break;
                              case UNIX_DIAG_SHUTDOWN:
                                if (!p.empty()) r.shutdown = static_cast<uint8_t>(p[0]);
                                break;
                              case UNIX_DIAG_UID:
                                if (p.size() >= 4) r.uid = load<uint32_t>(p);
                                break;
                              default:
                                break;
                            }
                          });
  if (!ok) return Error{"unix_diag message: malformed attribute", EBADMSG};
  return r;
}

Expected<SocketRecord> parse_netlink_msg(const nlmsghdr& h) {
  if (h.nlmsg_len < NLMSG_LENGTH(sizeof(netlink_diag_msg))) return truncated("netlink_diag", h);
  netlink_diag_msg m;
  std::memcpy(&m, NLMSG_DATA(&h), sizeof m);
  SocketRecord r;
  r.family = AF_NETLINK;
  r.table = Table::Netlink;
  r.state = m.ndiag_state;
  r.inode = m.ndiag_ino;
  r.cookie = (uint64_t{m.ndiag_cookie[1]} << 32) | m.ndiag_cookie[0];
  auto& n = r.ensure_netlink();
  n.protocol = m.ndiag_protocol;
  n.type = m.ndiag_type;
  n.portid = m.ndiag_portid;
  n.dst_portid = m.ndiag_dst_portid;
  n.dst_group = m.ndiag_dst_group;
  auto attrs = payload_of(h, sizeof(netlink_diag_msg));
  bool ok = for_each_attr(reinterpret_cast<const uint8_t*>(attrs.data()), attrs.size(),
                          [&](uint16_t type, std::string_view p) {
                            if (type == NETLINK_DIAG_MEMINFO) {
                              n.skmem = load_u32s(p);
                              if (n.skmem.size() > SK_MEMINFO_WMEM_ALLOC) {
                                r.rqueue = n.skmem[SK_MEMINFO_RMEM_ALLOC];
                                r.wqueue = n.skmem[SK_MEMINFO_WMEM_ALLOC];
                              }
                            } else if (type == NETLINK_DIAG_GROUPS) {
                              n.groups = load_u32s(p);
                            }
                          });
  if (!ok) return Error{"netlink_diag message: malformed attribute", EBADMSG};
  return r;
}

Expected<SocketRecord> parse_reply(const nlmsghdr& h, Table requested) {
  switch (requested) {
    case Table::Netlink:
      return parse_netlink_msg(h);
    case Table::PacketRaw:
    case Table::PacketDgram:
      return parse_packet_msg(h);
    case Table::UnixStream:
    case Table::UnixDgram:
    case Table::UnixSeq:
      return parse_unix_msg(h);
    case Table::VsockStream:
    case Table::VsockDgram:
      return parse_vsock_msg(h);
    case Table::Tipc:
      return parse_tipc_msg(h);
    case Table::Xdp:
      return parse_xdp_msg(h);
    default:
      return parse_inet_msg(h, requested);
  }
}

}  // namespace sw
