// top's details pane data (tui/details.hpp): the kernel's extensions cut from
// ss's own -o -i -m text, and the owner read again from a fake /proc tree
// (deleted exe, hostile command line and comm, container cgroup, a parent
// chain, a process that exited or whose pid was reused).
#include "tui/details.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <string>

#include "fake_proc.hpp"

namespace sw {
namespace {

const std::string kId = "3f2a9c1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

std::string value_of(const std::vector<DetailsSection>& s, std::string_view title,
                     std::string_view key) {
  const std::string* v = find_detail(s, title, key);
  return v ? *v : "<absent>";
}

std::vector<std::string> all_values(const DetailsSection& s, std::string_view key) {
  std::vector<std::string> out;
  for (const auto& [k, v] : s.fields)
    if (k == key) out.push_back(v);
  return out;
}

// stat with ppid and starttime (field 22) where the tests want them.
std::string stat_line(int pid, const std::string& comm, int ppid, uint64_t start) {
  std::string s = std::to_string(pid) + " (" + comm + ") S " + std::to_string(ppid) + " 1 1 0 -1 0";
  for (int f = 10; f <= 21; ++f) s += " 0";
  return s + " " + std::to_string(start) + " 0 0\n";
}

SocketRecord tcp_record() {
  SocketRecord r;
  r.table = Table::Tcp;
  r.family = AF_INET;
  r.state = kEstablished;
  r.local.family = r.peer.family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", r.local.bytes.data());
  inet_pton(AF_INET, "10.1.2.3", r.peer.bytes.data());
  r.lport = 43210;
  r.rport = 443;
  r.inode = 98765;
  r.uid = 1000;
  r.cookie = 0x1234abcd;
  r.ifindex = 0;
  r.rqueue = 5;
  r.wqueue = 7;
  r.timer = 2;  // keepalive
  r.expires = 7140000;
  r.shutdown = 0;
  auto& e = r.ensure_ext();
  tcp_info i{};
  i.tcpi_options = TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE;
  i.tcpi_snd_wscale = 7;
  i.tcpi_rcv_wscale = 9;
  i.tcpi_rto = 204000;
  i.tcpi_rtt = 1500;
  i.tcpi_rttvar = 750;
  i.tcpi_snd_mss = 1448;
  i.tcpi_snd_cwnd = 10;
  i.tcpi_bytes_acked = 4242;
  i.tcpi_bytes_received = 999;
  i.tcpi_reordering = 3;
  i.tcpi_delivery_rate = 125000;  // bytes/s: 1Mbps
  i.tcpi_delivery_rate_app_limited = 1;
  e.info = i;
  e.info_len = sizeof i;
  e.cong = "cubic";
  e.skmem = {0, 131072, 0, 2626560, 4096, 0, 0, 0, 3};
  e.tos = 0x10;
  return r;
}

SnapEntry entry_for(const SocketRecord& r) {
  SnapEntry e = snap_entry(r, 4026531840u);
  return e;
}

TEST(SocketDetails, SocketSectionFromTheRecordAndTheEntry) {
  auto r = tcp_record();
  auto s = socket_sections(r, entry_for(r));
  EXPECT_EQ(value_of(s, "Socket", "cookie"), "1234abcd");
  EXPECT_EQ(value_of(s, "Socket", "inode"), "98765");
  EXPECT_EQ(value_of(s, "Socket", "netns"), "4026531840");
  EXPECT_EQ(value_of(s, "Socket", "protocol"), "tcp (IPv4)");
  EXPECT_EQ(value_of(s, "Socket", "state"), "ESTAB");
  EXPECT_EQ(value_of(s, "Socket", "local"), "127.0.0.1:43210");
  EXPECT_EQ(value_of(s, "Socket", "peer"), "10.1.2.3:443");
  EXPECT_EQ(value_of(s, "Socket", "device index"), "0 (any)");
  EXPECT_EQ(value_of(s, "Socket", "uid"), "1000");
  EXPECT_EQ(value_of(s, "Socket", "recv-q"), "5");
  EXPECT_EQ(value_of(s, "Socket", "send-q"), "7");
  EXPECT_EQ(value_of(s, "Socket", "tos"), "0x10");
}

TEST(SocketDetails, TcpInfoIsSsTextCutIntoFields) {
  auto r = tcp_record();
  auto s = socket_sections(r, entry_for(r));
  EXPECT_EQ(value_of(s, "TCP info", "flags"), "ts sack app_limited");
  EXPECT_EQ(value_of(s, "TCP info", "congestion"), "cubic");
  EXPECT_EQ(value_of(s, "TCP info", "wscale"), "7,9");
  EXPECT_EQ(value_of(s, "TCP info", "rto"), "204");
  EXPECT_EQ(value_of(s, "TCP info", "rtt"), "1.5/0.75");
  EXPECT_EQ(value_of(s, "TCP info", "mss"), "1448");
  EXPECT_EQ(value_of(s, "TCP info", "cwnd"), "10");
  EXPECT_EQ(value_of(s, "TCP info", "bytes_acked"), "4242");
  EXPECT_EQ(value_of(s, "TCP info", "bytes_received"), "999");
  EXPECT_EQ(value_of(s, "TCP info", "send"), "77.2Mbps");
  EXPECT_EQ(value_of(s, "TCP info", "delivery_rate"), "1Mbps");
  EXPECT_EQ(value_of(s, "TCP info", "reordering"), "<absent>");  // ss omits the default 3
  // Nothing of the other sections leaks in.
  EXPECT_EQ(value_of(s, "TCP info", "timer"), "<absent>");
  EXPECT_EQ(value_of(s, "TCP info", "skmem"), "<absent>");
}

TEST(SocketDetails, TimersAndMemory) {
  auto r = tcp_record();
  auto s = socket_sections(r, entry_for(r));
  EXPECT_EQ(value_of(s, "Timers", "timer"), "keepalive");
  EXPECT_EQ(value_of(s, "Timers", "expires in"), "119min");
  EXPECT_EQ(value_of(s, "Timers", "retransmits"), "0");
  EXPECT_EQ(value_of(s, "Memory", "r (rmem_alloc)"), "0");
  EXPECT_EQ(value_of(s, "Memory", "rb (rcvbuf)"), "131072");
  EXPECT_EQ(value_of(s, "Memory", "tb (sndbuf)"), "2626560");
  EXPECT_EQ(value_of(s, "Memory", "f (fwd_alloc)"), "4096");
  EXPECT_EQ(value_of(s, "Memory", "bl (backlog)"), "0");
  EXPECT_EQ(value_of(s, "Memory", "d (drops)"), "3");

  r.timer = 0;
  r.ext->skmem.clear();
  auto quiet = socket_sections(r, entry_for(r));
  EXPECT_EQ(value_of(quiet, "Timers", "timer"), "none");
  EXPECT_EQ(find_detail(quiet, "Memory", "rb (rcvbuf)"), nullptr);
}

TEST(SocketDetails, UdpWithoutTcpInfoAndUnixSockets) {
  SocketRecord u;
  u.table = Table::Udp;
  u.family = AF_INET6;
  u.state = kClose;
  u.local.family = u.peer.family = AF_INET6;
  inet_pton(AF_INET6, "::1", u.local.bytes.data());
  u.lport = 53;
  u.ensure_ext().skmem = {0, 212992, 0, 212992, 0, 0, 0, 0, 0};
  auto s = socket_sections(u, entry_for(u));
  EXPECT_EQ(value_of(s, "Socket", "protocol"), "udp (IPv6)");
  EXPECT_EQ(value_of(s, "Socket", "state"), "UNCONN");
  EXPECT_EQ(value_of(s, "Socket", "local"), "[::1]:53");
  EXPECT_EQ(value_of(s, "Socket", "peer"), "[::]:0");
  EXPECT_EQ(value_of(s, "Memory", "rb (rcvbuf)"), "212992");
  for (const auto& sec : s) EXPECT_NE(sec.title, "udp info");

  SocketRecord x;
  x.table = Table::UnixStream;
  x.family = AF_UNIX;
  x.state = kListen;
  x.inode = 555;
  auto& ux = x.ensure_unix();
  ux.path = std::string("/run/evil\x1b]0;pwned\x07.sock");
  ux.has_name = true;
  ux.skmem = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  auto xs = socket_sections(x, entry_for(x));
  EXPECT_EQ(value_of(xs, "Socket", "protocol"), "u_str (unix)");
  EXPECT_EQ(value_of(xs, "Socket", "path"), "/run/evil\\033]0;pwned\\007.sock");
  EXPECT_EQ(value_of(xs, "Memory", "d (drops)"), "8");
  EXPECT_EQ(find_detail(xs, "Timers", "timer"), nullptr);
}

class SocketDetailsProc : public ::testing::Test {
 protected:
  void SetUp() override {
    // 1 systemd <- 200 sshd <- 300 "ev\x1bil" (the socket's owner).
    p.process(1, "systemd");
    p.file(1, "stat", stat_line(1, "systemd", 0, 1));
    p.process(200, "sshd");
    p.file(200, "stat", stat_line(200, "sshd", 1, 50));
    p.process(300, "ev\x1bil");
    p.file(300, "stat", stat_line(300, "ev\x1bil", 200, kStart));
    p.file(300, "status", "Name:\tevil\nPPid:\t200\nUid:\t1000\t0\t1000\t1000\n");
    static const char kCmdline[] = "/usr/bin/evil\0--flag\0\x1b[31mred";
    p.file(300, "cmdline", std::string(kCmdline, sizeof kCmdline));  // with its final NUL
    p.link(300, "exe", "/nonexistent/usr/bin/evil (deleted)");
    p.file(300, "cgroup", "0::/system.slice/docker-" + kId + ".scope\n");
    owner.pid = 300;
    owner.comm = "ev\x1bil";
    owner.uid = 1000;
    owner.user = "alice";
    owner.start_ticks = kStart;
    owner.start_us = 1700000000'000000;  // 2023-11-14T22:13:20Z
    owner.exe = "/usr/bin/evil";
    owner.cmdline = "/usr/bin/evil --flag";
  }
  static constexpr uint64_t kStart = 4242;
  FakeProc p;
  OwnerInfo owner;
  const int64_t now = 1700000000'000000 + (3 * 3600 + 12 * 60) * int64_t{1000000};
};

TEST_F(SocketDetailsProc, ProcessFieldsAreReadNowAndEscaped) {
  DetailsSection s = process_section(&owner, p.root(), now);
  std::vector<DetailsSection> v{s};
  EXPECT_EQ(value_of(v, "Process", "pid"), "300");
  EXPECT_EQ(value_of(v, "Process", "status"), "<absent>");
  EXPECT_EQ(value_of(v, "Process", "comm"), "ev\\033il");
  EXPECT_EQ(value_of(v, "Process", "user"), "alice (1000)");
  EXPECT_EQ(value_of(v, "Process", "effective uid"), "0");  // setuid root: euid 0
  EXPECT_EQ(value_of(v, "Process", "exe"), "/nonexistent/usr/bin/evil");
  EXPECT_EQ(value_of(v, "Process", "exe deleted"), "yes");
  EXPECT_EQ(value_of(v, "Process", "command line"), "/usr/bin/evil --flag \\033[31mred");
  EXPECT_EQ(value_of(v, "Process", "started"), "2023-11-14T22:13:20.00Z (3h12m ago)");
  EXPECT_EQ(value_of(v, "Process", "cgroup"), "/system.slice/docker-" + kId + ".scope");
  EXPECT_EQ(value_of(v, "Process", "systemd unit"), "docker-" + kId + ".scope");
  EXPECT_EQ(value_of(v, "Process", "container"), "docker " + kId);
  EXPECT_EQ(all_values(s, "parent"), (std::vector<std::string>{"200 sshd", "1 systemd"}));
  // Nothing raw reaches a terminal.
  for (const auto& [k, val] : s.fields)
    for (char c : val) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << k;
}

TEST_F(SocketDetailsProc, ExitedProcessSaysSoAndKeepsWhatWasKnown) {
  std::filesystem::remove_all(p.root() + "/300");
  DetailsSection s = process_section(&owner, p.root(), now);
  std::vector<DetailsSection> v{s};
  EXPECT_EQ(value_of(v, "Process", "pid"), "300");
  EXPECT_EQ(value_of(v, "Process", "status"), "process exited");
  EXPECT_EQ(value_of(v, "Process", "comm"), "ev\\033il");
  EXPECT_EQ(value_of(v, "Process", "exe"), "/usr/bin/evil");
  EXPECT_EQ(value_of(v, "Process", "command line"), "/usr/bin/evil --flag");
  EXPECT_TRUE(all_values(s, "parent").empty());
}

TEST_F(SocketDetailsProc, ReusedPidIsNotTheOwner) {
  p.file(300, "stat", stat_line(300, "innocent", 200, kStart + 1000));
  DetailsSection s = process_section(&owner, p.root(), now);
  std::vector<DetailsSection> v{s};
  EXPECT_EQ(value_of(v, "Process", "status"), "process exited");
  EXPECT_EQ(value_of(v, "Process", "comm"), "ev\\033il");  // the cache's, not the newcomer's
  EXPECT_EQ(value_of(v, "Process", "cgroup"), "<absent>");
}

TEST_F(SocketDetailsProc, UnknownOwnerAndParentLoops) {
  std::vector<DetailsSection> none{process_section(nullptr, p.root(), now)};
  EXPECT_EQ(value_of(none, "Process", "owner"), "unknown");
  // A hostile tree whose parents loop ends instead of spinning.
  p.file(200, "stat", stat_line(200, "sshd", 300, 50));
  DetailsSection s = process_section(&owner, p.root(), now);
  EXPECT_EQ(all_values(s, "parent"), (std::vector<std::string>{"200 sshd"}));
}

TEST_F(SocketDetailsProc, SocketDetailsHasEverySection) {
  auto r = tcp_record();
  auto all = socket_details(r, entry_for(r), &owner, p.root(), now);
  std::vector<std::string> titles;
  for (const auto& s : all) titles.push_back(s.title);
  EXPECT_EQ(titles,
            (std::vector<std::string>{"Socket", "Timers", "TCP info", "Memory", "Process"}));
}

}  // namespace
}  // namespace sw
