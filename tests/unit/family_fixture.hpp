// Byte fixtures for the vsock, tipc and xdp diag answers, built from the uapi
// structs (this kernel has none of the three diag modules). Shared by the unit
// tests and the differential test that feeds the same bytes to the real ss.
#pragma once

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tipc_netlink.h>
#include <linux/vm_sockets_diag.h>
#include <linux/xdp_diag.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "nl_fixture.hpp"

namespace sw::test {

// Nested attributes (TIPC's answer is nothing else).
class AttrBuf {
 public:
  AttrBuf& put(uint16_t type, const void* data, size_t len) {
    nlattr a{};
    a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
    a.nla_type = type;
    size_t at = b_.size();
    b_.resize(at + sizeof a);
    std::memcpy(b_.data() + at, &a, sizeof a);
    at = b_.size();
    b_.resize(NLMSG_ALIGN(at + len), 0);
    if (len) std::memcpy(b_.data() + at, data, len);
    return *this;
  }
  AttrBuf& u32(uint16_t type, uint32_t v) { return put(type, &v, 4); }
  AttrBuf& u64(uint16_t type, uint64_t v) { return put(type, &v, 8); }
  AttrBuf& flag(uint16_t type) { return put(type, nullptr, 0); }
  AttrBuf& nest(uint16_t type, const AttrBuf& inner) {
    return put(type, inner.b_.data(), inner.b_.size());
  }
  const std::vector<uint8_t>& bytes() const { return b_; }

 private:
  std::vector<uint8_t> b_;
};

inline NlMsg vsock_msg(uint8_t type, uint8_t state, uint32_t src_cid, uint32_t src_port,
                       uint32_t dst_cid, uint32_t dst_port, uint32_t ino) {
  vsock_diag_msg m{};
  m.vdiag_family = AF_VSOCK;
  m.vdiag_type = type;
  m.vdiag_state = state;
  m.vdiag_src_cid = src_cid;
  m.vdiag_src_port = src_port;
  m.vdiag_dst_cid = dst_cid;
  m.vdiag_dst_port = dst_port;
  m.vdiag_ino = ino;
  m.vdiag_cookie[0] = ino * 16;
  m.vdiag_cookie[1] = 0;
  NlMsg n;
  n.put(m);
  return n;
}

struct TipcSock {
  uint32_t type = SOCK_STREAM, state = 7, node = 0x1001001, ref = 0, ino = 0, uid = 0;
  uint64_t cookie = 0;
  uint32_t rq = 0, wq = 0, drops = 0;
  bool connected = false;
  uint32_t peer_node = 0, peer_sock = 0;
  bool via = false;
  uint32_t via_type = 0, via_inst = 0;
  bool publ = false, link_cong = false, conn_cong = false;
};

// The attribute order of the kernel's tipc_sk_fill_sock_diag.
inline NlMsg tipc_msg(const TipcSock& s) {
  AttrBuf sock;
  sock.u32(TIPC_NLA_SOCK_REF, s.ref).u32(TIPC_NLA_SOCK_ADDR, s.node);
  if (s.connected) {
    AttrBuf con;
    con.u32(TIPC_NLA_CON_NODE, s.peer_node).u32(TIPC_NLA_CON_SOCK, s.peer_sock);
    if (s.via)
      con.flag(TIPC_NLA_CON_FLAG)
          .u32(TIPC_NLA_CON_TYPE, s.via_type)
          .u32(TIPC_NLA_CON_INST, s.via_inst);
    sock.nest(TIPC_NLA_SOCK_CON, con);
  } else if (s.publ) {
    sock.flag(TIPC_NLA_SOCK_HAS_PUBL);
  }
  sock.u32(TIPC_NLA_SOCK_TYPE, s.type)
      .u32(TIPC_NLA_SOCK_TIPC_STATE, s.state)
      .u32(TIPC_NLA_SOCK_INO, s.ino)
      .u32(TIPC_NLA_SOCK_UID, s.uid);
  // nla_put_u64_64bit adds no TIPC_NLA_SOCK_PAD on x86-64 (efficient
  // unaligned access), so the cookie follows directly.
  sock.u64(TIPC_NLA_SOCK_COOKIE, s.cookie);
  AttrBuf stat;
  stat.u32(TIPC_NLA_SOCK_STAT_RCVQ, s.rq)
      .u32(TIPC_NLA_SOCK_STAT_SENDQ, s.wq)
      .u32(TIPC_NLA_SOCK_STAT_DROP, s.drops);
  if (s.link_cong) stat.flag(TIPC_NLA_SOCK_STAT_LINK_CONG);
  if (s.conn_cong) stat.flag(TIPC_NLA_SOCK_STAT_CONN_CONG);
  sock.nest(TIPC_NLA_SOCK_STAT, stat);
  AttrBuf top;
  top.nest(TIPC_NLA_SOCK, sock);
  NlMsg n;
  const auto& b = top.bytes();
  for (uint8_t c : b) n.put(c);
  return n;
}

struct XdpSock {
  uint32_t ino = 0, uid = 0;
  bool info = true;
  uint32_t ifindex = 1, queue_id = 0;
  uint32_t rx = 0, tx = 0, fr = 0, cr = 0;  // 0: ring absent
  bool umem = false;
  xdp_diag_umem u{};
  bool meminfo = true;
  uint32_t rmem = 0;
  bool stats = false;
  xdp_diag_stats st{};
};

// The attribute order of the kernel's xsk_diag_fill.
inline NlMsg xdp_msg(const XdpSock& s) {
  xdp_diag_msg m{};
  m.xdiag_family = AF_XDP;
  m.xdiag_type = SOCK_RAW;
  m.xdiag_ino = s.ino;
  m.xdiag_cookie[0] = s.ino * 16;
  m.xdiag_cookie[1] = 1;
  NlMsg n;
  n.put(m);
  if (s.info) {
    xdp_diag_info i{s.ifindex, s.queue_id};
    n.attr(XDP_DIAG_INFO, i);
  }
  n.attr(XDP_DIAG_UID, s.uid);
  auto ring = [&](uint16_t t, uint32_t e) {
    if (e) n.attr(t, xdp_diag_ring{e});
  };
  ring(XDP_DIAG_RX_RING, s.rx);
  ring(XDP_DIAG_TX_RING, s.tx);
  if (s.umem) n.attr(XDP_DIAG_UMEM, s.u);
  ring(XDP_DIAG_UMEM_FILL_RING, s.fr);
  ring(XDP_DIAG_UMEM_COMPLETION_RING, s.cr);
  if (s.meminfo) {
    std::vector<uint32_t> mem(SK_MEMINFO_VARS, 0);
    mem[SK_MEMINFO_RMEM_ALLOC] = s.rmem;
    mem[SK_MEMINFO_RCVBUF] = 212992;
    mem[SK_MEMINFO_SNDBUF] = 212992;
    n.attr(XDP_DIAG_MEMINFO, mem.data(), mem.size() * 4);
  }
  if (s.stats) n.attr(XDP_DIAG_STATS, s.st);
  return n;
}

// A dump as the kernel sends it: the messages, then NLMSG_DONE.
inline std::vector<uint8_t> dump_of(std::vector<NlMsg> msgs) {
  std::vector<uint8_t> out;
  for (auto& m : msgs) {
    auto b = m.bytes();
    out.insert(out.end(), b.begin(), b.end());
  }
  NlMsg done(NLMSG_DONE);
  done.put(int32_t{0});
  auto b = done.bytes();
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// The populations the differential test shows through ss and sockwatch, and
// the fuzz seeds (tests/fixtures/families/).
constexpr uint32_t kVsockAny = ~uint32_t{0};  // VMADDR_CID_ANY, VMADDR_PORT_ANY

inline std::vector<uint8_t> vsock_dump() {
  return dump_of({
      vsock_msg(SOCK_STREAM, 10, kVsockAny, 1234, kVsockAny, kVsockAny, 5001),  // listener, any CID
      vsock_msg(SOCK_STREAM, 1, 3, 1234, 2, 49152, 5002),             // accepted from the host
      vsock_msg(SOCK_STREAM, 2, 3, 1025, 2, 9999, 5003),              // connecting
      vsock_msg(SOCK_DGRAM, 7, 3, 4000, kVsockAny, kVsockAny, 5004),  // bound datagram
      vsock_msg(SOCK_STREAM, 11, 3, 3000000000u, 2, 22, 5005),        // port past INT_MAX
      vsock_msg(SOCK_SEQPACKET, 1, 3, 700, 2, 701, 5006),             // ss: Netid "???"
  });
}

inline std::vector<uint8_t> tipc_dump() {
  TipcSock listen;
  listen.type = SOCK_STREAM;
  listen.state = 10;
  listen.ref = 0x1a2b3c4d;
  listen.ino = 7001;
  listen.cookie = 0x2a;
  listen.publ = true;
  TipcSock conn;
  conn.type = SOCK_SEQPACKET;
  conn.state = 1;
  conn.ref = 12345;
  conn.ino = 7002;
  conn.uid = 1000;
  conn.cookie = 0x1234567890abull;
  conn.rq = 3;
  conn.wq = 1;
  conn.drops = 2;
  conn.connected = true;
  conn.peer_node = 0x1001002;
  conn.peer_sock = 54321;
  conn.via = true;
  conn.via_type = 18888;
  conn.via_inst = 17;
  conn.conn_cong = true;
  TipcSock rdm;
  rdm.type = SOCK_RDM;
  rdm.state = 7;
  rdm.ref = 99;
  rdm.ino = 7003;
  rdm.link_cong = true;
  rdm.conn_cong = true;
  TipcSock dgram;
  dgram.type = SOCK_DGRAM;
  dgram.state = 7;
  dgram.ref = 100;
  dgram.ino = 7004;
  dgram.connected = true;  // connected without a service name: no "via"
  dgram.peer_node = 0;
  dgram.peer_sock = 0;
  NlMsg dropped;  // a socket the kernel's state mask dropped: an empty message
  return dump_of({tipc_msg(listen), dropped, tipc_msg(conn), tipc_msg(rdm), tipc_msg(dgram)});
}

inline std::vector<uint8_t> xdp_dump() {
  XdpSock full;
  full.ino = 8001;
  full.uid = 1000;
  full.ifindex = 1;  // lo exists in every namespace
  full.queue_id = 3;
  full.rx = 2048;
  full.tx = 1024;
  full.fr = 4096;
  full.cr = 512;
  full.umem = true;
  full.u.size = 16777216;
  full.u.id = 4;
  full.u.num_pages = 4096;
  full.u.chunk_size = 4096;
  full.u.headroom = 256;
  full.u.ifindex = 1;
  full.u.queue_id = 3;
  full.u.flags = XDP_DU_F_ZEROCOPY;
  full.u.refs = 2;
  full.rmem = 4352;
  full.stats = true;
  full.st = {1, 2, 3, 4, 5, 6};
  XdpSock unbound;  // created, not bound: no XDP_DIAG_INFO
  unbound.ino = 8002;
  unbound.info = false;
  XdpSock tx_only;
  tx_only.ino = 8003;
  tx_only.ifindex = 1;
  tx_only.queue_id = 0;
  tx_only.tx = 256;
  tx_only.meminfo = false;
  return dump_of({xdp_msg(full), xdp_msg(unbound), xdp_msg(tx_only)});
}

// A --replay recording of the same answers: a table marker before each.
inline void append_marker(std::vector<uint8_t>& out, uint32_t table) {
  NlMsg m(NLMSG_NOOP);
  const char magic[4] = {'S', 'W', 'T', 'B'};
  m.put(magic);
  m.put(table);
  auto b = m.bytes();
  out.insert(out.end(), b.begin(), b.end());
}

// The three dumps as one --replay recording.
inline std::vector<uint8_t> families_recording() {
  std::vector<uint8_t> rec;
  auto add = [&](uint32_t table, const std::vector<uint8_t>& d) {
    append_marker(rec, table);
    rec.insert(rec.end(), d.begin(), d.end());
  };
  add(12, vsock_dump());            // Table::VsockStream
  add(14, tipc_dump());             // Table::Tipc
  add(15, xdp_dump());              // Table::Xdp
  append_marker(rec, 0xffffffffu);  // the end-of-recording marker --record writes last
  return rec;
}

}  // namespace sw::test
