// Parsers for the /proc text that ss falls back to for AF_PACKET and
// AF_NETLINK sockets (misc/ss.c packet_show_line and netlink_show): used when
// PROC_NET_PACKET / PROC_NET_NETLINK / PROC_ROOT are set, or when packet_diag
// cannot answer. Text in, SocketRecords out (rec.from_proc set); no printing.
// A line that does not hold the fields ss reads is skipped and counted in
// LineSkips (naming the file and line), where ss would silently print
// uninitialised values; the other lines still count.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"
#include "core/socket_record.hpp"
#include "procfs/proc_net.hpp"  // LineSkips

namespace sw {

// /proc/net/packet: "sk RefCnt Type Proto Iface R Rmem User Inode". The first
// line is a header and is skipped. Records: family AF_PACKET, table from Type
// (SOCK_RAW -> PacketRaw, else PacketDgram), state CLOSE, rqueue = Rmem, uid,
// inode, ifindex, proc_sk = the sk pointer (cookie 0), packet_ext {type, protocol}.
// `name` is the file name used in error messages.
Expected<std::vector<SocketRecord>> parse_proc_net_packet(std::string_view text,
                                                          std::string_view name,
                                                          LineSkips* skips = nullptr);

// /proc/net/netlink: "sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode".
// Records: family AF_NETLINK, table Netlink, state 0 (never "connected" on
// this path), rqueue/wqueue = Rmem/Wmem, proc_sk = sk, netlink_ext {protocol,
// portid, groups[0], cb = Dump read as hex, as ss does}, inode when present.
Expected<std::vector<SocketRecord>> parse_proc_net_netlink(std::string_view text,
                                                           std::string_view name,
                                                           LineSkips* skips = nullptr);

// Read `path` whole and parse it; a missing or unreadable file is an Error
// ("<path>: No such file or directory").
Expected<std::vector<SocketRecord>> read_proc_net_packet(const std::string& path,
                                                         LineSkips* skips = nullptr);
Expected<std::vector<SocketRecord>> read_proc_net_netlink(const std::string& path,
                                                          LineSkips* skips = nullptr);

}  // namespace sw
