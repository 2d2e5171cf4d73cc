// ensure_tracefs(): the classic tracepoint attach reads the event id from
// tracefs, which this kind of machine does not mount by default. Independent of
// libbpf, so the no-eBPF stub build has it too.
#include <sys/mount.h>
#include <sys/statfs.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "ebpf/state_source.hpp"

namespace sw {
namespace {
constexpr long kTracefsMagic = 0x74726163;  // TRACEFS_MAGIC, linux/magic.h

// statfs() also triggers debugfs's automount of tracing/, so a tracefs that
// only lives under /sys/kernel/debug is found as well.
bool is_tracefs(const char* path) {
  struct statfs st {};
  return statfs(path, &st) == 0 && static_cast<long>(st.f_type) == kTracefsMagic;
}
}  // namespace

Expected<bool> ensure_tracefs() {
  if (is_tracefs("/sys/kernel/tracing") || is_tracefs("/sys/kernel/debug/tracing")) return false;
  if (mount("nodev", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) !=
      0) {
    int e = errno;
    return Error{"mount tracefs on /sys/kernel/tracing: " + std::string(std::strerror(e)), e};
  }
  return true;
}

}  // namespace sw
