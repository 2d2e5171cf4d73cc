// DiagSocket: the only code that talks NETLINK_SOCK_DIAG to the kernel.
// Sends one dump request and hands every reply message to a callback, with a
// receive buffer sized for dumps (the kernel fills skbs up to 32 KiB; libmnl's
// 8 KiB default would double the recvmsg count). NLM_F_DUMP_INTR marks a dump
// that raced with table changes: the caller decides whether to retry.
#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "core/expected.hpp"

struct mnl_socket;

namespace sw {

struct DumpStatus {
  bool interrupted = false;  // some reply carried NLM_F_DUMP_INTR
  int kernel_error = 0;      // errno from an NLMSG_ERROR reply (positive), 0 if none
};

class DiagSocket {
 public:
  static Expected<DiagSocket> open();
  DiagSocket(DiagSocket&& o) noexcept;
  DiagSocket& operator=(DiagSocket&& o) noexcept;
  DiagSocket(const DiagSocket&) = delete;
  DiagSocket& operator=(const DiagSocket&) = delete;
  ~DiagSocket();

  using MessageFn = std::function<void(const nlmsghdr&)>;
  using BufferFn = std::function<void(const uint8_t*, size_t)>;

  // Sends `req` (a complete nlmsghdr + payload, flags set by the caller) and
  // reads replies until NLMSG_DONE or NLMSG_ERROR. on_buffer, when set, sees
  // every recvmsg buffer verbatim (that is what ss -D writes).
  Expected<DumpStatus> dump(const void* req, size_t len, const MessageFn& on_msg,
                            const BufferFn& on_buffer = {});

  // Sends a request with NLM_F_ACK and waits for the ack (SOCK_DESTROY).
  Expected<void> request_ack(const void* req, size_t len);

 private:
  explicit DiagSocket(mnl_socket* s) : sock_(s) {}
  mnl_socket* sock_ = nullptr;
  uint32_t seq_ = 123456;  // ss's MAGIC_SEQ; kept so recorded dumps look like ss's
};

}  // namespace sw
