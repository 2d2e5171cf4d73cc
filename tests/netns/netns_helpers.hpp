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
