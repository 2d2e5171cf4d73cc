// SourcePaths: where a collection reads what does not come from netlink —
// the /proc root, and the files ss lets its environment substitute for
// kernel tables (PROC_NET_TCP, TCPDIAG_FILE...). Plain data: the app fills it
// from the environment (libraries never read it).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace sw {

struct SourcePaths {
  std::string proc_root = "/proc";
  bool proc_root_set = false;  // PROC_ROOT was given: every table comes from files
  std::string tcpdiag_file;    // TCPDIAG_FILE
  // Override variable name (PROC_NET_TCP, PROC_IP_LOCAL_PORT_RANGE...) -> path.
  std::map<std::string, std::string, std::less<>> overrides;

  // Path of a /proc file, honouring its override variable (ss's generic_proc_open).
  std::string proc_path(const char* var, const char* rel) const;
  // True when ss would skip netlink for a table because of an override.
  bool forces_proc(const char* var) const;
  // The first setting that makes some table come from a file instead of the
  // kernel (TCPDIAG_FILE, PROC_ROOT, PROC_NET_TCP...), or nullptr.
  const char* overridden_source() const;
};

// The override variables that replace a socket table (for overridden_source).
extern const char* const kTableOverrideVars[9];

}  // namespace sw
