// LD_PRELOAD shim for the families differential test: makes the real ss
// read a sock_diag answer from a file instead of the kernel, for the families
// this kernel has no diag module for (AF_VSOCK, AF_TIPC, AF_XDP). ss has no
// recording input for them (TCPDIAG_FILE is TCP-only), so this is how ss 6.1
// itself renders the test's byte fixtures.
//
// SW_FAKE_DIAG_<FAMILY>=FILE (FAMILY = VSOCK, TIPC or XDP): a request for that
// family on a NETLINK_SOCK_DIAG socket is not sent; the next recvmsg returns
// the whole FILE as one datagram, each message's nlmsg_pid set to the
// socket's port id and nlmsg_seq to the request's, as the kernel answers
// (ss and sockwatch both drop messages that are not addressed to them). Every
// other request goes to the kernel untouched. sockwatch runs under it too, so
// its live path (LiveSource, DiagSocket) is the one compared.
#include <dlfcn.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr int kMaxFd = 1024;
unsigned char* pending[kMaxFd];
size_t pending_len[kMaxFd];

const char* file_for(int family) {
  switch (family) {
    case AF_VSOCK:
      return getenv("SW_FAKE_DIAG_VSOCK");
    case AF_TIPC:
      return getenv("SW_FAKE_DIAG_TIPC");
    case AF_XDP:
      return getenv("SW_FAKE_DIAG_XDP");
    default:
      return NULL;
  }
}

bool is_diag_socket(int fd) {
  int proto = -1;
  socklen_t len = sizeof proto;
  sockaddr_nl sa{};
  socklen_t salen = sizeof sa;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &salen) < 0 || sa.nl_family != AF_NETLINK)
    return false;
  return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 && proto == NETLINK_SOCK_DIAG;
}

bool load(int fd, const char* path, uint32_t seq) {
  FILE* f = std::fopen(path, "rb");
  if (!f) return false;
  auto* buf = static_cast<unsigned char*>(std::malloc(1 << 20));
  size_t n = std::fread(buf, 1, 1 << 20, f);
  fclose(f);
  sockaddr_nl sa{};
  socklen_t salen = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &salen);
  for (size_t off = 0; off + sizeof(nlmsghdr) <= n;) {
    nlmsghdr h;
    memcpy(&h, buf + off, sizeof h);
    if (h.nlmsg_len < sizeof h) break;
    h.nlmsg_pid = sa.nl_pid;
    h.nlmsg_seq = seq;
    memcpy(buf + off, &h, sizeof h);
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  std::free(pending[fd]);
  pending[fd] = buf;
  pending_len[fd] = n;
  return true;
}

// A request for a faked family is swallowed (true); its answer is loaded.
bool fake_request(int fd, const void* buf, size_t len) {
  if (fd < 0 || fd >= kMaxFd || len <= NLMSG_HDRLEN || !is_diag_socket(fd)) return false;
  const char* path = file_for(static_cast<const unsigned char*>(buf)[NLMSG_HDRLEN]);
  nlmsghdr req;
  std::memcpy(&req, buf, sizeof req);
  return path && load(fd, path, req.nlmsg_seq);
}

}  // namespace

// ss sends with send(), libmnl (sockwatch) with sendto().
extern "C" ssize_t send(int fd, const void* buf, size_t len, int flags) {
  static auto real =
      reinterpret_cast<ssize_t (*)(int, const void*, size_t, int)>(dlsym(RTLD_NEXT, "send"));
  if (fake_request(fd, buf, len)) return static_cast<ssize_t>(len);
  return real(fd, buf, len, flags);
}

extern "C" ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* to,
                          socklen_t tolen) {
  static auto real =
      reinterpret_cast<ssize_t (*)(int, const void*, size_t, int, const sockaddr*, socklen_t)>(
          dlsym(RTLD_NEXT, "sendto"));
  if (fake_request(fd, buf, len)) return static_cast<ssize_t>(len);
  return real(fd, buf, len, flags, to, tolen);
}

extern "C" ssize_t sendmsg(int fd, const msghdr* msg, int flags) {
  static auto real =
      reinterpret_cast<ssize_t (*)(int, const msghdr*, int)>(dlsym(RTLD_NEXT, "sendmsg"));
  if (msg->msg_iovlen > 0 && fake_request(fd, msg->msg_iov[0].iov_base, msg->msg_iov[0].iov_len)) {
    size_t total = 0;
    for (size_t i = 0; i < msg->msg_iovlen; ++i) total += msg->msg_iov[i].iov_len;
    return static_cast<ssize_t>(total);
  }
  return real(fd, msg, flags);
}

extern "C" ssize_t recvmsg(int fd, msghdr* msg, int flags) {
  static auto real = reinterpret_cast<ssize_t (*)(int, msghdr*, int)>(dlsym(RTLD_NEXT, "recvmsg"));
  if (fd < 0 || fd >= kMaxFd || !pending[fd]) return real(fd, msg, flags);
  size_t n = pending_len[fd], copied = 0;
  for (size_t i = 0; i < msg->msg_iovlen && copied < n; ++i) {
    size_t k = std::min(msg->msg_iov[i].iov_len, n - copied);
    if (k) std::memcpy(msg->msg_iov[i].iov_base, pending[fd] + copied, k);
    copied += k;
  }
  if (msg->msg_name && msg->msg_namelen >= sizeof(sockaddr_nl)) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    std::memcpy(msg->msg_name, &kernel, sizeof kernel);
    msg->msg_namelen = sizeof kernel;
  }
  msg->msg_flags = copied < n ? MSG_TRUNC : 0;
  if (!(flags & MSG_PEEK)) {
    std::free(pending[fd]);
    pending[fd] = nullptr;
  }
  return static_cast<ssize_t>((flags & MSG_TRUNC) ? n : copied);
}

extern "C" int close(int fd) {
  static auto real = reinterpret_cast<int (*)(int)>(dlsym(RTLD_NEXT, "close"));
  if (fd >= 0 && fd < kMaxFd && pending[fd]) {
    std::free(pending[fd]);
    pending[fd] = nullptr;
  }
  return real(fd);
}
