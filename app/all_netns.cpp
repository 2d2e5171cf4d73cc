#include "all_netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "enrich/container.hpp"
#include "procfs/netns_list.hpp"
#include "procfs/process_info.hpp"

namespace sw {

int for_each_netns(const SsEnv& env, const std::function<void(const NetnsLabel&)>& each,
                   bool report) {
  NetnsList list = NetnsList::scan(env.proc_root, "/run/netns");
  int self = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  uint64_t skipped = 0;
  int skip_errno = 0;
  bool saw_self = false;
  for (const NetnsEntry& e : list.entries()) {
    NetnsLabel label;
    label.inode = e.inode;
    label.name = e.name;
    label.is_self = e.is_self;
    if (e.pid > 0) label.container = classify_cgroup(read_cgroup_path(env.proc_root, e.pid));
    if (e.is_self) {
      saw_self = true;
      each(label);
      continue;
    }
    if (e.fd < 0 || self < 0 || setns(e.fd, CLONE_NEWNET) != 0) {
      ++skipped;
      skip_errno = e.fd < 0 ? e.error : self < 0 ? EBADF : errno;
      continue;
    }
    each(label);
    if (setns(self, CLONE_NEWNET) != 0) {
      std::fprintf(stderr,
                   "sockwatch: --all-netns: cannot return to the original network namespace: "
                   "%s\n",
                   std::strerror(errno));
      ::close(self);
      return 1;
    }
  }
  if (!saw_self) {
    // /proc did not show our own namespace (a PROC_ROOT tree): dump it anyway.
    NetnsLabel label;
    label.is_self = true;
    struct stat st {};
    if (self >= 0 && fstat(self, &st) == 0) label.inode = st.st_ino;
    each(label);
  }
  if (self >= 0) ::close(self);
  const auto& st = list.stats();
  if (report && (skipped || st.unreadable)) {
    std::string msg = "sockwatch: --all-netns: ";
    if (skipped)
      msg += std::to_string(skipped) + " of " + std::to_string(list.entries().size()) +
             " namespaces not shown (cannot enter: " + std::strerror(skip_errno) +
             "; needs CAP_SYS_ADMIN)";
    if (skipped && st.unreadable) msg += "; ";
    if (st.unreadable)
      msg += "the namespaces of " + std::to_string(st.unreadable) +
             " processes are unknown (reading their /proc/PID/ns/net: permission denied)";
    std::fprintf(stderr, "%s\n", msg.c_str());
  }
  return 0;
}

}  // namespace sw
