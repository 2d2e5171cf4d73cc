#include "netlink/diag_socket.hpp"

#include <fmt/format.h>
#include <libmnl/libmnl.h>
#include <linux/sock_diag.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "netlink/parse.hpp"

namespace sw {

namespace {
// The kernel caps a dump skb at 32 KiB of payload; a bigger user buffer costs
// nothing and leaves room for one oversized message (tcp_info + ulp).
constexpr size_t kRecvBuffer = 64 * 1024;
// A running dump always has its next skb queued (the kernel queues one per
// read), so a drain that waits this long found a dump whose end was lost
// (a failed receive): an error instead of a hang.
constexpr int kDrainWaitMs = 10000;

struct RecvBuffer {
  std::unique_ptr<uint8_t[]> p = std::make_unique_for_overwrite<uint8_t[]>(kRecvBuffer);
  uint8_t* data() { return p.get(); }
  static constexpr size_t size() { return kRecvBuffer; }
};

bool ends_dump(const nlmsghdr& h) {
  return h.nlmsg_type == NLMSG_DONE || h.nlmsg_type == NLMSG_ERROR;
}
}  // namespace

DiagSocket::DiagSocket(mnl_socket* s) : sock_(s), portid_(mnl_socket_get_portid(s)) {}

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

DiagSocket::DiagSocket(DiagSocket&& o) noexcept
    : sock_(o.sock_),
      portid_(o.portid_),
      seq_(o.seq_),
      cur_seq_(o.cur_seq_),
      dirty_(o.dirty_),
      skipped_total_(o.skipped_total_) {
  o.sock_ = nullptr;
}

DiagSocket& DiagSocket::operator=(DiagSocket&& o) noexcept {
  if (this != &o) {
    if (sock_) mnl_socket_close(sock_);
    sock_ = o.sock_;
    portid_ = o.portid_;
    seq_ = o.seq_;
    cur_seq_ = o.cur_seq_;
    dirty_ = o.dirty_;
    skipped_total_ = o.skipped_total_;
    o.sock_ = nullptr;
  }
  return *this;
}

DiagSocket::~DiagSocket() {
  if (sock_) mnl_socket_close(sock_);
}

Expected<void> DiagSocket::send(const void* req, size_t len) {
  if (len < sizeof(nlmsghdr))
    return Error{"sock_diag send: request shorter than its header", EINVAL};
  // The caller's bytes stay untouched (they may be reused); the copy carries
  // this request's own sequence number.
  std::vector<uint8_t> bytes(static_cast<const uint8_t*>(req),
                             static_cast<const uint8_t*>(req) + len);
  uint32_t seq = seq_;
  std::memcpy(bytes.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq);
  if (mnl_socket_sendto(sock_, bytes.data(), bytes.size()) < 0)
    return Error{fmt::format("sock_diag send: {}", std::strerror(errno)), errno};
  cur_seq_ = seq;
  ++seq_;
  return {};
}

Expected<uint64_t> DiagSocket::drain() {
  if (!dirty_) return uint64_t{0};
  // The abandoned dump is still running in the kernel, which queues its next
  // skb only when one is read: blocking reads end at its DONE (or ERROR).
  RecvBuffer buf;
  uint64_t skipped = 0;
  for (;;) {
    pollfd p{mnl_socket_get_fd(sock_), POLLIN, 0};
    int ready = ::poll(&p, 1, kDrainWaitMs);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0)
      return Error{"sock_diag: an abandoned dump never ended (its NLMSG_DONE was lost)", ETIMEDOUT};
    ssize_t n = ready < 0 ? -1 : mnl_socket_recvfrom(sock_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{
          fmt::format("sock_diag receive (draining an abandoned dump): {}", std::strerror(errno)),
          errno};
    }
    if (n == 0) break;
    bool ended = false;
    auto remaining = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf.data()); NLMSG_OK(h, remaining);
         h = NLMSG_NEXT(h, remaining)) {
      ++skipped;
      if (h->nlmsg_seq == cur_seq_ && h->nlmsg_pid == portid_ && ends_dump(*h)) ended = true;
    }
    if (ended) break;
  }
  dirty_ = false;
  skipped_total_ += skipped;
  return skipped;
}

Expected<DumpStatus> DiagSocket::dump(const void* req, size_t len, const MessageFn& on_msg,
                                      const BufferFn& on_buffer) {
  StoppableMessageFn fn = [&on_msg](const nlmsghdr& h) {
    on_msg(h);
    return DumpControl::kContinue;
  };
  return dump_stoppable(req, len, fn, on_buffer);
}

Expected<DumpStatus> DiagSocket::dump_stoppable(const void* req, size_t len,
                                                const StoppableMessageFn& on_msg,
                                                const BufferFn& on_buffer) {
  DumpStatus status;
  if (dirty_) {
    auto d = drain();
    if (!d) return d.error();
    status.skipped += *d;
  }
  if (auto s = send(req, len); !s) return s.error();
  // Until DONE/ERROR arrives, a return leaves replies in flight: dirty.
  dirty_ = true;
  // Not zero-filled: the kernel writes what it sends, and a small dump (a
  // selective query) then touches one page of it rather than sixteen.
  RecvBuffer buf;
  auto mine = [&](const nlmsghdr& h) { return h.nlmsg_seq == cur_seq_ && h.nlmsg_pid == portid_; };
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock_, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{fmt::format("sock_diag receive: {}", std::strerror(errno)), errno};
    }
    if (n == 0) {
      dirty_ = false;
      return status;
    }
    // A buffer is one kernel skb, and an skb holds one dump's messages: only
    // this request's go to the recorder.
    const auto* first = reinterpret_cast<const nlmsghdr*>(buf.data());
    if (on_buffer && static_cast<size_t>(n) >= sizeof(nlmsghdr) && mine(*first))
      on_buffer(buf.data(), static_cast<size_t>(n));
    // Walk the messages by hand: we need NLM_F_DUMP_INTR from every header,
    // which mnl_cb_run turns into a hard error.
    auto remaining = static_cast<int>(n);
    for (auto* h = first; NLMSG_OK(h, remaining); h = NLMSG_NEXT(h, remaining)) {
      if (!mine(*h)) {
        ++status.skipped;
        ++skipped_total_;
        continue;
      }
      if (h->nlmsg_flags & NLM_F_DUMP_INTR) status.interrupted = true;
      if (h->nlmsg_type == NLMSG_DONE) {
        // A dump that failed in the kernel (e.g. no raw_diag/dccp/sctp handler:
        // -ENOENT) ends with a DONE whose payload is the negative errno.
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
          int err;
          std::memcpy(&err, NLMSG_DATA(h), sizeof err);
          if (err < 0) status.kernel_error = -err;
        }
        dirty_ = false;
        return status;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr))) {
          const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
          status.kernel_error = nlmsgerr_errno(err->error);
        } else {
          status.kernel_error = EBADMSG;
        }
        dirty_ = false;
        return status;
      }
      if (h->nlmsg_type == NLMSG_NOOP || status.stopped) continue;
      if (on_msg(*h) == DumpControl::kStop) status.stopped = true;
    }
    // Stopped, and this buffer did not hold the end: the rest stays queued
    // in the kernel; dirty_ makes the next request read it out first.
    if (status.stopped) return status;
  }
}

uint64_t DiagSocket::netns_cookie() const {
  uint64_t cookie = 0;
  socklen_t len = sizeof cookie;
  if (getsockopt(mnl_socket_get_fd(sock_), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0)
    return 0;
  return cookie;
}

Expected<void> DiagSocket::request_ack(const void* req, size_t len) {
  if (dirty_) {
    auto d = drain();
    if (!d) return d.error();
  }
  if (auto s = send(req, len); !s) return s.error();
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
      if (h->nlmsg_seq != cur_seq_ || h->nlmsg_pid != portid_) {
        ++skipped_total_;
        continue;
      }
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
