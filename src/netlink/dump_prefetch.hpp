// DumpPrefetch: one sock_diag dump read on a second thread, over a second
// socket, while the caller is still busy with the dump before it. The kernel
// builds a dump's replies inside the recvmsg that asks for them (netlink_dump
// runs from netlink_recvmsg), in the reading thread's time: a TCP dump of v4
// then v6 costs the two kernel walks one after the other. Read on two threads,
// the v6 walk runs on the other CPU while the caller parses and prints v4
// (at 100k sockets the kernel's share is most of `ss -tan`'s time).
//
// The replies wait in chunks of copied messages, at most `cap` bytes of them
// (the reader pauses there), so memory stays bounded whatever the table size.
// consume() hands them out in order, exactly as DiagSocket::dump_stoppable
// would have: same messages, same DumpStatus. Destroying a DumpPrefetch that
// was not consumed to its end stops the reader; the socket is left dirty and
// reads the rest out before its next request (DiagSocket::drain).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "core/expected.hpp"
#include "netlink/diag_socket.hpp"

namespace sw {

class DumpPrefetch {
 public:
  // Starts the dump of `req` (complete request bytes) on `sock` at once.
  // `sock` must outlive this object and is used by nothing else meanwhile.
  DumpPrefetch(DiagSocket& sock, std::vector<uint8_t> req, size_t cap);
  DumpPrefetch(const DumpPrefetch&) = delete;
  DumpPrefetch& operator=(const DumpPrefetch&) = delete;
  ~DumpPrefetch();

  const std::vector<uint8_t>& request() const { return req_; }

  // Every reply message in order (waiting for those not read yet). on_msg
  // may stop: the call returns at once with `stopped` set. Call once.
  Expected<DumpStatus> consume(const DiagSocket::StoppableMessageFn& on_msg);

 private:
  void run();
  void push(std::vector<uint8_t>&& chunk);

  DiagSocket* sock_;
  std::vector<uint8_t> req_;
  size_t cap_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<uint8_t>> chunks_;
  size_t queued_ = 0;  // bytes in chunks_
  bool done_ = false;  // the reader has finished (result_ is set)
  // The consumer wants no more: written under mu_ (no lost wakeup), read
  // without it by the reader once per message.
  std::atomic<bool> cancel_{false};
  Expected<DumpStatus> result_{DumpStatus{}};
  std::thread reader_;
};

}  // namespace sw
