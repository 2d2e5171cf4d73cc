#include "procfs/netns_list.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>

namespace sw {

uint64_t parse_netns_link(std::string_view link) {
  constexpr std::string_view kPrefix = "net:[";
  if (link.size() < kPrefix.size() + 2 || link.substr(0, kPrefix.size()) != kPrefix ||
      link.back() != ']')
    return 0;
  auto digits = link.substr(kPrefix.size(), link.size() - kPrefix.size() - 1);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  return ec == std::errc() && p == digits.data() + digits.size() ? v : 0;
}

namespace {

uint64_t link_inode(int dirfd, const char* path) {
  char buf[64];
  ssize_t n = readlinkat(dirfd, path, buf, sizeof buf);
  if (n <= 0) return 0;
  return parse_netns_link(std::string_view(buf, static_cast<size_t>(n)));
}

}  // namespace

int NetnsList::open(const NetnsEntry& e, int& error) const {
  error = ENOENT;
  auto try_path = [&](const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      // Keep the most telling reason: EACCES beats "that pid exited".
      if (error == ENOENT) error = errno;
      return -1;
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || st.st_ino != e.inode) {
      close(fd);  // a pid reused by a process in another namespace
      return -1;
    }
    return fd;
  };
  if (!e.name.empty())
    if (int fd = try_path(run_netns_dir_ + "/" + e.name); fd >= 0) return fd;
  for (int32_t pid : e.pids)
    if (int fd = try_path(proc_root_ + "/" + std::to_string(pid) + "/ns/net"); fd >= 0) return fd;
  return -1;
}

NetnsList NetnsList::scan(const std::string& proc_root, const std::string& run_netns_dir) {
  NetnsList list;
  list.proc_root_ = proc_root;
  list.run_netns_dir_ = run_netns_dir;
  std::map<uint64_t, NetnsEntry> by_inode;
  int proc = ::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  uint64_t self = proc >= 0 ? link_inode(proc, "self/ns/net") : 0;
  if (proc >= 0) {
    DIR* d = fdopendir(proc);
    std::vector<int32_t> pids;
    while (d && (errno = 0, true)) {
      dirent* e = readdir(d);
      if (!e) break;
      int32_t pid = 0;
      const char* end = e->d_name + std::strlen(e->d_name);
      auto [p, ec] = std::from_chars(e->d_name, end, pid);
      if (ec == std::errc() && p == end && pid > 0) pids.push_back(pid);
    }
    std::sort(pids.begin(), pids.end());
    list.stats_.processes = pids.size();
    for (int32_t pid : pids) {
      std::string path = std::to_string(pid) + "/ns/net";
      uint64_t ino = link_inode(dirfd(d), path.c_str());
      if (!ino) {
        if (errno == EACCES || errno == EPERM) ++list.stats_.unreadable;
        continue;  // ENOENT: exited, or a kernel without the link
      }
      auto [it, fresh] = by_inode.try_emplace(ino);
      NetnsEntry& ne = it->second;
      if (fresh) {
        ne.inode = ino;
        ne.pid = pid;
        ne.is_self = ino == self;
      }
      // The self namespace is never entered: no need to remember its pids.
      if (!ne.is_self) ne.pids.push_back(pid);
    }
    if (d) closedir(d);
  }
  // Named namespaces: bind mounts of nsfs files, possibly with no process.
  if (DIR* d = opendir(run_netns_dir.c_str())) {
    std::vector<std::string> names;
    while (dirent* e = readdir(d))
      if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
        names.emplace_back(e->d_name);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      int fd = openat(dirfd(d), name.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      // Only an nsfs bind mount is a namespace: the empty file a failed
      // `ip netns add` leaves behind is not.
      struct statfs fs {};
      struct stat st {};
      bool is_ns = fstatfs(fd, &fs) == 0 && fs.f_type == NSFS_MAGIC && fstat(fd, &st) == 0;
      close(fd);  // opened again when entered (open()); one at a time
      if (!is_ns) continue;
      uint64_t ino = st.st_ino;
      auto [it, fresh] = by_inode.try_emplace(ino);
      NetnsEntry& ne = it->second;
      if (fresh) {
        ne.inode = ino;
        ne.is_self = ino == self;
      }
      if (ne.name.empty()) ne.name = name;
    }
    closedir(d);
  }
  for (auto& [ino, e] : by_inode) list.entries_.push_back(std::move(e));
  by_inode.clear();
  std::stable_sort(
      list.entries_.begin(), list.entries_.end(), [](const NetnsEntry& a, const NetnsEntry& b) {
        auto rank = [](const NetnsEntry& e) { return e.is_self ? 0 : e.name.empty() ? 2 : 1; };
        if (rank(a) != rank(b)) return rank(a) < rank(b);
        if (!a.name.empty() || !b.name.empty()) return a.name < b.name;
        return a.inode < b.inode;
      });
  return list;
}

}  // namespace sw
