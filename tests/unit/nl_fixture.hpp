// Builds sock_diag reply messages byte by byte for parser and replay tests.
#pragma once

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace sw::test {

class NlMsg {
 public:
  explicit NlMsg(uint16_t type = SOCK_DIAG_BY_FAMILY) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_seq = 123456;
    put(h);
  }
  template <typename T>
  NlMsg& put(const T& v) {
    // resize+memcpy rather than insert: g++ 12 -Wstringop-overflow misfires on insert.
    size_t at = b_.size();
    b_.resize(at + sizeof(T));
    std::memcpy(b_.data() + at, &v, sizeof(T));
    return *this;
  }
  NlMsg& attr(uint16_t type, const void* data, size_t len) {
    nlattr a{};
    a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
    a.nla_type = type;
    put(a);
    size_t at = b_.size();
    b_.resize(NLMSG_ALIGN(at + len), 0);
    if (len) std::memcpy(b_.data() + at, data, len);
    return *this;
  }
  template <typename T>
  NlMsg& attr(uint16_t type, const T& v) {
    return attr(type, &v, sizeof v);
  }
  std::vector<uint8_t> bytes() const {
    auto b = b_;
    uint32_t len = static_cast<uint32_t>(b.size());
    std::memcpy(b.data(), &len, 4);
    b.resize(NLMSG_ALIGN(b.size()), 0);
    return b;
  }
  const nlmsghdr& hdr() {
    buf_ = bytes();
    return *reinterpret_cast<const nlmsghdr*>(buf_.data());
  }

 private:
  std::vector<uint8_t> b_;
  std::vector<uint8_t> buf_;
};

inline inet_diag_msg tcp_msg(uint8_t family, uint8_t state, uint16_t sport, uint16_t dport) {
  inet_diag_msg m{};
  m.idiag_family = family;
  m.idiag_state = state;
  m.id.idiag_sport = htons(sport);
  m.id.idiag_dport = htons(dport);
  m.id.idiag_src[0] = htonl(0x7f000001);
  m.id.idiag_dst[0] = htonl(0x7f000001);
  m.idiag_inode = 4242;
  m.id.idiag_cookie[0] = 0x10;
  m.id.idiag_cookie[1] = 0x2;
  return m;
}

}  // namespace sw::test
