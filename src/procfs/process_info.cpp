#include "procfs/process_info.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace sw {

namespace {

// Reads up to `limit` bytes of `name` under `dirfd`; false if it cannot be
// opened or read.
bool read_at(int dirfd, const char* name, std::string& out, size_t limit) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buf[4096];
  bool ok = true;
  while (out.size() < limit) {
    ssize_t n = read(fd, buf, std::min(sizeof buf, limit - out.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return ok;
}

template <typename T>
std::optional<T> number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p == s.data()) return std::nullopt;
  return v;
}

// Field `n` (1-based, counting from "state" = 3) of a stat line, read after
// the LAST ')' so that a comm containing ") " cannot shift the fields.
std::string_view stat_field(std::string_view stat, int n) {
  auto close = stat.rfind(')');
  if (close == std::string_view::npos) return {};
  std::string_view rest = stat.substr(close + 1);
  int field = 2;
  while (!rest.empty()) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    auto end = rest.find(' ');
    ++field;
    if (field == n) return rest.substr(0, end);
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  return {};
}

// The value of "Key:\t..." in /proc/PID/status.
std::string_view status_value(std::string_view status, std::string_view key) {
  size_t at = 0;
  while (at < status.size()) {
    auto nl = status.find('\n', at);
    auto line = status.substr(at, nl == std::string_view::npos ? nl : nl - at);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':')
      return line.substr(key.size() + 1);
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  return {};
}

// Whitespace-separated words of a status value.
std::string_view word(std::string_view s, int index) {
  for (int i = 0;; ++i) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    if (s.empty()) return {};
    auto end = s.find_first_of(" \t");
    if (i == index) return s.substr(0, end);
    if (end == std::string_view::npos) return {};
    s.remove_prefix(end);
  }
}

std::string_view last_word(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  auto sp = s.find_last_of(" \t");
  return sp == std::string_view::npos ? s : s.substr(sp + 1);
}

// True when the exe's directory, seen through the process's own root (so a
// container's /tmp is its own), is writable by others.
bool dir_world_writable(int pid_dirfd, const std::string& exe, bool& examined) {
  examined = false;
  auto slash = exe.rfind('/');
  if (exe.empty() || exe[0] != '/' || slash == std::string::npos) return false;
  std::string dir = slash == 0 ? "." : exe.substr(1, slash - 1);
  int root = openat(pid_dirfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return false;
  struct stat st {};
  int rc = fstatat(root, dir.c_str(), &st, 0);
  close(root);
  if (rc != 0) return false;
  examined = true;
  return (st.st_mode & S_IWOTH) != 0;
}

}  // namespace

bool in_world_writable_place(std::string_view p) {
  for (std::string_view d : {"/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/", "/var/crash/"})
    if (p.substr(0, d.size()) == d) return true;
  return false;
}

bool read_process_details(int pid_dirfd, ProcessDetails& out) {
  std::string buf;
  if (!read_at(pid_dirfd, "stat", buf, 2048)) return false;
  out.ppid = number<int32_t>(stat_field(buf, 4));
  out.start_ticks = number<uint64_t>(stat_field(buf, 22));

  if (read_at(pid_dirfd, "status", buf, 16384)) {
    auto uids = status_value(buf, "Uid");
    out.uid = number<uint32_t>(word(uids, 0));
    out.euid = number<uint32_t>(word(uids, 1));
    // NSpid lists the pid in each nested pid namespace, innermost last.
    auto nspid = status_value(buf, "NSpid");
    if (!nspid.empty()) out.ns_pid = number<int32_t>(last_word(nspid));
  }

  char link[4096];
  ssize_t n = readlinkat(pid_dirfd, "exe", link, sizeof link);
  if (n > 0) {
    std::string exe(link, static_cast<size_t>(n));
    constexpr std::string_view kDeleted = " (deleted)";
    if (exe.size() > kDeleted.size() &&
        std::string_view(exe).substr(exe.size() - kDeleted.size()) == kDeleted) {
      // The kernel appends this when the file was unlinked. A file really
      // named "x (deleted)" is told apart by still having a link; a link
      // that no longer resolves at all (a copied /proc) counts as deleted.
      struct stat st {};
      if (fstatat(pid_dirfd, "exe", &st, 0) != 0 || st.st_nlink == 0) {
        out.exe_deleted = true;
        exe.resize(exe.size() - kDeleted.size());
      }
    }
    bool examined = false;
    out.exe_world_writable = dir_world_writable(pid_dirfd, exe, examined);
    if (!examined) out.exe_world_writable = in_world_writable_place(exe);
    out.exe = std::move(exe);
  }

  // A command line can be long; 64 KiB keeps a hostile one bounded.
  if (read_at(pid_dirfd, "cmdline", buf, 65536)) {
    while (!buf.empty() && buf.back() == '\0') buf.pop_back();
    out.cmdline = buf;
  }
  if (read_at(pid_dirfd, "cgroup", buf, 65536)) {
    out.cgroup = cgroup_path_from_proc(buf);
  }
  return true;
}

std::string cgroup_path_from_proc(std::string_view text) {
  std::string_view first, systemd;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    // "ID:CONTROLLERS:PATH"; the path may itself contain ':'.
    auto c1 = line.find(':');
    if (c1 == std::string_view::npos) continue;
    auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    auto id = line.substr(0, c1), ctrl = line.substr(c1 + 1, c2 - c1 - 1);
    auto p = line.substr(c2 + 1);
    if (id == "0" && ctrl.empty()) return std::string(p);
    if (ctrl == "name=systemd" && systemd.empty()) systemd = p;
    if (first.empty()) first = p;
  }
  return std::string(systemd.empty() ? first : systemd);
}

std::string read_cgroup_path(const std::string& proc_root, int32_t pid) {
  int dirfd =
      open((proc_root + "/" + std::to_string(pid)).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return {};
  std::string buf;
  bool ok = read_at(dirfd, "cgroup", buf, 65536);
  close(dirfd);
  return ok ? cgroup_path_from_proc(buf) : std::string();
}

uint64_t boot_time_seconds(const std::string& proc_root) {
  int dirfd = open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return 0;
  std::string buf;
  bool ok = read_at(dirfd, "stat", buf, 1 << 20);
  close(dirfd);
  if (!ok) return 0;
  auto at = buf.find("\nbtime ");
  if (at == std::string::npos) return 0;
  std::string_view rest(buf);
  rest.remove_prefix(at + 7);
  return number<uint64_t>(rest.substr(0, rest.find('\n'))).value_or(0);
}

std::string format_start_time(uint64_t boot_time, uint64_t ticks, long hz) {
  if (hz <= 0) hz = 100;
  auto secs = static_cast<time_t>(boot_time + ticks / static_cast<uint64_t>(hz));
  uint64_t frac = (ticks % static_cast<uint64_t>(hz)) * 100 / static_cast<uint64_t>(hz);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

std::optional<int64_t> start_time_us(uint64_t boot_time, uint64_t ticks, long hz) {
  if (hz <= 0) hz = 100;
  auto uhz = static_cast<uint64_t>(hz);
  uint64_t secs = ticks / uhz;
  constexpr uint64_t kMaxSecs = static_cast<uint64_t>(INT64_MAX) / 1000000 - 1;
  if (boot_time > kMaxSecs || secs > kMaxSecs - boot_time) return std::nullopt;
  // Split so that the remainder's scaling cannot overflow: (ticks % hz) < hz.
  uint64_t us = (boot_time + secs) * 1000000 + (ticks % uhz) * 1000000 / uhz;
  return static_cast<int64_t>(us);
}

std::string format_wall_time_us(int64_t us) {
  // Floor division: times before the epoch still print the second they fall in.
  int64_t secs = us / 1000000, rem = us % 1000000;
  if (rem < 0) {
    rem += 1000000;
    --secs;
  }
  auto t = static_cast<time_t>(secs);
  struct tm tm {};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rem / 10000);
}

}  // namespace sw
