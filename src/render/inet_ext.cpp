#include "render/inet_ext.hpp"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include <fmt/format.h>

#include "enrich/cgroup_names.hpp"
#include "render/skmem.hpp"

namespace sw {

namespace {

using It = std::back_insert_iterator<std::string>;

// %g as C prints it (fmt's {} would not match for e.g. 0.0001 or 1e+06).
std::string g(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// C's "%#x": "0" for zero, "0x.." otherwise (fmt's {:#x} would print "0x0").
std::string alt_hex(uint32_t v) { return v ? fmt::format("{:#x}", v) : "0"; }

void timer_text(std::string& out, const SocketRecord& r) {
  if (!r.timer) return;
  static constexpr const char* kNames[] = {"off", "on", "keepalive", "timewait", "persist",
                                           "unknown"};
  if (r.table == Table::Sctp) {
    fmt::format_to(It(out), " timer:(T3_RTX,{},{})", format_ms_timer(r.expires), r.retrans);
    return;
  }
  fmt::format_to(It(out), " timer:({},{},{})", kNames[r.timer > 4 ? 5 : r.timer],
                 format_ms_timer(r.expires), r.retrans);
}

void details_text(std::string& out, const SocketRecord& r, const CgroupNames* cgroups) {
  if (r.uid) fmt::format_to(It(out), " uid:{}", r.uid);
  fmt::format_to(It(out), " ino:{}", static_cast<uint32_t>(r.inode));
  fmt::format_to(It(out), " sk:{:x}", r.cookie);
  if (r.mark && *r.mark) fmt::format_to(It(out), " fwmark:0x{:x}", *r.mark);
  if (r.cgroup_id && *r.cgroup_id && cgroups)
    fmt::format_to(It(out), " cgroup:{}", const_cast<CgroupNames*>(cgroups)->path_of(*r.cgroup_id));
  if (r.from_proc && !r.proc_opt.empty()) fmt::format_to(It(out), " opt:\"{}\"", r.proc_opt);
  if (r.family == AF_INET6 && r.v6only) fmt::format_to(It(out), " v6only:{}", *r.v6only);
  if (r.shutdown)
    fmt::format_to(It(out), " {}-{}", (*r.shutdown & 1) ? '-' : '<', (*r.shutdown & 2) ? '-' : '>');
}

void sockopt_text(std::string& out, const inet_diag_sockopt& o, bool oneline) {
  out += oneline ? " inet-sockopt: (" : "\n\tinet-sockopt: (";
  if (o.recverr) out += " recverr";
  if (o.is_icsk) out += " is_icsk";
  if (o.freebind) out += " freebind";
  if (o.hdrincl) out += " hdrincl";
  if (o.mc_loop) out += " mc_loop";
  if (o.transparent) out += " transparent";
  if (o.mc_all) out += " mc_all";
  if (o.nodefrag) out += " nodefrag";
  if (o.bind_address_no_port) out += " bind_addr_no_port";
  if (o.recverr_rfc4884) out += " recverr_rfc4884";
  if (o.defer_connect) out += " defer_connect";
  out += ")";
}

void mem_text(std::string& out, const InetExt& e) {
  if (!e.skmem.empty()) {
    append_skmem(out, e.skmem);
  } else if (e.meminfo) {
    fmt::format_to(It(out), " mem:(r{},w{},f{},t{})", e.meminfo->idiag_rmem, e.meminfo->idiag_wmem,
                   e.meminfo->idiag_fmem, e.meminfo->idiag_tmem);
  }
}

// ss's tcp_show_info + tcp_stats_print, 6.1 field order.
void tcp_info_text(std::string& out, const SocketRecord& r, const InetExt& e,
                   const RenderOptions& opt) {
  const tcp_info& i = *e.info;
  auto it = It(out);
  if (opt.show_options) {
    if (i.tcpi_options & TCPI_OPT_TIMESTAMPS) out += " ts";
    if (i.tcpi_options & TCPI_OPT_SACK) out += " sack";
    if (i.tcpi_options & TCPI_OPT_ECN) out += " ecn";
    if (i.tcpi_options & TCPI_OPT_ECN_SEEN) out += " ecnseen";
    if (i.tcpi_options & TCPI_OPT_SYN_DATA) out += " fastopen";
  }
  if (!e.cong.empty()) {
    out += ' ';
    out += e.cong.substr(0, 15);  // ss copies into a 16-byte buffer
  }
  if (i.tcpi_options & TCPI_OPT_WSCALE)
    fmt::format_to(it, " wscale:{},{}", i.tcpi_snd_wscale, i.tcpi_rcv_wscale);
  if (i.tcpi_rto && i.tcpi_rto != 3000000) out += " rto:" + g(i.tcpi_rto / 1000.0);
  if (i.tcpi_backoff) fmt::format_to(it, " backoff:{}", i.tcpi_backoff);
  double rtt = i.tcpi_rtt / 1000.0;
  if (rtt) out += " rtt:" + g(rtt) + "/" + g(i.tcpi_rttvar / 1000.0);
  if (i.tcpi_ato) out += " ato:" + g(i.tcpi_ato / 1000.0);
  if (i.tcpi_snd_mss) fmt::format_to(it, " mss:{}", i.tcpi_snd_mss);
  if (i.tcpi_pmtu) fmt::format_to(it, " pmtu:{}", i.tcpi_pmtu);
  if (i.tcpi_rcv_mss) fmt::format_to(it, " rcvmss:{}", i.tcpi_rcv_mss);
  if (i.tcpi_advmss) fmt::format_to(it, " advmss:{}", i.tcpi_advmss);
  if (i.tcpi_snd_cwnd) fmt::format_to(it, " cwnd:{}", i.tcpi_snd_cwnd);
  if (i.tcpi_snd_ssthresh < 0xFFFF && i.tcpi_snd_ssthresh)
    fmt::format_to(it, " ssthresh:{}", i.tcpi_snd_ssthresh);
  if (i.tcpi_bytes_sent) fmt::format_to(it, " bytes_sent:{}", i.tcpi_bytes_sent);
  if (i.tcpi_bytes_retrans) fmt::format_to(it, " bytes_retrans:{}", i.tcpi_bytes_retrans);
  if (i.tcpi_bytes_acked) fmt::format_to(it, " bytes_acked:{}", i.tcpi_bytes_acked);
  if (i.tcpi_bytes_received) fmt::format_to(it, " bytes_received:{}", i.tcpi_bytes_received);
  if (i.tcpi_segs_out) fmt::format_to(it, " segs_out:{}", i.tcpi_segs_out);
  if (i.tcpi_segs_in) fmt::format_to(it, " segs_in:{}", i.tcpi_segs_in);
  if (i.tcpi_data_segs_out) fmt::format_to(it, " data_segs_out:{}", i.tcpi_data_segs_out);
  if (i.tcpi_data_segs_in) fmt::format_to(it, " data_segs_in:{}", i.tcpi_data_segs_in);
  if (e.dctcp) {
    if (e.dctcp->dctcp_enabled)
      fmt::format_to(it, " dctcp:(ce_state:{},alpha:{},ab_ecn:{},ab_tot:{})",
                     e.dctcp->dctcp_ce_state, e.dctcp->dctcp_alpha, e.dctcp->dctcp_ab_ecn,
                     e.dctcp->dctcp_ab_tot);
    else
      out += " dctcp:fallback_mode";
  }
  if (e.bbr) {
    uint64_t bw = (uint64_t{e.bbr->bbr_bw_hi} << 32) | e.bbr->bbr_bw_lo;
    out += " bbr:(bw:" + format_bw(static_cast<double>(bw) * 8.0, opt.numeric) +
           "bps,mrtt:" + g(e.bbr->bbr_min_rtt / 1000.0);
    if (e.bbr->bbr_pacing_gain) out += ",pacing_gain:" + g(e.bbr->bbr_pacing_gain / 256.0);
    if (e.bbr->bbr_cwnd_gain) out += ",cwnd_gain:" + g(e.bbr->bbr_cwnd_gain / 256.0);
    out += ")";
  }
  double vrtt = i.tcpi_rtt;
  if (e.vegas && e.vegas->tcpv_enabled && e.vegas->tcpv_rtt && e.vegas->tcpv_rtt != 0x7fffffff)
    vrtt = e.vegas->tcpv_rtt;
  if (vrtt > 0 && i.tcpi_snd_mss && i.tcpi_snd_cwnd) {
    double bps = static_cast<double>(i.tcpi_snd_cwnd) * i.tcpi_snd_mss * 8000000. / vrtt;
    out += " send " + format_bw(bps, opt.numeric) + "bps";
  }
  if (i.tcpi_last_data_sent) fmt::format_to(it, " lastsnd:{}", i.tcpi_last_data_sent);
  if (i.tcpi_last_data_recv) fmt::format_to(it, " lastrcv:{}", i.tcpi_last_data_recv);
  if (i.tcpi_last_ack_recv) fmt::format_to(it, " lastack:{}", i.tcpi_last_ack_recv);
  if (i.tcpi_pacing_rate && i.tcpi_pacing_rate != ~0ULL) {
    out += " pacing_rate " + format_bw(static_cast<double>(i.tcpi_pacing_rate) * 8., opt.numeric) +
           "bps";
    if (i.tcpi_max_pacing_rate && i.tcpi_max_pacing_rate != ~0ULL)
      out += "/" + format_bw(static_cast<double>(i.tcpi_max_pacing_rate) * 8., opt.numeric) +
             "bps";
  }
  if (i.tcpi_delivery_rate)
    out += " delivery_rate " +
           format_bw(static_cast<double>(i.tcpi_delivery_rate) * 8., opt.numeric) + "bps";
  if (i.tcpi_delivered) fmt::format_to(it, " delivered:{}", i.tcpi_delivered);
  if (i.tcpi_delivered_ce) fmt::format_to(it, " delivered_ce:{}", i.tcpi_delivered_ce);
  if (i.tcpi_delivery_rate_app_limited) out += " app_limited";
  if (i.tcpi_busy_time) {
    fmt::format_to(it, " busy:{}ms", i.tcpi_busy_time / 1000);
    char pct[32];
    if (i.tcpi_rwnd_limited) {
      std::snprintf(pct, sizeof pct, "%.1f", 100.0 * static_cast<double>(i.tcpi_rwnd_limited) /
                                                 static_cast<double>(i.tcpi_busy_time));
      fmt::format_to(it, " rwnd_limited:{}ms({}%)", i.tcpi_rwnd_limited / 1000, pct);
    }
    if (i.tcpi_sndbuf_limited) {
      std::snprintf(pct, sizeof pct, "%.1f", 100.0 * static_cast<double>(i.tcpi_sndbuf_limited) /
                                                 static_cast<double>(i.tcpi_busy_time));
      fmt::format_to(it, " sndbuf_limited:{}ms({}%)", i.tcpi_sndbuf_limited / 1000, pct);
    }
  }
  if (i.tcpi_unacked) fmt::format_to(it, " unacked:{}", i.tcpi_unacked);
  if (i.tcpi_retrans || i.tcpi_total_retrans)
    fmt::format_to(it, " retrans:{}/{}", i.tcpi_retrans, i.tcpi_total_retrans);
  if (i.tcpi_lost) fmt::format_to(it, " lost:{}", i.tcpi_lost);
  if (i.tcpi_sacked && r.state != kListen) fmt::format_to(it, " sacked:{}", i.tcpi_sacked);
  if (i.tcpi_dsack_dups) fmt::format_to(it, " dsack_dups:{}", i.tcpi_dsack_dups);
  if (i.tcpi_fackets) fmt::format_to(it, " fackets:{}", i.tcpi_fackets);
  if (i.tcpi_reordering != 3) fmt::format_to(it, " reordering:{}", static_cast<int>(i.tcpi_reordering));
  if (i.tcpi_reord_seen) fmt::format_to(it, " reord_seen:{}", static_cast<int>(i.tcpi_reord_seen));
  if (i.tcpi_rcv_rtt) out += " rcv_rtt:" + g(i.tcpi_rcv_rtt / 1000.0);
  if (i.tcpi_rcv_space) fmt::format_to(it, " rcv_space:{}", static_cast<int>(i.tcpi_rcv_space));
  if (i.tcpi_rcv_ssthresh) fmt::format_to(it, " rcv_ssthresh:{}", i.tcpi_rcv_ssthresh);
  if (i.tcpi_notsent_bytes) fmt::format_to(it, " notsent:{}", i.tcpi_notsent_bytes);
  if (i.tcpi_min_rtt && i.tcpi_min_rtt != ~0U) out += " minrtt:" + g(i.tcpi_min_rtt / 1000.0);
  if (i.tcpi_rcv_ooopack) fmt::format_to(it, " rcv_ooopack:{}", i.tcpi_rcv_ooopack);
  if (i.tcpi_snd_wnd) fmt::format_to(it, " snd_wnd:{}", i.tcpi_snd_wnd);
}

void md5_text(std::string& out, const std::string& raw) {
  if (raw.size() < sizeof(tcp_diag_md5sig)) return;
  out += " md5keys:";
  for (size_t off = 0; off + sizeof(tcp_diag_md5sig) <= raw.size();
       off += sizeof(tcp_diag_md5sig)) {
    tcp_diag_md5sig sig;
    std::memcpy(&sig, raw.data() + off, sizeof sig);
    if (off) out += ',';
    char addr[INET6_ADDRSTRLEN] = {};
    inet_ntop(sig.tcpm_family, &sig.tcpm_addr, addr, sizeof addr);
    fmt::format_to(It(out), "{}/{}=", addr, sig.tcpm_prefixlen);
    // iproute2's print_escape_buf(key, len, " ,"): printable bytes as-is,
    // others and the escape set as \ooo.
    for (size_t k = 0; k < sig.tcpm_keylen && k < sizeof sig.tcpm_key; ++k) {
      unsigned char c = sig.tcpm_key[k];
      if (c < 0x20 || c >= 0x7f || c == ' ' || c == ',' || c == '\\')
        fmt::format_to(It(out), "\\{:03o}", c);
      else
        out.push_back(static_cast<char>(c));
    }
  }
}

}  // namespace

std::string format_ms_timer(uint32_t timeout) {
  uint32_t secs = timeout / 1000;
  uint32_t minutes = secs / 60;
  secs %= 60;
  uint32_t msecs = timeout % 1000;
  std::string out;
  if (minutes) {
    msecs = 0;
    out = fmt::format("{}min", minutes);
    if (minutes > 9) secs = 0;
  }
  if (secs) {
    if (secs > 9) msecs = 0;
    // 6.1 printed "9.373ms" here (wrong unit); we print "9.373sec" as ss >= 6.11.
    out += fmt::format("{}{}", secs, msecs ? "." : "sec");
  }
  if (msecs) out += fmt::format("{:03}{}", msecs, secs ? "sec" : "ms");
  return out;
}

std::string format_bw(double bw, bool numeric) {
  char buf[64];
  if (numeric) std::snprintf(buf, sizeof buf, "%.0f", bw);
  else if (bw >= 1e12) std::snprintf(buf, sizeof buf, "%.3gT", bw / 1e12);
  else if (bw >= 1e9) std::snprintf(buf, sizeof buf, "%.3gG", bw / 1e9);
  else if (bw >= 1e6) std::snprintf(buf, sizeof buf, "%.3gM", bw / 1e6);
  else if (bw >= 1e3) std::snprintf(buf, sizeof buf, "%.3gk", bw / 1e3);
  else std::snprintf(buf, sizeof buf, "%g", bw);
  return buf;
}

namespace {

// Records from /proc/net text: ss's tcp_show_line / dgram_show_line print far
// less (no attributes exist), and the TCP -i text comes without "\n\t".
void proc_ext(std::string& out, const SocketRecord& r, const RenderOptions& opt) {
  auto it = It(out);
  // UDP/RAW: ss's dgram_show_line tests "n < 9" on a sscanf that assigns at
  // most 8 fields, so its opt text is always cleared: nothing is printed.
  if (r.table != Table::Tcp) return;
  if (opt.show_options) timer_text(out, r);
  if (opt.show_details) {
    if (r.uid) fmt::format_to(it, " uid:{}", r.uid);
    fmt::format_to(it, " ino:{} sk:{:x}", static_cast<uint32_t>(r.inode), r.cookie);
    if (!r.proc_opt.empty()) fmt::format_to(it, " opt:\"{}\"", r.proc_opt);
  }
  if (opt.show_tcpinfo && r.proc_tcp) {
    const auto& t = *r.proc_tcp;
    if (t.rto) out += " rto:" + g(t.rto);
    if (t.ato) out += " ato:" + g(t.ato);
    if (t.qack) fmt::format_to(it, " qack:{}", t.qack);
    if (t.qack & 1) out += " bidir";
    if (t.cwnd) fmt::format_to(it, " cwnd:{}", t.cwnd);
    if (t.ssthresh) fmt::format_to(it, " ssthresh:{}", t.ssthresh);
    out += " reordering:0";  // ss prints its zeroed reordering (!= 3)
  }
}

}  // namespace

void append_inet_ext(std::string& out, const SocketRecord& r, const RenderOptions& opt,
                     const CgroupNames* cgroups) {
  if (r.from_proc) {
    proc_ext(out, r, opt);
    return;
  }
  if (opt.show_options) timer_text(out, r);
  if (opt.show_details) details_text(out, r, cgroups);
  const InetExt* e = r.ext.get();
  if (opt.show_tos && e) {
    if (e->tos) out += " tos:" + alt_hex(*e->tos);
    if (e->tclass) out += " tclass:" + alt_hex(*e->tclass);
    if (e->class_id) out += " class_id:" + alt_hex(*e->class_id);
  }
  if (opt.show_cgroup && r.cgroup_id && cgroups)
    fmt::format_to(It(out), " cgroup:{}", const_cast<CgroupNames*>(cgroups)->path_of(*r.cgroup_id));
  if (opt.show_inet_sockopt && r.sockopt) sockopt_text(out, *r.sockopt, opt.oneline);
  bool is_udp = r.table == Table::Udp;
  if (opt.show_mem || (opt.show_tcpinfo && !is_udp)) {
    if (!opt.oneline) out += "\n\t";
    if (e) {
      mem_text(out, *e);
      if (e->info && (r.table == Table::Tcp || r.table == Table::Dccp))
        tcp_info_text(out, r, *e, opt);
      md5_text(out, e->md5sig);
    }
  }
}

}  // namespace sw
