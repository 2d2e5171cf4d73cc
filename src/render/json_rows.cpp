#include "render/json_rows.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

#include "enrich/cgroup_names.hpp"
#include "enrich/container.hpp"
#include "procfs/owner_index.hpp"
#include "render/family_rows.hpp"
#include "render/numfmt.hpp"

namespace sw {

std::string_view json_state_name(int state) {
  static constexpr std::string_view kNames[kStateMax] = {
      "unknown",   "established", "syn-sent",   "syn-recv", "fin-wait-1", "fin-wait-2",
      "time-wait", "unconnected", "close-wait", "last-ack", "listening",  "closing"};
  if (state < 0 || state >= kStateMax) return "unknown";
  return kNames[static_cast<size_t>(state)];
}

std::string_view family_name(int af) {
  switch (af) {
    case AF_INET:
      return "inet";
    case AF_INET6:
      return "inet6";
    case AF_UNIX:
      return "unix";
    case AF_PACKET:
      return "packet";
    case AF_NETLINK:
      return "netlink";
    case AF_VSOCK:
      return "vsock";
    case AF_TIPC:
      return "tipc";
    case AF_XDP:
      return "xdp";
    default:
      return "unknown";
  }
}

namespace {

// num::ip4/ip6 print what glibc's inet_ntop prints, without its sprintf.
std::string numeric_addr(const IpAddr& a) {
  std::string out;
  if (a.family == AF_INET) {
    num::ip4(out, a.bytes.data());
  } else if (a.family == AF_INET6) {
    num::ip6(out, a.bytes.data());
  } else {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(a.family, a.bytes.data(), buf, sizeof buf);
    out = buf;
  }
  return out;
}

void skmem(JsonWriter& w, const std::vector<uint32_t>& m) {
  w.key("skmem");
  if (m.size() <= SK_MEMINFO_OPTMEM) {
    w.null();
    return;
  }
  w.begin_object();
  w.field("rmem_alloc_bytes", m[SK_MEMINFO_RMEM_ALLOC]);
  w.field("rcvbuf_bytes", m[SK_MEMINFO_RCVBUF]);
  w.field("wmem_alloc_bytes", m[SK_MEMINFO_WMEM_ALLOC]);
  w.field("sndbuf_bytes", m[SK_MEMINFO_SNDBUF]);
  w.field("fwd_alloc_bytes", m[SK_MEMINFO_FWD_ALLOC]);
  w.field("wmem_queued_bytes", m[SK_MEMINFO_WMEM_QUEUED]);
  w.field("optmem_bytes", m[SK_MEMINFO_OPTMEM]);
  if (m.size() > SK_MEMINFO_BACKLOG) w.field("backlog_bytes", m[SK_MEMINFO_BACKLOG]);
  if (m.size() > SK_MEMINFO_DROPS) w.field("drops", m[SK_MEMINFO_DROPS]);
  w.end_object();
}

}  // namespace

JsonSocketFormatter::JsonSocketFormatter(RowContext ctx)
    : ctx_(std::move(ctx)), services_(ctx_.ephemeral) {}

void JsonSocketFormatter::endpoint(JsonWriter& w, const SocketRecord& r, const IpAddr& a,
                                   uint16_t port, bool local) {
  w.begin_object();
  w.field("address", numeric_addr(a));
  w.field("port", static_cast<uint32_t>(port));
  if (!ctx_.opt.numeric && port != 0) {
    if (r.table == Table::Raw) {
      w.field("service", services_.protocol_name(port));
    } else {
      const std::string& name = services_.lookup(port, r.table == Table::Udp ? "udp" : "tcp");
      if (!name.empty()) w.field("service", name);
    }
  }
  if (ctx_.opt.resolve) {
    const std::string& h = hosts_.lookup(a);
    if (!h.empty()) w.text("host", h);
  }
  if (local && r.ifindex) w.text("interface", ifnames_.name(r.ifindex));
  w.end_object();
}

void JsonSocketFormatter::owners(JsonWriter& w, const SocketRecord& r) {
  w.key("owners");
  if (!ctx_.owners) {
    w.null();
    return;
  }
  // None found while some fd tables were unreadable: unknown, not "none".
  if (!ctx_.owners->has_owner(r.inode) && !ctx_.owners->owners_known()) {
    w.null();
    return;
  }
  w.begin_array();
  ctx_.owners->for_each_owner(r.inode, [&](const OwnerIndex::OwnerView& o) {
    w.begin_object();
    w.text("comm", o.comm);
    w.field("pid", o.pid);
    if (ctx_.opt.show_threads) w.field("tid", o.tid);
    w.field("fd", o.fd);
    owner_details(w, o.details);
    w.end_object();
  });
  w.end_array();
}

namespace {

template <typename T>
void optional_field(JsonWriter& w, std::string_view k, const std::optional<T>& v) {
  w.key(k);
  if (v)
    w.value(*v);
  else
    w.null();
}

}  // namespace

void JsonSocketFormatter::owner_details(JsonWriter& w, const ProcessDetails* d) {
  static const ProcessDetails kGone;  // the process left before its details were read
  if (!d) d = &kGone;
  auto text_or_null = [&](std::string_view k, const std::optional<std::string>& v) {
    if (v) {
      w.text(k, *v);
    } else {
      w.key(k);
      w.null();
    }
  };
  optional_field(w, "ppid", d->ppid);
  optional_field(w, "ns_pid", d->ns_pid);
  optional_field(w, "uid", d->uid);
  optional_field(w, "euid", d->euid);
  // Enriched by the owner scan (procfs/owner_enrichment.hpp): only read here.
  const OwnerEnrichment& e = d->enriched;
  text_or_null("user", e.user);
  w.key("start_time");
  if (e.start_time_us)
    w.value(format_wall_time_us(*e.start_time_us));
  else
    w.null();
  optional_field(w, "start_ticks", d->start_ticks);
  text_or_null("exe", d->exe);
  w.key("exe_deleted");
  if (d->exe)
    w.value(d->exe_deleted);
  else
    w.null();
  w.key("exe_world_writable");
  if (d->exe)
    w.value(d->exe_world_writable);
  else
    w.null();
  // argv as an array; when any argument is not UTF-8 the exact NUL-separated
  // bytes go to cmdline_b64 (rule 7 for a list).
  w.key("cmdline");
  if (d->cmdline) {
    w.begin_array();
    std::string_view rest = *d->cmdline;
    bool all_utf8 = true;
    while (!d->cmdline->empty()) {
      auto nul = rest.find('\0');
      auto arg = rest.substr(0, nul);
      all_utf8 = all_utf8 && valid_utf8(arg);
      w.value(arg);  // invalid bytes become U+FFFD
      if (nul == std::string_view::npos) break;
      rest.remove_prefix(nul + 1);
    }
    w.end_array();
    if (!all_utf8) w.field("cmdline_b64", std::string_view(base64(*d->cmdline)));
  } else {
    w.null();
  }
  text_or_null("cgroup", d->cgroup);
  const ContainerRef& c = e.container;
  w.key("container");
  write_container(w, c);
  w.key("unit");
  if (!c.unit.empty())
    w.value(std::string_view(c.unit));
  else
    w.null();
}

void write_container(JsonWriter& w, const ContainerRef& c) {
  if (!c.is_container()) {
    w.null();
    return;
  }
  w.begin_object();
  w.field("runtime", std::string_view(c.runtime));
  w.text("id", c.id);
  if (!c.pod.empty()) w.field("pod", std::string_view(c.pod));
  w.end_object();
}

void write_netns(JsonWriter& w, const NetnsLabel& ns) {
  w.key("netns");
  w.begin_object();
  w.field("inode", ns.inode);
  if (ns.name.empty()) {
    w.key("name");
    w.null();
  } else {
    w.text("name", ns.name);
  }
  w.key("container");
  write_container(w, ns.container);
  w.field("current", ns.is_self);  // the namespace sockwatch runs in
  w.end_object();
}

void write_owner_scan_json(JsonWriter& w, const OwnerScanStats& st) {
  w.key("owner_scan");
  w.begin_object();
  w.field("processes", st.processes);
  w.field("scanned", st.scanned);
  w.field("socket_fds", st.sockets);
  w.field("denied", st.denied);
  w.field("vanished", st.vanished);
  w.field("complete", st.complete);
  w.field("workers", static_cast<uint32_t>(st.workers));
  w.end_object();
}

void JsonSocketFormatter::write_tcp_info(JsonWriter& w, const InetExt& e) {
  const struct tcp_info& i = *e.info;
  w.key("tcp_info");
  w.begin_object();
  w.field("state", static_cast<uint32_t>(i.tcpi_state));
  w.field("ca_state", static_cast<uint32_t>(i.tcpi_ca_state));
  w.field("retransmits", static_cast<uint32_t>(i.tcpi_retransmits));
  w.field("probes", static_cast<uint32_t>(i.tcpi_probes));
  w.field("backoff", static_cast<uint32_t>(i.tcpi_backoff));
  w.key("options");
  w.begin_array();
  if (i.tcpi_options & TCPI_OPT_TIMESTAMPS) w.value("ts");
  if (i.tcpi_options & TCPI_OPT_SACK) w.value("sack");
  if (i.tcpi_options & TCPI_OPT_WSCALE) w.value("wscale");
  if (i.tcpi_options & TCPI_OPT_ECN) w.value("ecn");
  if (i.tcpi_options & TCPI_OPT_ECN_SEEN) w.value("ecn_seen");
  if (i.tcpi_options & TCPI_OPT_SYN_DATA) w.value("syn_data");
  w.end_array();
  w.field("snd_wscale", static_cast<uint32_t>(i.tcpi_snd_wscale));
  w.field("rcv_wscale", static_cast<uint32_t>(i.tcpi_rcv_wscale));
  w.field("rto_ms", i.tcpi_rto / 1000.0);
  w.field("ato_ms", i.tcpi_ato / 1000.0);
  w.field("snd_mss_bytes", i.tcpi_snd_mss);
  w.field("rcv_mss_bytes", i.tcpi_rcv_mss);
  w.field("unacked_segs", i.tcpi_unacked);
  w.field("sacked_segs", i.tcpi_sacked);
  w.field("lost_segs", i.tcpi_lost);
  w.field("retrans_segs", i.tcpi_retrans);
  w.field("fackets", i.tcpi_fackets);
  w.field("last_data_sent_ms", i.tcpi_last_data_sent);
  w.field("last_ack_sent_ms", i.tcpi_last_ack_sent);
  w.field("last_data_recv_ms", i.tcpi_last_data_recv);
  w.field("last_ack_recv_ms", i.tcpi_last_ack_recv);
  w.field("pmtu_bytes", i.tcpi_pmtu);
  w.field("rcv_ssthresh_bytes", i.tcpi_rcv_ssthresh);
  w.field("rtt_us", i.tcpi_rtt);
  w.field("rttvar_us", i.tcpi_rttvar);
  w.field("snd_ssthresh_segs", i.tcpi_snd_ssthresh);
  w.field("snd_cwnd_segs", i.tcpi_snd_cwnd);
  w.field("advmss_bytes", i.tcpi_advmss);
  w.field("reordering", i.tcpi_reordering);
  w.field("rcv_rtt_us", i.tcpi_rcv_rtt);
  w.field("rcv_space_bytes", i.tcpi_rcv_space);
  w.field("total_retrans_segs", i.tcpi_total_retrans);
  w.field("pacing_rate_bps", static_cast<uint64_t>(i.tcpi_pacing_rate) * 8);
  w.field("max_pacing_rate_bps", static_cast<uint64_t>(i.tcpi_max_pacing_rate) * 8);
  w.field("bytes_acked", static_cast<uint64_t>(i.tcpi_bytes_acked));
  w.field("bytes_received", static_cast<uint64_t>(i.tcpi_bytes_received));
  w.field("segs_out", i.tcpi_segs_out);
  w.field("segs_in", i.tcpi_segs_in);
  w.field("notsent_bytes", i.tcpi_notsent_bytes);
  w.field("min_rtt_us", i.tcpi_min_rtt);
  w.field("data_segs_in", i.tcpi_data_segs_in);
  w.field("data_segs_out", i.tcpi_data_segs_out);
  w.field("delivery_rate_bps", static_cast<uint64_t>(i.tcpi_delivery_rate) * 8);
  w.field("busy_time_us", static_cast<uint64_t>(i.tcpi_busy_time));
  w.field("rwnd_limited_us", static_cast<uint64_t>(i.tcpi_rwnd_limited));
  w.field("sndbuf_limited_us", static_cast<uint64_t>(i.tcpi_sndbuf_limited));
  w.field("delivered_segs", i.tcpi_delivered);
  w.field("delivered_ce_segs", i.tcpi_delivered_ce);
  w.field("bytes_sent", static_cast<uint64_t>(i.tcpi_bytes_sent));
  w.field("bytes_retrans", static_cast<uint64_t>(i.tcpi_bytes_retrans));
  w.field("dsack_dups", i.tcpi_dsack_dups);
  w.field("reord_seen", i.tcpi_reord_seen);
  w.field("rcv_ooopack", i.tcpi_rcv_ooopack);
  w.field("snd_wnd_bytes", i.tcpi_snd_wnd);
  if (!e.cong.empty()) w.text("congestion", e.cong);
  w.end_object();
}

void JsonSocketFormatter::write(JsonWriter& w, const SocketRecord& r, bool with_schema) {
  const RenderOptions& o = ctx_.opt;
  bool inet = r.family == AF_INET || r.family == AF_INET6;
  w.begin_object();
  if (with_schema) w.field("schema", kJsonSchema);
  if (has_netns_) write_netns(w, netns_);
  w.field("netid", family_netid(r));
  w.field("family", family_name(r.family));
  w.field("state", json_state_name(r.family == AF_NETLINK ? int{kClose} : int{r.state}));
  w.field("recv_q", static_cast<int64_t>(static_cast<int32_t>(r.rqueue)));
  w.field("send_q", static_cast<int64_t>(static_cast<int32_t>(r.wqueue)));
  w.field("inode", r.inode);
  if (inet) {
    w.key("local");
    endpoint(w, r, r.local, r.lport, true);
    w.key("peer");
    endpoint(w, r, r.peer, r.rport, false);
  } else if (r.family == AF_UNIX) {
    const UnixExt* u = r.unix_ext.get();
    w.key("local");
    w.begin_object();
    if (u && u->has_name) w.text("path", u->path);
    w.end_object();
    w.key("peer");
    w.begin_object();
    w.field("peer_inode", u ? u->peer_inode : 0u);
    w.end_object();
  } else if (is_other_family(r)) {
    write_family_json(w, r, o, ifnames_);
  }
  if (o.show_users) owners(w, r);
  if (inet && o.show_options) {
    w.key("timer");
    if (r.timer) {
      static constexpr const char* kTimers[] = {"off",      "on",      "keepalive",
                                                "timewait", "persist", "unknown"};
      w.begin_object();
      w.field("name", kTimers[r.timer > 4 ? 5 : r.timer]);
      w.field("expires_ms", r.expires);
      w.field("retrans", static_cast<uint32_t>(r.retrans));
      w.end_object();
    } else {
      w.null();
    }
  }
  if (o.show_details) {
    if (r.family != AF_VSOCK) w.field("uid", r.uid);  // vsock_diag reports no uid
    // The /proc path has no cookie; there this key has always carried the
    // sk pointer ss prints, and keeps doing so (the schema is unchanged).
    std::string hex;
    num::x(hex, r.from_proc ? r.proc_sk : r.cookie);
    w.field("cookie", std::string_view(hex));
    if (r.mark && *r.mark) w.field("fwmark", *r.mark);
    if (r.v6only && r.family == AF_INET6) w.field("v6only", *r.v6only != 0);
    if (r.shutdown) {
      w.key("shutdown");
      w.begin_object();
      w.field("recv", (*r.shutdown & 1) != 0);
      w.field("send", (*r.shutdown & 2) != 0);
      w.end_object();
    }
  }
  if (inet && (o.show_details || o.show_cgroup) && r.cgroup_id && *r.cgroup_id && ctx_.cgroups)
    w.text("cgroup", ctx_.cgroups->path_of(*r.cgroup_id));
  if (inet && o.show_tos && r.ext) {
    if (r.ext->tos) w.field("tos", static_cast<uint32_t>(*r.ext->tos));
    if (r.ext->tclass) w.field("tclass", static_cast<uint32_t>(*r.ext->tclass));
    if (r.ext->class_id) w.field("class_id", *r.ext->class_id);
  }
  if (o.show_mem) {
    if (inet)
      skmem(w, r.ext ? r.ext->skmem : std::vector<uint32_t>{});
    else if (r.unix_ext)
      skmem(w, r.unix_ext->skmem);
    else if (r.netlink_ext)
      skmem(w, r.netlink_ext->skmem);
    else if (r.packet_ext)
      skmem(w, r.packet_ext->skmem);
    else if (r.xdp_ext)
      skmem(w, r.xdp_ext->skmem);
  }
  if (o.show_tcpinfo && (r.table == Table::Tcp)) {
    if (r.ext && r.ext->info)
      write_tcp_info(w, *r.ext);
    else {
      w.key("tcp_info");
      w.null();
    }
  }
  if (r.family == AF_UNIX && o.show_details && r.unix_ext) {
    const UnixExt& u = *r.unix_ext;
    w.key("unix");
    w.begin_object();
    if (u.vfs) {
      auto dev = static_cast<dev_t>(u.vfs->second);
      w.field("vfs_inode", u.vfs->first);
      w.field("vfs_dev", fmt::format("{}/{}", major(dev), minor(dev)));
    }
    if (u.icons) {
      w.key("pending");
      w.begin_array();
      for (uint32_t p : *u.icons) w.value(p);
      w.end_array();
    }
    w.end_object();
  }
  if (r.netlink_ext) {
    const NetlinkExt& n = *r.netlink_ext;
    w.key("netlink");
    w.begin_object();
    w.field("protocol", nl_protos_.name(n.protocol, false));
    w.field("protocol_id", static_cast<uint32_t>(n.protocol));
    w.field("portid", static_cast<int64_t>(static_cast<int32_t>(n.portid)));
    w.field("groups", n.groups.empty() ? 0u : n.groups[0]);
    w.end_object();
  }
  if (r.packet_ext) {
    const PacketExt& p = *r.packet_ext;
    w.key("packet");
    w.begin_object();
    w.field("protocol_id", static_cast<uint32_t>(p.protocol));
    w.key("interface");
    if (p.info && p.info->pdi_index)
      w.value(ifnames_.name(p.info->pdi_index));
    else
      w.null();
    w.end_object();
  }
  w.end_object();
}

}  // namespace sw
