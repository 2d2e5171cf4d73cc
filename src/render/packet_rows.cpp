#include "render/packet_rows.hpp"

#include <fmt/format.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/packet_diag.h>
#include <sys/socket.h>

#include <cstring>
#include <iterator>

#include "core/escape.hpp"
#include "procfs/owner_index.hpp"
#include "render/skmem.hpp"

namespace sw {

namespace {

struct LlProto {
  uint16_t id;
  const char* name;
};

// iproute2 6.1's lib/ll_proto.c table, in its order: the first match wins, so
// 0x8100 reads "802.1Q" and 0x0800 "ip" (the later "ipv4" alias never shows).
// 6.1 has no "cfm" (0x8902) entry yet; the installed ss prints "[35074]".
constexpr LlProto kLlProtos[] = {
    {ETH_P_LOOP, "loop"},
    {ETH_P_PUP, "pup"},
    {ETH_P_PUPAT, "pupat"},
    {ETH_P_IP, "ip"},
    {ETH_P_X25, "x25"},
    {ETH_P_ARP, "arp"},
    {ETH_P_BPQ, "bpq"},
    {ETH_P_IEEEPUP, "ieeepup"},
    {ETH_P_IEEEPUPAT, "ieeepupat"},
    {ETH_P_DEC, "dec"},
    {ETH_P_DNA_DL, "dna_dl"},
    {ETH_P_DNA_RC, "dna_rc"},
    {ETH_P_DNA_RT, "dna_rt"},
    {ETH_P_LAT, "lat"},
    {ETH_P_DIAG, "diag"},
    {ETH_P_CUST, "cust"},
    {ETH_P_SCA, "sca"},
    {ETH_P_RARP, "rarp"},
    {ETH_P_ATALK, "atalk"},
    {ETH_P_AARP, "aarp"},
    {ETH_P_IPX, "ipx"},
    {ETH_P_IPV6, "ipv6"},
    {ETH_P_PPP_DISC, "ppp_disc"},
    {ETH_P_PPP_SES, "ppp_ses"},
    {ETH_P_ATMMPOA, "atmmpoa"},
    {ETH_P_ATMFATE, "atmfate"},
    {ETH_P_802_3, "802_3"},
    {ETH_P_AX25, "ax25"},
    {ETH_P_ALL, "all"},
    {ETH_P_802_2, "802_2"},
    {ETH_P_SNAP, "snap"},
    {ETH_P_DDCMP, "ddcmp"},
    {ETH_P_WAN_PPP, "wan_ppp"},
    {ETH_P_PPP_MP, "ppp_mp"},
    {ETH_P_LOCALTALK, "localtalk"},
    {ETH_P_CAN, "can"},
    {ETH_P_PPPTALK, "ppptalk"},
    {ETH_P_TR_802_2, "tr_802_2"},
    {ETH_P_MOBITEX, "mobitex"},
    {ETH_P_CONTROL, "control"},
    {ETH_P_IRDA, "irda"},
    {ETH_P_ECONET, "econet"},
    {ETH_P_TIPC, "tipc"},
    {ETH_P_PROFINET, "profinet"},
    {ETH_P_AOE, "aoe"},
    {ETH_P_ETHERCAT, "ethercat"},
    {ETH_P_8021Q, "802.1Q"},
    {ETH_P_8021AD, "802.1ad"},
    {ETH_P_MPLS_UC, "mpls_uc"},
    {ETH_P_MPLS_MC, "mpls_mc"},
    {ETH_P_TEB, "teb"},
    {0x88cc, "LLDP"},
};

using It = std::back_insert_iterator<std::string>;

void append_ring(std::string& out, const char* name, const packet_diag_ring& ring, bool oneline) {
  // ss prints the u32 fields through "%d".
  fmt::format_to(It(out),
                 "{}{}(blk_size:{},blk_nr:{},frm_size:{},frm_nr:{},tmo:{},features:0x{:x})",
                 oneline ? " " : "\n\t", name, static_cast<int32_t>(ring.pdr_block_size),
                 static_cast<int32_t>(ring.pdr_block_nr), static_cast<int32_t>(ring.pdr_frame_size),
                 static_cast<int32_t>(ring.pdr_frame_nr), static_cast<int32_t>(ring.pdr_retire_tmo),
                 ring.pdr_features);
}

const char* fanout_type_name(uint16_t type) {
  switch (type) {
    case 0:
      return "hash";
    case 1:
      return "lb";
    case 2:
      return "cpu";
    case 3:
      return "roll";
    case 4:
      return "random";
    case 5:
      return "qm";
    default:
      return nullptr;
  }
}

void append_info(std::string& out, const packet_diag_info& info, bool oneline) {
  fmt::format_to(It(out), "{}ver:{} cpy_thresh:{} flags( ", oneline ? " " : "\n\t",
                 static_cast<int32_t>(info.pdi_version),
                 static_cast<int32_t>(info.pdi_copy_thresh));
  // ss writes "running" without a leading blank and the others with one, so
  // flags without RUNNING read "flags(  auxdata )"; we keep that spacing.
  if (info.pdi_flags & PDI_RUNNING) out += "running";
  if (info.pdi_flags & PDI_AUXDATA) out += " auxdata";
  if (info.pdi_flags & PDI_ORIGDEV) out += " origdev";
  if (info.pdi_flags & PDI_VNETHDR) out += " vnethdr";
  if (info.pdi_flags & PDI_LOSS) out += " loss";
  if (!info.pdi_flags) out += '0';
  out += " )";
}

void append_bpf(std::string& out, const std::string& filter, bool oneline) {
  size_t n = filter.size() / sizeof(sock_filter);
  fmt::format_to(It(out), "{}bpf filter ({}): ", oneline ? " " : "\n\t", n);
  for (size_t i = 0; i < n; ++i) {
    sock_filter f;
    std::memcpy(&f, filter.data() + i * sizeof f, sizeof f);
    fmt::format_to(It(out), " 0x{:02x} {} {} {},", f.code, f.jt, f.jf, f.k);
  }
}

}  // namespace

std::string ll_proto_name(uint16_t proto, bool numeric) {
  if (!numeric) {
    for (const auto& e : kLlProtos)
      if (e.id == proto) return e.name;
  }
  return fmt::format("[{}]", proto);
}

void packet_cells(std::array<std::string, kColCount>& cells, const SocketRecord& r,
                  const PacketRowContext& ctx) {
  const PacketExt* p = r.packet_ext.get();
  PacketExt empty;
  if (!p) p = &empty;
  const RenderOptions& opt = ctx.opt;

  cells[kColNetid] = r.table == Table::PacketRaw ? "p_raw" : "p_dgr";
  cells[kColState] = state_name(kClose);  // ss always shows packet sockets as UNCONN
  cells[kColRecvQ] = fmt::format("{:<6}", static_cast<int32_t>(r.rqueue));
  cells[kColSendQ] = fmt::format("{:<6}", static_cast<int32_t>(r.wqueue));

  std::string& local = cells[kColLocalAddr];
  local = p->protocol == ETH_P_ALL ? "*" : ll_proto_name(p->protocol, opt.numeric);
  local.push_back(':');
  if (r.ifindex == 0)
    cells[kColLocalPort] = "*";
  else
    append_escaped(cells[kColLocalPort], ctx.ifnames.name(r.ifindex));
  cells[kColPeerAddr] = "*";
  cells[kColPeerPort].clear();

  std::string& proc = cells[kColProcess];
  if (opt.show_users && ctx.owners) ctx.owners->append_users(r.inode, proc);
  if (opt.show_details) {
    // ss's sock_details_print(); fwmark and cgroup are never set for packet
    // sockets. The /proc path (packet_show_line) never fills sk, so ss prints 0
    // (not the proc_sk pointer we read there); such records have no cookie.
    if (r.uid) fmt::format_to(It(proc), " uid:{}", r.uid);
    fmt::format_to(It(proc), " ino:{} sk:{:x}", static_cast<uint32_t>(r.inode),
                   r.from_proc ? 0 : r.cookie);
    if (p->info) append_info(proc, *p->info, opt.oneline);
    if (p->rx_ring) append_ring(proc, "ring_rx", *p->rx_ring, opt.oneline);
    if (p->tx_ring) append_ring(proc, "ring_tx", *p->tx_ring, opt.oneline);
    if (p->fanout) {
      auto type = static_cast<uint16_t>(*p->fanout >> 16);
      fmt::format_to(It(proc), "{}fanout(id:{},type:", opt.oneline ? " " : "\n\t",
                     *p->fanout & 0xffff);
      if (const char* name = fanout_type_name(type))
        proc += name;
      else
        fmt::format_to(It(proc), "0x{:x}", type);
      proc += ')';
    }
  }
  if (ctx.show_bpf && p->has_filter) append_bpf(proc, p->filter, opt.oneline);
  if (opt.show_mem) append_skmem(proc, p->skmem);
}

}  // namespace sw
