#include "procfs/host_info.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>

#include "core/files.hpp"

namespace sw {

namespace {

std::string trimmed(const std::string& path) {
  auto r = read_file_bounded(path, 4096);
  if (!r) return {};
  std::string s = std::move(*r);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

HostInfo read_host_info(const std::string& proc_root, const std::string& machine_id_path) {
  HostInfo h;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) h.hostname = name;
  h.boot_id = trimmed(proc_root + "/sys/kernel/random/boot_id");
  h.machine_id = trimmed(machine_id_path);
  utsname u{};
  if (uname(&u) == 0) h.os_kernel = u.release;
  unsigned lo = 0, hi = 0;
  std::string range = trimmed(proc_root + "/sys/net/ipv4/ip_local_port_range");
  if (std::sscanf(range.c_str(), "%u %u", &lo, &hi) == 2 && lo > 0 && lo <= hi && hi <= 65535) {
    h.ephemeral_low = static_cast<uint16_t>(lo);
    h.ephemeral_high = static_cast<uint16_t>(hi);
  }
  return h;
}

}  // namespace sw
