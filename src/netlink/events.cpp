#include "netlink/events.hpp"

#include <fmt/format.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "netlink/parse.hpp"

namespace sw {

Expected<EventListener> EventListener::open(const EventGroups& groups) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return Error{fmt::format("sock_diag socket: {}", std::strerror(errno)), errno};
  EventListener l(fd);
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;  // port id chosen by the kernel
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    return Error{fmt::format("sock_diag bind: {}", std::strerror(errno)), errno};
  for (auto [on, group] : {std::pair{groups.tcp4, SKNLGRP_INET_TCP_DESTROY},
                           std::pair{groups.udp4, SKNLGRP_INET_UDP_DESTROY},
                           std::pair{groups.tcp6, SKNLGRP_INET6_TCP_DESTROY},
                           std::pair{groups.udp6, SKNLGRP_INET6_UDP_DESTROY}}) {
    int g = group;
    if (on && setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof g) < 0)
      return Error{fmt::format("joining sock_diag destroy group {}: {}", g, std::strerror(errno)),
                   errno};
  }
  return l;
}

EventListener::~EventListener() {
  if (fd_ >= 0) close(fd_);
}

Expected<bool> EventListener::receive(const EventSink& on_event,
                                      const std::function<void()>& on_overrun) {
  ssize_t n;
  do {
    n = recv(fd_, buf_.data(), buf_.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == ENOBUFS) {
      on_overrun();
      return true;
    }
    return Error{fmt::format("sock_diag events: {}", std::strerror(errno)), errno};
  }
  auto remaining = static_cast<int>(n);
  for (auto* h = reinterpret_cast<const nlmsghdr*>(buf_.data()); NLMSG_OK(h, remaining);
       h = NLMSG_NEXT(h, remaining)) {
    if (h->nlmsg_type < NLMSG_MIN_TYPE) continue;
    auto rec = parse_inet_msg(*h, Table::Tcp);
    if (!rec) continue;  // a malformed event is skipped, never fatal
    // The event does not say which table; INET_DIAG_PROTOCOL does.
    if (rec->protocol == IPPROTO_UDP) rec->table = Table::Udp;
    if (!on_event(std::move(*rec))) return false;
  }
  return true;
}

Expected<uint64_t> EventListener::drain(const std::function<void(SocketRecord&&)>& on_event,
                                        const std::function<void()>& on_overrun) {
  uint64_t count = 0;
  for (;;) {
    ssize_t n = recv(fd_, buf_.data(), buf_.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return count;
      if (errno == ENOBUFS) {
        on_overrun();
        continue;
      }
      return Error{fmt::format("sock_diag events: {}", std::strerror(errno)), errno};
    }
    auto remaining = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf_.data()); NLMSG_OK(h, remaining);
         h = NLMSG_NEXT(h, remaining)) {
      if (h->nlmsg_type < NLMSG_MIN_TYPE) continue;
      auto rec = parse_inet_msg(*h, Table::Tcp);
      if (!rec) continue;
      if (rec->protocol == IPPROTO_UDP) rec->table = Table::Udp;
      ++count;
      on_event(std::move(*rec));
    }
  }
}

int EventListener::set_receive_buffer(int bytes) {
  if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  int got = 0;
  socklen_t len = sizeof got;
  getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &got, &len);
  return got;
}

Expected<void> listen_destroy_events(const EventGroups& groups, const EventSink& on_event,
                                     const std::function<void()>& on_overrun) {
  auto l = EventListener::open(groups);
  if (!l) return l.error();
  for (;;) {
    auto r = l->receive(on_event, on_overrun);
    if (!r) return r.error();
    if (!*r) return {};
  }
}

}  // namespace sw
