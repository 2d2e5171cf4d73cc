#include "procfs/pid_sockets.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

namespace sw {

namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

}  // namespace

bool parse_proc_number(const char* name, int32_t& v) {
  const char* end = name + std::strlen(name);
  auto r = std::from_chars(name, end, v);
  return r.ec == std::errc() && r.ptr == end && r.ptr != name && v >= 0;
}

bool parse_socket_link(std::string_view link, uint64_t& ino) {
  constexpr std::string_view kPrefix = "socket:[";
  if (link.size() < kPrefix.size() + 2 || link.substr(0, kPrefix.size()) != kPrefix ||
      link.back() != ']')
    return false;
  auto digits = link.substr(kPrefix.size(), link.size() - kPrefix.size() - 1);
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), ino);
  return r.ec == std::errc() && r.ptr == digits.data() + digits.size();
}

std::vector<int32_t> list_pids(int proc_fd) {
  std::vector<int32_t> out;
  int dfd = openat(proc_fd, ".", kDirFlags);
  if (dfd < 0) return out;
  DIR* d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    return out;
  }
  while (dirent* e = readdir(d)) {
    int32_t v;
    if (parse_proc_number(e->d_name, v)) out.push_back(v);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

PidSockets scan_pid_sockets(int proc_fd, int32_t pid, bool details) {
  PidSockets out;
  char path[32];
  auto r = std::to_chars(path, path + sizeof path - 1, pid);
  *r.ptr = '\0';
  // The pid dir fd is bound to this process instance: a pid reused while we
  // read makes the reads fail instead of describing the newcomer.
  int pdir = openat(proc_fd, path, kDirFlags);
  if (pdir < 0) {
    out.status =
        errno == EACCES || errno == EPERM ? PidScanStatus::Denied : PidScanStatus::Vanished;
    return out;
  }
  int dfd = openat(pdir, "fd", kDirFlags);
  if (dfd < 0) {
    out.status =
        errno == EACCES || errno == EPERM ? PidScanStatus::Denied : PidScanStatus::Vanished;
    close(pdir);
    return out;
  }
  DIR* d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    close(pdir);
    out.status = PidScanStatus::Vanished;
    return out;
  }
  char link[64];
  while (dirent* e = readdir(d)) {
    int32_t fd;
    if (!parse_proc_number(e->d_name, fd)) continue;
    ++out.fds;
    ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof link);
    if (n <= 0) {
      if (n < 0 && (errno == EACCES || errno == EPERM)) {
        out.status = PidScanStatus::Denied;
        break;
      }
      continue;  // closed while we looked
    }
    uint64_t ino;
    if (parse_socket_link(std::string_view(link, static_cast<size_t>(n)), ino))
      out.inodes.push_back(ino);
  }
  closedir(d);
  if (details && !out.inodes.empty()) {
    out.comm = read_comm(pdir);
    if (!read_process_details(pdir, out.details) && out.status == PidScanStatus::Ok)
      out.status = PidScanStatus::Vanished;
  }
  close(pdir);
  return out;
}

int64_t pid_fd_count(int proc_fd, int32_t pid) {
  char path[48];
  auto r = std::to_chars(path, path + sizeof path - 4, pid);
  std::memcpy(r.ptr, "/fd", 4);
  struct stat st {};
  if (fstatat(proc_fd, path, &st, 0) != 0) return -1;
  return static_cast<int64_t>(st.st_size);
}

bool read_pid_facts(int proc_fd, int32_t pid, std::string& comm, ProcessDetails& details) {
  char path[32];
  auto r = std::to_chars(path, path + sizeof path - 1, pid);
  *r.ptr = '\0';
  int pdir = openat(proc_fd, path, kDirFlags);
  if (pdir < 0) return false;
  comm = read_comm(pdir);
  bool ok = read_process_details(pdir, details);
  close(pdir);
  return ok;
}

std::string read_comm(int pdir) {
  int fd = openat(pdir, "stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buf[512];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n <= 0) return {};
  std::string_view s(buf, static_cast<size_t>(n));
  auto open = s.find('('), close_p = s.rfind(')');
  if (open == std::string_view::npos || close_p == std::string_view::npos || close_p < open)
    return {};
  return std::string(s.substr(open + 1, close_p - open - 1));
}

}  // namespace sw
