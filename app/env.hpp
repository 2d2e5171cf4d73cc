// Environment variables ss honours, read once here (libraries never read the
// environment): PROC_ROOT, PROC_NET_* overrides, TCPDIAG_FILE.
#pragma once

#include <string>

namespace sw {

struct SsEnv {
  std::string proc_root = "/proc";
  bool proc_root_set = false;
  std::string tcpdiag_file;
  // Path of a /proc file, honouring its override variable (ss's generic_proc_open).
  std::string proc_path(const char* env_name, const char* rel) const;
  // True when ss would skip netlink for a table because of an override.
  bool forces_proc(const char* env_name) const;
  static SsEnv from_environment();
};

// Reads a whole (small, /proc) file; false when it cannot be opened.
bool read_text_file(const std::string& path, std::string& out);

}  // namespace sw
