#include "env.hpp"

#include <cerrno>
#include <cstdlib>

#include "core/files.hpp"

namespace sw {

SsEnv SsEnv::from_environment() {
  SsEnv e;
  if (const char* p = std::getenv("PROC_ROOT")) {
    e.proc_root = p;
    e.proc_root_set = true;
  }
  if (const char* t = std::getenv("TCPDIAG_FILE")) e.tcpdiag_file = t;
  return e;
}

std::string SsEnv::proc_path(const char* env_name, const char* rel) const {
  if (const char* p = std::getenv(env_name)) return p;
  return proc_root + "/" + rel;
}

bool SsEnv::forces_proc(const char* env_name) const {
  return proc_root_set || std::getenv(env_name) != nullptr;
}

const char* SsEnv::overridden_source() const {
  if (!tcpdiag_file.empty()) return "TCPDIAG_FILE";
  if (proc_root_set) return "PROC_ROOT";
  static const char* const kVars[] = {"PROC_NET_TCP",  "PROC_NET_TCP6",   "PROC_NET_UDP",
                                      "PROC_NET_UDP6", "PROC_NET_RAW",    "PROC_NET_RAW6",
                                      "PROC_NET_UNIX", "PROC_NET_PACKET", "PROC_NET_NETLINK"};
  for (const char* v : kVars)
    if (std::getenv(v)) return v;
  return nullptr;
}

bool read_text_file(const std::string& path, std::string& out, uint64_t max_bytes,
                    std::string* why) {
  auto r = read_file_bounded(path, max_bytes);
  if (!r) {
    if (why) *why = r.error().message;
    errno = r.error().code;
    return false;
  }
  out = std::move(*r);
  return true;
}

}  // namespace sw
