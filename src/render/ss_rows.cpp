#include "render/ss_rows.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

#include <optional>
#include <string_view>

#include "core/escape.hpp"
#include "render/family_rows.hpp"
#include "render/inet_ext.hpp"
#include "render/inet_ext_pack.hpp"
#include "render/numfmt.hpp"
#include "render/packet_rows.hpp"
#include "render/skmem.hpp"

namespace sw {

namespace {
// ss prints queue lengths and unix inodes through a C int.
std::string int_text(int64_t v) { return std::to_string(static_cast<int32_t>(v)); }

// A queue length as ss's "%-6d".
void queue_cell(std::string& out, int64_t v) {
  out.clear();
  num::i(out, static_cast<int32_t>(v));
  if (out.size() < 6) out.append(6 - out.size(), ' ');
}
}  // namespace

SsRowFormatter::SsRowFormatter(RowContext ctx) : ctx_(std::move(ctx)), services_(ctx_.ephemeral) {}

// Records arrive enriched (enrich_record runs in the pipeline, before the
// owner gate): the cell formatters only read data.
void SsRowFormatter::add(TextTable& table, const SocketRecord& r) {
  for (auto& c : cells_) c.clear();
  defer_ = false;
  switch (r.family) {
    case AF_UNIX:
      unix_cells(r);
      break;
    case AF_NETLINK:
      netlink_cells(r);
      break;
    case AF_PACKET: {
      PacketRowContext pc{ctx_.opt, ctx_.show_bpf, ifnames_, ctx_.owners};
      packet_cells(cells_, r, pc);
      break;
    }
    case AF_VSOCK:
    case AF_TIPC:
    case AF_XDP: {
      FamilyRowContext fc{ctx_.opt, ifnames_, ctx_.owners};
      family_cells(cells_, r, fc);
      break;
    }
    default:
      inet_cells(r);
      break;
  }
  cells_[kColNetns] = netns_text_;
  std::array<std::string_view, kColCount> views;
  for (size_t i = 0; i < kColCount; ++i) views[i] = cells_[i];
  if (defer_)
    table.add_row(views, tail_image_, tail_len_, this);
  else
    table.add_row(views);
}

void SsRowFormatter::format_tail(std::string_view image, std::string& out) const {
  unpack_inet_ext(image, tail_rec_);
  append_inet_ext(out, tail_rec_, ctx_.opt, ctx_.cgroups);
}

void SsRowFormatter::users(const SocketRecord& r, std::string& out) {
  if (ctx_.opt.show_users && ctx_.owners) ctx_.owners->append_users(r.inode, out);
}

void SsRowFormatter::inet_addr(std::string& out, const IpAddr& a, bool v6only) {
  if (a.family == AF_INET6 && !v6only && a.is_any()) {
    out += '*';
    return;
  }
  if (ctx_.opt.resolve) {
    const std::string& name = hosts_.lookup(a);
    if (!name.empty()) {
      if (name.find(':') != std::string::npos) {
        out += '[';
        out += name;
        out += ']';
      } else {
        out += name;
      }
      return;
    }
  }
  if (a.family == AF_INET6) {
    out += '[';
    num::ip6(out, a.bytes.data());
    out += ']';
  } else {
    num::ip4(out, a.bytes.data());
  }
}

void SsRowFormatter::port_text(std::string& out, const SocketRecord& r, uint16_t port) {
  if (port == 0) {
    out += '*';
    return;
  }
  if (ctx_.opt.numeric) {
    num::u(out, port);
    return;
  }
  out += service_text(r, port);
}

std::string SsRowFormatter::service_text(const SocketRecord& r, uint16_t port) {
  // ss resolves with a global dg_proto that only raw, udp and tcp set; DCCP,
  // SCTP and MPTCP (dumped after them) inherit whatever was set last, or none.
  Table t = r.table;
  if (t == Table::Dccp || t == Table::Sctp || t == Table::Mptcp) {
    if (ctx_.dbs & table_bit(Table::Tcp))
      t = Table::Tcp;
    else if (ctx_.dbs & table_bit(Table::Udp))
      t = Table::Udp;
    else if (ctx_.dbs & table_bit(Table::Raw))
      t = Table::Raw;
    else {
      const std::string& any = services_.lookup(port, nullptr);
      return any.empty() ? std::to_string(port) : any;
    }
  }
  if (t == Table::Raw) return services_.protocol_name(port);
  const char* proto = t == Table::Udp ? "udp" : "tcp";
  const std::string& name = services_.lookup(port, proto);
  return name.empty() ? std::to_string(port) : name;
}

void SsRowFormatter::inet_cells(const SocketRecord& r) {
  bool v6only = r.v6only.value_or(0) != 0;
  cells_[kColNetid] = table_netid(r.table);
  cells_[kColState] = state_name(r.state);
  queue_cell(cells_[kColRecvQ], r.rqueue);
  queue_cell(cells_[kColSendQ], r.wqueue);
  std::string& local = cells_[kColLocalAddr];
  inet_addr(local, r.local, v6only);
  if (r.ifindex) {
    local.push_back('%');
    local += ifnames_.name(r.ifindex);
  }
  local.push_back(':');
  port_text(cells_[kColLocalPort], r, r.lport);
  inet_addr(cells_[kColPeerAddr], r.peer, v6only);
  cells_[kColPeerAddr].push_back(':');
  port_text(cells_[kColPeerPort], r, r.rport);
  std::string& proc = cells_[kColProcess];
  users(r, proc);
  // -i: the extension text is measured now (the Process width counts it;
  // its tcp_info part is counted, not copied) and
  // made again at render time from the record's image, which the table holds
  // in ~35 bytes where the text took ~110 after the text codec. Without -i
  // (-m, -e, -o alone) the text is short or the same from row to row, the
  // text codec holds it in a few bytes and formatting it twice would cost
  // more than it saves. ss cuts a field at 65535 bytes; such a rare row
  // keeps its text.
  if (r.from_proc || !ctx_.opt.show_tcpinfo) {
    append_inet_ext(proc, r, ctx_.opt, ctx_.cgroups);
    return;
  }
  tail_len_ = inet_ext_length(r, ctx_.opt, ctx_.cgroups, tail_text_);
  if (tail_len_ == 0) return;
  if (proc.size() + tail_len_ > 65535) {
    append_inet_ext(proc, r, ctx_.opt, ctx_.cgroups);
    return;
  }
  pack_inet_ext(r, tail_image_);
  defer_ = true;
}

void SsRowFormatter::unix_cells(const SocketRecord& r) {
  cells_[kColNetid] = table_netid(r.table);
  cells_[kColState] = state_name(r.state);
  queue_cell(cells_[kColRecvQ], r.rqueue);
  queue_cell(cells_[kColSendQ], r.wqueue);
  const UnixExt* u = r.unix_ext.get();
  std::string& local = cells_[kColLocalAddr];
  if (u && u->has_name)
    append_escaped(local, u->path);
  else
    local = "*";
  local.push_back(' ');
  cells_[kColLocalPort] = int_text(static_cast<int64_t>(r.inode));
  cells_[kColPeerAddr] = "* ";
  cells_[kColPeerPort] = int_text(u ? u->peer_inode : 0);
  std::string& proc = cells_[kColProcess];
  users(r, proc);
  if (ctx_.opt.show_mem && u) append_skmem(proc, u->skmem);
  if (ctx_.opt.show_details) {
    if (r.shutdown) {
      fmt::format_to(std::back_inserter(proc), " {}-{}", (*r.shutdown & 1) ? '-' : '<',
                     (*r.shutdown & 2) ? '-' : '>');
    }
    if (u && u->vfs) {
      auto dev = static_cast<dev_t>(u->vfs->second);
      fmt::format_to(std::back_inserter(proc), " ino:{} dev:{}/{}", u->vfs->first, major(dev),
                     minor(dev));
    }
    if (u && u->icons) {
      proc += " peers:";
      for (uint32_t p : *u->icons) fmt::format_to(std::back_inserter(proc), " {}", p);
    }
  }
}

void SsRowFormatter::netlink_cells(const SocketRecord& r) {
  const NetlinkExt* n = r.netlink_ext.get();
  NetlinkExt empty;
  if (!n) n = &empty;
  cells_[kColNetid] = "nl";
  cells_[kColState] = state_name(kClose);  // ss always shows netlink sockets as UNCONN
  queue_cell(cells_[kColRecvQ], r.rqueue);
  queue_cell(cells_[kColSendQ], r.wqueue);
  cells_[kColLocalAddr] = nl_protos_.name(n->protocol, ctx_.opt.numeric) + ":";
  auto pid = static_cast<int32_t>(n->portid);
  std::string owner;
  if (pid == -1) {
    owner = "*";
  } else if (!ctx_.opt.numeric && pid == 0) {
    owner = "kernel";
  } else if (!ctx_.opt.numeric && pid > 0) {
    std::string_view comm = n->portid_comm ? std::string_view(*n->portid_comm) : "";
    if (!comm.empty()) {
      append_escaped(owner, comm);
      owner += "/" + std::to_string(pid);
    } else {
      owner = std::to_string(pid);
    }
  } else {
    owner = std::to_string(pid);
  }
  cells_[kColLocalPort] = std::move(owner);
  constexpr uint8_t kNetlinkConnected = 1;
  if (r.state == kNetlinkConnected) {
    cells_[kColPeerAddr] = std::to_string(static_cast<int32_t>(n->dst_group)) + ":";
    cells_[kColPeerPort] = std::to_string(static_cast<int32_t>(n->dst_portid));
  } else {
    cells_[kColPeerAddr] = "*";
    cells_[kColPeerPort].clear();
  }
  std::string& proc = cells_[kColProcess];
  if (ctx_.opt.show_details) {
    uint32_t groups = n->groups.empty() ? 0 : n->groups[0];
    // sk and cb are only known on the /proc path (pointer values); netlink
    // diag reports neither, and ss prints 0 for both then.
    uint64_t sk = r.from_proc ? r.proc_sk : 0, cb = r.from_proc ? n->cb : 0;
    fmt::format_to(std::back_inserter(proc), " sk={:x} cb={:x} groups=0x{:08x}", sk, cb, groups);
  }
  if (ctx_.opt.show_mem && !r.from_proc) {  // the /proc path has no meminfo at all
    proc.push_back('\t');
    append_skmem(proc, n->skmem);
  }
}

}  // namespace sw
