#include "engine/namespace_walk.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "enrich/container.hpp"
#include "procfs/process_info.hpp"

namespace sw {

NamespaceWalk::NamespaceWalk(std::string proc_root, std::string run_netns_dir)
    : proc_root_(std::move(proc_root)),
      run_netns_dir_(std::move(run_netns_dir)),
      self_(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) {
  build();
}

void NamespaceWalk::refresh() { build(); }

void NamespaceWalk::build() {
  list_ = NetnsList::scan(proc_root_, run_netns_dir_);
  labels_.clear();
  bool saw_self = false;
  for (const NetnsEntry& e : list_.entries()) {
    NetnsLabel label;
    label.inode = e.inode;
    label.name = e.name;
    label.is_self = e.is_self;
    if (e.pid > 0) label.container = classify_cgroup(read_cgroup_path(proc_root_, e.pid));
    saw_self = saw_self || e.is_self;
    labels_.push_back(std::move(label));
  }
  if (!saw_self) {
    // /proc did not show our own namespace (a PROC_ROOT tree): dump it anyway.
    NetnsLabel label;
    label.is_self = true;
    struct stat st {};
    if (self_ >= 0 && fstat(self_, &st) == 0) label.inode = st.st_ino;
    labels_.insert(labels_.begin(), std::move(label));
  }
}

NamespaceWalk::~NamespaceWalk() {
  if (self_ >= 0) ::close(self_);
}

int NamespaceWalk::visit(const std::function<void(const NetnsLabel&)>& each) {
  const auto& entries = list_.entries();
  // With the synthetic "self" label in front, labels_ is one longer.
  size_t offset = labels_.size() - entries.size();
  skipped_ = 0;
  for (size_t i = 0; i < labels_.size(); ++i) {
    const NetnsLabel& label = labels_[i];
    if (label.is_self) {
      each(label);
      continue;
    }
    const NetnsEntry& e = entries[i - offset];
    // Opened only now and closed once entered: one fd at a time however many
    // namespaces the host has (holding them all failed past the fd limit).
    int open_error = 0;
    int fd = self_ < 0 ? -1 : list_.open(e, open_error);
    if (fd < 0) {
      if (open_error == ENOENT) continue;  // gone since it was listed: nothing to show
      ++skipped_;
      skip_errno_ = self_ < 0 ? EBADF : open_error;
      continue;
    }
    int rc = setns(fd, CLONE_NEWNET);
    int setns_errno = errno;
    ::close(fd);
    if (rc != 0) {
      ++skipped_;
      skip_errno_ = setns_errno;
      continue;
    }
    each(label);
    if (setns(self_, CLONE_NEWNET) != 0) {
      fatal_ = std::string(
                   "sockwatch: --all-netns: cannot return to the original network "
                   "namespace: ") +
               std::strerror(errno);
      return 1;
    }
  }
  return 0;
}

std::optional<std::string> NamespaceWalk::report() {
  const auto& st = list_.stats();
  if (reported_ || (!skipped_ && !st.unreadable)) return std::nullopt;
  reported_ = true;
  std::string msg = "sockwatch: --all-netns: ";
  if (skipped_)
    msg += std::to_string(skipped_) + " of " + std::to_string(list_.entries().size()) +
           " namespaces not shown (cannot enter: " + std::strerror(skip_errno_) +
           "; needs CAP_SYS_ADMIN)";
  if (skipped_ && st.unreadable) msg += "; ";
  if (st.unreadable)
    msg += "the namespaces of " + std::to_string(st.unreadable) +
           " processes are unknown (reading their /proc/PID/ns/net: permission denied)";
  return msg;
}

}  // namespace sw
