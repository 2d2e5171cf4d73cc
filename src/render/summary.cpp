#include "render/summary.hpp"

#include <fmt/format.h>

namespace sw {

namespace {
// "%-9d" three times, as ss prints the transport table (trailing blanks kept).
std::string row(const char* label, int total, int v4, int v6) {
  return fmt::format("{}\t  {:<9} {:<9} {:<9}\n", label, total, v4, v6);
}
}  // namespace

std::string format_summary(const SockStat& s) {
  std::string out = fmt::format("Total: {}\n", s.sockets);
  // ss's arithmetic: "alloc" and "tw" are host-wide counters on most kernels.
  out += fmt::format(
      "TCP:   {} (estab {}, closed {}, orphaned {}, timewait {})\n", s.tcp_alloc + s.tcp_tw,
      s.tcp_estab, s.tcp_alloc - (s.tcp4_inuse + s.tcp6_inuse - s.tcp_tw), s.tcp_orphans, s.tcp_tw);
  out += "\nTransport Total     IP        IPv6\n";
  out += row("RAW", s.raw4 + s.raw6, s.raw4, s.raw6);
  out += row("UDP", s.udp4 + s.udp6, s.udp4, s.udp6);
  out += row("TCP", s.tcp4_inuse + s.tcp6_inuse, s.tcp4_inuse, s.tcp6_inuse);
  int v4 = s.raw4 + s.udp4 + s.tcp4_inuse, v6 = s.raw6 + s.udp6 + s.tcp6_inuse;
  out += row("INET", v4 + v6, v4, v6);
  out += row("FRAG", s.frag4 + s.frag6, s.frag4, s.frag6);
  out += "\n";
  return out;
}

void write_summary_json(JsonWriter& w, const SockStat& s) {
  auto triple = [&](const char* k, int v4, int v6) {
    w.key(k);
    w.begin_object();
    w.field("total", v4 + v6);
    w.field("ipv4", v4);
    w.field("ipv6", v6);
    w.end_object();
  };
  w.begin_object();
  w.field("total", s.sockets);
  w.key("tcp");
  w.begin_object();
  w.field("total", s.tcp_alloc + s.tcp_tw);
  w.field("estab", s.tcp_estab);
  w.field("closed", s.tcp_alloc - (s.tcp4_inuse + s.tcp6_inuse - s.tcp_tw));
  w.field("orphaned", s.tcp_orphans);
  w.field("timewait", s.tcp_tw);
  w.end_object();
  w.key("transport");
  w.begin_object();
  triple("raw", s.raw4, s.raw6);
  triple("udp", s.udp4, s.udp6);
  triple("tcp", s.tcp4_inuse, s.tcp6_inuse);
  triple("inet", s.raw4 + s.udp4 + s.tcp4_inuse, s.raw6 + s.udp6 + s.tcp6_inuse);
  triple("frag", s.frag4, s.frag6);
  w.end_object();
  w.end_object();
}

}  // namespace sw
