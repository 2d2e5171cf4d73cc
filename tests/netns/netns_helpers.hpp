// Helpers for live tests: loopback sockets, running the sockwatch binary and
// capturing its output. The test binary has already entered a private netns.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace sw::test {

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs SW_BINARY with args; captures stdout and stderr.
RunResult run_sockwatch(const std::vector<std::string>& args);

// A program running in the background with stdout in a temp file (-E runs).
// It dies with the test process (PR_SET_PDEATHSIG).
struct Background {
  pid_t pid = -1;
  std::string path;
};
// argv[0] is the program's path.
Background start_background(const std::vector<std::string>& argv);
struct Stopped {
  int wait_status = 0;  // as waitpid gives it
  std::string out;
};
// Sends `sig`, reaps the process, returns its stdout and removes the file.
Stopped stop_background(Background& b, int sig);
std::string read_file(const std::string& path);

// Waits (polling, up to `timeout_ms`) until process `pid` holds a sock_diag
// netlink socket that has joined a multicast group (/proc/PID/net/netlink's
// Groups column), i.e. until an -E listener can no longer miss an event.
// False on timeout or when the process has exited.
bool wait_subscribed(pid_t pid, int timeout_ms = 60000);
// Waits until the background program's stdout holds every one of `needles`;
// returns that output (or what there is on timeout).
std::string wait_output(const Background& b, const std::vector<std::string>& needles,
                        int timeout_ms = 60000);
// Waits until `done()` holds, polling; false on timeout.
bool wait_until(const std::function<bool()>& done, int timeout_ms = 60000);

// 127.0.0.1:port and [::1]:port.
sockaddr_in loopback4(uint16_t port);
sockaddr_in6 loopback6(uint16_t port);
int tcp_listener(uint16_t port);
int tcp_connect(uint16_t port);
int accept_one(int listener);
uint16_t local_port(int fd);
// True if the peer of `fd` has reset the connection (read sees ECONNRESET or EOF).
bool saw_reset(int fd);
// True if `fd` is still usable: a write/read round trip with `peer` works.
bool still_connected(int fd, int peer);

}  // namespace sw::test
