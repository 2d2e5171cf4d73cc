#include "engine/source_paths.hpp"

namespace sw {

const char* const kTableOverrideVars[9] = {"PROC_NET_TCP",  "PROC_NET_TCP6",   "PROC_NET_UDP",
                                           "PROC_NET_UDP6", "PROC_NET_RAW",    "PROC_NET_RAW6",
                                           "PROC_NET_UNIX", "PROC_NET_PACKET", "PROC_NET_NETLINK"};

std::string SourcePaths::proc_path(const char* var, const char* rel) const {
  if (auto it = overrides.find(var); it != overrides.end()) return it->second;
  return proc_root + "/" + rel;
}

bool SourcePaths::forces_proc(const char* var) const {
  return proc_root_set || overrides.count(var) != 0;
}

const char* SourcePaths::overridden_source() const {
  if (!tcpdiag_file.empty()) return "TCPDIAG_FILE";
  if (proc_root_set) return "PROC_ROOT";
  for (const char* v : kTableOverrideVars)
    if (overrides.count(v)) return v;
  return nullptr;
}

}  // namespace sw
