// SocketRecord: one socket as the kernel (or a /proc fallback, or a replayed
// dump) described it. Parsers produce it; renderers and filters read it. It owns
// its strings and holds no pointers into netlink buffers, so a Snapshot of
// records outlives the dump that produced it.
//
// Field units follow the kernel (ports in host order after parsing, addresses in
// network byte order, times in ms as idiag_expires). Optional kernel attributes
// are std::optional: absent means the kernel did not send the attribute.
#pragma once

#include <linux/inet_diag.h>
#include <linux/packet_diag.h>
#include <linux/tcp.h>
#include <linux/xdp_diag.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/tables.hpp"

namespace sw {

struct IpAddr {
  uint8_t family = 0;               // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};  // network byte order; v4 uses the first 4

  bool is_any() const;
  bool is_v4_mapped() const;
  bool operator==(const IpAddr&) const = default;
};

// Extension attributes that only arrive when asked for (-i, -m, --tos, MD5, ULP).
// Kept out of line so a plain `-tan` record stays small.
struct InetExt {
  // INET_DIAG_INFO: the kernel's struct tcp_info, zero-padded when the kernel
  // sent fewer bytes (older kernels); info_len is what it sent.
  std::optional<tcp_info> info;
  uint32_t info_len = 0;
  std::string raw_info;  // INET_DIAG_INFO payload for non-TCP protocols (MPTCP, SCTP)
  std::string cong;      // INET_DIAG_CONG
  std::optional<tcpvegas_info> vegas;
  std::optional<tcp_dctcp_info> dctcp;
  std::optional<tcp_bbr_info> bbr;
  std::vector<uint32_t> skmem;               // INET_DIAG_SKMEMINFO (SK_MEMINFO_*)
  std::optional<inet_diag_meminfo> meminfo;  // INET_DIAG_MEMINFO (old kernels)
  std::optional<uint8_t> tos, tclass;
  std::optional<uint32_t> class_id;
  std::string md5sig;         // INET_DIAG_MD5SIG raw array of tcp_diag_md5sig
  std::string ulp;            // INET_DIAG_ULP_INFO raw nested attributes
  std::string locals, peers;  // SCTP INET_DIAG_LOCALS/PEERS raw sockaddr_storage arrays
};

struct UnixExt {
  std::string path;  // bound name; abstract names start with '@'
  bool has_name = false;
  uint32_t peer_inode = 0;
  bool has_peer = false;
  std::optional<std::pair<uint32_t, uint32_t>> vfs;  // UDIAG_VFS: ino, dev
  std::optional<std::vector<uint32_t>> icons;        // UDIAG_ICONS: pending peers
  std::vector<uint32_t> skmem;                       // UNIX_DIAG_MEMINFO
  std::optional<uint32_t> rqlen_rq, rqlen_wq;        // UNIX_DIAG_RQLEN
};

struct NetlinkExt {
  uint8_t protocol = 0;  // NETLINK_ROUTE, NETLINK_SOCK_DIAG, ...
  uint8_t type = 0;
  uint32_t portid = 0;
  uint32_t dst_portid = 0;
  uint32_t dst_group = 0;
  uint64_t cb = 0;               // /proc/net/netlink "Dump" column (ss prints cb=%llx); sk is
                                 // the record's proc_sk on that path
  std::vector<uint32_t> skmem;   // NETLINK_DIAG_MEMINFO
  std::vector<uint32_t> groups;  // NETLINK_DIAG_GROUPS bitmap
  // Enrichment (procfs/owner_enrichment.hpp), not from the kernel: the comm of
  // the process whose pid is portid (ss's Port column "comm/pid"); nullopt
  // until enriched, "" when that process could not be read.
  std::optional<std::string> portid_comm;
};

// AF_PACKET (packet_diag): filled by netlink/parse_packet.cpp.
struct PacketExt {
  uint8_t type = 0;       // SOCK_RAW / SOCK_DGRAM
  uint16_t protocol = 0;  // pdiag_num, host order (3 = ETH_P_ALL)
  std::optional<packet_diag_info> info;
  std::optional<packet_diag_mclist> mclist;  // first entry only (ss prints none)
  std::optional<packet_diag_ring> rx_ring, tx_ring;
  std::optional<uint32_t> fanout;
  std::vector<uint32_t> skmem;
  std::string filter;       // PACKET_DIAG_FILTER: raw array of sock_filter
  bool has_filter = false;  // the attribute was sent (empty when the reader lacks privilege)
};

// AF_VSOCK (vsock_diag): filled by netlink/parse_families.cpp. CIDs and
// ports are 32-bit; VMADDR_CID_ANY / VMADDR_PORT_ANY (~0) print as "*".
struct VsockExt {
  uint8_t type = 0;  // SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET
  uint32_t src_cid = 0, src_port = 0;
  uint32_t dst_cid = 0, dst_port = 0;
};

// AF_TIPC (tipc sock_diag: nested TIPC_NLA_SOCK attributes, no fixed header).
struct TipcExt {
  uint32_t type = 0;       // TIPC_NLA_SOCK_TYPE: SOCK_STREAM, _DGRAM, _RDM, _SEQPACKET
  uint32_t node = 0;       // TIPC_NLA_SOCK_ADDR: own node address
  uint32_t ref = 0;        // TIPC_NLA_SOCK_REF: port id
  bool connected = false;  // TIPC_NLA_SOCK_CON present
  uint32_t peer_node = 0;  // TIPC_NLA_CON_NODE
  uint32_t peer_sock = 0;  // TIPC_NLA_CON_SOCK
  bool via = false;        // TIPC_NLA_CON_FLAG: connected through a service name
  uint32_t via_type = 0;   // TIPC_NLA_CON_TYPE
  uint32_t via_inst = 0;   // TIPC_NLA_CON_INST
  bool published = false;  // TIPC_NLA_SOCK_HAS_PUBL
  bool link_cong = false;  // TIPC_NLA_SOCK_STAT_LINK_CONG
  bool conn_cong = false;  // TIPC_NLA_SOCK_STAT_CONN_CONG
  uint32_t drops = 0;      // TIPC_NLA_SOCK_STAT_DROP
};

// AF_XDP (xdp_diag). Rings are entry counts (struct xdp_diag_ring).
struct XdpExt {
  uint8_t type = 0;
  std::optional<xdp_diag_info> info;
  std::optional<uint32_t> rx_ring, tx_ring, fill_ring, completion_ring;
  std::optional<xdp_diag_umem> umem;
  std::optional<xdp_diag_stats> stats;
  std::vector<uint32_t> skmem;  // XDP_DIAG_MEMINFO
};

struct SocketRecord {
  Table table = Table::Tcp;
  uint8_t family = 0;  // AF_*
  uint8_t state = 0;   // TcpState numbering
  int64_t rqueue = 0;  // Recv-Q as printed
  int64_t wqueue = 0;  // Send-Q as printed
  uint64_t inode = 0;
  uint32_t uid = 0;
  // The kernel's socket cookie (sock_diag); 0 (none) for records read from
  // /proc/net text, which carries no cookie. Snapshots key sockets by it.
  uint64_t cookie = 0;
  // /proc/net/* "sk" column: the kernel's struct sock pointer, only set on the
  // /proc fallback path (from_proc). ss prints it as "sk:"; it is an address,
  // never an identity across ticks (it is reused as soon as the socket is freed).
  uint64_t proc_sk = 0;

  // inet
  IpAddr local, peer;
  uint16_t lport = 0, rport = 0;  // host order (raw: the protocol number)
  uint32_t ifindex = 0;
  uint8_t timer = 0;                         // idiag_timer
  uint8_t retrans = 0;                       // idiag_retrans
  uint32_t expires = 0;                      // idiag_expires, ms
  std::optional<uint8_t> protocol;           // INET_DIAG_PROTOCOL
  std::optional<uint8_t> shutdown;           // INET_DIAG_SHUTDOWN
  std::optional<uint32_t> mark;              // INET_DIAG_MARK
  std::optional<uint64_t> cgroup_id;         // INET_DIAG_CGROUP_ID
  std::optional<uint8_t> v6only;             // INET_DIAG_SKV6ONLY
  std::optional<inet_diag_sockopt> sockopt;  // INET_DIAG_SOCKOPT
  std::unique_ptr<InetExt> ext;

  // unix
  std::unique_ptr<UnixExt> unix_ext;

  // netlink
  std::unique_ptr<NetlinkExt> netlink_ext;

  // packet
  std::unique_ptr<PacketExt> packet_ext;

  // vsock, tipc, xdp
  std::unique_ptr<VsockExt> vsock_ext;
  std::unique_ptr<TipcExt> tipc_ext;
  std::unique_ptr<XdpExt> xdp_ext;

  // /proc fallback extras: the unparsed rest of the line (ss's opt:"..."), and
  // for TCP the tcp_info-like values /proc/net/tcp carries.
  struct ProcTcp {
    double rto = 0, ato = 0;  // seconds as ss computes them (ticks / USER_HZ)
    int qack = 0;
    uint32_t cwnd = 0;
    int ssthresh = 0;
  };
  std::string proc_opt;
  std::optional<ProcTcp> proc_tcp;
  bool from_proc = false;

  SocketRecord() = default;
  SocketRecord(SocketRecord&&) noexcept = default;
  SocketRecord& operator=(SocketRecord&&) noexcept = default;
  SocketRecord(const SocketRecord& o);
  SocketRecord& operator=(const SocketRecord& o);

  InetExt& ensure_ext();
  UnixExt& ensure_unix();
  NetlinkExt& ensure_netlink();
  PacketExt& ensure_packet();
  VsockExt& ensure_vsock();
  TipcExt& ensure_tipc();
  XdpExt& ensure_xdp();
  bool is_inet() const { return family == 2 || family == 10; }
};

}  // namespace sw
