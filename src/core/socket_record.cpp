#include "core/socket_record.hpp"

#include <sys/socket.h>

#include <algorithm>

namespace sw {

bool IpAddr::is_any() const {
  size_t n = family == AF_INET ? 4 : 16;
  return std::all_of(bytes.begin(), bytes.begin() + static_cast<long>(n),
                     [](uint8_t b) { return b == 0; });
}

bool IpAddr::is_v4_mapped() const {
  if (family != AF_INET6) return false;
  for (int i = 0; i < 10; ++i)
    if (bytes[static_cast<size_t>(i)] != 0) return false;
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

SocketRecord::SocketRecord(const SocketRecord& o) { *this = o; }

SocketRecord& SocketRecord::operator=(const SocketRecord& o) {
  if (this == &o) return *this;
  table = o.table;
  family = o.family;
  state = o.state;
  rqueue = o.rqueue;
  wqueue = o.wqueue;
  inode = o.inode;
  uid = o.uid;
  cookie = o.cookie;
  proc_sk = o.proc_sk;
  local = o.local;
  peer = o.peer;
  lport = o.lport;
  rport = o.rport;
  ifindex = o.ifindex;
  timer = o.timer;
  retrans = o.retrans;
  expires = o.expires;
  protocol = o.protocol;
  shutdown = o.shutdown;
  mark = o.mark;
  cgroup_id = o.cgroup_id;
  v6only = o.v6only;
  sockopt = o.sockopt;
  ext = o.ext ? std::make_unique<InetExt>(*o.ext) : nullptr;
  unix_ext = o.unix_ext ? std::make_unique<UnixExt>(*o.unix_ext) : nullptr;
  netlink_ext = o.netlink_ext ? std::make_unique<NetlinkExt>(*o.netlink_ext) : nullptr;
  packet_ext = o.packet_ext ? std::make_unique<PacketExt>(*o.packet_ext) : nullptr;
  vsock_ext = o.vsock_ext ? std::make_unique<VsockExt>(*o.vsock_ext) : nullptr;
  tipc_ext = o.tipc_ext ? std::make_unique<TipcExt>(*o.tipc_ext) : nullptr;
  xdp_ext = o.xdp_ext ? std::make_unique<XdpExt>(*o.xdp_ext) : nullptr;
  proc_opt = o.proc_opt;
  proc_tcp = o.proc_tcp;
  from_proc = o.from_proc;
  return *this;
}

InetExt& SocketRecord::ensure_ext() {
  if (!ext) ext = std::make_unique<InetExt>();
  return *ext;
}

UnixExt& SocketRecord::ensure_unix() {
  if (!unix_ext) unix_ext = std::make_unique<UnixExt>();
  return *unix_ext;
}

NetlinkExt& SocketRecord::ensure_netlink() {
  if (!netlink_ext) netlink_ext = std::make_unique<NetlinkExt>();
  return *netlink_ext;
}

PacketExt& SocketRecord::ensure_packet() {
  if (!packet_ext) packet_ext = std::make_unique<PacketExt>();
  return *packet_ext;
}

VsockExt& SocketRecord::ensure_vsock() {
  if (!vsock_ext) vsock_ext = std::make_unique<VsockExt>();
  return *vsock_ext;
}

TipcExt& SocketRecord::ensure_tipc() {
  if (!tipc_ext) tipc_ext = std::make_unique<TipcExt>();
  return *tipc_ext;
}

XdpExt& SocketRecord::ensure_xdp() {
  if (!xdp_ext) xdp_ext = std::make_unique<XdpExt>();
  return *xdp_ext;
}

}  // namespace sw
