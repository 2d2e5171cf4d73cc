// sw_procfd_floor: the least work owner attribution can cost — readdir every
// /proc/PID/fd and readlink each entry, nothing kept.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main() {
  DIR* proc = opendir("/proc");
  if (!proc) return perror("/proc"), 1;
  unsigned long long links = 0, sockets = 0;
  char buf[64];
  while (dirent* p = readdir(proc)) {
    if (p->d_name[0] < '0' || p->d_name[0] > '9') continue;
    std::string dir = std::string(p->d_name) + "/fd";
    int dfd = openat(dirfd(proc), dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) continue;
    DIR* d = fdopendir(dfd);
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      ssize_t n = readlinkat(dirfd(d), e->d_name, buf, sizeof buf);
      ++links;
      if (n > 7 && buf[0] == 's' && buf[1] == 'o') ++sockets;
    }
    closedir(d);
  }
  closedir(proc);
  std::fprintf(stderr, "%llu fds, %llu sockets\n", links, sockets);
  return 0;
}
