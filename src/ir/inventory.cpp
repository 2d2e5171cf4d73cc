#include "ir/inventory.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "core/tables.hpp"

namespace sw {

const char* exposure_name(Exposure e) {
  switch (e) {
    case Exposure::Wildcard:
      return "wildcard";
    case Exposure::Loopback:
      return "loopback";
    case Exposure::Specific:
      return "specific";
    case Exposure::Device:
      return "device";
  }
  return "?";
}

Exposure exposure_of(const IpAddr& local, uint32_t ifindex) {
  if (ifindex) return Exposure::Device;
  const auto& b = local.bytes;
  if (local.is_any()) return Exposure::Wildcard;
  bool mapped = local.family == AF_INET6 && local.is_v4_mapped();
  if (mapped && b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] == 0) return Exposure::Wildcard;
  const uint8_t* v4 = local.family == AF_INET ? b.data() : (mapped ? b.data() + 12 : nullptr);
  if (v4) return v4[0] == 127 ? Exposure::Loopback : Exposure::Specific;
  bool lo = b[15] == 1;
  for (size_t i = 0; i < 15; ++i) lo = lo && b[i] == 0;
  return lo ? Exposure::Loopback : Exposure::Specific;
}

std::string address_text(const IpAddr& a, bool unmap) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.family == AF_INET6 && unmap && a.is_v4_mapped()) {
    inet_ntop(AF_INET, a.bytes.data() + 12, buf, sizeof buf);
    return buf;
  }
  if (a.family != AF_INET && a.family != AF_INET6) return "?";
  if (!inet_ntop(a.family, a.bytes.data(), buf, sizeof buf)) return "?";
  return buf;
}

bool is_listener(const SocketRecord& r, const HostInfo& host) {
  switch (r.table) {
    case Table::Tcp:
    case Table::Mptcp:
    case Table::Sctp:
    case Table::Dccp:
      return r.state == kListen;
    case Table::Udp:
      // Bound, not connected; an automatic bind in the ephemeral range is a
      // sender's, not a service's.
      if (r.state != kClose || r.rport != 0 || !r.peer.is_any() || r.lport == 0) return false;
      return r.lport < host.ephemeral_low || r.lport > host.ephemeral_high;
    case Table::Raw:
      return r.state == kClose && r.peer.is_any();
    default:
      return false;
  }
}

namespace {

bool is_talker(const SocketRecord& r) {
  if (r.inode == 0) return false;  // TIME-WAIT, orphans: no process holds them
  switch (r.table) {
    case Table::Tcp:
    case Table::Mptcp:
    case Table::Sctp:
    case Table::Dccp:
      return r.state != kListen && r.state != kTimeWait && r.state != kClose && r.rport != 0;
    case Table::Udp:
      return r.state == kEstablished && r.rport != 0;
    default:
      return false;
  }
}

// The owners of a socket: one per distinct executable, the lowest pid's
// details first (a pre-fork server's master before its workers).
struct Owner {
  std::string exe;
  std::string user;
  std::string container;
};

std::vector<Owner> owners_of(const std::multimap<uint64_t, const ProcessEvidence*>& holders,
                             const SocketRecord& r) {
  std::vector<Owner> out;
  auto [lo, hi] = holders.equal_range(r.inode);
  for (auto it = lo; it != hi; ++it) {
    const ProcessEvidence& p = *it->second;
    bool seen = std::any_of(out.begin(), out.end(), [&](const Owner& o) { return o.exe == p.exe; });
    if (seen) continue;
    Owner o{p.exe, p.uid && *p.uid == r.uid ? p.user : std::string(), p.container};
    out.push_back(std::move(o));
  }
  if (out.empty()) out.push_back({});
  return out;
}

std::string device_name(const NamespaceEvidence& ns, uint32_t ifindex) {
  for (const auto& [i, name] : ns.interfaces)
    if (i == ifindex) return name;
  return "if" + std::to_string(ifindex);
}

auto listener_key(const Listener& l) {
  return std::tie(l.netns, l.proto, l.port, l.family, l.address, l.device, l.exe, l.uid);
}
auto talker_key(const Talker& t) {
  return std::tie(t.netns, t.proto, t.exe, t.inbound, t.peer, t.port, t.uid);
}

}  // namespace

Inventory make_inventory(const Evidence& ev) {
  Inventory inv;
  inv.host = ev.host;
  // inode -> holders, built once (pid order: processes are sorted).
  std::multimap<uint64_t, const ProcessEvidence*> holders;
  for (const auto& p : ev.processes)
    for (const auto& s : p.sockets)
      if (s.inode) holders.emplace(s.inode, &p);

  for (const auto& ns : ev.namespaces) {
    // Listening ports of this namespace, to tell accepted connections from
    // outbound ones: (table, port) -> the bound addresses.
    std::multimap<std::pair<Table, uint16_t>, IpAddr> listening;
    for (const auto& r : ns.sockets) {
      if (!is_listener(r, ev.host)) continue;
      listening.emplace(std::make_pair(r.table, r.lport), r.local);
      for (auto& o : owners_of(holders, r)) {
        Listener l;
        l.netns = ns.name;
        l.proto = std::string(table_netid(r.table));
        l.family = r.family;
        l.address = address_text(r.local, false);
        l.port = r.lport;
        l.exposure = exposure_of(r.local, r.ifindex);
        if (r.ifindex) l.device = device_name(ns, r.ifindex);
        l.exe = std::move(o.exe);
        l.uid = r.uid;
        l.user = std::move(o.user);
        l.container = std::move(o.container);
        inv.listeners.push_back(std::move(l));
      }
    }
    for (const auto& r : ns.sockets) {
      if (!is_talker(r)) continue;
      bool inbound = false;
      auto [lo, hi] = listening.equal_range({r.table, r.lport});
      for (auto it = lo; it != hi && !inbound; ++it)
        inbound = it->second.is_any() || it->second == r.local ||
                  address_text(it->second, true) == address_text(r.local, true);
      uint16_t port = inbound ? r.lport : r.rport;
      if (!inbound && port >= ev.host.ephemeral_low && port <= ev.host.ephemeral_high) port = 0;
      for (auto& o : owners_of(holders, r)) {
        Talker t;
        t.netns = ns.name;
        t.proto = std::string(table_netid(r.table));
        t.exe = std::move(o.exe);
        t.uid = r.uid;
        t.container = std::move(o.container);
        t.inbound = inbound;
        t.peer = address_text(r.peer, true);
        t.port = port;
        inv.talkers.push_back(std::move(t));
      }
    }
  }
  auto lless = [](const Listener& a, const Listener& b) {
    return listener_key(a) < listener_key(b);
  };
  auto leq = [](const Listener& a, const Listener& b) {
    return listener_key(a) == listener_key(b);
  };
  std::sort(inv.listeners.begin(), inv.listeners.end(), lless);
  inv.listeners.erase(std::unique(inv.listeners.begin(), inv.listeners.end(), leq),
                      inv.listeners.end());
  auto tless = [](const Talker& a, const Talker& b) { return talker_key(a) < talker_key(b); };
  auto teq = [](const Talker& a, const Talker& b) { return talker_key(a) == talker_key(b); };
  std::sort(inv.talkers.begin(), inv.talkers.end(), tless);
  inv.talkers.erase(std::unique(inv.talkers.begin(), inv.talkers.end(), teq), inv.talkers.end());
  return inv;
}

}  // namespace sw
