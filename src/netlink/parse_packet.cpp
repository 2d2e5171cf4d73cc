// packet_diag_msg -> SocketRecord (AF_PACKET, tables p_raw / p_dgr).
// Every attribute payload is checked against the size of the struct it holds:
// ss reads RTA_DATA blindly, we refuse short payloads with an Error instead.
#include <fmt/format.h>
#include <linux/filter.h>
#include <linux/packet_diag.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <cstring>

#include "netlink/parse.hpp"

namespace sw {

namespace {

template <typename T>
T load(std::string_view p) {
  T v{};
  std::memcpy(&v, p.data(), sizeof(T));
  return v;
}

const char* attr_name(uint16_t type) {
  switch (type) {
    case PACKET_DIAG_INFO:
      return "PACKET_DIAG_INFO";
    case PACKET_DIAG_MCLIST:
      return "PACKET_DIAG_MCLIST";
    case PACKET_DIAG_RX_RING:
      return "PACKET_DIAG_RX_RING";
    case PACKET_DIAG_TX_RING:
      return "PACKET_DIAG_TX_RING";
    case PACKET_DIAG_FANOUT:
      return "PACKET_DIAG_FANOUT";
    case PACKET_DIAG_UID:
      return "PACKET_DIAG_UID";
    case PACKET_DIAG_MEMINFO:
      return "PACKET_DIAG_MEMINFO";
    default:
      return "PACKET_DIAG_FILTER";
  }
}

}  // namespace

Expected<SocketRecord> parse_packet_msg(const nlmsghdr& h) {
  if (h.nlmsg_len < NLMSG_LENGTH(sizeof(packet_diag_msg)))
    return Error{fmt::format("packet_diag message: truncated ({} bytes)", h.nlmsg_len), EBADMSG};
  packet_diag_msg m;
  std::memcpy(&m, NLMSG_DATA(&h), sizeof m);
  if (m.pdiag_family != AF_PACKET)
    return Error{fmt::format("packet_diag message: family {} is not AF_PACKET", m.pdiag_family),
                 EBADMSG};

  SocketRecord r;
  r.family = AF_PACKET;
  r.table = m.pdiag_type == SOCK_RAW ? Table::PacketRaw : Table::PacketDgram;
  r.state = kClose;  // ss always shows packet sockets as UNCONN
  r.inode = m.pdiag_ino;
  // ss's cookie_sk_get(): cookie[1] is the high word.
  r.cookie = (uint64_t{m.pdiag_cookie[1]} << 32) | m.pdiag_cookie[0];
  auto& p = r.ensure_packet();
  p.type = m.pdiag_type;
  p.protocol = m.pdiag_num;  // the kernel already converted po->num to host order

  const auto* base = reinterpret_cast<const uint8_t*>(NLMSG_DATA(&h));
  size_t total = h.nlmsg_len - NLMSG_HDRLEN;
  size_t start = NLMSG_ALIGN(sizeof(packet_diag_msg));
  size_t len = start < total ? total - start : 0;

  // Like iproute2's parse_rtattr, the first attribute of a type wins.
  uint32_t seen = 0;
  const char* short_attr = nullptr;
  size_t short_len = 0;
  bool ok = for_each_attr(base + start, len, [&](uint16_t type, std::string_view a) {
    if (type > PACKET_DIAG_FILTER || short_attr) return;
    uint32_t bit = 1u << type;
    if (seen & bit) return;
    seen |= bit;
    auto need = [&](size_t n) {
      if (a.size() >= n) return true;
      short_attr = attr_name(type);
      short_len = a.size();
      return false;
    };
    switch (type) {
      case PACKET_DIAG_INFO:
        if (need(sizeof(packet_diag_info))) {
          p.info = load<packet_diag_info>(a);
          r.ifindex = p.info->pdi_index;
          // ss keeps the ifindex in the "port" too (sport filters, autobound).
          r.lport = static_cast<uint16_t>(p.info->pdi_index);
        }
        break;
      case PACKET_DIAG_MCLIST:
        // An array; ss prints none of it, keep the first entry for JSON.
        if (a.size() >= sizeof(packet_diag_mclist)) p.mclist = load<packet_diag_mclist>(a);
        break;
      case PACKET_DIAG_RX_RING:
        if (need(sizeof(packet_diag_ring))) p.rx_ring = load<packet_diag_ring>(a);
        break;
      case PACKET_DIAG_TX_RING:
        if (need(sizeof(packet_diag_ring))) p.tx_ring = load<packet_diag_ring>(a);
        break;
      case PACKET_DIAG_FANOUT:
        if (need(sizeof(uint32_t))) p.fanout = load<uint32_t>(a);
        break;
      case PACKET_DIAG_UID:
        if (need(sizeof(uint32_t))) r.uid = load<uint32_t>(a);
        break;
      case PACKET_DIAG_MEMINFO:
        if (need(sizeof(uint32_t) * (SK_MEMINFO_RMEM_ALLOC + 1))) {
          p.skmem.resize(a.size() / sizeof(uint32_t));
          std::memcpy(p.skmem.data(), a.data(), p.skmem.size() * sizeof(uint32_t));
          r.rqueue = p.skmem[SK_MEMINFO_RMEM_ALLOC];
        }
        break;
      case PACKET_DIAG_FILTER:
        // An array of struct sock_filter; a ragged tail is ignored, as ss does.
        p.filter.assign(a.substr(0, a.size() - a.size() % sizeof(sock_filter)));
        p.has_filter = true;
        break;
      default:
        break;
    }
  });
  if (!ok) return Error{"packet_diag message: malformed attribute", EBADMSG};
  if (short_attr)
    return Error{fmt::format("packet_diag message: {} attribute too short ({} bytes)", short_attr,
                             short_len),
                 EBADMSG};
  return r;
}

}  // namespace sw
