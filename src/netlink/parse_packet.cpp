// Placeholder until the packet family lands (owned by the packet work).
#include "netlink/parse.hpp"

#include <fmt/format.h>

namespace sw {

Expected<SocketRecord> parse_packet_msg(const nlmsghdr& h) {
  return Error{fmt::format("packet_diag message of {} bytes: not supported yet", h.nlmsg_len), 0};
}

}  // namespace sw
