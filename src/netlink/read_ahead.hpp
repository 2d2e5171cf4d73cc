// ReadAhead: a second thread that receives a running sock_diag dump into a few
// buffers while the caller's thread parses the ones before. The kernel builds
// a dump's next skb inside the recvmsg that reads the previous one
// (netlink_recvmsg -> netlink_dump), so at 100k sockets about half of a
// `-tani` is kernel time spent in recvmsg; on two CPUs that half and the
// parsing/formatting half overlap instead of adding up. Bounded: kSlots
// buffers, the reader waits while all are full. Internal to DiagSocket, which
// owns the socket and every decision about the dump's messages; the reader
// only looks for the buffer that ends the dump, to stop there.
#pragma once

#include <sys/types.h>

#include <array>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

struct mnl_socket;

namespace sw {

class ReadAhead {
 public:
  struct Buffer {
    std::vector<uint8_t> data;
    ssize_t n = 0;  // recvfrom's result
    int err = 0;    // its errno when n < 0
  };
  // Starts reading `sock`; a buffer holding NLMSG_DONE or NLMSG_ERROR of
  // (seq, portid), a failed or empty read ends the reading.
  ReadAhead(mnl_socket* sock, uint32_t seq, uint32_t portid, size_t buffer_size);
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // The next buffer in order (waits for it); valid until the next call or
  // stop(). Not called again after a buffer that ended the reading.
  const Buffer& next();
  // Stops and joins the reader. `unread_messages`: messages in buffers it
  // read that next() never returned (a caller that stopped early counts them
  // as skipped, as a drain would have); `read_end`: whether it read the
  // buffer that ends the dump (else the rest is still queued in the kernel).
  void stop(uint64_t& unread_messages, bool& read_end);

  // Whether a second thread can help: more than one CPU online.
  static bool worth_it();

 private:
  void run();
  static constexpr size_t kSlots = 4;
  mnl_socket* sock_;
  uint32_t seq_, portid_;
  std::array<Buffer, kSlots> slots_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t head_ = 0;       // next slot next() returns
  size_t filled_ = 0;     // slots read and not yet released (the one next() returned included)
  bool holding_ = false;  // next() returned slots_[head_] and it is not released yet
  bool stop_ = false;
  bool ended_ = false;  // the reader read its last buffer
  bool read_end_ = false;
  std::thread thread_;
};

}  // namespace sw
