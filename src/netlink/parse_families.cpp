// vsock_diag_msg, TIPC's sock_diag answer and xdp_diag_msg -> SocketRecord
// (AF_VSOCK, AF_TIPC, AF_XDP). As in parse_packet.cpp, every attribute payload
// is checked against the size ss reads from it: ss takes RTA_DATA blindly (and
// crashes on a missing TIPC attribute), we answer an Error instead.
#include <fmt/format.h>
#include <linux/sock_diag.h>
#include <linux/tipc_netlink.h>
#include <linux/vm_sockets_diag.h>
#include <linux/xdp_diag.h>
#include <sys/socket.h>

#include <cstring>

#include "netlink/parse.hpp"

namespace sw {

namespace {

template <typename T>
T load(std::string_view p) {
  T v{};
  std::memcpy(&v, p.data(), sizeof(T));
  return v;
}

// The attributes after a fixed header, as iproute2's parse_rtattr sees them.
std::string_view attrs_after(const nlmsghdr& h, size_t fixed) {
  const auto* base = reinterpret_cast<const char*>(NLMSG_DATA(&h));
  size_t total = h.nlmsg_len - NLMSG_HDRLEN;
  size_t start = NLMSG_ALIGN(fixed);
  if (start >= total) return {};
  return {base + start, total - start};
}

bool walk(std::string_view attrs, auto&& fn) {
  return for_each_attr(reinterpret_cast<const uint8_t*>(attrs.data()), attrs.size(), fn);
}

// Remembers the first attribute that is too short for what ss reads from it.
struct ShortAttr {
  const char* name = nullptr;
  size_t len = 0;
  bool need(std::string_view a, size_t n, const char* attr) {
    if (a.size() >= n) return true;
    if (!name) {
      name = attr;
      len = a.size();
    }
    return false;
  }
  Error error(const char* what) const {
    return Error{fmt::format("{} message: {} attribute too short ({} bytes)", what, name, len),
                 EBADMSG};
  }
};

}  // namespace

Expected<SocketRecord> parse_vsock_msg(const nlmsghdr& h) {
  if (h.nlmsg_len < NLMSG_LENGTH(sizeof(vsock_diag_msg)))
    return Error{fmt::format("vsock_diag message: truncated ({} bytes)", h.nlmsg_len), EBADMSG};
  vsock_diag_msg m;
  std::memcpy(&m, NLMSG_DATA(&h), sizeof m);
  if (m.vdiag_family != AF_VSOCK)
    return Error{fmt::format("vsock_diag message: family {} is not AF_VSOCK", m.vdiag_family),
                 EBADMSG};
  SocketRecord r;
  r.family = AF_VSOCK;
  // SOCK_SEQPACKET (and anything else) has no table of its own: ss shows it
  // with Netid "???" whichever vsock table was asked for.
  r.table = m.vdiag_type == SOCK_DGRAM ? Table::VsockDgram : Table::VsockStream;
  r.state = m.vdiag_state;
  r.shutdown = m.vdiag_shutdown;  // RCV_SHUTDOWN | SEND_SHUTDOWN, as inet's
  r.inode = m.vdiag_ino;
  r.cookie = (uint64_t{m.vdiag_cookie[1]} << 32) | m.vdiag_cookie[0];
  // ss keeps the CID in the address bytes (host order): vsock:CID filters
  // compare them.
  r.local.family = r.peer.family = AF_VSOCK;
  std::memcpy(r.local.bytes.data(), &m.vdiag_src_cid, 4);
  std::memcpy(r.peer.bytes.data(), &m.vdiag_dst_cid, 4);
  auto& v = r.ensure_vsock();
  v.type = m.vdiag_type;
  v.src_cid = m.vdiag_src_cid;
  v.src_port = m.vdiag_src_port;
  v.dst_cid = m.vdiag_dst_cid;
  v.dst_port = m.vdiag_dst_port;
  return r;
}

Expected<SocketRecord> parse_tipc_msg(const nlmsghdr& h) {
  // No fixed header: the payload is attributes from the first byte (the
  // kernel's tipc_sk_fill_sock_diag). A socket the state mask drops still gets
  // a message, an empty one: ss skips it, so do we (kNoSocket).
  std::string_view top = attrs_after(h, 0);
  std::string_view sock;
  bool have_sock = false;
  if (!walk(top, [&](uint16_t type, std::string_view a) {
        if (type == TIPC_NLA_SOCK && !have_sock) {
          sock = a;
          have_sock = true;
        }
      }))
    return Error{"tipc diag message: malformed attribute", EBADMSG};
  if (!have_sock) return Error{"tipc diag message: no TIPC_NLA_SOCK", kNoSocket};

  SocketRecord r;
  r.family = AF_TIPC;
  r.table = Table::Tipc;
  auto& t = r.ensure_tipc();
  ShortAttr bad;
  uint32_t seen = 0;
  std::string_view con, stat;
  bool have_con = false, have_stat = false;
  uint32_t state = 0;
  auto u32 = [&](std::string_view a, const char* name, uint32_t& out) {
    if (bad.need(a, 4, name)) out = load<uint32_t>(a);
  };
  bool ok = walk(sock, [&](uint16_t type, std::string_view a) {
    if (type > TIPC_NLA_SOCK_MAX || (seen & (1u << type))) return;  // the first one wins
    seen |= 1u << type;
    switch (type) {
      case TIPC_NLA_SOCK_ADDR:
        u32(a, "TIPC_NLA_SOCK_ADDR", t.node);
        break;
      case TIPC_NLA_SOCK_REF:
        u32(a, "TIPC_NLA_SOCK_REF", t.ref);
        break;
      case TIPC_NLA_SOCK_CON:
        con = a;
        have_con = true;
        break;
      case TIPC_NLA_SOCK_HAS_PUBL:
        t.published = true;
        break;
      case TIPC_NLA_SOCK_STAT:
        stat = a;
        have_stat = true;
        break;
      case TIPC_NLA_SOCK_TYPE:
        u32(a, "TIPC_NLA_SOCK_TYPE", t.type);
        break;
      case TIPC_NLA_SOCK_INO: {
        uint32_t ino = 0;
        u32(a, "TIPC_NLA_SOCK_INO", ino);
        r.inode = ino;
        break;
      }
      case TIPC_NLA_SOCK_UID:
        u32(a, "TIPC_NLA_SOCK_UID", r.uid);
        break;
      case TIPC_NLA_SOCK_TIPC_STATE:
        u32(a, "TIPC_NLA_SOCK_TIPC_STATE", state);
        break;
      case TIPC_NLA_SOCK_COOKIE:
        if (bad.need(a, 8, "TIPC_NLA_SOCK_COOKIE")) r.cookie = load<uint64_t>(a);
        break;
      default:
        break;
    }
  });
  if (!ok) return Error{"tipc diag message: malformed attribute in TIPC_NLA_SOCK", EBADMSG};
  // TIPC's states reuse the TCP numbers (TIPC_OPEN is TCP_CLOSE, ...); ss
  // indexes its name table with the u32, we print UNKNOWN past its end.
  r.state = state < kStateMax ? static_cast<uint8_t>(state) : uint8_t{kStateUnknown};

  if (have_con) {
    t.connected = true;
    uint32_t cseen = 0;
    ok = walk(con, [&](uint16_t type, std::string_view a) {
      if (type > TIPC_NLA_CON_MAX || (cseen & (1u << type))) return;
      cseen |= 1u << type;
      switch (type) {
        case TIPC_NLA_CON_FLAG:
          t.via = true;
          break;
        case TIPC_NLA_CON_NODE:
          u32(a, "TIPC_NLA_CON_NODE", t.peer_node);
          break;
        case TIPC_NLA_CON_SOCK:
          u32(a, "TIPC_NLA_CON_SOCK", t.peer_sock);
          break;
        case TIPC_NLA_CON_TYPE:
          u32(a, "TIPC_NLA_CON_TYPE", t.via_type);
          break;
        case TIPC_NLA_CON_INST:
          u32(a, "TIPC_NLA_CON_INST", t.via_inst);
          break;
        default:
          break;
      }
    });
    if (!ok) return Error{"tipc diag message: malformed attribute in TIPC_NLA_SOCK_CON", EBADMSG};
  }
  if (have_stat) {
    uint32_t sseen = 0, rq = 0, wq = 0;
    ok = walk(stat, [&](uint16_t type, std::string_view a) {
      if (type > TIPC_NLA_SOCK_STAT_MAX || (sseen & (1u << type))) return;
      sseen |= 1u << type;
      switch (type) {
        case TIPC_NLA_SOCK_STAT_RCVQ:
          u32(a, "TIPC_NLA_SOCK_STAT_RCVQ", rq);
          break;
        case TIPC_NLA_SOCK_STAT_SENDQ:
          u32(a, "TIPC_NLA_SOCK_STAT_SENDQ", wq);
          break;
        case TIPC_NLA_SOCK_STAT_LINK_CONG:
          t.link_cong = true;
          break;
        case TIPC_NLA_SOCK_STAT_CONN_CONG:
          t.conn_cong = true;
          break;
        case TIPC_NLA_SOCK_STAT_DROP:
          u32(a, "TIPC_NLA_SOCK_STAT_DROP", t.drops);
          break;
        default:
          break;
      }
    });
    if (!ok) return Error{"tipc diag message: malformed attribute in TIPC_NLA_SOCK_STAT", EBADMSG};
    // Queue lengths in packets (skb_queue_len), which is what ss prints.
    r.rqueue = rq;
    r.wqueue = wq;
  }
  if (bad.name) return bad.error("tipc diag");
  return r;
}

Expected<SocketRecord> parse_xdp_msg(const nlmsghdr& h) {
  if (h.nlmsg_len < NLMSG_LENGTH(sizeof(xdp_diag_msg)))
    return Error{fmt::format("xdp_diag message: truncated ({} bytes)", h.nlmsg_len), EBADMSG};
  xdp_diag_msg m;
  std::memcpy(&m, NLMSG_DATA(&h), sizeof m);
  if (m.xdiag_family != AF_XDP)
    return Error{fmt::format("xdp_diag message: family {} is not AF_XDP", m.xdiag_family), EBADMSG};
  SocketRecord r;
  r.family = AF_XDP;
  r.table = Table::Xdp;
  r.state = kClose;  // ss always shows XDP sockets as UNCONN
  r.inode = m.xdiag_ino;
  r.cookie = (uint64_t{m.xdiag_cookie[1]} << 32) | m.xdiag_cookie[0];
  auto& x = r.ensure_xdp();
  x.type = m.xdiag_type;

  ShortAttr bad;
  uint32_t seen = 0;
  auto ring = [&](std::string_view a, const char* name, std::optional<uint32_t>& out) {
    if (bad.need(a, sizeof(xdp_diag_ring), name)) out = load<xdp_diag_ring>(a).entries;
  };
  bool ok = walk(attrs_after(h, sizeof(xdp_diag_msg)), [&](uint16_t type, std::string_view a) {
    if (type > XDP_DIAG_MAX || (seen & (1u << type))) return;  // the first one wins
    seen |= 1u << type;
    switch (type) {
      case XDP_DIAG_INFO:
        if (bad.need(a, sizeof(xdp_diag_info), "XDP_DIAG_INFO")) {
          x.info = load<xdp_diag_info>(a);
          r.ifindex = x.info->ifindex;
        }
        break;
      case XDP_DIAG_UID:
        if (bad.need(a, 4, "XDP_DIAG_UID")) r.uid = load<uint32_t>(a);
        break;
      case XDP_DIAG_RX_RING:
        ring(a, "XDP_DIAG_RX_RING", x.rx_ring);
        break;
      case XDP_DIAG_TX_RING:
        ring(a, "XDP_DIAG_TX_RING", x.tx_ring);
        break;
      case XDP_DIAG_UMEM:
        if (bad.need(a, sizeof(xdp_diag_umem), "XDP_DIAG_UMEM")) x.umem = load<xdp_diag_umem>(a);
        break;
      case XDP_DIAG_UMEM_FILL_RING:
        ring(a, "XDP_DIAG_UMEM_FILL_RING", x.fill_ring);
        break;
      case XDP_DIAG_UMEM_COMPLETION_RING:
        ring(a, "XDP_DIAG_UMEM_COMPLETION_RING", x.completion_ring);
        break;
      case XDP_DIAG_MEMINFO:
        if (bad.need(a, sizeof(uint32_t) * (SK_MEMINFO_RMEM_ALLOC + 1), "XDP_DIAG_MEMINFO")) {
          x.skmem.resize(a.size() / sizeof(uint32_t));
          std::memcpy(x.skmem.data(), a.data(), x.skmem.size() * sizeof(uint32_t));
          r.rqueue = x.skmem[SK_MEMINFO_RMEM_ALLOC];
        }
        break;
      case XDP_DIAG_STATS:
        if (bad.need(a, sizeof(xdp_diag_stats), "XDP_DIAG_STATS"))
          x.stats = load<xdp_diag_stats>(a);
        break;
      default:
        break;
    }
  });
  if (!ok) return Error{"xdp_diag message: malformed attribute", EBADMSG};
  if (bad.name) return bad.error("xdp_diag");
  return r;
}

}  // namespace sw
