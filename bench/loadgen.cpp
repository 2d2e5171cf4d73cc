// sw_loadgen: builds a socket population in the current (private) network
// namespace for the benchmarks: N established TCP pairs over v4 and v6, spread
// over worker processes (a process may hold at most 20,000 files), each worker
// with its own listener on its own port and, for v4, its own 127.0.x.1 address
// so no (destination, port) runs short of ephemeral ports; a "selective"
// listener on port 19999 with 3 connections; bound UDP sockets; unix socket
// pairs and a unix listener; optional churn (connections opened and closed at
// a given rate on port 19998). Prints "ready ..." once everything exists;
// SIGTERM/SIGINT (or the parent dying) stop the workers.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr long kPairsPerWorker = 8000;  // 16,000 fds + listener, under the 20,000 limit
constexpr uint16_t kBasePort = 20000;
constexpr uint16_t kSelectivePort = 19999;
constexpr uint16_t kChurnPort = 19998;
constexpr uint16_t kUdpBasePort = 30000;
constexpr char kReady = 'r';
constexpr char kFailed = 'x';

volatile sig_atomic_t g_stop = 0;
int g_report_fd = -1;  // in a child: where to say it failed

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "sw_loadgen: %s: %s\n", what, std::strerror(errno));
  if (g_report_fd >= 0) {
    char c = kFailed;
    (void)!write(g_report_fd, &c, 1);
    _exit(1);
  }
  std::exit(1);
}

void raise_nofile() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

// Worker `index`'s address: v4 workers get 127.0.(index/2 + 1).1, v6 ones ::1.
sockaddr_storage address(int af, int index, uint16_t port, socklen_t& len) {
  sockaddr_storage ss{};
  if (af == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    uint32_t net = 0x7f000001u | (static_cast<uint32_t>((index / 2 + 1) & 0xff) << 8);
    a->sin_addr.s_addr = htonl(index < 0 ? INADDR_LOOPBACK : net);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  }
  return ss;
}

int bound(int af, int type, int index, uint16_t port) {
  int fd = socket(af, type | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t len = 0;
  sockaddr_storage ss = address(af, index, port, len);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len)) die("bind");
  return fd;
}

int listen_on(int af, int index, uint16_t port) {
  int fd = bound(af, SOCK_STREAM, index, port);
  if (listen(fd, 4096)) die("listen");
  return fd;
}

int connect_to(int af, int index, uint16_t port) {
  int fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  socklen_t len = 0;
  sockaddr_storage ss = address(af, index, port, len);
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len)) die("connect");
  return fd;
}

int accept_one(int lst) {
  int s = accept4(lst, nullptr, nullptr, SOCK_CLOEXEC);
  if (s < 0) die("accept");
  return s;
}

void on_signal(int) { g_stop = 1; }

void child_setup(int report_fd) {
  g_report_fd = report_fd;
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

void say_ready(int fd) {
  char c = kReady;
  if (write(fd, &c, 1) != 1) die("ready pipe");
}

// One worker: its own listener, `pairs` connections to it, accepted as they come.
[[noreturn]] void worker(int index, long pairs, int ready_fd) {
  child_setup(ready_fd);
  raise_nofile();
  int af = index % 2 ? AF_INET6 : AF_INET;
  uint16_t port = static_cast<uint16_t>(kBasePort + index);
  int lst = listen_on(af, index, port);
  std::vector<int> fds;
  fds.reserve(static_cast<size_t>(pairs) * 2);
  for (long i = 0; i < pairs; ++i) {
    fds.push_back(connect_to(af, index, port));
    fds.push_back(accept_one(lst));
  }
  say_ready(ready_fd);
  while (!g_stop) pause();
  _exit(0);
}

// Churn: open and close `rate` connections per second on port 19998.
[[noreturn]] void churn(long rate, int ready_fd) {
  child_setup(ready_fd);
  int lst = listen_on(AF_INET, -1, kChurnPort);
  say_ready(ready_fd);
  useconds_t gap = static_cast<useconds_t>(1000000 / std::max(rate, 1L));
  while (!g_stop) {
    int a = connect_to(AF_INET, -1, kChurnPort);
    int b = accept_one(lst);
    close(a);
    close(b);
    usleep(gap);
  }
  _exit(0);
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: sw_loadgen [--tcp-pairs N] [--udp N] [--unix N] [--churn RATE]\n"
               "  N established TCP pairs (half v4, half v6; %ld per worker process),\n"
               "  N bound UDP sockets, N unix socket pairs, RATE connections/s churn.\n",
               kPairsPerWorker);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  long tcp_pairs = 500, udp = 10, unix_pairs = 10, churn_rate = 0;
  for (int i = 1; i < argc; i += 2) {
    std::string k = argv[i];
    if (i + 1 >= argc) usage();
    char* end = nullptr;
    long v = std::strtol(argv[i + 1], &end, 10);
    if (*end != '\0' || v < 0) usage();
    if (k == "--tcp-pairs")
      tcp_pairs = v;
    else if (k == "--udp")
      udp = v;
    else if (k == "--unix")
      unix_pairs = v;
    else if (k == "--churn")
      churn_rate = v;
    else
      usage();
  }
  raise_nofile();
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC)) die("pipe");
  std::vector<pid_t> kids;
  auto stop_kids = [&kids] {
    for (pid_t p : kids) kill(p, SIGTERM);
    for (pid_t p : kids) waitpid(p, nullptr, 0);
  };
  int workers = 0;
  for (long left = tcp_pairs; left > 0; left -= kPairsPerWorker, ++workers) {
    pid_t p = fork();
    if (p < 0) {
      stop_kids();
      die("fork");
    }
    if (p == 0) worker(workers, std::min(left, kPairsPerWorker), pipefd[1]);
    kids.push_back(p);
  }
  if (churn_rate > 0) {
    pid_t p = fork();
    if (p < 0) {
      stop_kids();
      die("fork");
    }
    if (p == 0) churn(churn_rate, pipefd[1]);
    kids.push_back(p);
  }
  close(pipefd[1]);
  for (size_t i = 0; i < kids.size(); ++i) {
    char c = 0;
    if (read(pipefd[0], &c, 1) != 1 || c != kReady || g_stop) {
      std::fprintf(stderr, "sw_loadgen: a worker failed or we were stopped\n");
      stop_kids();
      return 1;
    }
  }
  // The selective target: 3 connections on a port nothing else uses.
  std::vector<int> keep;
  int sel = listen_on(AF_INET, -1, kSelectivePort);
  for (int i = 0; i < 3; ++i) {
    keep.push_back(connect_to(AF_INET, -1, kSelectivePort));
    keep.push_back(accept_one(sel));
  }
  for (long i = 0; i < udp; ++i)
    keep.push_back(bound(i % 2 ? AF_INET6 : AF_INET, SOCK_DGRAM, -1,
                         static_cast<uint16_t>(kUdpBasePort + i % 20000)));
  for (long i = 0; i < unix_pairs; ++i) {
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp)) die("socketpair");
    keep.push_back(sp[0]);
    keep.push_back(sp[1]);
  }
  if (unix_pairs > 0) {  // one abstract-namespace listener, named after our pid
    int u = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    int n = std::snprintf(sun.sun_path + 1, sizeof sun.sun_path - 1, "sw_loadgen.%d", getpid());
    socklen_t len =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + static_cast<size_t>(n));
    if (u < 0 || bind(u, reinterpret_cast<sockaddr*>(&sun), len) || listen(u, 16))
      die("unix listener");
    keep.push_back(u);
  }
  std::printf("ready %ld tcp sockets in %d workers\n", tcp_pairs * 2 + 6, workers);
  std::fflush(stdout);
  while (!g_stop) pause();
  stop_kids();
  return 0;
}
