// sw_procfd_floor: the least work owner attribution can cost — readdir every
// /proc/PID/fd and readlink each entry, nothing kept.
//
//   sw_procfd_floor [--workers N]
//
// With N > 1 (default: one per CPU, at most 8, as sockwatch's owner scan) the
// pids are shared out one at a time from a counter, the way sockwatch's scan
// does, so the floor is the parallel walk an exact scan has to beat;
// --workers 1 is the serial walk ss does.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Counts {
  unsigned long long links = 0, sockets = 0;
};

void walk_pid(int proc_fd, const char* pid, Counts& c) {
  char dir[64];
  std::snprintf(dir, sizeof dir, "%s/fd", pid);
  int dfd = openat(proc_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return;
  DIR* d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    return;
  }
  char buf[64];
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    ssize_t n = readlinkat(dirfd(d), e->d_name, buf, sizeof buf);
    ++c.links;
    if (n > 7 && buf[0] == 's' && buf[1] == 'o') ++c.sockets;
  }
  closedir(d);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned workers = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
      workers = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
      if (workers == 0) workers = 1;
    } else {
      std::fprintf(stderr, "usage: %s [--workers N]\n", argv[0]);
      return 2;
    }
  }
  DIR* proc = opendir("/proc");
  if (!proc) return perror("/proc"), 1;
  std::vector<std::string> pids;
  while (dirent* p = readdir(proc))
    if (p->d_name[0] >= '0' && p->d_name[0] <= '9') pids.emplace_back(p->d_name);
  std::vector<Counts> counts(workers);
  std::atomic<size_t> next{0};
  auto work = [&](Counts& c) {
    for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < pids.size();)
      walk_pid(dirfd(proc), pids[i].c_str(), c);
  };
  std::vector<std::thread> pool;
  for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work, std::ref(counts[w]));
  work(counts[0]);
  for (auto& t : pool) t.join();
  closedir(proc);
  Counts total;
  for (const auto& c : counts) total.links += c.links, total.sockets += c.sockets;
  std::fprintf(stderr, "%llu fds, %llu sockets, %u workers\n", total.links, total.sockets, workers);
  return 0;
}
