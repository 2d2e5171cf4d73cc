// Inventory: what listens and who talks to whom, reduced to identities that
// survive reboots, restarts and pid changes — executable, port, exposure,
// user — never pid, inode or ephemeral port. Built from Evidence
// (make_inventory), saved as a baseline (src/store), compared by
// diff_inventory (baseline_diff.hpp). Plain data and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/evidence.hpp"

namespace sw {

// Where a listener can be reached from.
enum class Exposure : uint8_t {
  Wildcard,  // 0.0.0.0 / :: (v4-mapped ::ffff:0.0.0.0 too): every interface
  Loopback,  // 127.0.0.0/8, ::1, ::ffff:127.x
  Specific,  // one address
  Device,    // bound to a device (SO_BINDTODEVICE), any address on it
};
const char* exposure_name(Exposure e);  // "wildcard", "loopback", "specific", "device"
// The exposure of a socket bound to `local` (and to device `ifindex`, 0: none).
// v4-mapped addresses (::ffff:a.b.c.d) are classified as their IPv4 address.
Exposure exposure_of(const IpAddr& local, uint32_t ifindex);
// An address as text the way an inventory keeps it: inet_ntop, with a
// v4-mapped address written as its IPv4 address when `unmap`.
std::string address_text(const IpAddr& a, bool unmap);

// Is this socket a listener as the inventory (and the metrics) count them?
// See make_inventory for the rule; `host` gives the ephemeral port range.
bool is_listener(const SocketRecord& r, const HostInfo& host);

struct Listener {
  std::string netns;    // namespace label ("" ours / the host's)
  std::string proto;    // "tcp", "udp", "sctp", "raw"...
  uint8_t family = 0;   // AF_INET / AF_INET6
  std::string address;  // bind address as text ("0.0.0.0", "::", "127.0.0.1")
  uint16_t port = 0;
  Exposure exposure = Exposure::Wildcard;
  std::string device;  // Device exposure: interface name
  std::string exe;     // owner executable; "" when unknown
  std::optional<uint32_t> uid;
  std::string user;
  std::string container;
  bool operator==(const Listener&) const = default;
};

// A program's conversation with a remote peer, by service port: for an
// outbound connection the peer's port, for an inbound one our local
// (listening) port; the other side's ephemeral port is never part of it.
struct Talker {
  std::string netns;
  std::string proto;
  std::string exe;  // "" unknown
  std::optional<uint32_t> uid;
  std::string container;
  bool inbound = false;  // accepted from one of our listeners
  std::string peer;      // remote address as text
  uint16_t port = 0;     // service port (see above); 0: an ephemeral-range port
  bool operator==(const Talker&) const = default;
};

struct Inventory {
  HostInfo host;
  std::vector<Listener> listeners;  // sorted, unique
  std::vector<Talker> talkers;      // sorted, unique
};

// The inventory of one look. Listeners: TCP, SCTP and MPTCP sockets in
// LISTEN; UDP and raw sockets that are bound and not connected, except a UDP
// socket on a port of the ephemeral range (HostInfo::ephemeral_ports) — the
// kernel's automatic bind of a program that only sends (a resolver, an NTP
// client), not a listener. Talkers: connected TCP (every state but LISTEN and
// TIME-WAIT, which no process holds) and connected UDP sockets, loopback
// peers included (a local proxy is a conversation too). Owners are the
// processes holding the socket's inode; the user is the socket's own uid
// (its creator: the same for a pre-fork server's master and workers).
Inventory make_inventory(const Evidence& ev);

}  // namespace sw
