// Watch::inspect and Watch::destroy against the live kernel, in the private
// namespace netns_main.cpp entered: loopback TCP and UDP sockets and a unix
// pair are found in a Watch's snapshot, inspected with an exact sock_diag
// query (tcp_info, skmem, the right ports), and a TCP client is destroyed
// (its peer sees the reset; a second inspect says it is gone). The details
// pane is built from one real record too.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>

#include "engine/watch.hpp"
#include "netns_helpers.hpp"
#include "tui/details.hpp"

namespace {

using sw::SnapEntry;
using sw::Table;

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

sw::WatchOptions options() {
  sw::WatchOptions o;
  o.plan.tables =
      sw::table_bit(Table::Tcp) | sw::table_bit(Table::Udp) | sw::table_bit(Table::UnixStream);
  o.plan.families = (uint64_t{1} << AF_INET) | (uint64_t{1} << AF_UNIX);
  o.plan.states = sw::kAllStates;
  o.ebpf = false;
  o.owners = false;
  o.destroy_events = false;
  o.health_interval_us = 0;
  return o;
}

class Actions : public ::testing::Test {
 protected:
  void SetUp() override {
    auto st = watch.start();
    ASSERT_TRUE(st) << st.error().message;
  }
  // The entry of the current snapshot that matches, after a tick.
  std::optional<SnapEntry> find(Table t, uint16_t lport, uint16_t rport) {
    auto r = watch.tick();
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    for (const SnapEntry& e : watch.reconciler().current().entries())
      if (e.table == t && e.lport == lport && e.rport == rport) return e;
    return std::nullopt;
  }
  sw::Watch watch{options(), [](sw::SocketEvent&&) {}};
};

uint16_t udp_bound(int fd) {
  sockaddr_in a = sw::test::loopback4(0);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a)) return 0;
  return sw::test::local_port(fd);
}

TEST_F(Actions, InspectTcpGivesTcpInfoWithTheRightPorts) {
  Fd listener(sw::test::tcp_listener(0));
  ASSERT_GE(listener.fd, 0);
  uint16_t port = sw::test::local_port(listener.fd);
  Fd client(sw::test::tcp_connect(port));
  ASSERT_GE(client.fd, 0);
  Fd server(sw::test::accept_one(listener.fd));
  ASSERT_GE(server.fd, 0);
  ASSERT_TRUE(sw::test::still_connected(client.fd, server.fd));
  uint16_t cport = sw::test::local_port(client.fd);

  auto e = find(Table::Tcp, cport, port);
  ASSERT_TRUE(e) << "client socket not in the snapshot";
  auto r = watch.inspect(*e);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->lport, cport);
  EXPECT_EQ(r->rport, port);
  EXPECT_EQ(r->cookie, e->key.cookie);
  EXPECT_EQ(r->inode, e->inode);
  EXPECT_EQ(r->state, sw::kEstablished);
  ASSERT_TRUE(r->ext);
  ASSERT_TRUE(r->ext->info) << "no tcp_info";
  EXPECT_EQ(r->ext->info->tcpi_state, sw::kEstablished);
  EXPECT_GT(r->ext->info->tcpi_snd_mss, 0u);
  EXPECT_FALSE(r->ext->cong.empty()) << "INET_DIAG_CONG not asked for";
  EXPECT_GE(r->ext->skmem.size(), 7u) << "INET_DIAG_SKMEMINFO not asked for";
  EXPECT_TRUE(r->ext->tos.has_value()) << "INET_DIAG_TOS not asked for";

  // The details pane over the kernel's real record and this process.
  sw::OwnerInfo me;
  me.pid = getpid();
  auto details = sw::socket_details(*r, *e, &me, "/proc", 0);
  const std::string* local = sw::find_detail(details, "Socket", "local");
  ASSERT_TRUE(local);
  EXPECT_EQ(*local, "127.0.0.1:" + std::to_string(cport));
  EXPECT_TRUE(sw::find_detail(details, "TCP info", "rtt"));
  EXPECT_TRUE(sw::find_detail(details, "TCP info", "congestion"));
  EXPECT_TRUE(sw::find_detail(details, "Memory", "rb (rcvbuf)"));
  EXPECT_TRUE(sw::find_detail(details, "Timers", "timer"));
  EXPECT_EQ(sw::find_detail(details, "Process", "status"), nullptr) << "we are alive";
  const sw::DetailsSection& proc = details.back();
  ASSERT_FALSE(proc.fields.empty());
  EXPECT_EQ(proc.fields.back().first, "parent");
  EXPECT_EQ(proc.fields.back().second.substr(0, 2), "1 ") << "the chain ends at pid 1";

  auto l = find(Table::Tcp, port, 0);
  ASSERT_TRUE(l);
  auto lr = watch.inspect(*l);
  ASSERT_TRUE(lr) << lr.error().message;
  EXPECT_EQ(lr->state, sw::kListen);
  EXPECT_EQ(lr->lport, port);
}

TEST_F(Actions, InspectUdpBoundAndConnected) {
  Fd a(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  Fd b(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  uint16_t pa = udp_bound(a.fd), pb = udp_bound(b.fd);
  ASSERT_TRUE(pa && pb);
  sockaddr_in to = sw::test::loopback4(pa);
  ASSERT_EQ(connect(b.fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);

  auto ea = find(Table::Udp, pa, 0);
  ASSERT_TRUE(ea);
  auto ra = watch.inspect(*ea);
  ASSERT_TRUE(ra) << ra.error().message;
  EXPECT_EQ(ra->lport, pa);
  EXPECT_EQ(ra->cookie, ea->key.cookie);

  auto eb = find(Table::Udp, pb, pa);
  ASSERT_TRUE(eb);
  auto rb = watch.inspect(*eb);
  ASSERT_TRUE(rb) << rb.error().message;
  EXPECT_EQ(rb->lport, pb);
  EXPECT_EQ(rb->rport, pa);
  EXPECT_EQ(rb->cookie, eb->key.cookie);
  ASSERT_TRUE(rb->ext);
  EXPECT_GE(rb->ext->skmem.size(), 7u);
}

TEST_F(Actions, InspectUnixByInodeAndCookie) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  Fd x(sv[0]), y(sv[1]);
  struct stat st {};
  ASSERT_EQ(fstat(x.fd, &st), 0);
  ASSERT_TRUE(watch.tick());
  std::optional<SnapEntry> e;
  for (const SnapEntry& s : watch.reconciler().current().entries())
    if (s.table == Table::UnixStream && s.inode == st.st_ino) e = s;
  ASSERT_TRUE(e) << "unix socket not in the snapshot";
  auto r = watch.inspect(*e);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->inode, st.st_ino);
  ASSERT_TRUE(r->unix_ext);
  EXPECT_TRUE(r->unix_ext->has_peer);
  EXPECT_GE(r->unix_ext->skmem.size(), 7u);
  // Unix sockets cannot be destroyed.
  auto d = watch.destroy(*e);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, EOPNOTSUPP);
}

TEST_F(Actions, DestroyResetsThePeerAndTheSocketIsGone) {
  Fd listener(sw::test::tcp_listener(0));
  ASSERT_GE(listener.fd, 0);
  uint16_t port = sw::test::local_port(listener.fd);
  Fd client(sw::test::tcp_connect(port));
  ASSERT_GE(client.fd, 0);
  Fd server(sw::test::accept_one(listener.fd));
  ASSERT_GE(server.fd, 0);
  uint16_t cport = sw::test::local_port(client.fd);

  auto e = find(Table::Tcp, cport, port);
  ASSERT_TRUE(e);
  auto d = watch.destroy(*e);
  if (!d && d.error().code == EOPNOTSUPP) GTEST_SKIP() << d.error().message;
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_TRUE(sw::test::wait_until([&] { return sw::test::saw_reset(server.fd); }))
      << "the peer of the destroyed socket saw no reset";
  auto again = watch.inspect(*e);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message, "the socket is gone");
  auto twice = watch.destroy(*e);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message, "the socket is gone");
  // The listener is untouched.
  auto l = find(Table::Tcp, port, 0);
  ASSERT_TRUE(l);
  EXPECT_TRUE(watch.inspect(*l));
}

TEST_F(Actions, UnknownNamespace) {
  SnapEntry e;
  e.key.netns = 12345;
  e.key.cookie = 1;
  e.family = AF_INET;
  auto r = watch.inspect(e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "namespace gone");
  auto d = watch.destroy(e);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "namespace gone");
}

}  // namespace
