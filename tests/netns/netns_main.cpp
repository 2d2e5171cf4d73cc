// Enters a private network namespace before any test runs; exits 77 (CTest
// "skipped") when that is not possible (not root, no user namespaces).
#include <dirent.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "netns_helpers.hpp"

namespace sw::test {

RunResult run_sockwatch(const std::vector<std::string>& args) {
  char out_path[] = "/tmp/sw_netns_out_XXXXXX";
  char err_path[] = "/tmp/sw_netns_err_XXXXXX";
  int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    std::vector<char*> argv;
    std::string bin = SW_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  RunResult r;
  int st = 0;
  waitpid(pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  close(out_fd);
  close(err_fd);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  unlink(out_path);
  unlink(err_path);
  return r;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool wait_until(const std::function<bool()>& done, int timeout_ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

namespace {
// Socket inodes the process holds, from /proc/PID/fd.
std::vector<std::string> socket_inodes(pid_t pid) {
  std::vector<std::string> out;
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  char buf[64];
  while (dirent* e = readdir(d)) {
    ssize_t n = readlinkat(dirfd(d), e->d_name, buf, sizeof buf - 1);
    if (n <= 0) continue;
    std::string link(buf, static_cast<size_t>(n));
    if (link.rfind("socket:[", 0) == 0) out.push_back(link.substr(8, link.size() - 9));
  }
  closedir(d);
  return out;
}

// True if one of `pid`'s sockets is a NETLINK_SOCK_DIAG (protocol 4) socket with
// a non-zero group mask. /proc/net/netlink columns: sk Eth Pid Groups Rmem Wmem
// Dump Locks Drops Inode.
bool subscribed_now(pid_t pid) {
  auto inodes = socket_inodes(pid);
  if (inodes.empty()) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/net/netlink");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string sk, eth, portid, groups, rmem, wmem, dump, locks, drops, inode;
    if (!(f >> sk >> eth >> portid >> groups >> rmem >> wmem >> dump >> locks >> drops >> inode))
      continue;
    if (eth != "4" || std::strtoul(groups.c_str(), nullptr, 16) == 0) continue;
    if (std::find(inodes.begin(), inodes.end(), inode) != inodes.end()) return true;
  }
  return false;
}
}  // namespace

bool wait_subscribed(pid_t pid, int timeout_ms) {
  return wait_until(
             [&] {
               if (kill(pid, 0) != 0) return true;  // gone: let the caller see why
               return subscribed_now(pid);
             },
             timeout_ms) &&
         kill(pid, 0) == 0;
}

std::string wait_output(const Background& b, const std::vector<std::string>& needles,
                        int timeout_ms) {
  std::string out;
  wait_until(
      [&] {
        out = read_file(b.path);
        for (const auto& n : needles)
          if (out.find(n) == std::string::npos) return false;
        return true;
      },
      timeout_ms);
  return out;
}

Background start_background(const std::vector<std::string>& argv) {
  char path[] = "/tmp/sw_bg_XXXXXX";
  int fd = mkstemp(path);
  Background b;
  b.path = path;
  b.pid = fork();
  if (b.pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a killed test run
    dup2(fd, 1);
    std::vector<std::string> copy = argv;
    std::vector<char*> args;
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fd);
  return b;
}

Stopped stop_background(Background& b, int sig) {
  Stopped s;
  if (b.pid > 0) {
    kill(b.pid, sig);
    waitpid(b.pid, &s.wait_status, 0);
    b.pid = -1;
  }
  s.out = read_file(b.path);
  unlink(b.path.c_str());
  return s;
}

sockaddr_in loopback4(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

sockaddr_in6 loopback6(uint16_t port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  a.sin6_addr = in6addr_loopback;
  return a;
}

int tcp_listener(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = loopback4(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) || listen(fd, 16)) return -1;
  return fd;
}

int tcp_connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback4(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a)) return -1;
  return fd;
}

int accept_one(int listener) { return accept4(listener, nullptr, nullptr, SOCK_CLOEXEC); }

uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

bool saw_reset(int fd) {
  char c;
  ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
  return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE));
}

bool still_connected(int fd, int peer) {
  char c = 'x';
  if (send(fd, &c, 1, MSG_NOSIGNAL) != 1) return false;
  char got = 0;
  return recv(peer, &got, 1, 0) == 1 && got == 'x';
}

}  // namespace sw::test

namespace {
bool enter_private_netns() {
  if (geteuid() != 0) return false;
  if (unshare(CLONE_NEWNET) != 0) return false;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  close(fd);
  return ok;
}
}  // namespace

int main(int argc, char** argv) {
  // Holder mode for owners_test.cpp: this binary, copied and re-executed,
  // holds a listener in whatever namespace it was started in.
  if (argc == 3 && std::strcmp(argv[1], "--sw-hold-listener") == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a killed test run
    int fd = sw::test::tcp_listener(static_cast<uint16_t>(std::atoi(argv[2])));
    if (fd < 0) return 2;
    if (write(1, "ready\n", 6) != 6) return 2;
    for (;;) pause();
  }
  if (!enter_private_netns()) {
    std::fprintf(stderr, "skipped: needs root and network namespaces\n");
    return 77;
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
