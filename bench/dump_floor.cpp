// sw_dump_floor: the least work a TCP listing can cost — one sock_diag dump of
// v4 then v6 TCP sockets (all states), every byte received and discarded.
//
// With --info each socket also carries INET_DIAG_INFO (struct tcp_info), as the
// live engine asks for on every tick: the least a poll with counters can cost.
// With --ext i or --ext m the dump asks for the attributes `ss -i`
// (INFO, VEGASINFO, CONG) or `ss -m` (MEMINFO, SKMEMINFO) ask for: the floor of
// those detail modes, whose kernel side costs more than a plain dump's.
// With --loop N the dump is repeated N times, --interval-ms M apart (the gap is
// slept, so it costs no CPU), and the CPU time per dump (getrusage, user+sys,
// over the dumps only) is printed on stdout as one line, directly comparable
// with a live tick:
//   dump_floor: dumps=N info=1 sockets=S bytes=B cpu_us_per_dump=C wall_us_per_dump=W
// (sockets and bytes are those of the last dump; wall excludes the sleeps). Without
// --loop: one dump and the old "S sockets, B bytes" on stderr (bench/run.sh's floor).
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct DumpCount {
  unsigned long long msgs = 0, bytes = 0;
};

// One dump of both families; false (with errno) when the kernel refuses.
bool dump_once(int fd, uint8_t ext, std::vector<char>& buf, DumpCount& out) {
  out = {};
  for (int family : {AF_INET, AF_INET6}) {
    struct {
      nlmsghdr h;
      inet_diag_req_v2 r;
    } req{};
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.r.sdiag_family = static_cast<__u8>(family);
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = ~0u;
    req.r.idiag_ext = ext;
    if (send(fd, &req, sizeof req, 0) < 0) return false;
    for (bool done = false; !done;) {
      ssize_t n = recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) return false;
      out.bytes += static_cast<unsigned long long>(n);
      int len = static_cast<int>(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, len);
           h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
          done = true;
        else
          ++out.msgs;
      }
    }
  }
  return true;
}

double cpu_us() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

double mono_us() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: sw_dump_floor [--info | --ext i|m] [--loop N] [--interval-ms M]\n");
  std::exit(2);
}

long number(const char* s) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < 0) usage();
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  bool info = false;
  uint8_t ext = 0;  // idiag_ext
  auto bit = [](int a) { return static_cast<uint8_t>(1u << (a - 1)); };
  long loops = 0, interval_ms = 0;  // loops 0: one dump, the original summary on stderr
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--info") {
      info = true;
      ext = bit(INET_DIAG_INFO);
    } else if (k == "--ext" && i + 1 < argc) {
      std::string m = argv[++i];
      if (m == "i")
        ext = static_cast<uint8_t>(bit(INET_DIAG_INFO) | bit(INET_DIAG_VEGASINFO) |
                                   bit(INET_DIAG_CONG));
      else if (m == "m")
        ext = static_cast<uint8_t>(bit(INET_DIAG_MEMINFO) | bit(INET_DIAG_SKMEMINFO));
      else
        usage();
      info = m == "i";
    } else if (k == "--loop" && i + 1 < argc) {
      loops = number(argv[++i]);
      if (loops == 0) usage();
    } else if (k == "--interval-ms" && i + 1 < argc) {
      interval_ms = number(argv[++i]);
    } else {
      usage();
    }
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return perror("socket"), 1;
  std::vector<char> buf(64 * 1024);
  DumpCount c;
  if (loops == 0) {
    if (!dump_once(fd, ext, buf, c)) return perror("sock_diag dump"), 1;
    std::fprintf(stderr, "%llu sockets, %llu bytes\n", c.msgs, c.bytes);
    return 0;
  }
  // CPU over the whole loop (sleeping costs none): one getrusage pair, so tick-based
  // accounting does not quantise each dump.
  double wall = 0, cpu0 = cpu_us();
  for (long i = 0; i < loops; ++i) {
    if (i > 0 && interval_ms > 0) {
      timespec gap{interval_ms / 1000, (interval_ms % 1000) * 1000000L};
      while (nanosleep(&gap, &gap) != 0 && errno == EINTR) {
      }
    }
    double w0 = mono_us();
    if (!dump_once(fd, ext, buf, c)) return perror("sock_diag dump"), 1;
    wall += mono_us() - w0;
  }
  double cpu = cpu_us() - cpu0;
  std::printf(
      "dump_floor: dumps=%ld info=%d sockets=%llu bytes=%llu cpu_us_per_dump=%.0f "
      "wall_us_per_dump=%.0f\n",
      loops, info ? 1 : 0, c.msgs, c.bytes, cpu / static_cast<double>(loops),
      wall / static_cast<double>(loops));
  return 0;
}
