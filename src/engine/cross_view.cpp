#include "engine/cross_view.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "core/files.hpp"
#include "procfs/pid_sockets.hpp"
#include "procfs/proc_net.hpp"
#include "procfs/process_fds.hpp"

namespace sw {

namespace {

constexpr uint64_t kMaxProcNetBytes = uint64_t{1} << 30;

bool inet_table(Table t) { return t == Table::Tcp || t == Table::Udp || t == Table::Raw; }

InodeSet inet_inodes(const std::vector<SocketRecord>& recs) {
  InodeSet out;
  for (const auto& r : recs)
    if (r.inode && inet_table(r.table)) out.insert(r.inode);
  return out;
}

std::vector<uint64_t> sorted(std::vector<uint64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// What a socket fd of another process really is, through a duplicate of it.
struct FdClass {
  enum class Kind { Listed, Unbound, Closed, OtherFamily, OtherNamespace, Unknown };
  Kind kind = Kind::Unknown;
  uint64_t netns = 0;
  std::string why;  // for Unknown
};

long sys_pidfd_open(pid_t pid) { return ::syscall(SYS_pidfd_open, pid, 0); }
long sys_pidfd_getfd(int pidfd, int fd) { return ::syscall(SYS_pidfd_getfd, pidfd, fd, 0); }

FdClass classify_socket_fd(int32_t pid, int32_t fd) {
  FdClass c;
  int pidfd = static_cast<int>(sys_pidfd_open(pid));
  if (pidfd < 0) {
    c.why = fmt::format("pidfd_open({}): {}", pid, std::strerror(errno));
    return c;
  }
  int s = static_cast<int>(sys_pidfd_getfd(pidfd, fd));
  int err = errno;
  ::close(pidfd);
  if (s < 0) {
    c.why = fmt::format("pidfd_getfd({}, {}): {}", pid, fd, std::strerror(err));
    return c;
  }
  int domain = 0, type = 0, proto = 0;
  socklen_t len = sizeof(int);
  ::getsockopt(s, SOL_SOCKET, SO_DOMAIN, &domain, &len);
  len = sizeof(int);
  ::getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &len);
  len = sizeof(int);
  ::getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
  int nsfd = ::ioctl(s, SIOCGSKNS);
  if (nsfd >= 0) {
    struct stat st {};
    if (::fstat(nsfd, &st) == 0) c.netns = st.st_ino;
    ::close(nsfd);
  }
  bool inet = domain == AF_INET || domain == AF_INET6;
  bool tcp = inet && type == SOCK_STREAM && proto == IPPROTO_TCP;
  bool udp = inet && type == SOCK_DGRAM && proto == IPPROTO_UDP;
  bool raw = inet && type == SOCK_RAW;
  c.kind = FdClass::Kind::Listed;
  if (!(tcp || udp || raw || domain == AF_UNIX || domain == AF_NETLINK || domain == AF_PACKET)) {
    c.kind = FdClass::Kind::OtherFamily;  // SCTP, ICMP ping, vsock, AF_ALG...: no view here
  } else if (tcp) {
    // A TCP socket before bind/connect, or closed, is in no hash table.
    tcp_info ti{};
    len = sizeof ti;
    if (::getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_state == kClose) {
      sockaddr_storage ss{};
      socklen_t sl = sizeof ss;
      ::getsockname(s, reinterpret_cast<sockaddr*>(&ss), &sl);
      uint16_t port = ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                               : reinterpret_cast<sockaddr_in*>(&ss)->sin_port;
      c.kind = port ? FdClass::Kind::Closed : FdClass::Kind::Unbound;
    }
  } else if (udp || domain == AF_NETLINK) {
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    if (::getsockname(s, reinterpret_cast<sockaddr*>(&ss), &sl) == 0) {
      bool bound = true;
      if (domain == AF_NETLINK)
        bound = sl >= sizeof(sockaddr_nl) && reinterpret_cast<sockaddr_nl*>(&ss)->nl_pid != 0;
      else if (ss.ss_family == AF_INET6)
        bound = reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port != 0;
      else
        bound = reinterpret_cast<sockaddr_in*>(&ss)->sin_port != 0;
      if (!bound) c.kind = FdClass::Kind::Unbound;
    }
  }
  ::close(s);
  return c;
}

// Is fd `fd` of `pid` still socket `inode`? (A second look at the link.)
bool still_holds(const std::string& proc_root, int32_t pid, int32_t fd, uint64_t inode) {
  char buf[64];
  std::string path = fmt::format("{}/{}/fd/{}", proc_root, pid, fd);
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return false;
  return std::string_view(buf, static_cast<size_t>(n)) == fmt::format("socket:[{}]", inode);
}

// Every socket inode some process holds now (the second look for kernel_owned).
InodeSet held_now(const std::string& proc_root, bool& complete) {
  InodeSet out;
  complete = true;
  int proc_fd = ::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd < 0) {
    complete = false;
    return out;
  }
  for (int32_t pid : list_pids(proc_fd)) {
    int dir = ::openat(proc_fd, std::to_string(pid).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) continue;
    ProcessFds fds = read_process_fds(dir);
    ::close(dir);
    if (fds.status == PidScanStatus::Denied) complete = false;
    for (const auto& f : fds.sockets) out.insert(f.inode);
  }
  ::close(proc_fd);
  return out;
}

}  // namespace

Expected<InodeSet> proc_net_inet_inodes(const std::string& proc_net_dir) {
  InodeSet out;
  struct File {
    const char* name;
    Table table;
    int family;
  };
  static const File kFiles[] = {{"tcp", Table::Tcp, AF_INET}, {"tcp6", Table::Tcp, AF_INET6},
                                {"udp", Table::Udp, AF_INET}, {"udp6", Table::Udp, AF_INET6},
                                {"raw", Table::Raw, AF_INET}, {"raw6", Table::Raw, AF_INET6}};
  for (const auto& f : kFiles) {
    std::string path = proc_net_dir + "/" + f.name;
    std::string text, why;
    if (!read_text_file(path, text, kMaxProcNetBytes, &why)) {
      // No IPv6 in this kernel: nothing to compare. Every kernel with IPv4
      // has the v4 tables, so their absence means a /proc that is not ours.
      if (errno == ENOENT && f.family == AF_INET6) continue;
      return Error{why, errno};
    }
    auto recs = parse_proc_inet(text, path, f.table, f.family);
    if (!recs) return recs.error();
    for (const auto& r : *recs)
      if (r.inode) out.insert(r.inode);
  }
  return out;
}

void compare_inet_views(NamespaceEvidence& ns, const std::string& proc_net_dir,
                        const std::function<Expected<InodeSet>()>& redump) {
  CrossView& cv = ns.cross_view;
  auto proc1 = proc_net_inet_inodes(proc_net_dir);
  if (!proc1) {
    cv.not_done_why = "/proc/net: " + proc1.error().message;
    return;
  }
  InodeSet diag1 = inet_inodes(ns.sockets);
  std::vector<uint64_t> d_only, p_only;
  for (auto i : diag1)
    if (!proc1->count(i)) d_only.push_back(i);
  for (auto i : *proc1)
    if (!diag1.count(i)) p_only.push_back(i);
  if (!d_only.empty() || !p_only.empty()) {
    // The second look: what differed because a socket came or went between
    // the two reads is gone (or in both) now; what is hidden stays hidden.
    auto diag2 = redump();
    auto proc2 = proc_net_inet_inodes(proc_net_dir);
    if (!diag2 || !proc2) {
      cv.not_done_why = "second look: " + (!diag2 ? diag2.error().message : proc2.error().message);
      return;
    }
    for (auto i : d_only)
      if (diag2->count(i) && !proc2->count(i)) cv.diag_only.push_back(i);
    for (auto i : p_only)
      if (proc2->count(i) && !diag2->count(i)) cv.proc_net_only.push_back(i);
  }
  cv.diag_only = sorted(std::move(cv.diag_only));
  cv.proc_net_only = sorted(std::move(cv.proc_net_only));
  cv.done = true;
  cv.not_done_why.clear();
}

void compare_holders(Evidence& ev, const std::string& proc_root) {
  std::map<uint64_t, NamespaceEvidence*> by_netns;
  InodeSet listed;
  for (auto& ns : ev.namespaces) {
    by_netns[ns.inode] = &ns;
    for (const auto& r : ns.sockets)
      if (r.inode) listed.insert(r.inode);
    for (auto i : ns.cross_view.proc_net_only) listed.insert(i);
  }

  // fd_only: held, yet in no table of any namespace we looked at.
  uint64_t unbound = 0, closed = 0, other_family = 0, other_ns = 0, unknown = 0;
  std::string first_unknown;
  for (const auto& p : ev.processes) {
    // A process of a namespace that was not looked at (--this-netns, or not
    // entered) holds that namespace's sockets: counted, not duplicated one by
    // one (a busy container has 100,000). A socket passed across namespaces
    // is the rare case this leaves to the full look.
    bool foreign = p.netns && !by_netns.count(p.netns);
    for (const auto& f : p.sockets) {
      if (listed.count(f.inode)) continue;
      if (foreign) {
        other_ns++;
        continue;
      }
      if (!still_holds(proc_root, p.pid, f.fd, f.inode)) continue;  // closed since: churn
      FdClass c = classify_socket_fd(p.pid, f.fd);
      switch (c.kind) {
        case FdClass::Kind::Unbound:
          unbound++;
          continue;
        case FdClass::Kind::Closed:
          closed++;
          continue;
        case FdClass::Kind::OtherFamily:
          other_family++;
          continue;
        case FdClass::Kind::Unknown:
          if (!unknown++) first_unknown = c.why;
          continue;
        case FdClass::Kind::Listed:
        case FdClass::Kind::OtherNamespace:
          break;
      }
      auto it = by_netns.find(c.netns);
      if (it == by_netns.end()) {
        other_ns++;
        continue;
      }
      it->second->cross_view.fd_only.push_back({p.pid, f.fd, f.inode});
    }
  }
  auto& notes = ev.visibility.notes;
  if (unbound || closed || other_family)
    notes.push_back(fmt::format(
        "cross-view: {} socket fds are in no table by design ({} not bound yet, {} closed TCP, "
        "{} of families no view lists): not counted as hidden",
        unbound + closed + other_family, unbound, closed, other_family));
  if (other_ns)
    notes.push_back(fmt::format(
        "cross-view: {} socket fds belong to namespaces that were not looked at", other_ns));
  if (unknown)
    notes.push_back(fmt::format("cross-view: {} socket fds could not be classified ({})", unknown,
                                first_unknown));

  // kernel_owned: listed, with an inode, and held by nobody. Only a complete
  // look at the fd tables can say "nobody" for sure; with some unreadable
  // (a hardened pid 1) the list stands with that caveat in the notes.
  InodeSet held;
  for (const auto& p : ev.processes)
    for (const auto& f : p.sockets) held.insert(f.inode);
  std::vector<std::pair<NamespaceEvidence*, uint64_t>> candidates;
  for (auto& ns : ev.namespaces)
    for (const auto& r : ns.sockets) {
      bool kind =
          inet_table(r.table) || r.table == Table::PacketRaw || r.table == Table::PacketDgram;
      if (kind && r.inode && r.state != kTimeWait && !held.count(r.inode))
        candidates.emplace_back(&ns, r.inode);
    }
  if (candidates.empty()) return;
  bool complete = true;
  InodeSet again = held_now(proc_root, complete);  // a socket opened after the first pass
  uint64_t found = 0;
  for (auto [ns, inode] : candidates)
    if (!again.count(inode)) {
      ns->cross_view.kernel_owned.push_back(inode);
      found++;
    }
  if (found && (!complete || ev.visibility.fd_dirs_denied))
    notes.push_back(
        fmt::format("kernel-owned: {} sockets held by no readable process; the processes whose fds "
                    "could not be read may hold some of them",
                    found));
  for (auto& ns : ev.namespaces) {
    auto& k = ns.cross_view.kernel_owned;
    std::sort(k.begin(), k.end());
    k.erase(std::unique(k.begin(), k.end()), k.end());
  }
}

}  // namespace sw
