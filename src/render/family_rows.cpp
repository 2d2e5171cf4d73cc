#include "render/family_rows.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

#include <iterator>

#include "core/escape.hpp"
#include "procfs/owner_index.hpp"
#include "render/skmem.hpp"

namespace sw {

namespace {

using It = std::back_insert_iterator<std::string>;

constexpr uint32_t kAny = ~uint32_t{0};  // VMADDR_CID_ANY, VMADDR_PORT_ANY

// ss's vsock_addr_print: "*" for the wildcard, else the number.
std::string vsock_num(uint32_t v) { return v == kAny ? "*" : std::to_string(v); }

// ss's stype_nameg[], indexed by the TIPC socket type. Index 3 (SOCK_RAW) is
// a hole in ss's table, which glibc's printf renders "(null)"; past the end
// ss reads out of bounds, we print UNKNOWN.
const char* tipc_type_name(uint32_t type) {
  switch (type) {
    case SOCK_STREAM:
      return "STREAM";
    case SOCK_DGRAM:
      return "DGRAM";
    case SOCK_RAW:
      return "(null)";
    case SOCK_RDM:
      return "RDM";
    case SOCK_SEQPACKET:
      return "SEQPACKET";
    default:
      return "UNKNOWN";
  }
}

std::string_view type_json_name(uint32_t type) {
  switch (type) {
    case SOCK_STREAM:
      return "stream";
    case SOCK_DGRAM:
      return "dgram";
    case SOCK_RDM:
      return "rdm";
    case SOCK_SEQPACKET:
      return "seqpacket";
    default:
      return "unknown";
  }
}

// ss's sock_details_print for these families: mark and cgroup are never set.
void append_details(std::string& out, const SocketRecord& r) {
  if (r.uid) fmt::format_to(It(out), " uid:{}", r.uid);
  fmt::format_to(It(out), " ino:{} sk:{:x}", static_cast<uint32_t>(r.inode), r.cookie);
}

void append_users(std::string& out, const SocketRecord& r, const FamilyRowContext& ctx) {
  if (ctx.opt.show_users && ctx.owners) ctx.owners->append_users(r.inode, out);
}

const char* sep(bool oneline) { return oneline ? " " : "\n\t"; }

void vsock_cells(std::array<std::string, kColCount>& cells, const SocketRecord& r,
                 const FamilyRowContext& ctx) {
  VsockExt empty;
  const VsockExt& v = r.vsock_ext ? *r.vsock_ext : empty;
  cells[kColLocalAddr] = vsock_num(v.src_cid) + ":";
  cells[kColLocalPort] = vsock_num(v.src_port);
  cells[kColPeerAddr] = vsock_num(v.dst_cid) + ":";
  cells[kColPeerPort] = vsock_num(v.dst_port);
  // vsock_stats_print: no -e, -m or details text at all.
  append_users(cells[kColProcess], r, ctx);
}

void tipc_cells(std::array<std::string, kColCount>& cells, const SocketRecord& r,
                const FamilyRowContext& ctx) {
  TipcExt empty;
  const TipcExt& t = r.tipc_ext ? *r.tipc_ext : empty;
  cells[kColLocalAddr] = fmt::format("{}:", t.node);
  cells[kColLocalPort] = std::to_string(t.ref);
  if (t.connected) {
    cells[kColPeerAddr] = fmt::format("{}:", t.peer_node);
    cells[kColPeerPort] = std::to_string(t.peer_sock);
  } else {
    cells[kColPeerAddr] = "-";
  }
  std::string& proc = cells[kColProcess];
  // tipc_show_sock prints the details before the users, unlike the others.
  if (ctx.opt.show_details) append_details(proc, r);
  append_users(proc, r, ctx);
  if (ctx.opt.show_tipcinfo) {
    fmt::format_to(It(proc), "{}type:{}", ctx.opt.oneline ? " " : "\n ", tipc_type_name(t.type));
    // ss's spacing: " cong:X " then " drop:N ", so two blanks between.
    fmt::format_to(It(proc), " cong:{}  drop:{} ",
                   t.link_cong   ? "link"
                   : t.conn_cong ? "conn"
                                 : "none",
                   static_cast<int32_t>(t.drops));
    if (t.published) proc += " publ";
    if (t.via) fmt::format_to(It(proc), " via {{{},{}}} ", t.via_type, t.via_inst);
  }
}

void append_ring(std::string& out, const char* name, uint32_t entries, bool oneline) {
  fmt::format_to(It(out), "{}{}(entries:{})", sep(oneline), name, entries);
}

void xdp_cells(std::array<std::string, kColCount>& cells, const SocketRecord& r,
               const FamilyRowContext& ctx) {
  XdpExt empty;
  const XdpExt& x = r.xdp_ext ? *r.xdp_ext : empty;
  bool oneline = ctx.opt.oneline;
  if (r.ifindex) {
    append_escaped(cells[kColLocalAddr], ctx.ifnames.name(r.ifindex));
    cells[kColLocalAddr] += ':';
    cells[kColLocalPort] =
        fmt::format("q{}", x.info ? static_cast<int32_t>(x.info->queue_id) : int32_t{0});
  } else {
    cells[kColLocalAddr] = "*";
  }
  cells[kColPeerAddr] = "*";
  std::string& proc = cells[kColProcess];
  append_users(proc, r, ctx);
  if (ctx.opt.show_details) {
    append_details(proc, r);
    if (x.rx_ring) append_ring(proc, "rx", *x.rx_ring, oneline);
    if (x.tx_ring) append_ring(proc, "tx", *x.tx_ring, oneline);
    if (x.umem) {
      const xdp_diag_umem& u = *x.umem;
      // " tumem(" is ss 6.1's own spelling under -O; kept byte for byte.
      fmt::format_to(It(proc),
                     "{}(id:{},size:{},num_pages:{},chunk_size:{},headroom:{},ifindex:{},qid:{},"
                     "zc:{},refs:{})",
                     oneline ? " tumem" : "\n\tumem", u.id, u.size, u.num_pages, u.chunk_size,
                     u.headroom, u.ifindex, u.queue_id, u.flags & XDP_DU_F_ZEROCOPY, u.refs);
      if (x.fill_ring) append_ring(proc, "fr", *x.fill_ring, oneline);
      if (x.completion_ring) append_ring(proc, "cr", *x.completion_ring, oneline);
    }
    if (x.stats) {
      const xdp_diag_stats& s = *x.stats;
      fmt::format_to(It(proc),
                     "{}stats(rx dropped:{},rx invalid:{},rx queue full:{},rx fill ring empty:{},"
                     "tx invalid:{},tx ring empty:{})",
                     sep(oneline), s.n_rx_dropped, s.n_rx_invalid, s.n_rx_full, s.n_fill_ring_empty,
                     s.n_tx_invalid, s.n_tx_ring_empty);
    }
  }
  if (ctx.opt.show_mem) append_skmem(proc, x.skmem);
}

}  // namespace

bool is_other_family(const SocketRecord& r) {
  return r.family == AF_VSOCK || r.family == AF_TIPC || r.family == AF_XDP;
}

std::string_view family_netid(const SocketRecord& r) {
  switch (r.family) {
    case AF_VSOCK: {
      uint8_t type = r.vsock_ext ? r.vsock_ext->type : 0;
      return type == SOCK_STREAM ? "v_str" : type == SOCK_DGRAM ? "v_dgr" : "???";
    }
    case AF_TIPC:
      switch (r.tipc_ext ? r.tipc_ext->type : 0) {
        case SOCK_STREAM:
          return "ti_st";
        case SOCK_DGRAM:
          return "ti_dg";
        case SOCK_RDM:
          return "ti_rd";
        case SOCK_SEQPACKET:
          return "ti_sq";
        default:
          return "???";
      }
    case AF_XDP:
      return "xdp";
    default:
      return table_netid(r.table);
  }
}

void family_cells(std::array<std::string, kColCount>& cells, const SocketRecord& r,
                  const FamilyRowContext& ctx) {
  // sock_state_print: ss prints rq/wq through "%-6d".
  cells[kColNetid] = family_netid(r);
  cells[kColState] = state_name(r.state);
  cells[kColRecvQ] = fmt::format("{:<6}", static_cast<int32_t>(r.rqueue));
  cells[kColSendQ] = fmt::format("{:<6}", static_cast<int32_t>(r.wqueue));
  if (r.family == AF_VSOCK)
    vsock_cells(cells, r, ctx);
  else if (r.family == AF_TIPC)
    tipc_cells(cells, r, ctx);
  else
    xdp_cells(cells, r, ctx);
}

void write_family_json(JsonWriter& w, const SocketRecord& r, const RenderOptions& opt,
                       InterfaceNames& ifnames) {
  if (r.family == AF_VSOCK && r.vsock_ext) {
    const VsockExt& v = *r.vsock_ext;
    w.key("local");
    w.begin_object();
    w.field("cid", v.src_cid);
    w.field("port", v.src_port);
    w.end_object();
    w.key("peer");
    w.begin_object();
    w.field("cid", v.dst_cid);
    w.field("port", v.dst_port);
    w.end_object();
    w.key("vsock");
    w.begin_object();
    w.field("type", type_json_name(v.type));
    w.end_object();
  } else if (r.family == AF_TIPC && r.tipc_ext) {
    const TipcExt& t = *r.tipc_ext;
    w.key("local");
    w.begin_object();
    w.field("node", t.node);
    w.field("port", t.ref);
    w.end_object();
    w.key("peer");
    if (t.connected) {
      w.begin_object();
      w.field("node", t.peer_node);
      w.field("port", t.peer_sock);
      w.end_object();
    } else {
      w.null();
    }
    w.key("tipc");
    w.begin_object();
    w.field("type", type_json_name(t.type));
    if (opt.show_tipcinfo) {
      w.field("congestion", t.link_cong ? "link" : t.conn_cong ? "conn" : "none");
      w.field("drops", t.drops);
      w.field("published", t.published);
      w.key("via");
      if (t.via) {
        w.begin_object();
        w.field("type", t.via_type);
        w.field("instance", t.via_inst);
        w.end_object();
      } else {
        w.null();
      }
    }
    w.end_object();
  } else if (r.family == AF_XDP && r.xdp_ext) {
    const XdpExt& x = *r.xdp_ext;
    w.key("local");
    w.begin_object();
    if (r.ifindex) {
      w.text("interface", ifnames.name(r.ifindex));
    } else {
      w.key("interface");
      w.null();
    }
    w.key("queue_id");
    if (x.info)
      w.value(x.info->queue_id);
    else
      w.null();
    w.end_object();
    if (!opt.show_details) return;
    w.key("xdp");
    w.begin_object();
    auto ring = [&](std::string_view k, const std::optional<uint32_t>& v) {
      w.key(k);
      if (v)
        w.value(*v);
      else
        w.null();
    };
    ring("rx_ring_entries", x.rx_ring);
    ring("tx_ring_entries", x.tx_ring);
    ring("fill_ring_entries", x.fill_ring);
    ring("completion_ring_entries", x.completion_ring);
    w.key("umem");
    if (x.umem) {
      const xdp_diag_umem& u = *x.umem;
      w.begin_object();
      w.field("id", u.id);
      w.field("size_bytes", static_cast<uint64_t>(u.size));
      w.field("num_pages", u.num_pages);
      w.field("chunk_size_bytes", u.chunk_size);
      w.field("headroom_bytes", u.headroom);
      w.field("ifindex", u.ifindex);
      w.field("queue_id", u.queue_id);
      w.field("zero_copy", (u.flags & XDP_DU_F_ZEROCOPY) != 0);
      w.field("refs", u.refs);
      w.end_object();
    } else {
      w.null();
    }
    w.key("stats");
    if (x.stats) {
      const xdp_diag_stats& s = *x.stats;
      w.begin_object();
      w.field("rx_dropped", static_cast<uint64_t>(s.n_rx_dropped));
      w.field("rx_invalid", static_cast<uint64_t>(s.n_rx_invalid));
      w.field("rx_queue_full", static_cast<uint64_t>(s.n_rx_full));
      w.field("rx_fill_ring_empty", static_cast<uint64_t>(s.n_fill_ring_empty));
      w.field("tx_invalid", static_cast<uint64_t>(s.n_tx_invalid));
      w.field("tx_ring_empty", static_cast<uint64_t>(s.n_tx_ring_empty));
      w.end_object();
    } else {
      w.null();
    }
    w.end_object();
  }
}

}  // namespace sw
