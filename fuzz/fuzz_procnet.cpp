// Fuzzes the /proc/net text parsers, the sockstat/snmp readers, and the
// per-process text readers (cgroup file, container classification, netns links).
#include <sys/socket.h>

#include <string>

#include "enrich/container.hpp"
#include "procfs/netns_list.hpp"
#include "procfs/proc_net.hpp"
#include "procfs/proc_net_packet.hpp"
#include "procfs/process_info.hpp"
#include "procfs/sockstat.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)sw::parse_proc_inet(text, "tcp", sw::Table::Tcp, AF_INET);
  (void)sw::parse_proc_inet(text, "tcp6", sw::Table::Tcp, AF_INET6);
  (void)sw::parse_proc_inet(text, "udp", sw::Table::Udp, AF_INET);
  (void)sw::parse_proc_unix(text, "unix");
  (void)sw::parse_proc_net_packet(text, "packet");
  (void)sw::parse_proc_net_netlink(text, "netlink");
  sw::SockStat st;
  sw::parse_sockstat(text, st);
  (void)sw::parse_snmp_field(text, "Tcp", "CurrEstab");
  auto path = sw::cgroup_path_from_proc(text);
  auto c = sw::classify_cgroup(path);
  (void)c.short_label();
  (void)sw::classify_cgroup(text);
  (void)sw::parse_netns_link(text);
  (void)sw::in_world_writable_place(text);
  return 0;
}
