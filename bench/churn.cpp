// sw_churn: connection churn for the live-engine benchmark (bench/live.sh). Run it
// inside a private network namespace: one server process accepts on 127.0.0.1:PORT
// (and [::1]:PORT with --v6), reads one byte, answers one byte and closes; K client
// processes together open C connections a second for T seconds, each one: connect,
// send a byte, read the answer and the server's FIN, close. A connection lives a few
// hundred microseconds, far below a one-second poll. The server closes first, so the
// TIME_WAIT sockets are the server's and no client port stays taken.
//
// The one line on stdout, at the end, is the truth the benchmark checks against:
//   churn: connections=N port=P clients=K rate=C duration_s=T elapsed_s=E
//          achieved_rate=R failed=F v6=N6 accepted=A fork_per_conn=M processes=X
//          server_pid=S
// (one line; S is the server process, the owner of the server-side sockets). connections counts
// exactly the client sockets that connected and were then closed (the close returned); failed
// counts connects that did not succeed (those never became established). A loaded machine may fall
// behind the schedule: a client more than a second late drops the missed slots instead of bursting,
// and the real count and rate are what is printed. SIGTERM/SIGINT end the run early, still with the
// line.
//
// --fork-per-conn N: each client runs as a series of short-lived processes, each
// doing N connections and exiting, so a connection's owner is gone soon after it
// closes (tests owner attribution of vanished processes).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace {

constexpr int kMaxClients = 64;
constexpr double kMaxLagS = 1.0;  // later than this: skip the missed slots, no burst

// Shared by every process of the run (MAP_SHARED before the forks).
struct Slot {
  std::atomic<uint64_t> done{0};    // connections connected and closed by this client
  std::atomic<uint64_t> failed{0};  // connects that failed
  std::atomic<uint64_t> v6{0};      // of done, over ::1
  std::atomic<uint64_t> procs{0};   // processes that ran this client's connections
  double next_due = 0;              // seconds since start; one process at a time uses it
  uint64_t seq = 0;                 // connections attempted so far (v4/v6 alternation)
};
struct Shared {
  std::atomic<uint64_t> accepted{0};
  Slot slots[kMaxClients];
};
static_assert(std::atomic<uint64_t>::is_always_lock_free, "counters shared across processes");

struct Options {
  double rate = 1000;
  double duration = 30;
  int clients = 4;
  bool v6 = false;
  long fork_per_conn = 0;
  uint16_t port = 18500;
};

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

double now_s() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

void sleep_until(double t) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(t);
  ts.tv_nsec = static_cast<long>((t - static_cast<double>(ts.tv_sec)) * 1e9);
  while (!g_stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "sw_churn: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void handle_signals(bool die_with_parent) {
  if (die_with_parent) prctl(PR_SET_PDEATHSIG, SIGTERM);
  struct sigaction sa {};
  sa.sa_handler = on_signal;  // no SA_RESTART: blocking calls return EINTR
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

sockaddr_storage loopback(bool v6, uint16_t port, socklen_t& len) {
  sockaddr_storage ss{};
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr = in6addr_loopback;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a;
  }
  return ss;
}

int listener(bool v6, uint16_t port) {
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  socklen_t len = 0;
  sockaddr_storage ss = loopback(v6, port, len);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len)) die(v6 ? "bind [::1]" : "bind 127.0.0.1");
  if (listen(fd, 4096)) die("listen");
  return fd;
}

uint16_t bound_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len)) die("getsockname");
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);  // same offset in v4 and v6
}

// The server: epoll over the listeners and the accepted sockets; answer, then close.
[[noreturn]] void server(const std::vector<int>& lst, Shared* sh) {
  handle_signals(true);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  for (int fd : lst) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) die("epoll_ctl listener");
  }
  auto is_listener = [&lst](int fd) {
    for (int l : lst)
      if (l == fd) return true;
    return false;
  };
  std::vector<epoll_event> evs(256);
  while (!g_stop) {
    int n = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 1000);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      int fd = evs[static_cast<size_t>(i)].data.fd;
      if (is_listener(fd)) {
        for (;;) {
          int c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;  // EAGAIN (drained) or a transient error: epoll says when
          sh->accepted.fetch_add(1, std::memory_order_relaxed);
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLRDHUP;
          ev.data.fd = c;
          if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev)) close(c);
        }
        continue;
      }
      char b = 0;
      ssize_t r = read(fd, &b, 1);
      if (r < 0 && errno == EAGAIN) continue;
      if (r == 1) (void)!write(fd, &b, 1);
      close(fd);  // also drops it from the epoll set
    }
  }
  _exit(0);
}

// One connection; true when it connected (and was then closed, whatever the answer).
bool one_connection(bool v6, uint16_t port, bool& connected) {
  connected = false;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  // Bounds on a lost server or a full backlog (SYN retries): never hang the run.
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  socklen_t len = 0;
  sockaddr_storage ss = loopback(v6, port, len);
  int rc;
  do {
    rc = connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
  } while (rc != 0 && errno == EINTR && !g_stop);
  if (rc != 0) {
    close(fd);
    return false;
  }
  connected = true;
  char b = 'x';
  if (write(fd, &b, 1) == 1) {
    // The answer, then EOF: the server has closed first.
    char rb[2];
    for (int i = 0; i < 2 && read(fd, rb, sizeof rb) > 0; ++i) {
    }
  }
  close(fd);
  return true;
}

// Client `index`: its share of the schedule until the deadline (or `limit` connections,
// 0 = no limit). Connection j of the whole run is due at start + j / rate, clients
// interleaved, so K clients together keep the rate.
void client_loop(const Options& o, Slot& s, double start, double deadline, long limit) {
  double step = static_cast<double>(o.clients) / o.rate;
  for (long n = 0; !g_stop && (limit == 0 || n < limit); ++n) {
    double due = start + s.next_due;
    double t = now_s();
    if (due >= deadline || t >= deadline) break;
    if (t - due > kMaxLagS) {  // fell far behind: drop the missed slots
      s.next_due = t - start;
    } else if (due > t) {
      sleep_until(due);
      if (g_stop) break;
    }
    s.next_due += step;
    bool v6 = o.v6 && (s.seq++ % 2 == 1);
    bool connected = false;
    one_connection(v6, o.port, connected);
    if (connected) {
      s.done.fetch_add(1, std::memory_order_relaxed);
      if (v6) s.v6.fetch_add(1, std::memory_order_relaxed);
    } else {
      s.failed.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

// A client: one process for the whole run, or (--fork-per-conn) a series of them.
[[noreturn]] void client(const Options& o, int index, Shared* sh, double start, double deadline) {
  handle_signals(true);
  Slot& s = sh->slots[index];
  s.next_due = static_cast<double>(index) / o.rate;
  if (o.fork_per_conn == 0) {
    s.procs.fetch_add(1);
    client_loop(o, s, start, deadline, 0);
    _exit(0);
  }
  while (!g_stop && now_s() < deadline && start + s.next_due < deadline) {
    pid_t p = fork();
    if (p < 0) {
      if (errno == EAGAIN || errno == ENOMEM) {
        sleep_until(now_s() + 0.01);
        continue;
      }
      die("fork");
    }
    if (p == 0) {
      handle_signals(true);
      s.procs.fetch_add(1);
      client_loop(o, s, start, deadline, o.fork_per_conn);
      _exit(0);
    }
    // Our own SIGTERM interrupts the wait: pass it on, then reap.
    while (waitpid(p, nullptr, 0) < 0 && errno == EINTR)
      if (g_stop) kill(p, SIGTERM);
  }
  _exit(0);
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: sw_churn [--rate C] [--duration T] [--clients K] [--v6]\n"
               "                [--fork-per-conn N] [--port P]\n"
               "  C connections a second (default 1000) for T seconds (default 30) from\n"
               "  K client processes (default 4, at most %d) to 127.0.0.1:P (and [::1]:P,\n"
               "  every other connection, with --v6); P default 18500, 0 = any free port.\n"
               "  --fork-per-conn N: a fresh client process every N connections.\n",
               kMaxClients);
  std::exit(2);
}

double number(const char* s, double lo, double hi) {
  char* end = nullptr;
  double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || !(v >= lo && v <= hi)) usage();
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    bool has = i + 1 < argc;
    if (k == "--v6")
      o.v6 = true;
    else if (k == "--rate" && has)
      o.rate = number(argv[++i], 0.001, 1e6);
    else if (k == "--duration" && has)
      o.duration = number(argv[++i], 0.001, 1e6);
    else if (k == "--clients" && has)
      o.clients = static_cast<int>(number(argv[++i], 1, kMaxClients));
    else if (k == "--fork-per-conn" && has)
      o.fork_per_conn = static_cast<long>(number(argv[++i], 0, 1e9));
    else if (k == "--port" && has)
      o.port = static_cast<uint16_t>(number(argv[++i], 0, 65535));
    else
      usage();
  }
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
  handle_signals(false);
  signal(SIGPIPE, SIG_IGN);  // a reset server socket must not kill a client mid-write

  std::vector<int> lst{listener(false, o.port)};
  o.port = bound_port(lst[0]);
  if (o.v6) lst.push_back(listener(true, o.port));

  void* mem =
      mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) die("mmap");
  auto* sh = new (mem) Shared();

  pid_t srv = fork();
  if (srv < 0) die("fork");
  if (srv == 0) server(lst, sh);
  for (int fd : lst) close(fd);

  std::fprintf(stderr, "sw_churn: port %u, %d clients, %g/s for %g s\n", o.port, o.clients, o.rate,
               o.duration);
  double start = now_s(), deadline = start + o.duration;
  std::vector<pid_t> kids;
  for (int i = 0; i < o.clients; ++i) {
    pid_t p = fork();
    if (p < 0) {
      g_stop = 1;
      break;
    }
    if (p == 0) client(o, i, sh, start, deadline);
    kids.push_back(p);
  }
  for (pid_t p : kids) {
    if (g_stop)
      for (pid_t q : kids) kill(q, SIGTERM);
    while (waitpid(p, nullptr, 0) < 0 && errno == EINTR) {
      if (g_stop)
        for (pid_t q : kids) kill(q, SIGTERM);
    }
  }
  double elapsed = now_s() - start;
  kill(srv, SIGTERM);
  while (waitpid(srv, nullptr, 0) < 0 && errno == EINTR) {
  }

  uint64_t done = 0, failed = 0, v6 = 0, procs = 0;
  for (int i = 0; i < o.clients; ++i) {
    done += sh->slots[i].done.load();
    failed += sh->slots[i].failed.load();
    v6 += sh->slots[i].v6.load();
    procs += sh->slots[i].procs.load();
  }
  std::printf(
      "churn: connections=%llu port=%u clients=%d rate=%g duration_s=%g elapsed_s=%.2f "
      "achieved_rate=%.1f failed=%llu v6=%llu accepted=%llu fork_per_conn=%ld processes=%llu "
      "server_pid=%d\n",
      static_cast<unsigned long long>(done), o.port, o.clients, o.rate, o.duration, elapsed,
      elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0,
      static_cast<unsigned long long>(failed), static_cast<unsigned long long>(v6),
      static_cast<unsigned long long>(sh->accepted.load()), o.fork_per_conn,
      static_cast<unsigned long long>(procs), static_cast<int>(srv));
  return 0;
}
