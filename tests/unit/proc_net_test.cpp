#include "procfs/proc_net.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

namespace sw {
namespace {

constexpr const char* kTcpHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";

TEST(ProcNet, TcpV4Line) {
  std::string text = std::string(kTcpHeader) +
                     "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000005 00:00000000 00000000  "
                     "1000        0 4947 1 000000006e8101e4 100 0 0 10 0\n"
                     "   1: 0100007F:1F90 0100007F:B0FC 01 00000010:00000384 02:00000064 00000002  "
                     "   0        0 4949 1 00000000aaaa0000 20 4 30 10 -1\n";
  auto r = parse_proc_inet(text, "tcp", Table::Tcp, AF_INET);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  const auto& l = (*r)[0];
  EXPECT_EQ(l.state, kListen);
  EXPECT_EQ(l.lport, 8080);
  EXPECT_EQ(l.rqueue, 5);
  EXPECT_EQ(l.uid, 1000u);
  EXPECT_EQ(l.inode, 4947u);
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, l.local.bytes.data(), buf, sizeof buf);
  EXPECT_STREQ(buf, "127.0.0.1");
  const auto& e = (*r)[1];
  EXPECT_EQ(e.state, kEstablished);
  EXPECT_EQ(e.wqueue, 16);
  EXPECT_EQ(e.rqueue, 900);
  EXPECT_EQ(e.timer, 2);
  EXPECT_EQ(e.expires, 1000u);  // 100 ticks at USER_HZ 100
  EXPECT_EQ(e.retrans, 0);      // not a retransmit timer: the probes column
  ASSERT_TRUE(e.proc_tcp);
  EXPECT_DOUBLE_EQ(e.proc_tcp->rto, 0.2);
  EXPECT_EQ(e.proc_tcp->qack, 15);
  EXPECT_EQ(e.proc_tcp->ssthresh, 0);  // -1 means none
}

TEST(ProcNet, V6Address) {
  std::string text = std::string(kTcpHeader) +
                     "   0: 00000000000000000000000001000000:20FB 00000000000000000000000000000000:"
                     "0000 0A 00000000:00000000 00:00000000 00000000     0        0 4950 1 "
                     "0000000000000000 100 0 0 10 0\n";
  auto r = parse_proc_inet(text, "tcp6", Table::Tcp, AF_INET6);
  ASSERT_TRUE(r.has_value());
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, (*r)[0].local.bytes.data(), buf, sizeof buf);
  EXPECT_STREQ(buf, "::1");
  EXPECT_EQ((*r)[0].lport, 8443);
}

TEST(ProcNet, RawPortIsTheProtocol) {
  std::string text =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
      "inode ref pointer drops\n"
      "   1: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 "
      "4976 2 000000003a6d9c4f 0\n";
  auto r = parse_proc_inet(text, "raw", Table::Raw, AF_INET);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)[0].lport, 1);  // IPPROTO_ICMP
  EXPECT_EQ((*r)[0].state, kClose);
}

TEST(ProcNet, MalformedLinesNameFileAndLine) {
  std::string text = std::string(kTcpHeader) + "   0: garbage\n";
  auto r = parse_proc_inet(text, "/x/tcp", Table::Tcp, AF_INET);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("/x/tcp: line 2"), std::string::npos) << r.error().message;
  auto r2 = parse_proc_inet(std::string(kTcpHeader) + "no colon here\n", "t", Table::Tcp, AF_INET);
  EXPECT_FALSE(r2.has_value());
  auto r3 = parse_proc_inet(
      std::string(kTcpHeader) + "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000005\n", "t",
      Table::Tcp, AF_INET);
  EXPECT_FALSE(r3.has_value());                                            // truncated data fields
  EXPECT_TRUE(parse_proc_inet("", "t", Table::Tcp, AF_INET).has_value());  // empty file
}

TEST(ProcNet, UnixStatesAndOrder) {
  std::string text =
      "Num       RefCount Protocol Flags    Type St Inode Path\n"
      "00000000aa: 00000002 00000000 00010000 0001 01  300 /run/x.sock\n"
      "00000000bb: 00000002 00000000 00000000 0002 01  200 @abs\n"
      "00000000cc: 00000003 00000000 00000000 0001 03  100\n";
  auto r = parse_proc_unix(text, "unix");
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].inode, 100u);  // stream sockets first, by inode
  EXPECT_EQ((*r)[0].state, kEstablished);
  EXPECT_EQ((*r)[1].inode, 300u);
  EXPECT_EQ((*r)[1].state, kListen);
  EXPECT_EQ((*r)[1].unix_ext->path, "/run/x.sock");
  EXPECT_EQ((*r)[2].table, Table::UnixDgram);
  EXPECT_EQ((*r)[2].state, kEstablished);  // ss's quirk for dgram on this path
}

}  // namespace
}  // namespace sw
