// The eBPF state source against the live kernel, in the private namespace
// netns_main.cpp entered: a forked client connects over loopback, and the events
// must name it (pid, comm, task context), its namespace and its 5-tuple, mark
// the passive open as softirq work, and end in CLOSE. Root only (the binary
// skips with 77 otherwise); as root, a source that does not load is a failure
// with the source's own explanation, not a skip.
#include <grp.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "ebpf/state_source.hpp"
#include "netns_helpers.hpp"

namespace {

using sw::TcpStateChange;

// include/net/tcp_states.h
constexpr uint8_t kEstablished = 1, kSynSent = 2, kSynRecv = 3, kClose = 7;

uint64_t own_netns_inode() {
  struct stat st {};
  if (stat("/proc/self/ns/net", &st) != 0) return 0;
  return st.st_ino;
}

bool is_loopback4(const sw::IpAddr& a) {
  return a.family == AF_INET && a.bytes[0] == 127 && a.bytes[1] == 0 && a.bytes[2] == 0 &&
         a.bytes[3] == 1;
}

std::string describe(const TcpStateChange& e) {
  return "pid=" + std::to_string(e.pid) + " comm=" + e.comm +
         " task=" + std::to_string(e.task_context) + " netns=" + std::to_string(e.netns) +
         " sk=" + std::to_string(e.skaddr) + " " + std::to_string(e.old_state) + "->" +
         std::to_string(e.new_state) + " " + std::to_string(e.sport) + "->" +
         std::to_string(e.dport);
}

// Drains until `done` holds or the (generous) bound passes, waiting on the ring
// buffer's fd between drains.
bool drain_until(sw::StateSource& src, std::vector<TcpStateChange>& seen,
                 const std::function<bool()>& done, int timeout_ms) {
  return sw::test::wait_until(
      [&] {
        pollfd p{src.fd(), POLLIN, 0};
        poll(&p, 1, 50);
        auto n = src.drain([&](const TcpStateChange& e) { seen.push_back(e); });
        EXPECT_TRUE(n.has_value()) << (n ? "" : n.error().message);
        return done();
      },
      timeout_ms);
}

TEST(Ebpf, ConnectIsAttributedToTheConnectingTask) {
  // The tracepoint sees the whole machine's TCP traffic (other suites' churn
  // included); a roomy ring keeps a burst from crowding out our few events.
  sw::StateSourceOptions opt;
  opt.ring_bytes = 16 << 20;
  auto opened = sw::StateSource::open(opt);
  ASSERT_TRUE(opened.has_value()) << "the eBPF state source must load as root here: "
                                  << opened.error().message;
  sw::StateSource& src = **opened;
  EXPECT_TRUE(src.attach_kind() == "raw_tp" || src.attach_kind() == "tracepoint");
  std::printf("attach=%.*s task_context=%.*s\n", static_cast<int>(src.attach_kind().size()),
              src.attach_kind().data(), static_cast<int>(src.task_context_method().size()),
              src.task_context_method().data());

  const uint64_t netns = own_netns_inode();
  ASSERT_NE(netns, 0u);
  int listener = sw::test::tcp_listener(0);
  ASSERT_GE(listener, 0);
  const uint16_t port = sw::test::local_port(listener);

  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    prctl(PR_SET_NAME, "sw_ebpf_cli");
    int fd = sw::test::tcp_connect(port);
    if (fd < 0) _exit(2);
    uint16_t cport = sw::test::local_port(fd);
    if (write(ready[1], &cport, sizeof cport) != sizeof cport) _exit(3);
    char c = 'x';
    if (send(fd, &c, 1, 0) != 1) _exit(4);
    close(fd);
    _exit(0);
  }
  close(ready[1]);
  uint16_t client_port = 0;
  ASSERT_EQ(read(ready[0], &client_port, sizeof client_port),
            static_cast<ssize_t>(sizeof client_port));
  close(ready[0]);
  int conn = sw::test::accept_one(listener);
  ASSERT_GE(conn, 0);
  // SO_COOKIE makes the kernel generate the cookie; from then on the events
  // carry it (the engine's key, with the netns, for sock_diag records).
  uint64_t cookie = 0;
  socklen_t cookie_len = sizeof cookie;
  ASSERT_EQ(getsockopt(conn, SOL_SOCKET, SO_COOKIE, &cookie, &cookie_len), 0);
  ASSERT_NE(cookie, 0u);
  char buf[16];
  ASSERT_EQ(recv(conn, buf, 1, 0), 1);
  int st = 0;
  ASSERT_EQ(waitpid(child, &st, 0), child);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "client status " << st;
  while (recv(conn, buf, sizeof buf, 0) > 0) {
  }  // the client's FIN
  close(conn);
  close(listener);

  // Events of this namespace and this connection (other namespaces' traffic
  // goes through the same tracepoint).
  std::vector<TcpStateChange> seen;
  auto ours = [&](const TcpStateChange& e) { return e.netns == netns; };
  uint64_t client_sk = 0, server_sk = 0;
  auto find = [&] {
    client_sk = server_sk = 0;
    for (const auto& e : seen) {
      if (!ours(e)) continue;
      if (e.old_state == kClose && e.new_state == kSynSent && e.dport == port) client_sk = e.skaddr;
      if (e.old_state == kSynRecv && e.new_state == kEstablished && e.sport == port &&
          e.dport == client_port)
        server_sk = e.skaddr;
    }
  };
  auto closed = [&](uint64_t sk) {
    for (const auto& e : seen)
      if (ours(e) && e.skaddr == sk && e.new_state == kClose && e.old_state != kClose &&
          e.old_state != kSynSent)
        return true;
    return false;
  };
  bool done = drain_until(
      src, seen,
      [&] {
        find();
        return client_sk != 0 && server_sk != 0 && closed(client_sk) && closed(server_sk);
      },
      30000);
  std::string dump;
  for (const auto& e : seen)
    if (ours(e)) dump += describe(e) + "\n";
  ASSERT_TRUE(done) << "ring buffer drops: " << src.drops() << "; events in this namespace:\n"
                    << dump;

  const TcpStateChange* syn = nullptr;
  const TcpStateChange* client_est = nullptr;
  const TcpStateChange* passive = nullptr;
  for (const auto& e : seen) {
    if (!ours(e)) continue;
    if (e.skaddr == client_sk && e.old_state == kClose && e.new_state == kSynSent) syn = &e;
    if (e.skaddr == client_sk && e.old_state == kSynSent && e.new_state == kEstablished)
      client_est = &e;
    if (e.skaddr == server_sk && e.old_state == kSynRecv && e.new_state == kEstablished)
      passive = &e;
  }
  ASSERT_NE(syn, nullptr) << dump;
  EXPECT_EQ(syn->pid, child) << dump;
  EXPECT_EQ(syn->tid, child) << dump;
  EXPECT_EQ(syn->comm, "sw_ebpf_cli") << dump;
  EXPECT_TRUE(syn->task_context) << dump;
  EXPECT_EQ(syn->netns, netns);
  EXPECT_EQ(syn->family, AF_INET);
  EXPECT_TRUE(is_loopback4(syn->saddr));
  EXPECT_TRUE(is_loopback4(syn->daddr));
  EXPECT_EQ(syn->dport, port);
  // An unbound socket gets its port after the SYN_SENT transition (see
  // state_source.hpp); the same socket's next event carries the full tuple.
  EXPECT_TRUE(syn->sport == 0 || syn->sport == client_port) << syn->sport;
  ASSERT_NE(client_est, nullptr) << dump;
  EXPECT_EQ(client_est->sport, client_port);
  EXPECT_EQ(client_est->dport, port);
  EXPECT_TRUE(is_loopback4(client_est->saddr));
  EXPECT_TRUE(is_loopback4(client_est->daddr));
  EXPECT_GE(client_est->ktime_ns, syn->ktime_ns);

  ASSERT_NE(passive, nullptr) << dump;
  EXPECT_FALSE(passive->task_context) << "the passive open runs in softirq: " << dump;
  EXPECT_TRUE(is_loopback4(passive->saddr));
  EXPECT_TRUE(is_loopback4(passive->daddr));
  EXPECT_EQ(passive->sport, port);
  EXPECT_EQ(passive->dport, client_port);
  bool saw_cookie = false;
  for (const auto& e : seen)
    if (ours(e) && e.skaddr == server_sk && e.new_state == kClose) {
      EXPECT_EQ(e.cookie, cookie) << describe(e);
      saw_cookie = true;
    }
  EXPECT_TRUE(saw_cookie);
  EXPECT_EQ(src.context_fallbacks(), 0u);
}

// The classic-tracepoint fallback, forced: it must report the same events. In
// a private mount namespace, so the tracefs it may mount goes away with us.
TEST(Ebpf, TracepointFallbackReportsTheSameEvents) {
  ASSERT_EQ(unshare(CLONE_NEWNS), 0) << std::strerror(errno);
  ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0) << std::strerror(errno);
  sw::StateSourceOptions opt;
  opt.attach = sw::StateAttach::tracepoint;
  opt.wakeup_bytes = 1 << 16;  // loads the batching path too; drain() does not need wakeups
  auto opened = sw::StateSource::open(opt);
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  sw::StateSource& src = **opened;
  EXPECT_EQ(src.attach_kind(), "tracepoint");
  auto again = sw::ensure_tracefs();  // open() made sure it is there
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_FALSE(*again);

  const uint64_t netns = own_netns_inode();
  int listener = sw::test::tcp_listener(0);
  ASSERT_GE(listener, 0);
  const uint16_t port = sw::test::local_port(listener);
  int cli = sw::test::tcp_connect(port);
  ASSERT_GE(cli, 0);
  const uint16_t client_port = sw::test::local_port(cli);
  int conn = sw::test::accept_one(listener);
  ASSERT_GE(conn, 0);
  close(cli);
  close(conn);
  close(listener);

  std::vector<TcpStateChange> seen;
  const TcpStateChange* syn = nullptr;
  bool closed = false;
  bool done = drain_until(
      src, seen,
      [&] {
        syn = nullptr;
        closed = false;
        for (const auto& e : seen) {
          if (e.netns != netns) continue;
          if (e.old_state == kClose && e.new_state == kSynSent && e.dport == port) syn = &e;
          if (syn && e.skaddr == syn->skaddr && e.new_state == kClose)
            closed = e.sport == client_port;  // the port survives into CLOSE
        }
        return syn != nullptr && closed;
      },
      30000);
  ASSERT_TRUE(done) << "syn " << (syn != nullptr) << " closed " << closed;
  EXPECT_EQ(syn->pid, getpid());
  EXPECT_EQ(syn->tid, static_cast<int32_t>(syscall(SYS_gettid)));
  EXPECT_TRUE(syn->task_context);
  EXPECT_TRUE(is_loopback4(syn->daddr));
}

TEST(Ebpf, UnprivilegedOpenSaysNotPermitted) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(out[0]);
    // Drop every capability for good (bounding and ambient sets), then leave
    // root: setresuid away from 0 clears the permitted and effective sets.
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
        setresuid(65534, 65534, 65534) != 0)
      _exit(2);
    auto r = sw::StateSource::open();
    std::string msg = r ? std::string("opened") : r.error().message;
    if (write(out[1], msg.data(), msg.size()) < 0) _exit(3);
    _exit(0);
  }
  close(out[1]);
  std::string msg;
  char buf[512];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) msg.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int st = 0;
  ASSERT_EQ(waitpid(child, &st, 0), child);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  EXPECT_NE(msg.find("not permitted"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CAP_BPF"), std::string::npos) << msg;
}

}  // namespace
