// Destroy events (ss -E): a sock_diag socket joined to the SKNLGRP_*_DESTROY
// multicast groups; the kernel sends one inet_diag_msg when a TCP/UDP socket
// object is freed. Reads until the callback says stop or an error occurs.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/expected.hpp"
#include "core/socket_record.hpp"
#include "netlink/source.hpp"

namespace sw {

struct EventGroups {
  bool tcp4 = false, udp4 = false, tcp6 = false, udp6 = false;
  bool any() const { return tcp4 || udp4 || tcp6 || udp6; }
};

// Destroy events travel through the same seam as dumped records.
using EventSink = RecordSink;

// One sock_diag socket joined to the destroy groups of the network namespace
// it was opened in (it stays bound to that namespace after a setns).
class EventListener {
 public:
  static Expected<EventListener> open(const EventGroups& groups);
  EventListener(EventListener&& o) noexcept : fd_(o.fd_), buf_(std::move(o.buf_)) { o.fd_ = -1; }
  EventListener& operator=(EventListener&&) = delete;
  EventListener(const EventListener&) = delete;
  ~EventListener();
  int fd() const { return fd_; }
  // One blocking receive: hands every event in it to on_event. Returns false
  // when on_event asked to stop. ENOBUFS (the kernel dropped events because
  // we were slow) goes to on_overrun and is not an error.
  Expected<bool> receive(const EventSink& on_event, const std::function<void()>& on_overrun);
  // Everything queued now, without blocking: the number of events handed to
  // on_event (which may not stop the drain).
  Expected<uint64_t> drain(const std::function<void(SocketRecord&&)>& on_event,
                           const std::function<void()>& on_overrun);
  // A larger receive queue, so a busy consumer overruns later: SO_RCVBUFFORCE
  // (CAP_NET_ADMIN) and, refused that, SO_RCVBUF up to rmem_max. The size granted.
  int set_receive_buffer(int bytes);

 private:
  explicit EventListener(int fd) : fd_(fd) {}
  int fd_;
  std::vector<uint8_t> buf_ = std::vector<uint8_t>(64 * 1024);
};

// on_event returns false to stop. ENOBUFS (the kernel dropped events because
// we were slow) is reported through on_overrun and listening continues.
Expected<void> listen_destroy_events(const EventGroups& groups,
                                     const std::function<bool(SocketRecord&&)>& on_event,
                                     const std::function<void()>& on_overrun);

}  // namespace sw
