// Environment variables ss honours, read once here (libraries never read the
// environment): PROC_ROOT, PROC_NET_* overrides, TCPDIAG_FILE.
#pragma once

#include <cstdint>
#include <string>

#include "core/files.hpp"  // kMaxProcTableBytes, kMaxSmallFileBytes

namespace sw {

struct SsEnv {
  std::string proc_root = "/proc";
  bool proc_root_set = false;
  std::string tcpdiag_file;
  // Path of a /proc file, honouring its override variable (ss's generic_proc_open).
  std::string proc_path(const char* env_name, const char* rel) const;
  // True when ss would skip netlink for a table because of an override.
  bool forces_proc(const char* env_name) const;
  // The first variable that makes some table come from a file instead of the
  // kernel (TCPDIAG_FILE, PROC_ROOT, PROC_NET_TCP...), or nullptr.
  const char* overridden_source() const;
  static SsEnv from_environment();
};

// Reads a whole /proc file (or the file an override names), at most
// `max_bytes`; false with errno set when it cannot be read, `why` then says
// why, naming the file (a directory, a read error, the bound passed).
bool read_text_file(const std::string& path, std::string& out, uint64_t max_bytes,
                    std::string* why = nullptr);

}  // namespace sw
