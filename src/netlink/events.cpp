#include "netlink/events.hpp"

#include <fmt/format.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "netlink/parse.hpp"

namespace sw {

Expected<void> listen_destroy_events(const EventGroups& groups,
                                     const std::function<bool(SocketRecord&&)>& on_event,
                                     const std::function<void()>& on_overrun) {
  mnl_socket* s = mnl_socket_open(NETLINK_SOCK_DIAG);
  if (!s) return Error{fmt::format("sock_diag socket: {}", std::strerror(errno)), errno};
  struct Closer {
    mnl_socket* s;
    ~Closer() { mnl_socket_close(s); }
  } closer{s};
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
    return Error{fmt::format("sock_diag bind: {}", std::strerror(errno)), errno};
  auto join = [&](bool on, int group) -> Expected<void> {
    if (!on) return {};
    if (mnl_socket_setsockopt(s, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0)
      return Error{
          fmt::format("joining sock_diag destroy group {}: {}", group, std::strerror(errno)),
          errno};
    return {};
  };
  for (auto r :
       {join(groups.tcp4, SKNLGRP_INET_TCP_DESTROY), join(groups.udp4, SKNLGRP_INET_UDP_DESTROY),
        join(groups.tcp6, SKNLGRP_INET6_TCP_DESTROY), join(groups.udp6, SKNLGRP_INET6_UDP_DESTROY)})
    if (!r) return r.error();

  std::vector<uint8_t> buf(64 * 1024);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(s, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        on_overrun();
        continue;
      }
      return Error{fmt::format("sock_diag events: {}", std::strerror(errno)), errno};
    }
    auto remaining = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(buf.data()); NLMSG_OK(h, remaining);
         h = NLMSG_NEXT(h, remaining)) {
      if (h->nlmsg_type < NLMSG_MIN_TYPE) continue;
      auto rec = parse_inet_msg(*h, Table::Tcp);
      if (!rec) continue;  // a malformed event is skipped, never fatal
      // The event does not say which table; INET_DIAG_PROTOCOL does.
      if (rec->protocol == IPPROTO_UDP) rec->table = Table::Udp;
      if (!on_event(std::move(*rec))) return {};
    }
  }
}

}  // namespace sw
