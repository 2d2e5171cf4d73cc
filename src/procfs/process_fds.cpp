#include "procfs/process_fds.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <string>

namespace sw {

namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

bool bracketed(std::string_view link, std::string_view prefix, uint64_t& ino) {
  if (link.size() < prefix.size() + 2 || link.substr(0, prefix.size()) != prefix ||
      link.back() != ']')
    return false;
  auto digits = link.substr(prefix.size(), link.size() - prefix.size() - 1);
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), ino);
  return r.ec == std::errc() && r.ptr == digits.data() + digits.size();
}

bool is_tty_path(std::string_view p) {
  auto starts = [&](std::string_view s) { return p.substr(0, s.size()) == s; };
  return starts("/dev/pts/") || starts("/dev/tty") || p == "/dev/console" || p == "/dev/ptmx";
}

}  // namespace

FdRef classify_fd_link(int32_t fd, std::string_view link) {
  FdRef r;
  r.fd = fd;
  if (bracketed(link, "socket:[", r.inode)) {
    r.kind = FdRef::Kind::Socket;
    return r;
  }
  if (bracketed(link, "pipe:[", r.inode)) {
    r.kind = FdRef::Kind::Pipe;
    return r;
  }
  r.inode = 0;
  r.path = std::string(link);
  if (link.substr(0, 11) == "anon_inode:")
    r.kind = FdRef::Kind::Anon;
  else if (is_tty_path(link))
    r.kind = FdRef::Kind::Tty;
  else if (!link.empty() && link[0] == '/')
    r.kind = FdRef::Kind::File;
  else
    r.kind = FdRef::Kind::Other;
  return r;
}

ProcessFds read_process_fds(int pid_dirfd) {
  ProcessFds out;
  int dfd = openat(pid_dirfd, "fd", kDirFlags);
  if (dfd < 0) {
    out.status =
        errno == EACCES || errno == EPERM ? PidScanStatus::Denied : PidScanStatus::Vanished;
    return out;
  }
  DIR* d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    out.status = PidScanStatus::Vanished;
    return out;
  }
  // Link texts are paths: PATH_MAX plus the " (deleted)" the kernel may add.
  std::string link(4096 + 16, '\0');
  while (dirent* e = readdir(d)) {
    int32_t fd;
    if (!parse_proc_number(e->d_name, fd)) continue;
    ssize_t n = readlinkat(dirfd(d), e->d_name, link.data(), link.size());
    if (n <= 0) {
      if (n < 0 && (errno == EACCES || errno == EPERM)) {
        out.status = PidScanStatus::Denied;
        break;
      }
      continue;  // closed while we looked
    }
    FdRef ref = classify_fd_link(fd, std::string_view(link.data(), static_cast<size_t>(n)));
    if (ref.kind == FdRef::Kind::File || ref.kind == FdRef::Kind::Pipe) {
      // A FIFO's link is its path; following the fd's magic link stats the
      // open file itself (even when the path was renamed or removed).
      struct stat st {};
      if (fstatat(dirfd(d), e->d_name, &st, 0) == 0 && S_ISFIFO(st.st_mode)) {
        if (ref.kind == FdRef::Kind::File) ref.kind = FdRef::Kind::Fifo;
        if (ref.kind == FdRef::Kind::Fifo) ref.inode = st.st_ino;
        ref.dev = st.st_dev;
      }
    }
    if (fd >= 0 && fd <= 2) out.stdio[static_cast<size_t>(fd)] = ref;
    if (ref.kind == FdRef::Kind::Socket)
      out.sockets.push_back(std::move(ref));
    else if (ref.kind == FdRef::Kind::Pipe || ref.kind == FdRef::Kind::Fifo)
      out.pipes.push_back(std::move(ref));
  }
  closedir(d);
  auto by_fd = [](const FdRef& a, const FdRef& b) { return a.fd < b.fd; };
  std::sort(out.sockets.begin(), out.sockets.end(), by_fd);
  std::sort(out.pipes.begin(), out.pipes.end(), by_fd);
  return out;
}

PidScanStatus read_process_evidence(int proc_fd, int32_t pid, ProcessEvidence& out,
                                    ProcessDetails* details) {
  out = ProcessEvidence{};
  out.pid = pid;
  std::string name = std::to_string(pid);
  // Bound to this process instance: a reused pid fails the reads instead of
  // describing the newcomer.
  int pdir = openat(proc_fd, name.c_str(), kDirFlags);
  if (pdir < 0) return PidScanStatus::Vanished;
  ProcessDetails local;
  ProcessDetails& d = details ? *details : local;
  d = ProcessDetails{};
  out.comm = read_comm(pdir);
  if (!read_process_details(pdir, d)) {
    close(pdir);
    return PidScanStatus::Vanished;
  }
  out.ppid = d.ppid.value_or(0);
  out.exe = d.exe.value_or("");
  out.exe_deleted = d.exe_deleted;
  if (d.cmdline) {
    out.cmdline = *d.cmdline;
    std::replace(out.cmdline.begin(), out.cmdline.end(), '\0', ' ');
  }
  out.uid = d.uid;
  out.euid = d.euid;
  out.start_ticks = d.start_ticks.value_or(0);
  out.cgroup = d.cgroup.value_or("");
  struct stat st {};
  if (fstatat(pdir, "ns/net", &st, 0) == 0) out.netns = st.st_ino;
  ProcessFds fds = read_process_fds(pdir);
  close(pdir);
  if (fds.status == PidScanStatus::Vanished) return PidScanStatus::Vanished;
  out.stdio = std::move(fds.stdio);
  out.sockets = std::move(fds.sockets);
  out.pipes = std::move(fds.pipes);
  out.fds_denied = fds.status == PidScanStatus::Denied;
  return fds.status;
}

}  // namespace sw
