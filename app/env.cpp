#include "env.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

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

bool read_text_file(const std::string& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace sw
