// DiagSocket: the only code that talks NETLINK_SOCK_DIAG to the kernel.
// Sends one dump request and hands every reply message to a callback, with a
// receive buffer sized for dumps (the kernel fills skbs up to 32 KiB; libmnl's
// 8 KiB default would double the recvmsg count). NLM_F_DUMP_INTR marks a dump
// that raced with table changes: the caller decides whether to retry.
//
// One socket serves many requests (a live engine dumps every second for
// hours), so each request carries its own sequence number, and replies whose
// nlmsg_seq or nlmsg_pid are not the current request's are skipped and
// counted. The first request uses ss's MAGIC_SEQ (123456), so a one-dump
// recording (ss -D) looks like ss's; later ones count up from there.
//
// A dump left part-way (the callback asked to stop, or a receive failed)
// leaves the kernel's dump running on this socket: the kernel answers a new
// dump request with EBUSY until the old one is read to its NLMSG_DONE. The
// socket marks itself dirty then, and the next request first reads the old
// dump out (its messages are counted as skipped, never handed to a caller).
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
  bool stopped = false;      // the callback asked to stop before the dump ended
  // Messages read during this call that belonged to no current request: the
  // rest of an earlier abandoned dump, or a reply with a foreign seq/pid.
  uint64_t skipped = 0;
};

// What a message callback wants next.
enum class DumpControl { kContinue, kStop };

class DiagSocket {
 public:
  static Expected<DiagSocket> open();
  DiagSocket(DiagSocket&& o) noexcept;
  DiagSocket& operator=(DiagSocket&& o) noexcept;
  DiagSocket(const DiagSocket&) = delete;
  DiagSocket& operator=(const DiagSocket&) = delete;
  ~DiagSocket();

  using MessageFn = std::function<void(const nlmsghdr&)>;
  using StoppableMessageFn = std::function<DumpControl(const nlmsghdr&)>;
  using BufferFn = std::function<void(const uint8_t*, size_t)>;

  // Sends `req` (a complete nlmsghdr + payload, flags set by the caller; its
  // nlmsg_seq is replaced by this socket's next sequence number) and reads
  // replies until NLMSG_DONE or NLMSG_ERROR. on_buffer, when set, sees every
  // recvmsg buffer of this request verbatim (that is what ss -D writes).
  Expected<DumpStatus> dump(const void* req, size_t len, const MessageFn& on_msg,
                            const BufferFn& on_buffer = {});
  // The same, and the callback may return kStop: the call then returns at
  // once with `stopped` set, without reading the rest (see dirty()). (Its own
  // name: a lambda returning DumpControl also converts to MessageFn.)
  Expected<DumpStatus> dump_stoppable(const void* req, size_t len, const StoppableMessageFn& on_msg,
                                      const BufferFn& on_buffer = {});

  // Sends a request with NLM_F_ACK and waits for the ack (SOCK_DESTROY).
  Expected<void> request_ack(const void* req, size_t len);

  // True when an abandoned dump still has replies in flight; the next
  // request reads them out first. drain() does that now and returns how many
  // messages it skipped (a caller that wants the cost off its next tick).
  bool dirty() const { return dirty_; }
  Expected<uint64_t> drain();

  // Sequence number the next request will carry; the socket's netlink port id.
  uint32_t next_seq() const { return seq_; }
  uint32_t portid() const { return portid_; }
  // Messages skipped over this socket's life (stale or foreign replies).
  uint64_t skipped_total() const { return skipped_total_; }
  // The network namespace the socket belongs to (SO_NETNS_COOKIE, Linux
  // 5.14), 0 when the kernel cannot say.
  uint64_t netns_cookie() const;

 private:
  explicit DiagSocket(mnl_socket* s);
  // Sends req with the next sequence number; sets cur_seq_.
  Expected<void> send(const void* req, size_t len);
  mnl_socket* sock_ = nullptr;
  uint32_t portid_ = 0;
  uint32_t seq_ = 123456;  // ss's MAGIC_SEQ for the first request
  uint32_t cur_seq_ = 0;   // the request being read (or abandoned, when dirty_)
  bool dirty_ = false;
  uint64_t skipped_total_ = 0;
};

}  // namespace sw
