// Fuzzes the sock_diag reply parsers on hostile bytes, message by message, for
// every table (what a replayed dump file or a hostile kernel could send).
#include <linux/netlink.h>

#include <cstring>
#include <vector>

#include "netlink/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  auto table = static_cast<sw::Table>(data[0] % static_cast<uint8_t>(sw::Table::Count));
  ++data;
  --size;
  size_t off = 0;
  std::vector<uint64_t> buf;
  // off may pass size by the alignment padding of the last message.
  while (off < size && size - off >= sizeof(nlmsghdr)) {
    nlmsghdr h;
    std::memcpy(&h, data + off, sizeof h);
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > size - off) break;
    buf.assign((h.nlmsg_len + 7) / 8, 0);
    std::memcpy(buf.data(), data + off, h.nlmsg_len);
    (void)sw::parse_reply(*reinterpret_cast<const nlmsghdr*>(buf.data()), table);
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  return 0;
}
