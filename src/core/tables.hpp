// Socket tables, TCP states and the masks ss builds from them. The numbering of
// Table and of the state bits is ss's own (misc/ss.c), so masks are
// interchangeable with what ss sends to the kernel (idiag_states).
#pragma once

#include <cstdint>
#include <string_view>

namespace sw {

enum class Table : uint8_t {
  Tcp = 0,
  Mptcp,
  Dccp,
  Udp,
  Raw,
  UnixDgram,
  UnixStream,
  UnixSeq,
  PacketDgram,
  PacketRaw,
  Netlink,
  Sctp,
  VsockStream,
  VsockDgram,
  Tipc,
  Xdp,
  Count
};

constexpr uint32_t table_bit(Table t) { return 1u << static_cast<unsigned>(t); }

// Kernel TCP state numbers (include/net/tcp_states.h), used by every family.
enum TcpState : uint8_t {
  kStateUnknown = 0,
  kEstablished = 1,
  kSynSent,
  kSynRecv,
  kFinWait1,
  kFinWait2,
  kTimeWait,
  kClose,
  kCloseWait,
  kLastAck,
  kListen,
  kClosing,
  kStateMax  // 12
};

constexpr uint32_t state_bit(int s) { return 1u << s; }
constexpr uint32_t kAllStates = (1u << kStateMax) - 1;
// ss's SS_CONN: the default for -t, -x, -A: not LISTEN, CLOSE, TIME-WAIT, SYN-RECV.
constexpr uint32_t kConnStates = kAllStates & ~(state_bit(kListen) | state_bit(kClose) |
                                                state_bit(kTimeWait) | state_bit(kSynRecv));

// Text ss prints in the State column ("UNCONN" for CLOSE).
std::string_view state_name(int state);
// Netid column text for a table ("tcp", "u_str", ...).
std::string_view table_netid(Table t);
// Default state mask and family mask of a table (ss's default_dbs).
uint32_t table_default_states(Table t);
uint64_t table_default_families(Table t);
// Default tables and states of an address family (ss's default_afs); 0 if none.
uint32_t family_default_tables(int af);
uint32_t family_default_states(int af);
// ss's scan_state(): the state bits a `state`/`exclude` word names
// ("established", "connected", "bucket"...); -1 for an unknown name.
int64_t scan_state(const char* s);

}  // namespace sw
