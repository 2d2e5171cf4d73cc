#include "core/tables.hpp"

#include <strings.h>
#include <sys/socket.h>

#include <array>

namespace sw {

namespace {
constexpr uint64_t fam(int af) { return uint64_t{1} << af; }
constexpr uint64_t kInetFams = fam(AF_INET) | fam(AF_INET6);
constexpr uint32_t kTipcConn = state_bit(kEstablished) | state_bit(kListen) | state_bit(kClose);

constexpr uint32_t tb(Table t) { return table_bit(t); }
constexpr uint32_t kInetTables = tb(Table::Tcp) | tb(Table::Mptcp) | tb(Table::Udp) |
                                 tb(Table::Dccp) | tb(Table::Sctp) | tb(Table::Raw);
constexpr uint32_t kUnixTables = tb(Table::UnixDgram) | tb(Table::UnixStream) | tb(Table::UnixSeq);
}  // namespace

std::string_view state_name(int state) {
  static constexpr std::array<std::string_view, kStateMax> kNames = {
      "UNKNOWN",   "ESTAB",  "SYN-SENT",   "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",
      "TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN",     "CLOSING"};
  if (state < 0 || state >= kStateMax) return "UNKNOWN";
  return kNames[static_cast<size_t>(state)];
}

std::string_view table_netid(Table t) {
  switch (t) {
    case Table::Tcp:
      return "tcp";
    case Table::Mptcp:
      return "mptcp";
    case Table::Dccp:
      return "dccp";
    case Table::Udp:
      return "udp";
    case Table::Raw:
      return "raw";
    case Table::UnixDgram:
      return "u_dgr";
    case Table::UnixStream:
      return "u_str";
    case Table::UnixSeq:
      return "u_seq";
    case Table::PacketDgram:
      return "p_dgr";
    case Table::PacketRaw:
      return "p_raw";
    case Table::Netlink:
      return "nl";
    case Table::Sctp:
      return "sctp";
    case Table::VsockStream:
      return "v_str";
    case Table::VsockDgram:
      return "v_dgr";
    case Table::Tipc:
      return "tipc";
    case Table::Xdp:
      return "xdp";
    case Table::Count:
      break;
  }
  return "unknown";
}

uint32_t table_default_states(Table t) {
  switch (t) {
    case Table::Udp:
    case Table::Raw:
      return state_bit(kEstablished);
    case Table::UnixDgram:
    case Table::PacketDgram:
    case Table::PacketRaw:
    case Table::Netlink:
    case Table::Xdp:
      return state_bit(kClose);
    case Table::Tipc:
      return kTipcConn;
    default:
      return kConnStates;
  }
}

uint64_t table_default_families(Table t) {
  switch (t) {
    case Table::UnixDgram:
    case Table::UnixStream:
    case Table::UnixSeq:
      return fam(AF_UNIX);
    case Table::PacketDgram:
    case Table::PacketRaw:
      return fam(AF_PACKET);
    case Table::Netlink:
      return fam(AF_NETLINK);
    case Table::VsockStream:
    case Table::VsockDgram:
      return fam(AF_VSOCK);
    case Table::Tipc:
      return fam(AF_TIPC);
    case Table::Xdp:
      return fam(AF_XDP);
    default:
      return kInetFams;
  }
}

uint32_t family_default_tables(int af) {
  switch (af) {
    case AF_INET:
    case AF_INET6:
      return kInetTables;
    case AF_UNIX:
      return kUnixTables;
    case AF_PACKET:
      return tb(Table::PacketDgram) | tb(Table::PacketRaw);
    case AF_NETLINK:
      return tb(Table::Netlink);
    case AF_VSOCK:
      return tb(Table::VsockStream) | tb(Table::VsockDgram);
    case AF_TIPC:
      return tb(Table::Tipc);
    case AF_XDP:
      return tb(Table::Xdp);
    default:
      return 0;
  }
}

uint32_t family_default_states(int af) {
  switch (af) {
    case AF_PACKET:
    case AF_NETLINK:
    case AF_XDP:
      return state_bit(kClose);
    case AF_TIPC:
      return kTipcConn;
    case AF_INET:
    case AF_INET6:
    case AF_UNIX:
    case AF_VSOCK:
      return kConnStates;
    default:
      return 0;
  }
}

int64_t scan_state(const char* s) {
  if (!strcasecmp(s, "close") || !strcasecmp(s, "closed")) return state_bit(kClose);
  if (!strcasecmp(s, "syn-rcv")) return state_bit(kSynRecv);
  if (!strcasecmp(s, "established")) return state_bit(kEstablished);
  if (!strcasecmp(s, "all")) return kAllStates;
  if (!strcasecmp(s, "connected")) return kAllStates & ~(state_bit(kClose) | state_bit(kListen));
  if (!strcasecmp(s, "synchronized"))
    return kAllStates & ~(state_bit(kClose) | state_bit(kListen) | state_bit(kSynSent));
  if (!strcasecmp(s, "bucket")) return state_bit(kSynRecv) | state_bit(kTimeWait);
  if (!strcasecmp(s, "big")) return kAllStates & ~(state_bit(kSynRecv) | state_bit(kTimeWait));
  static const char* const kNames[kStateMax] = {
      "UNKNOWN",   "established", "syn-sent",   "syn-recv", "fin-wait-1", "fin-wait-2",
      "time-wait", "unconnected", "close-wait", "last-ack", "listening",  "closing"};
  for (int i = 0; i < kStateMax; ++i)
    if (!strcasecmp(s, kNames[i])) return state_bit(i);
  return -1;
}

}  // namespace sw
