#include "render/inet_ext.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <linux/inet_diag.h>
#include <linux/mptcp.h>
#include <linux/netlink.h>
#include <linux/sctp.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

#include "core/escape.hpp"
#include "enrich/cgroup_names.hpp"
#include "render/numfmt.hpp"
#include "render/skmem.hpp"

namespace sw {

namespace {

using It = std::back_insert_iterator<std::string>;

// C's %g, %.3g, %.0f and the integers go through render/numfmt: printf's
// output without fmt's per-call format parsing or glibc's float printing
// (together ~75% of -tani's instructions before).
std::string g(double v) {
  std::string out;
  num::g(out, v);
  return out;
}

// C's "%#x": "0" for zero, "0x.." otherwise (fmt's {:#x} would print "0x0").
std::string alt_hex(uint32_t v) { return v ? fmt::format("{:#x}", v) : "0"; }

// A kernel struct from an attribute payload: ss copies what was sent and
// zero-fills the rest ("workaround for older kernels with less fields"), and
// ignores the tail a newer kernel appends.
template <typename T>
T load_padded(std::string_view p) {
  T v;
  std::memset(&v, 0, sizeof v);
  std::memcpy(&v, p.data(), std::min(p.size(), sizeof v));
  return v;
}

// Netlink attributes as iproute2's parse_rtattr_flags reads them: the first
// occurrence of a type wins, `mask` bits are cleared from the type (ss clears
// NLA_F_NESTED in nested tables only), malformed tails end the walk.
template <size_t N>
std::array<std::optional<std::string_view>, N> parse_attrs(std::string_view buf, uint16_t mask) {
  std::array<std::optional<std::string_view>, N> tb{};
  size_t off = 0;
  while (off + sizeof(nlattr) <= buf.size()) {
    nlattr a;
    std::memcpy(&a, buf.data() + off, sizeof a);
    if (a.nla_len < sizeof(nlattr) || off + a.nla_len > buf.size()) break;
    uint16_t type = static_cast<uint16_t>(a.nla_type & ~mask);
    if (type < N && !tb[type]) tb[type] = buf.substr(off + NLA_HDRLEN, a.nla_len - NLA_HDRLEN);
    off += NLA_ALIGN(a.nla_len);
  }
  return tb;
}

template <typename T>
T attr_int(std::string_view p) {
  return load_padded<T>(p);
}

// The protocol ss dispatches on (its sockstat.type): the dump's protocol,
// replaced by INET_DIAG_PROTOCOL when the kernel sends it (RAW sockets, so a
// raw socket of protocol 17 is "UDP" to ss and -i prints nothing for it).
int effective_protocol(const SocketRecord& r) {
  if (r.protocol) return *r.protocol;
  switch (r.table) {
    case Table::Tcp:
      return IPPROTO_TCP;
    case Table::Mptcp:
      return IPPROTO_MPTCP;
    case Table::Dccp:
      return IPPROTO_DCCP;
    case Table::Udp:
      return IPPROTO_UDP;
    case Table::Raw:
      return IPPROTO_RAW;
    case Table::Sctp:
      return IPPROTO_SCTP;
    default:
      return 0;
  }
}

void timer_text(std::string& out, const SocketRecord& r, int proto) {
  if (!r.timer) return;
  static constexpr std::string_view kNames[] = {"off",      "on",      "keepalive",
                                                "timewait", "persist", "unknown"};
  out += " timer:(";
  out += proto == IPPROTO_SCTP ? std::string_view("T3_RTX") : kNames[r.timer > 4 ? 5 : r.timer];
  out += ',';
  append_ms_timer(out, r.expires);
  out += ',';
  num::u(out, r.retrans);
  out += ')';
}

void cgroup_text(std::string& out, uint64_t id, const CgroupNames* cgroups) {
  out += " cgroup:";
  if (cgroups)
    append_escaped(out, cgroups->path_of(id));
  else
    fmt::format_to(It(out), "unreachable:{:x}", id);
}

// ss's sock_details_print plus the v6only and shutdown text of inet_show_sock.
void details_text(std::string& out, const SocketRecord& r, const CgroupNames* cgroups) {
  if (r.uid) num::kv(out, " uid:", r.uid);
  num::kv(out, " ino:", static_cast<uint32_t>(r.inode));
  out += " sk:";
  num::x(out, r.cookie);
  if (r.mark && *r.mark) {
    out += " fwmark:0x";
    num::x(out, *r.mark);
  }
  if (r.cgroup_id && *r.cgroup_id) cgroup_text(out, *r.cgroup_id, cgroups);
  if (r.family == AF_INET6 && r.v6only) num::kv(out, " v6only:", *r.v6only);
  if (r.shutdown) {
    out += ' ';
    out += (*r.shutdown & 1) ? '-' : '<';
    out += '-';
    out += (*r.shutdown & 2) ? '-' : '>';
  }
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

// ss's print_skmeminfo: SK_MEMINFO_* when sent, else the old inet_diag_meminfo.
void mem_text(std::string& out, const InetExt& e) {
  if (!e.skmem.empty()) {
    append_skmem(out, e.skmem);
  } else if (e.meminfo) {
    num::kv(out, " mem:(r", e.meminfo->idiag_rmem);
    num::kv(out, ",w", e.meminfo->idiag_wmem);
    num::kv(out, ",f", e.meminfo->idiag_fmem);
    num::kv(out, ",t", e.meminfo->idiag_tmem);
    out += ')';
  }
}

// Part of rates: "x% of busy time", as ss's "%.1f".
std::string pct(uint64_t part, uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f",
                100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

// ss's tcp_show_info + tcp_stats_print, 6.1 field order (6.1 ends with
// rcv_ooopack and snd_wnd; rcv_wnd and rehash came later).
// Where tcp_info_text's bytes go: appended (StringOut), or only counted
// (LengthOut: the ss table measures each row's -i text when the row is added
// and prints it later from the record; counting an integer costs no copy).
struct StringOut {
  std::string& s;
  void lit(std::string_view v) { s.append(v); }
  void ch(char c) { s.push_back(c); }
  void i(int64_t v) { num::i(s, v); }
  void g(double v) { num::g(s, v); }
  void bw(double v, bool numeric) { append_bw(s, v, numeric); }
  // " key:VALUE" in one append (num::kv makes two).
  void kv(std::string_view key, uint64_t v) {
    char b[64];
    if (key.size() > 40) return num::kv(s, key, v);
    std::memcpy(b, key.data(), key.size());
    s.append(b, static_cast<size_t>(num::put_u64(b + key.size(), v) - b));
  }
};
struct LengthOut {
  size_t n = 0;
  std::string tmp;
  void lit(std::string_view v) { n += v.size(); }
  void ch(char) { ++n; }
  void u(uint64_t v) {
    char b[24];
    n += static_cast<size_t>(num::put_u64(b, v) - b);
  }
  void i(int64_t v) {
    if (v < 0) ++n;
    u(v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
  }
  void g(double v) {
    tmp.clear();
    num::g(tmp, v);
    n += tmp.size();
  }
  void bw(double v, bool numeric) {
    tmp.clear();
    append_bw(tmp, v, numeric);
    n += tmp.size();
  }
  void kv(std::string_view key, uint64_t v) {
    n += key.size();
    u(v);
  }
};

template <typename Out>
void tcp_info_text(Out& out, const SocketRecord& r, const InetExt& e, const RenderOptions& opt) {
  const tcp_info& i = *e.info;
  auto kv = [](Out& o, std::string_view key, uint64_t v) { o.kv(key, v); };
  // ss prints these u32 fields with %d.
  auto kd = [&](std::string_view key, uint32_t v) {
    out.lit(key);
    out.i(static_cast<int32_t>(v));
  };
  auto kg = [&](std::string_view key, double v) {
    out.lit(key);
    out.g(v);
  };
  if (opt.show_options) {
    if (i.tcpi_options & TCPI_OPT_TIMESTAMPS) out.lit(" ts");
    if (i.tcpi_options & TCPI_OPT_SACK) out.lit(" sack");
    if (i.tcpi_options & TCPI_OPT_ECN) out.lit(" ecn");
    if (i.tcpi_options & TCPI_OPT_ECN_SEEN) out.lit(" ecnseen");
    if (i.tcpi_options & TCPI_OPT_SYN_DATA) out.lit(" fastopen");
  }
  if (!e.cong.empty()) {
    out.ch(' ');
    out.lit(std::string_view(e.cong).substr(0, 15));  // ss copies into a 16-byte buffer
  }
  if (i.tcpi_options & TCPI_OPT_WSCALE) {
    kv(out, " wscale:", i.tcpi_snd_wscale);
    kv(out, ",", i.tcpi_rcv_wscale);
  }
  if (i.tcpi_rto && i.tcpi_rto != 3000000) kg(" rto:", i.tcpi_rto / 1000.0);
  if (i.tcpi_backoff) kv(out, " backoff:", i.tcpi_backoff);
  if (i.tcpi_rtt) {
    kg(" rtt:", i.tcpi_rtt / 1000.0);
    kg("/", i.tcpi_rttvar / 1000.0);
  }
  if (i.tcpi_ato) kg(" ato:", i.tcpi_ato / 1000.0);
  if (i.tcpi_snd_mss) kd(" mss:", i.tcpi_snd_mss);
  if (i.tcpi_pmtu) kv(out, " pmtu:", i.tcpi_pmtu);
  if (i.tcpi_rcv_mss) kd(" rcvmss:", i.tcpi_rcv_mss);
  if (i.tcpi_advmss) kd(" advmss:", i.tcpi_advmss);
  if (i.tcpi_snd_cwnd) kv(out, " cwnd:", i.tcpi_snd_cwnd);
  if (i.tcpi_snd_ssthresh < 0xFFFF && i.tcpi_snd_ssthresh)
    kv(out, " ssthresh:", i.tcpi_snd_ssthresh);
  if (i.tcpi_bytes_sent) kv(out, " bytes_sent:", i.tcpi_bytes_sent);
  if (i.tcpi_bytes_retrans) kv(out, " bytes_retrans:", i.tcpi_bytes_retrans);
  if (i.tcpi_bytes_acked) kv(out, " bytes_acked:", i.tcpi_bytes_acked);
  if (i.tcpi_bytes_received) kv(out, " bytes_received:", i.tcpi_bytes_received);
  if (i.tcpi_segs_out) kv(out, " segs_out:", i.tcpi_segs_out);
  if (i.tcpi_segs_in) kv(out, " segs_in:", i.tcpi_segs_in);
  if (i.tcpi_data_segs_out) kv(out, " data_segs_out:", i.tcpi_data_segs_out);
  if (i.tcpi_data_segs_in) kv(out, " data_segs_in:", i.tcpi_data_segs_in);
  if (e.dctcp) {
    if (e.dctcp->dctcp_enabled)
      out.lit(fmt::format(" dctcp:(ce_state:{},alpha:{},ab_ecn:{},ab_tot:{})",
                          e.dctcp->dctcp_ce_state, e.dctcp->dctcp_alpha, e.dctcp->dctcp_ab_ecn,
                          e.dctcp->dctcp_ab_tot));
    else
      out.lit(" dctcp:fallback_mode");
  }
  if (e.bbr) {
    uint64_t bw = (uint64_t{e.bbr->bbr_bw_hi} << 32) | e.bbr->bbr_bw_lo;
    out.lit(" bbr:(bw:");
    out.bw(static_cast<double>(bw) * 8.0, opt.numeric);
    kg("bps,mrtt:", e.bbr->bbr_min_rtt / 1000.0);
    if (e.bbr->bbr_pacing_gain) kg(",pacing_gain:", e.bbr->bbr_pacing_gain / 256.0);
    if (e.bbr->bbr_cwnd_gain) kg(",cwnd_gain:", e.bbr->bbr_cwnd_gain / 256.0);
    out.lit(")");
  }
  // "send": cwnd * mss over the smoothed rtt, or Vegas' rtt when it has one.
  double vrtt = i.tcpi_rtt;
  if (e.vegas && e.vegas->tcpv_enabled && e.vegas->tcpv_rtt && e.vegas->tcpv_rtt != 0x7fffffff)
    vrtt = e.vegas->tcpv_rtt;
  if (vrtt > 0 && i.tcpi_snd_mss && i.tcpi_snd_cwnd) {
    double bps = static_cast<double>(i.tcpi_snd_cwnd) * i.tcpi_snd_mss * 8000000. / vrtt;
    if (bps != 0) {
      out.lit(" send ");
      out.bw(bps, opt.numeric);
      out.lit("bps");
    }
  }
  if (i.tcpi_last_data_sent) kv(out, " lastsnd:", i.tcpi_last_data_sent);
  if (i.tcpi_last_data_recv) kv(out, " lastrcv:", i.tcpi_last_data_recv);
  if (i.tcpi_last_ack_recv) kv(out, " lastack:", i.tcpi_last_ack_recv);
  if (i.tcpi_pacing_rate && i.tcpi_pacing_rate != ~0ULL) {
    out.lit(" pacing_rate ");
    out.bw(static_cast<double>(i.tcpi_pacing_rate) * 8., opt.numeric);
    out.lit("bps");
    if (i.tcpi_max_pacing_rate && i.tcpi_max_pacing_rate != ~0ULL) {
      out.ch('/');
      out.bw(static_cast<double>(i.tcpi_max_pacing_rate) * 8., opt.numeric);
      out.lit("bps");
    }
  }
  if (i.tcpi_delivery_rate) {
    out.lit(" delivery_rate ");
    out.bw(static_cast<double>(i.tcpi_delivery_rate) * 8., opt.numeric);
    out.lit("bps");
  }
  if (i.tcpi_delivered) kv(out, " delivered:", i.tcpi_delivered);
  if (i.tcpi_delivered_ce) kv(out, " delivered_ce:", i.tcpi_delivered_ce);
  if (i.tcpi_delivery_rate_app_limited) out.lit(" app_limited");
  if (i.tcpi_busy_time) {
    kv(out, " busy:", i.tcpi_busy_time / 1000);
    out.lit("ms");
    if (i.tcpi_rwnd_limited) {
      kv(out, " rwnd_limited:", i.tcpi_rwnd_limited / 1000);
      out.lit("ms(" + pct(i.tcpi_rwnd_limited, i.tcpi_busy_time) + "%)");
    }
    if (i.tcpi_sndbuf_limited) {
      kv(out, " sndbuf_limited:", i.tcpi_sndbuf_limited / 1000);
      out.lit("ms(" + pct(i.tcpi_sndbuf_limited, i.tcpi_busy_time) + "%)");
    }
  }
  if (i.tcpi_unacked) kv(out, " unacked:", i.tcpi_unacked);
  if (i.tcpi_retrans || i.tcpi_total_retrans) {
    kv(out, " retrans:", i.tcpi_retrans);
    kv(out, "/", i.tcpi_total_retrans);
  }
  if (i.tcpi_lost) kv(out, " lost:", i.tcpi_lost);
  if (i.tcpi_sacked && r.state != kListen) kv(out, " sacked:", i.tcpi_sacked);
  if (i.tcpi_dsack_dups) kv(out, " dsack_dups:", i.tcpi_dsack_dups);
  if (i.tcpi_fackets) kv(out, " fackets:", i.tcpi_fackets);
  if (i.tcpi_reordering != 3) kd(" reordering:", i.tcpi_reordering);
  if (i.tcpi_reord_seen) kd(" reord_seen:", i.tcpi_reord_seen);
  if (i.tcpi_rcv_rtt) kg(" rcv_rtt:", i.tcpi_rcv_rtt / 1000.0);
  if (i.tcpi_rcv_space) kd(" rcv_space:", i.tcpi_rcv_space);
  if (i.tcpi_rcv_ssthresh) kv(out, " rcv_ssthresh:", i.tcpi_rcv_ssthresh);
  if (i.tcpi_notsent_bytes) kv(out, " notsent:", i.tcpi_notsent_bytes);
  if (i.tcpi_min_rtt && i.tcpi_min_rtt != ~0U) kg(" minrtt:", i.tcpi_min_rtt / 1000.0);
  if (i.tcpi_rcv_ooopack) kv(out, " rcv_ooopack:", i.tcpi_rcv_ooopack);
  if (i.tcpi_snd_wnd) kv(out, " snd_wnd:", i.tcpi_snd_wnd);
}

std::string host_text(int family, const void* addr) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(family, addr, buf, sizeof buf)) return {};
  return buf;
}

// INET_DIAG_MD5SIG: "md5keys:ADDR/PLEN=KEY,..." with the key escaped as
// iproute2's print_escape_buf(key, len, " ,") does. ss 6.1 printf()s the key
// straight to stdout, so its keys land before the table; we print them in
// place (a documented deviation).
void md5_text(std::string& out, const std::string& raw) {
  if (raw.size() < sizeof(tcp_diag_md5sig)) return;
  out += " md5keys:";
  for (size_t off = 0; off + sizeof(tcp_diag_md5sig) <= raw.size();
       off += sizeof(tcp_diag_md5sig)) {
    tcp_diag_md5sig sig;
    std::memcpy(&sig, raw.data() + off, sizeof sig);
    if (off) out += ',';
    fmt::format_to(It(out), "{}/{}=", host_text(sig.tcpm_family, &sig.tcpm_addr),
                   sig.tcpm_prefixlen);
    for (size_t k = 0; k < sig.tcpm_keylen && k < sizeof sig.tcpm_key; ++k) {
      unsigned char c = sig.tcpm_key[k];
      if (c < 0x20 || c >= 0x7f || c == ' ' || c == ',' || c == '\\')
        fmt::format_to(It(out), "\\{:03o}", c);
      else
        out.push_back(static_cast<char>(c));
    }
  }
}

void tls_text(std::string& out, std::string_view nested) {
  auto tb = parse_attrs<TLS_INFO_MAX + 1>(nested, NLA_F_NESTED);
  auto it = It(out);
  if (tb[TLS_INFO_VERSION]) {
    auto v = attr_int<uint16_t>(*tb[TLS_INFO_VERSION]);
    if (v == TLS_1_2_VERSION)
      out += " version: 1.2";
    else if (v == TLS_1_3_VERSION)
      out += " version: 1.3";
    else
      fmt::format_to(it, " version: unknown({})", v);
  }
  if (tb[TLS_INFO_CIPHER]) {
    auto c = attr_int<uint16_t>(*tb[TLS_INFO_CIPHER]);
    if (c == TLS_CIPHER_AES_GCM_128) out += " cipher: aes-gcm-128";
    if (c == TLS_CIPHER_AES_GCM_256) out += " cipher: aes-gcm-256";
  }
  auto conf = [&](const char* name, const std::optional<std::string_view>& a) {
    if (!a) return;
    auto v = attr_int<uint16_t>(*a);
    switch (v) {
      case TLS_CONF_BASE:
        fmt::format_to(it, " {}: none", name);
        break;
      case TLS_CONF_SW:
        fmt::format_to(it, " {}: sw", name);
        break;
      case TLS_CONF_HW:
        fmt::format_to(it, " {}: hw", name);
        break;
      case TLS_CONF_HW_RECORD:
        fmt::format_to(it, " {}: hw-record", name);
        break;
      default:
        fmt::format_to(it, " {}: unknown({})", name, v);
        break;
    }
  };
  conf("rxconf", tb[TLS_INFO_RXCONF]);
  conf("txconf", tb[TLS_INFO_TXCONF]);
  if (tb[TLS_INFO_ZC_RO_TX]) out += " zc_ro_tx";
  // TLS_INFO_RX_NO_PAD ("no_pad_rx") is not printed by 6.1.
}

void mptcp_subflow_text(std::string& out, std::string_view nested) {
  auto tb = parse_attrs<MPTCP_SUBFLOW_ATTR_MAX + 1>(nested, NLA_F_NESTED);
  auto it = It(out);
  if (tb[MPTCP_SUBFLOW_ATTR_FLAGS]) {
    auto flags = attr_int<uint32_t>(*tb[MPTCP_SUBFLOW_ATTR_FLAGS]);
    static constexpr std::pair<uint32_t, char> kCaps[] = {
        {MPTCP_SUBFLOW_FLAG_MCAP_REM, 'M'},          {MPTCP_SUBFLOW_FLAG_MCAP_LOC, 'm'},
        {MPTCP_SUBFLOW_FLAG_JOIN_REM, 'J'},          {MPTCP_SUBFLOW_FLAG_JOIN_LOC, 'j'},
        {MPTCP_SUBFLOW_FLAG_BKUP_REM, 'B'},          {MPTCP_SUBFLOW_FLAG_BKUP_LOC, 'b'},
        {MPTCP_SUBFLOW_FLAG_FULLY_ESTABLISHED, 'e'}, {MPTCP_SUBFLOW_FLAG_CONNECTED, 'c'},
        {MPTCP_SUBFLOW_FLAG_MAPVALID, 'v'}};
    if (flags) {
      out += " flags:";
      for (auto [bit, c] : kCaps)
        if (flags & bit) out.push_back(c);
    }
  }
  if (tb[MPTCP_SUBFLOW_ATTR_TOKEN_REM] && tb[MPTCP_SUBFLOW_ATTR_TOKEN_LOC] &&
      tb[MPTCP_SUBFLOW_ATTR_ID_REM] && tb[MPTCP_SUBFLOW_ATTR_ID_LOC])
    fmt::format_to(it, " token:{:04x}(id:{})/{:04x}(id:{})",
                   attr_int<uint32_t>(*tb[MPTCP_SUBFLOW_ATTR_TOKEN_REM]),
                   attr_int<uint8_t>(*tb[MPTCP_SUBFLOW_ATTR_ID_REM]),
                   attr_int<uint32_t>(*tb[MPTCP_SUBFLOW_ATTR_TOKEN_LOC]),
                   attr_int<uint8_t>(*tb[MPTCP_SUBFLOW_ATTR_ID_LOC]));
  if (tb[MPTCP_SUBFLOW_ATTR_MAP_SEQ])
    fmt::format_to(it, " seq:{:x}", attr_int<uint64_t>(*tb[MPTCP_SUBFLOW_ATTR_MAP_SEQ]));
  if (tb[MPTCP_SUBFLOW_ATTR_MAP_SFSEQ])
    fmt::format_to(it, " sfseq:{:x}", attr_int<uint32_t>(*tb[MPTCP_SUBFLOW_ATTR_MAP_SFSEQ]));
  if (tb[MPTCP_SUBFLOW_ATTR_SSN_OFFSET])
    fmt::format_to(it, " ssnoff:{:x}", attr_int<uint32_t>(*tb[MPTCP_SUBFLOW_ATTR_SSN_OFFSET]));
  if (tb[MPTCP_SUBFLOW_ATTR_MAP_DATALEN])
    fmt::format_to(it, " maplen:{:x}", attr_int<uint32_t>(*tb[MPTCP_SUBFLOW_ATTR_MAP_DATALEN]));
}

// INET_DIAG_ULP_INFO: " tcp-ulp-NAME" then the TLS or MPTCP-subflow details.
void ulp_text(std::string& out, std::string_view raw) {
  if (raw.empty()) return;
  auto tb = parse_attrs<INET_ULP_INFO_MAX + 1>(raw, NLA_F_NESTED);
  if (tb[INET_ULP_INFO_NAME]) {
    std::string_view name = *tb[INET_ULP_INFO_NAME];
    name = name.substr(0, name.find('\0'));
    out += " tcp-ulp-";
    append_escaped(out, name);
  }
  if (tb[INET_ULP_INFO_TLS]) tls_text(out, *tb[INET_ULP_INFO_TLS]);
  if (tb[INET_ULP_INFO_MPTCP]) mptcp_subflow_text(out, *tb[INET_ULP_INFO_MPTCP]);
}

// ss's mptcp_stats_print (6.1: no retransmit/bytes counters yet).
void mptcp_info_text(std::string& out, std::string_view raw) {
  if (raw.empty()) return;
  auto s = load_padded<mptcp_info>(raw);
  auto it = It(out);
  if (s.mptcpi_subflows) fmt::format_to(it, " subflows:{}", s.mptcpi_subflows);
  if (s.mptcpi_add_addr_signal) fmt::format_to(it, " add_addr_signal:{}", s.mptcpi_add_addr_signal);
  if (s.mptcpi_add_addr_accepted)
    fmt::format_to(it, " add_addr_accepted:{}", s.mptcpi_add_addr_accepted);
  if (s.mptcpi_subflows_max) fmt::format_to(it, " subflows_max:{}", s.mptcpi_subflows_max);
  if (s.mptcpi_add_addr_signal_max)
    fmt::format_to(it, " add_addr_signal_max:{}", s.mptcpi_add_addr_signal_max);
  if (s.mptcpi_add_addr_accepted_max)
    fmt::format_to(it, " add_addr_accepted_max:{}", s.mptcpi_add_addr_accepted_max);
  if (s.mptcpi_flags & MPTCP_INFO_FLAG_FALLBACK) out += " fallback";
  if (s.mptcpi_flags & MPTCP_INFO_FLAG_REMOTE_KEY_RECEIVED) out += " remote_key";
  if (s.mptcpi_token) fmt::format_to(it, " token:{:x}", s.mptcpi_token);
  if (s.mptcpi_write_seq) fmt::format_to(it, " write_seq:{:x}", s.mptcpi_write_seq);
  if (s.mptcpi_snd_una) fmt::format_to(it, " snd_una:{:x}", s.mptcpi_snd_una);
  if (s.mptcpi_rcv_nxt) fmt::format_to(it, " rcv_nxt:{:x}", s.mptcpi_rcv_nxt);
}

// INET_DIAG_LOCALS / PEERS: arrays of sockaddr_storage.
void sctp_addrs_text(std::string& out, const char* label, const std::string& raw) {
  if (raw.empty()) return;
  out += label;
  for (size_t off = 0; off < raw.size(); off += sizeof(sockaddr_storage)) {
    if (off) out += ',';
    auto sa = load_padded<sockaddr_storage>(std::string_view(raw).substr(off));
    if (sa.ss_family == AF_INET) {
      sockaddr_in sin;
      std::memcpy(&sin, &sa, sizeof sin);
      out += host_text(AF_INET, &sin.sin_addr);
    } else if (sa.ss_family == AF_INET6) {
      sockaddr_in6 sin6;
      std::memcpy(&sin6, &sa, sizeof sin6);
      out += host_text(AF_INET6, &sin6.sin6_addr);
    }
  }
}

// ss's sctp_stats_print: u32 counters printed with %d, as ss does.
void sctp_info_text(std::string& out, std::string_view raw) {
  if (raw.empty()) return;
  auto s = load_padded<sctp_info>(raw);
  auto it = It(out);
  auto d = [](uint32_t v) { return static_cast<int32_t>(v); };
  static constexpr const char* kStates[] = {
      "CLOSED",           "COOKIE_WAIT",   "COOKIE_ECHOED",     "ESTAB",
      "SHUTDOWN_PENDING", "SHUTDOWN_SENT", "SHUTDOWN_RECEIVED", "ACK_SENT"};
  if (s.sctpi_tag) fmt::format_to(it, " tag:{:x}", s.sctpi_tag);
  if (s.sctpi_state)
    fmt::format_to(it, " state:{}", s.sctpi_state < 8 ? kStates[s.sctpi_state] : "(null)");
  if (s.sctpi_rwnd) fmt::format_to(it, " rwnd:{}", d(s.sctpi_rwnd));
  if (s.sctpi_unackdata) fmt::format_to(it, " unackdata:{}", s.sctpi_unackdata);
  if (s.sctpi_penddata) fmt::format_to(it, " penddata:{}", s.sctpi_penddata);
  if (s.sctpi_instrms) fmt::format_to(it, " instrms:{}", s.sctpi_instrms);
  if (s.sctpi_outstrms) fmt::format_to(it, " outstrms:{}", s.sctpi_outstrms);
  if (s.sctpi_inqueue) fmt::format_to(it, " inqueue:{}", d(s.sctpi_inqueue));
  if (s.sctpi_outqueue) fmt::format_to(it, " outqueue:{}", d(s.sctpi_outqueue));
  if (s.sctpi_overall_error) fmt::format_to(it, " overerr:{}", d(s.sctpi_overall_error));
  if (s.sctpi_max_burst) fmt::format_to(it, " maxburst:{}", d(s.sctpi_max_burst));
  if (s.sctpi_maxseg) fmt::format_to(it, " maxseg:{}", d(s.sctpi_maxseg));
  if (s.sctpi_peer_rwnd) fmt::format_to(it, " prwnd:{}", d(s.sctpi_peer_rwnd));
  if (s.sctpi_peer_tag) fmt::format_to(it, " ptag:{:x}", s.sctpi_peer_tag);
  if (s.sctpi_peer_capable) fmt::format_to(it, " pcapable:{}", s.sctpi_peer_capable);
  if (s.sctpi_peer_sack) fmt::format_to(it, " psack:{}", s.sctpi_peer_sack);
  if (s.sctpi_s_autoclose) fmt::format_to(it, " autoclose:{}", d(s.sctpi_s_autoclose));
  if (s.sctpi_s_adaptation_ind) fmt::format_to(it, " adapind:{}", d(s.sctpi_s_adaptation_ind));
  if (s.sctpi_s_pd_point) fmt::format_to(it, " pdpoint:{}", d(s.sctpi_s_pd_point));
  if (s.sctpi_s_nodelay) fmt::format_to(it, " nodelay:{}", s.sctpi_s_nodelay);
  if (s.sctpi_s_disable_fragments) fmt::format_to(it, " nofrag:{}", s.sctpi_s_disable_fragments);
  if (s.sctpi_s_v4mapped) fmt::format_to(it, " v4mapped:{}", s.sctpi_s_v4mapped);
  if (s.sctpi_s_frag_interleave) fmt::format_to(it, " fraginl:{}", s.sctpi_s_frag_interleave);
}

// Records from /proc/net text: ss's tcp_show_line / dgram_show_line print far
// less (no attributes exist), and the TCP -i text comes without "\n\t".
void proc_ext(std::string& out, const SocketRecord& r, const RenderOptions& opt) {
  auto it = It(out);
  // UDP/RAW: ss's dgram_show_line tests "n < 9" on a sscanf that assigns at
  // most 8 fields, so its opt text is always cleared: nothing is printed.
  if (r.table != Table::Tcp) return;
  if (opt.show_options) timer_text(out, r, IPPROTO_TCP);
  if (opt.show_details) {
    if (r.uid) fmt::format_to(it, " uid:{}", r.uid);
    // ss's tcp_show_line prints the /proc sk pointer here.
    fmt::format_to(it, " ino:{} sk:{:x}", static_cast<uint32_t>(r.inode), r.proc_sk);
    if (!r.proc_opt.empty()) {
      out += " opt:\"";
      append_escaped(out, r.proc_opt);
      out += '"';
    }
  }
  if (opt.show_tcpinfo && r.proc_tcp) {
    const auto& t = *r.proc_tcp;
    if (t.rto) out += " rto:" + g(t.rto);
    if (t.ato) out += " ato:" + g(t.ato);
    if (t.qack) fmt::format_to(it, " qack:{}", t.qack);
    if (t.qack & 1) out += " bidir";
    if (t.cwnd) fmt::format_to(it, " cwnd:{}", t.cwnd);
    if (t.ssthresh) fmt::format_to(it, " ssthresh:{}", t.ssthresh);
    // tcp_show_line: retrans is the probes/retransmits column, retrans_total 0.
    if (r.retrans) fmt::format_to(It(out), " retrans:{}/0", r.retrans);
    out += " reordering:0";  // ss prints its zeroed reordering (!= 3)
  }
}

}  // namespace

void append_ms_timer(std::string& out, uint32_t timeout) {
  uint32_t secs = timeout / 1000;
  uint32_t minutes = secs / 60;
  secs %= 60;
  uint32_t msecs = timeout % 1000;
  if (minutes) {
    msecs = 0;
    num::u(out, minutes);
    out += "min";
    if (minutes > 9) secs = 0;
  }
  if (secs) {
    if (secs > 9) msecs = 0;
    num::u(out, secs);
    out += msecs ? "." : "sec";
  }
  // 6.1 printed "9.373ms" here (wrong unit); we print "9.373sec" as ss >= 6.11.
  if (msecs) {
    if (msecs < 100) out += msecs < 10 ? "00" : "0";
    num::u(out, msecs);
    out += secs ? "sec" : "ms";
  }
}

std::string format_ms_timer(uint32_t timeout) {
  std::string out;
  append_ms_timer(out, timeout);
  return out;
}

// ss's sprint_bw ("%.0f", "%.3g" + suffix, "%g").
void append_bw(std::string& out, double bw, bool numeric) {
  if (numeric) return num::f0(out, bw);
  static constexpr struct {
    double scale;
    char suffix;
  } kUnits[] = {{1e12, 'T'}, {1e9, 'G'}, {1e6, 'M'}, {1e3, 'k'}};
  for (const auto& u : kUnits) {
    if (bw >= u.scale) {
      num::g3(out, bw / u.scale);
      out += u.suffix;
      return;
    }
  }
  num::g(out, bw);
}

std::string format_bw(double bw, bool numeric) {
  std::string out;
  append_bw(out, bw, numeric);
  return out;
}

namespace {
// append_inet_ext, with the tcp_info text counted into `info_len` instead of
// appended when it is set (the rest is short: formatted either way).
void inet_ext(std::string& out, const SocketRecord& r, const RenderOptions& opt,
              const CgroupNames* cgroups, LengthOut* info_len) {
  if (r.from_proc) {
    proc_ext(out, r, opt);
    return;
  }
  const int proto = effective_protocol(r);
  if (opt.show_options) timer_text(out, r, proto);
  if (opt.show_details) details_text(out, r, cgroups);
  const InetExt* e = r.ext.get();
  if (opt.show_tos && e) {
    if (e->tos) out += " tos:" + alt_hex(*e->tos);
    if (e->tclass) out += " tclass:" + alt_hex(*e->tclass);
    if (e->class_id) out += " class_id:" + alt_hex(*e->class_id);
  }
  // Unlike -e, --cgroup prints whenever the attribute is there, even for id 0.
  if (opt.show_cgroup && r.cgroup_id) cgroup_text(out, *r.cgroup_id, cgroups);
  if (opt.show_inet_sockopt && r.sockopt) sockopt_text(out, *r.sockopt, opt.oneline);
  if (opt.show_mem || (opt.show_tcpinfo && proto != IPPROTO_UDP)) {
    if (!opt.oneline) out += "\n\t";
    if (!e) return;
    mem_text(out, *e);
    if (proto == IPPROTO_SCTP) {
      sctp_addrs_text(out, " locals:", e->locals);
      sctp_addrs_text(out, " peers:", e->peers);
      sctp_info_text(out, e->raw_info);
    } else if (proto == IPPROTO_MPTCP) {
      mptcp_info_text(out, e->raw_info);
    } else {
      if (e->info && info_len) {
        tcp_info_text(*info_len, r, *e, opt);
      } else if (e->info) {
        StringOut o{out};
        tcp_info_text(o, r, *e, opt);
      }
      md5_text(out, e->md5sig);
      ulp_text(out, e->ulp);
    }
  }
}

}  // namespace

void append_inet_ext(std::string& out, const SocketRecord& r, const RenderOptions& opt,
                     const CgroupNames* cgroups) {
  inet_ext(out, r, opt, cgroups, nullptr);
}

size_t inet_ext_length(const SocketRecord& r, const RenderOptions& opt, const CgroupNames* cgroups,
                       std::string& scratch) {
  scratch.clear();
  LengthOut info;
  inet_ext(scratch, r, opt, cgroups, &info);
  return scratch.size() + info.n;
}

}  // namespace sw
