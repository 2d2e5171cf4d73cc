// The inventory of a look (what listens, who talks) and the baseline diff:
// identities that survive restarts, exposure classes, new/gone/changed.
#include "ir/inventory.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "core/tables.hpp"
#include "ir/baseline_diff.hpp"

namespace sw {
namespace {

IpAddr ip(const char* text) {
  IpAddr a;
  if (inet_pton(AF_INET, text, a.bytes.data()) == 1) {
    a.family = AF_INET;
  } else {
    EXPECT_EQ(inet_pton(AF_INET6, text, a.bytes.data()), 1) << text;
    a.family = AF_INET6;
  }
  return a;
}

SocketRecord sock(Table t, uint8_t state, const char* local, uint16_t lport, const char* peer,
                  uint16_t rport, uint64_t inode, uint32_t uid = 0) {
  SocketRecord r;
  r.table = t;
  r.state = state;
  r.local = ip(local);
  r.family = r.local.family;
  r.peer = ip(peer);
  r.lport = lport;
  r.rport = rport;
  r.inode = inode;
  r.uid = uid;
  return r;
}

ProcessEvidence proc(int32_t pid, const char* exe, std::vector<uint64_t> inodes, uint32_t uid = 0) {
  ProcessEvidence p;
  p.pid = pid;
  p.exe = exe;
  p.uid = uid;
  p.user = uid == 0 ? "root" : "user";
  int32_t fd = 3;
  for (uint64_t i : inodes) p.sockets.push_back({FdRef::Kind::Socket, fd++, i, 0, ""});
  return p;
}

// A small host: sshd (master and a forked worker share the listener), a
// resolver's automatic UDP bind, mDNS, a loopback-only database, a client.
Evidence host(int32_t pid_base) {
  Evidence ev;
  NamespaceEvidence ns;
  ns.sockets.push_back(sock(Table::Tcp, kListen, "0.0.0.0", 22, "0.0.0.0", 0, 100));
  ns.sockets.push_back(sock(Table::Tcp, kListen, "::", 22, "::", 0, 101));
  ns.sockets.push_back(sock(Table::Tcp, kListen, "127.0.0.1", 5432, "0.0.0.0", 0, 102, 110));
  ns.sockets.push_back(sock(Table::Udp, kClose, "0.0.0.0", 5353, "0.0.0.0", 0, 103, 105));
  ns.sockets.push_back(sock(Table::Udp, kClose, "0.0.0.0", 45123, "0.0.0.0", 0, 104, 1000));
  ns.sockets.push_back(sock(Table::Tcp, kEstablished, "10.0.0.2", 22, "10.0.0.5",
                            static_cast<uint16_t>(51000 + pid_base), 105));
  ns.sockets.push_back(sock(Table::Tcp, kEstablished, "10.0.0.2",
                            static_cast<uint16_t>(40000 + pid_base), "93.184.216.34", 443, 106,
                            1000));
  ns.sockets.push_back(sock(Table::Tcp, kTimeWait, "10.0.0.2", 40999, "93.184.216.34", 443, 0, 0));
  ev.namespaces.push_back(std::move(ns));
  ev.processes.push_back(proc(pid_base + 1, "/usr/sbin/sshd", {100, 101}));
  ev.processes.push_back(proc(pid_base + 2, "/usr/sbin/sshd", {100, 101, 105}));
  ev.processes.push_back(proc(pid_base + 3, "/usr/lib/postgresql/15/bin/postgres", {102}, 110));
  ev.processes.push_back(proc(pid_base + 4, "/usr/sbin/avahi-daemon", {103}, 105));
  ev.processes.push_back(proc(pid_base + 5, "/usr/bin/curl", {104, 106}, 1000));
  return ev;
}

TEST(Inventory, ListenersAndTalkersOfAHost) {
  Inventory inv = make_inventory(host(100));
  ASSERT_EQ(inv.listeners.size(), 4u);  // the forked worker does not double the listeners
  std::vector<std::string> where;
  for (const auto& l : inv.listeners)
    where.push_back(l.proto + " " + l.address + ":" + std::to_string(l.port) + " " +
                    exposure_name(l.exposure) + " " + l.exe);
  EXPECT_EQ(where, (std::vector<std::string>{
                       "tcp 0.0.0.0:22 wildcard /usr/sbin/sshd",
                       "tcp :::22 wildcard /usr/sbin/sshd",
                       "tcp 127.0.0.1:5432 loopback /usr/lib/postgresql/15/bin/postgres",
                       "udp 0.0.0.0:5353 wildcard /usr/sbin/avahi-daemon",
                   }));
  ASSERT_EQ(inv.talkers.size(), 2u);  // TIME-WAIT has no owner and is no conversation
  const Talker& in = inv.talkers[1].inbound ? inv.talkers[1] : inv.talkers[0];
  const Talker& out = inv.talkers[1].inbound ? inv.talkers[0] : inv.talkers[1];
  EXPECT_TRUE(in.inbound);
  EXPECT_EQ(in.exe, "/usr/sbin/sshd");
  EXPECT_EQ(in.port, 22);  // the service port, not the client's
  EXPECT_FALSE(out.inbound);
  EXPECT_EQ(out.exe, "/usr/bin/curl");
  EXPECT_EQ(out.peer, "93.184.216.34");
  EXPECT_EQ(out.port, 443);
  EXPECT_EQ(out.uid, 1000u);
}

TEST(Inventory, ExposureClasses) {
  EXPECT_EQ(exposure_of(ip("0.0.0.0"), 0), Exposure::Wildcard);
  EXPECT_EQ(exposure_of(ip("::"), 0), Exposure::Wildcard);
  EXPECT_EQ(exposure_of(ip("::ffff:0.0.0.0"), 0), Exposure::Wildcard);
  EXPECT_EQ(exposure_of(ip("127.0.0.53"), 0), Exposure::Loopback);
  EXPECT_EQ(exposure_of(ip("::1"), 0), Exposure::Loopback);
  EXPECT_EQ(exposure_of(ip("::ffff:127.0.0.1"), 0), Exposure::Loopback);
  EXPECT_EQ(exposure_of(ip("192.0.2.7"), 0), Exposure::Specific);
  EXPECT_EQ(exposure_of(ip("fe80::1"), 0), Exposure::Specific);
  EXPECT_EQ(exposure_of(ip("0.0.0.0"), 3), Exposure::Device);
  EXPECT_EQ(address_text(ip("::ffff:10.1.2.3"), true), "10.1.2.3");
  EXPECT_EQ(address_text(ip("::ffff:10.1.2.3"), false), "::ffff:10.1.2.3");
}

TEST(Inventory, DeviceBoundListenerNamesItsInterface) {
  Evidence ev;
  NamespaceEvidence ns;
  auto r = sock(Table::Udp, kClose, "0.0.0.0", 67, "0.0.0.0", 0, 7);
  r.ifindex = 2;
  ns.sockets.push_back(std::move(r));
  ns.interfaces = {{2, "eth0"}};
  ev.namespaces.push_back(std::move(ns));
  ev.processes.push_back(proc(5, "/usr/sbin/dnsmasq", {7}));
  Inventory inv = make_inventory(ev);
  ASSERT_EQ(inv.listeners.size(), 1u);
  EXPECT_EQ(inv.listeners[0].exposure, Exposure::Device);
  EXPECT_EQ(inv.listeners[0].device, "eth0");
}

TEST(BaselineDiff, RestartedServicesWithNewPidsAreEqual) {
  // Other pids, another client port, another ephemeral port of the client.
  auto d = diff_inventory(make_inventory(host(100)), make_inventory(host(7000)));
  for (const auto& c : d) ADD_FAILURE() << describe(c);
  EXPECT_TRUE(d.empty());
}

TEST(BaselineDiff, NewListenerIsOneReadableLine) {
  Evidence now = host(100);
  now.namespaces[0].sockets.push_back(
      sock(Table::Tcp, kListen, "0.0.0.0", 31337, "0.0.0.0", 0, 900));
  now.processes.push_back(proc(666, "/tmp/.x/backdoor", {900}));
  auto d = diff_inventory(make_inventory(host(100)), make_inventory(now));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].kind, InventoryChange::Kind::NewListener);
  EXPECT_EQ(describe(d[0]),
            "+ listen tcp 0.0.0.0:31337 by /tmp/.x/backdoor (uid 0) — new, exposed on all "
            "interfaces");
  EXPECT_EQ(d[0].id.size(), 8u);
}

TEST(BaselineDiff, ExposureOwnerAndGone) {
  Evidence before = host(100);
  Evidence now = host(200);
  // postgres now listens on every interface; avahi's port is held by another program;
  // the v6 sshd listener is gone.
  now.namespaces[0].sockets[2].local = ip("0.0.0.0");
  now.processes[3].exe = "/opt/evil/mdns";
  auto& socks = now.namespaces[0].sockets;
  socks.erase(socks.begin() + 1);
  auto d = diff_inventory(make_inventory(before), make_inventory(now));
  ASSERT_EQ(d.size(), 3u);
  std::vector<std::string> lines;
  for (const auto& c : d) lines.push_back(describe(c));
  EXPECT_EQ(d[0].kind, InventoryChange::Kind::GoneListener) << lines[0];
  EXPECT_EQ(lines[0], "- listen tcp [::]:22 by /usr/sbin/sshd (uid 0) — gone");
  EXPECT_EQ(d[1].kind, InventoryChange::Kind::ListenerExposure) << lines[1];
  EXPECT_EQ(lines[1],
            "~ listen tcp 0.0.0.0:5432 by /usr/lib/postgresql/15/bin/postgres (uid 110) — "
            "exposure changed from loopback (127.0.0.1:5432) to wildcard, exposed on all "
            "interfaces");
  EXPECT_EQ(d[2].kind, InventoryChange::Kind::ListenerOwner) << lines[2];
  EXPECT_EQ(lines[2],
            "~ listen udp 0.0.0.0:5353 by /opt/evil/mdns (uid 105) — owner changed, was "
            "/usr/sbin/avahi-daemon (uid 105)");
}

TEST(BaselineDiff, NewPeersAndNewTalkers) {
  Evidence now = host(100);
  // curl talks to a new host; nc talks for the first time; sshd accepts a new client.
  now.namespaces[0].sockets.push_back(
      sock(Table::Tcp, kEstablished, "10.0.0.2", 41000, "198.51.100.9", 443, 950, 1000));
  now.namespaces[0].sockets.push_back(
      sock(Table::Tcp, kEstablished, "10.0.0.2", 41001, "203.0.113.1", 4444, 951, 1000));
  now.namespaces[0].sockets.push_back(
      sock(Table::Tcp, kEstablished, "10.0.0.2", 22, "10.9.9.9", 50123, 952, 0));
  now.processes[4].sockets.push_back({FdRef::Kind::Socket, 9, 950, 0, ""});
  now.processes.push_back(proc(900, "/usr/bin/nc.openbsd", {951}, 1000));
  now.processes[1].sockets.push_back({FdRef::Kind::Socket, 9, 952, 0, ""});
  auto base = make_inventory(host(100));
  auto d = diff_inventory(base, make_inventory(now));
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(describe(d[0]), "+ talk /usr/bin/curl (uid 1000) -> 198.51.100.9:443/tcp — new peer");
  EXPECT_EQ(describe(d[1]),
            "+ talk /usr/bin/nc.openbsd (uid 1000) -> 203.0.113.1:4444/tcp — new talker");
  // With inbound peers counted, sshd's new client is a change too.
  DiffOptions opt;
  opt.inbound_peers = true;
  auto d2 = diff_inventory(base, make_inventory(now), opt);
  ASSERT_EQ(d2.size(), 3u);
  EXPECT_EQ(describe(d2[2]), "+ talk /usr/sbin/sshd (uid 0) <- 10.9.9.9 on :22/tcp — new peer");
}

TEST(BaselineDiff, AcceptFoldsChangesIn) {
  Evidence now = host(100);
  now.namespaces[0].sockets.push_back(
      sock(Table::Tcp, kListen, "0.0.0.0", 8080, "0.0.0.0", 0, 990));
  now.namespaces[0].sockets[2].local = ip("0.0.0.0");
  now.namespaces[0].sockets.erase(now.namespaces[0].sockets.begin() + 1);
  now.processes.push_back(proc(990, "/usr/bin/python3.11", {990}, 1000));
  auto base = make_inventory(host(100));
  auto inv = make_inventory(now);
  auto d = diff_inventory(base, inv);
  ASSERT_EQ(d.size(), 3u);
  auto accepted = apply_changes(base, d);
  EXPECT_TRUE(diff_inventory(accepted, inv).empty());
  // Accepting only one change leaves the others.
  auto partly = apply_changes(base, {d[0]});
  EXPECT_EQ(diff_inventory(partly, inv).size(), 2u);
  // Ids are distinct and stable.
  EXPECT_NE(d[0].id, d[1].id);
  EXPECT_EQ(diff_inventory(base, inv)[1].id, d[1].id);
}

TEST(BaselineDiff, GoneTalkersOnlyWhenAsked) {
  Evidence now = host(100);
  now.namespaces[0].sockets.erase(now.namespaces[0].sockets.begin() + 6);  // curl's connection
  auto base = make_inventory(host(100));
  EXPECT_TRUE(diff_inventory(base, make_inventory(now)).empty());
  DiffOptions opt;
  opt.gone_talkers = true;
  auto d = diff_inventory(base, make_inventory(now), opt);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].kind, InventoryChange::Kind::GoneTalker);
}

}  // namespace
}  // namespace sw
