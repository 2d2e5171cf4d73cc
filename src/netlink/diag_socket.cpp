#include "netlink/diag_socket.hpp"

#include <fmt/format.h>
#include <libmnl/libmnl.h>
#include <linux/sock_diag.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "netlink/parse.hpp"

namespace sw {

namespace {
// The kernel caps a dump skb at 32 KiB of payload; a bigger user buffer costs
// nothing and leaves room for one oversized message (tcp_info + ulp).
constexpr size_t kRecvBuffer = 64 * 1024;
}  // namespace

Expected<DiagSocket> DiagSocket::open() {
  mnl_socket* s = mnl_socket_open(NETLINK_SOCK_DIAG);
  if (!s) return Error{fmt::format("sock_diag socket: {}", std::strerror(errno)), errno};
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
    int e = errno;
    mnl_socket_close(s);
    return Error{fmt::format("sock_diag bind: {}", std::strerror(e)), e};
  }
  return DiagSocket(s);
}

DiagSocket::DiagSocket(DiagSocket&& o) noexcept : sock_(o.sock_), seq_(o.seq_) {
  o.sock_ = nullptr;
}

DiagSocket& DiagSocket::operator=(DiagSocket&& o) noexcept {
  if (this != &o) {
    if (sock_) mnl_socket_close(sock_);
    sock_ = o.sock_;
    seq_ = o.seq_;
    o.sock_ = nullptr;
  }
  return *this;
}

DiagSocket::~DiagSocket() {
  if (sock_) mnl_socket_close(sock_);
}

Expected<DumpStatus> DiagSocket::dump(const void* req, size_t len, const MessageFn& on_msg,
                                      const BufferFn& on_buffer) {
  if (mnl_socket_sendto(sock_, req, len) < 0)
    return Error{fmt::format("sock_diag send: {}", std::strerror(errno)), errno};

  std::vector<uint8_t> buf(kRecvBuffer);
  DumpStatus status;
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{fmt::format("sock_diag receive: {}", std::strerror(errno)), errno};
    }
    if (n == 0) return status;
    if (on_buffer) on_buffer(buf.data(), static_cast<size_t>(n));
    // Walk the messages by hand: we need NLM_F_DUMP_INTR from every header,
    // which mnl_cb_run turns into a hard error.
    auto remaining = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf.data()); NLMSG_OK(h, remaining);
         h = NLMSG_NEXT(h, remaining)) {
      if (h->nlmsg_flags & NLM_F_DUMP_INTR) status.interrupted = true;
      if (h->nlmsg_type == NLMSG_DONE) {
        // A dump that failed in the kernel (e.g. no raw_diag/dccp/sctp handler:
        // -ENOENT) ends with a DONE whose payload is the negative errno.
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
          int err;
          std::memcpy(&err, NLMSG_DATA(h), sizeof err);
          if (err < 0) status.kernel_error = -err;
        }
        return status;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr))) {
          const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
          status.kernel_error = nlmsgerr_errno(err->error);
        } else {
          status.kernel_error = EBADMSG;
        }
        return status;
      }
      if (h->nlmsg_type == NLMSG_NOOP) continue;
      on_msg(*h);
    }
  }
}

Expected<void> DiagSocket::request_ack(const void* req, size_t len) {
  if (mnl_socket_sendto(sock_, req, len) < 0)
    return Error{fmt::format("sock_diag send: {}", std::strerror(errno)), errno};
  std::vector<uint8_t> buf(8192);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{fmt::format("sock_diag receive: {}", std::strerror(errno)), errno};
    }
    auto remaining = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf.data()); NLMSG_OK(h, remaining);
         h = NLMSG_NEXT(h, remaining)) {
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
        if (err->error == 0) return {};
        int e = nlmsgerr_errno(err->error);
        return Error{std::strerror(e), e};
      }
    }
  }
}

}  // namespace sw
