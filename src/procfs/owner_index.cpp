#include "procfs/owner_index.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "core/escape.hpp"

namespace sw {

namespace {

// Parses a whole decimal d_name; false for ".", "..", "self", "12abc".
bool parse_int(const char* s, int32_t& out) {
  const char* end = s + std::strlen(s);
  auto [p, ec] = std::from_chars(s, end, out);
  return ec == std::errc() && p == end && p != s;
}

// "socket:[12345]" -> 12345.
bool socket_inode(std::string_view link, uint64_t& ino) {
  constexpr std::string_view kPrefix = "socket:[";
  if (link.size() < kPrefix.size() + 2 || link.substr(0, kPrefix.size()) != kPrefix ||
      link.back() != ']')
    return false;
  auto digits = link.substr(kPrefix.size(), link.size() - kPrefix.size() - 1);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ino);
  return ec == std::errc() && p == digits.data() + digits.size();
}

// comm as ss 6.1 reads it: fscanf("%*d (%[^)])"), i.e. up to the first ')'.
std::string read_comm(int dirfd, const char* stat_path) {
  int fd = openat(dirfd, stat_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buf[128];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return {};
  std::string_view s(buf, static_cast<size_t>(n));
  auto open = s.find(" (");
  if (open == std::string_view::npos) return {};
  auto body = s.substr(open + 2);
  auto close_paren = body.find(')');
  return std::string(body.substr(0, close_paren == std::string_view::npos ? body.size() : close_paren));
}

class Scanner {
 public:
  Scanner(int proc_fd, OwnerScanStats& stats) : proc_fd_(proc_fd), stats_(stats) {}

  // Reads every fd of one task directory ("PID" or "PID/task/TID", relative to
  // /proc); calls add(inode, fd) for sockets. The comm is read on the first
  // socket only, as ss does, so processes without sockets cost no stat read.
  template <typename Add>
  void scan_fds(const std::string& task_dir, Add&& add) {
    std::string fd_dir = task_dir + "/fd";
    int dfd = openat(proc_fd_, fd_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
      if (errno == EACCES || errno == EPERM) ++stats_.denied;
      else ++stats_.vanished;
      return;
    }
    DIR* d = fdopendir(dfd);
    if (!d) {
      close(dfd);
      return;
    }
    char link[64];
    while (dirent* e = readdir(d)) {
      int32_t fd;
      if (!parse_int(e->d_name, fd)) continue;
      ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof link);
      if (n <= 0) {
        if (n < 0 && errno == ENOENT) ++stats_.vanished;  // closed while we looked
        continue;
      }
      uint64_t ino;
      if (!socket_inode(std::string_view(link, static_cast<size_t>(n)), ino)) continue;
      add(ino, fd);
    }
    closedir(d);
  }

 private:
  int proc_fd_;
  OwnerScanStats& stats_;
};

}  // namespace

void OwnerIndex::add(uint64_t inode, int32_t pid, int32_t tid, int32_t fd, uint32_t comm) {
  entries_.push_back({inode, pid, tid, fd, comm, kNone});
  ++stats_.sockets;
}

namespace {
size_t slot_of(uint64_t inode, size_t mask) {
  // Inodes are dense small integers: mix them so runs do not cluster.
  return static_cast<size_t>((inode * 0x9E3779B97F4A7C15ull) >> 20) & mask;
}
}  // namespace

void OwnerIndex::build_index() {
  size_t cap = 16;
  while (cap < entries_.size() * 2) cap <<= 1;
  slots_.assign(cap, kNone);
  size_t mask = cap - 1;
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    for (size_t s = slot_of(entries_[i].inode, mask);; s = (s + 1) & mask) {
      uint32_t head = slots_[s];
      if (head == kNone) {
        slots_[s] = i;
        break;
      }
      if (entries_[head].inode == entries_[i].inode) {
        entries_[i].next = head;
        slots_[s] = i;
        break;
      }
    }
  }
}

uint32_t OwnerIndex::find(uint64_t inode) const {
  if (slots_.empty()) return kNone;
  size_t mask = slots_.size() - 1;
  for (size_t s = slot_of(inode, mask);; s = (s + 1) & mask) {
    uint32_t head = slots_[s];
    if (head == kNone || entries_[head].inode == inode) return head;
  }
}

OwnerIndex OwnerIndex::scan(const OwnerScanOptions& opt) {
  OwnerIndex idx;
  idx.threads_ = opt.threads;
  int proc_fd = open(opt.proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd < 0) return idx;
  DIR* proc = fdopendir(proc_fd);
  if (!proc) {
    close(proc_fd);
    return idx;
  }
  Scanner scanner(proc_fd, idx.stats_);
  idx.entries_.reserve(1024);
  while (dirent* e = readdir(proc)) {
    int32_t pid;
    if (!parse_int(e->d_name, pid)) continue;
    ++idx.stats_.processes;
    std::string pid_dir = e->d_name;
    auto scan_task = [&](const std::string& dir, int32_t tid) {
      uint32_t comm = kNone;
      scanner.scan_fds(dir, [&](uint64_t ino, int32_t fd) {
        if (comm == kNone) {
          comm = static_cast<uint32_t>(idx.comms_.size());
          // With -T each task's own name (prctl PR_SET_NAME), as ss shows it.
          idx.comms_.push_back(read_comm(proc_fd, (dir + "/stat").c_str()));
        }
        idx.add(ino, pid, tid, fd, comm);
      });
    };
    if (!opt.threads) {
      scan_task(pid_dir, pid);
      continue;
    }
    // -T: every thread's view of the (usually shared) fd table, as ss does.
    std::string task_dir = pid_dir + "/task";
    int tfd = openat(proc_fd, task_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tfd < 0) {
      ++idx.stats_.vanished;
      continue;
    }
    DIR* tasks = fdopendir(tfd);
    if (!tasks) {
      close(tfd);
      continue;
    }
    while (dirent* t = readdir(tasks)) {
      int32_t tid;
      if (!parse_int(t->d_name, tid)) continue;
      scan_task(task_dir + "/" + t->d_name, tid);
    }
    closedir(tasks);
  }
  closedir(proc);
  idx.build_index();
  return idx;
}

void OwnerIndex::for_each_owner(uint64_t inode,
                                const std::function<void(const OwnerView&)>& fn) const {
  if (!inode) return;
  for (uint32_t i = find(inode); i != kNone; i = entries_[i].next) {
    const Entry& e = entries_[i];
    fn(OwnerView{e.pid, e.tid, e.fd, comms_[e.comm]});
  }
}

bool OwnerIndex::append_users(uint64_t inode, std::string& out) const {
  if (!inode) return false;
  uint32_t head = find(inode);
  if (head == kNone) return false;
  out += " users:(";  // ss 6.1 writes the leading blank into the Process cell
  bool first = true;
  for (uint32_t i = head; i != kNone; i = entries_[i].next) {
    const Entry& e = entries_[i];
    if (!first) out += ',';
    first = false;
    out += "(\"";
    append_escaped(out, comms_[e.comm]);
    if (threads_)
      fmt::format_to(std::back_inserter(out), "\",pid={},tid={},fd={})", e.pid, e.tid, e.fd);
    else
      fmt::format_to(std::back_inserter(out), "\",pid={},fd={})", e.pid, e.fd);
  }
  out += ')';
  return true;
}

}  // namespace sw
