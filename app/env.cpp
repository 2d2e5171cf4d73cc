#include "env.hpp"

#include <cstdlib>

namespace sw {

SourcePaths source_paths_from_environment() {
  SourcePaths e;
  if (const char* p = std::getenv("PROC_ROOT")) {
    e.proc_root = p;
    e.proc_root_set = true;
  }
  if (const char* t = std::getenv("TCPDIAG_FILE")) e.tcpdiag_file = t;
  // Every variable a table or a summary can be read from (ss's generic_proc_open
  // callers); set to anything, even empty, it counts as given.
  static const char* const kVars[] = {
      "PROC_NET_TCP",     "PROC_NET_TCP6",     "PROC_NET_UDP",       "PROC_NET_UDP6",
      "PROC_NET_RAW",     "PROC_NET_RAW6",     "PROC_NET_UNIX",      "PROC_NET_PACKET",
      "PROC_NET_NETLINK", "PROC_NET_DCCP",     "PROC_NET_SCTP",      "PROC_NET_MPTCP",
      "PROC_NET_SNMP",    "PROC_NET_SOCKSTAT", "PROC_NET_SOCKSTAT6", "PROC_IP_LOCAL_PORT_RANGE"};
  for (const char* v : kVars)
    if (const char* p = std::getenv(v)) e.overrides.emplace(v, p);
  return e;
}

bool kernel_bytecode_from_environment() { return std::getenv("SW_NO_BYTECODE") == nullptr; }

}  // namespace sw
