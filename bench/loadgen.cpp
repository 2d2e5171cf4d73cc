// sw_loadgen: builds a socket population in the current (private) network
// namespace for the benchmarks: N established TCP pairs over v4 and v6, spread
// over worker processes (a process may hold at most 20,000 files), a small
// "selective" listener with 3 connections, UDP and unix sockets, and optional
// churn. Prints "ready" once everything exists; SIGTERM/SIGINT kill the workers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr int kPairsPerWorker = 8000;  // 16,000 fds + listener, under the 20,000 limit
constexpr uint16_t kBasePort = 20000;
constexpr uint16_t kSelectivePort = 19999;
volatile sig_atomic_t g_stop = 0;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "sw_loadgen: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void raise_nofile() {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
}

// A loopback address of family `af` with `port`.
sockaddr_storage loopback(int af, uint16_t port, socklen_t& len) {
  sockaddr_storage ss{};
  if (af == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
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

int listen_on(int af, uint16_t port) {
  int fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t len;
  sockaddr_storage ss = loopback(af, port, len);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) || listen(fd, 4096)) die("listen");
  return fd;
}

int connect_to(int af, uint16_t port) {
  int fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
  socklen_t len;
  sockaddr_storage ss = loopback(af, port, len);
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len)) die("connect");
  return fd;
}

// One worker: its own listener, `pairs` connections to it, accepted as they come.
void worker(int index, int pairs, int ready_fd) {
  raise_nofile();
  int af = index % 2 ? AF_INET6 : AF_INET;
  int lst = listen_on(af, static_cast<uint16_t>(kBasePort + index));
  std::vector<int> fds;
  for (int i = 0; i < pairs; ++i) {
    fds.push_back(connect_to(af, static_cast<uint16_t>(kBasePort + index)));
    int s = accept4(lst, nullptr, nullptr, SOCK_CLOEXEC);
    if (s < 0) die("accept");
    fds.push_back(s);
  }
  char c = 'r';
  if (write(ready_fd, &c, 1) != 1) die("ready pipe");
  while (!g_stop) pause();
  _exit(0);
}

// Churn: open and close `rate` connections per second to the selective listener.
void churn(int rate, int ready_fd) {
  int lst = listen_on(AF_INET, static_cast<uint16_t>(kSelectivePort - 1));
  char c = 'r';
  if (write(ready_fd, &c, 1) != 1) die("ready pipe");
  useconds_t gap = static_cast<useconds_t>(1000000 / std::max(rate, 1));
  while (!g_stop) {
    int a = connect_to(AF_INET, static_cast<uint16_t>(kSelectivePort - 1));
    int b = accept4(lst, nullptr, nullptr, SOCK_CLOEXEC);
    close(a);
    close(b);
    usleep(gap);
  }
  _exit(0);
}

void on_signal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  long tcp_pairs = 500, udp = 10, unix_pairs = 10, churn_rate = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    long v = std::atol(argv[i + 1]);
    if (k == "--tcp-pairs")
      tcp_pairs = v;
    else if (k == "--udp")
      udp = v;
    else if (k == "--unix")
      unix_pairs = v;
    else if (k == "--churn")
      churn_rate = v;
    else {
      std::fprintf(stderr,
                   "usage: sw_loadgen [--tcp-pairs N] [--udp N] [--unix N] [--churn RATE]\n");
      return 2;
    }
  }
  raise_nofile();
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  int pipefd[2];
  if (pipe(pipefd)) die("pipe");
  std::vector<pid_t> kids;
  int workers = 0;
  for (long left = tcp_pairs; left > 0; left -= kPairsPerWorker, ++workers) {
    int n = static_cast<int>(std::min<long>(left, kPairsPerWorker));
    pid_t p = fork();
    if (p == 0) {
      signal(SIGTERM, on_signal);
      worker(workers, n, pipefd[1]);
    }
    kids.push_back(p);
  }
  if (churn_rate > 0) {
    pid_t p = fork();
    if (p == 0) churn(static_cast<int>(churn_rate), pipefd[1]);
    kids.push_back(p);
  }
  for (size_t i = 0; i < kids.size(); ++i) {
    char c;
    if (read(pipefd[0], &c, 1) != 1) die("waiting for workers");
  }
  // The selective target: 3 connections on a port nothing else uses.
  std::vector<int> keep;
  int sel = listen_on(AF_INET, kSelectivePort);
  for (int i = 0; i < 3; ++i) {
    keep.push_back(connect_to(AF_INET, kSelectivePort));
    keep.push_back(accept4(sel, nullptr, nullptr, SOCK_CLOEXEC));
  }
  for (long i = 0; i < udp; ++i) keep.push_back(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  for (long i = 0; i < unix_pairs; ++i) {
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0) {
      keep.push_back(sp[0]);
      keep.push_back(sp[1]);
    }
  }
  std::printf("ready %ld tcp sockets in %d workers\n", tcp_pairs * 2 + 6, workers);
  std::fflush(stdout);
  while (!g_stop) pause();
  for (pid_t p : kids) kill(p, SIGTERM);
  for (pid_t p : kids) waitpid(p, nullptr, 0);
  return 0;
}
