#include "tui/top_format.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include "core/tables.hpp"

namespace sw::tui {

std::string addr_text(const IpAddr& a) {
  if (a.is_any()) return "*";
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.family == AF_INET6 && a.is_v4_mapped()) {
    inet_ntop(AF_INET, a.bytes.data() + 12, buf, sizeof buf);
    return buf;
  }
  if (!inet_ntop(a.family == AF_INET6 ? AF_INET6 : AF_INET, a.bytes.data(), buf, sizeof buf))
    return "?";
  return buf;
}

std::string endpoint_text(const IpAddr& a, uint16_t port, const std::string& port_name) {
  std::string addr = addr_text(a);
  std::string p = port_name.empty() ? (port ? std::to_string(port) : "*") : port_name;
  if (a.family == AF_INET6 && !a.is_v4_mapped() && addr != "*") return "[" + addr + "]:" + p;
  return addr + ":" + p;
}

std::string bytes_text(double b) {
  static const char kUnits[] = "KMGTPE";
  if (b < 1024) return fmt::format("{}", static_cast<uint64_t>(b));
  int u = -1;
  while (b >= 1024 && u < 5) {
    b /= 1024;
    ++u;
  }
  if (b < 10) return fmt::format("{:.1f}{}", b, kUnits[u]);
  return fmt::format("{}{}", static_cast<uint64_t>(b + 0.5), kUnits[u]);
}

std::string rate_text(double bps) {
  if (bps < 0) return "";
  return bytes_text(bps);
}

std::string age_text(int64_t us) {
  if (us < 0) us = 0;
  int64_t s = us / 1'000'000;
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m", s / 60);
  if (s < 86400) return fmt::format("{}h", s / 3600);
  return fmt::format("{}d", s / 86400);
}

std::string rtt_text(uint32_t us) {
  if (!us) return "";
  if (us < 1000) return fmt::format("{}us", us);
  if (us < 10'000) return fmt::format("{:.1f}ms", us / 1000.0);
  if (us < 1'000'000) return fmt::format("{}ms", us / 1000);
  return fmt::format("{:.1f}s", us / 1e6);
}

std::string state_text(int state) { return std::string(sw::state_name(state)); }

std::string proto_text(int table, int family) {
  std::string n(table_netid(static_cast<Table>(table)));
  if (family == AF_INET6 &&
      (table == static_cast<int>(Table::Tcp) || table == static_cast<int>(Table::Udp) ||
       table == static_cast<int>(Table::Raw)))
    n += "6";
  return n;
}

}  // namespace sw::tui
