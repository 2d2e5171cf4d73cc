#include "netlink/parse.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/unix_diag.h>

#include "nl_fixture.hpp"

namespace sw {
namespace {

using test::NlMsg;
using test::tcp_msg;

TEST(InetParse, HeaderFieldsAndCookie) {
  NlMsg m;
  m.put(tcp_msg(AF_INET, kListen, 8080, 0));
  auto r = parse_inet_msg(m.hdr(), Table::Tcp);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->lport, 8080);
  EXPECT_EQ(r->rport, 0);
  EXPECT_EQ(r->state, kListen);
  EXPECT_EQ(r->inode, 4242u);
  EXPECT_EQ(r->cookie, 0x200000010ull);  // cookie[1] is the high word, as ss
  EXPECT_EQ(r->local.bytes[0], 127);
  EXPECT_FALSE(r->ext);
}

TEST(InetParse, OptionalAttributes) {
  NlMsg m;
  m.put(tcp_msg(AF_INET6, kEstablished, 1, 2));
  uint8_t shut = 3, v6only = 1;
  uint32_t mark = 0x55;
  uint64_t cg = 77;
  m.attr(INET_DIAG_SHUTDOWN, shut).attr(INET_DIAG_SKV6ONLY, v6only).attr(INET_DIAG_MARK, mark);
  m.attr(INET_DIAG_CGROUP_ID, cg).attr(INET_DIAG_CONG, "cubic", 6);
  auto r = parse_inet_msg(m.hdr(), Table::Tcp);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->shutdown, 3);
  EXPECT_EQ(r->v6only, 1);
  EXPECT_EQ(r->mark, 0x55u);
  EXPECT_EQ(r->cgroup_id, 77u);
  ASSERT_TRUE(r->ext);
  EXPECT_EQ(r->ext->cong, "cubic");
}

TEST(InetParse, ShortTcpInfoIsZeroPadded) {
  NlMsg m;
  m.put(tcp_msg(AF_INET, kEstablished, 1, 2));
  tcp_info full{};
  full.tcpi_rto = 204000;
  full.tcpi_snd_cwnd = 10;
  full.tcpi_snd_wnd = 999;  // beyond the short length below: must read as 0
  size_t short_len = offsetof(tcp_info, tcpi_rcv_rtt);
  m.attr(INET_DIAG_INFO, &full, short_len);
  auto r = parse_inet_msg(m.hdr(), Table::Tcp);
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->ext && r->ext->info);
  EXPECT_EQ(r->ext->info_len, short_len);
  EXPECT_EQ(r->ext->info->tcpi_rto, 204000u);
  EXPECT_EQ(r->ext->info->tcpi_snd_cwnd, 10u);
  EXPECT_EQ(r->ext->info->tcpi_snd_wnd, 0u);
}

TEST(InetParse, TruncatedMessageIsAnError) {
  NlMsg m;
  m.put(tcp_msg(AF_INET, kEstablished, 1, 2));
  auto bytes = m.bytes();
  nlmsghdr h;
  std::memcpy(&h, bytes.data(), sizeof h);
  h.nlmsg_len = NLMSG_LENGTH(sizeof(inet_diag_msg) - 4);
  std::vector<uint64_t> aligned(bytes.size() / 8 + 1);
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  std::memcpy(aligned.data(), &h, sizeof h);
  auto r = parse_inet_msg(*reinterpret_cast<nlmsghdr*>(aligned.data()), Table::Tcp);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("truncated"), std::string::npos);
}

TEST(InetParse, AttributeLongerThanMessageIsAnError) {
  NlMsg m;
  m.put(tcp_msg(AF_INET, kEstablished, 1, 2));
  nlattr bogus{};
  bogus.nla_len = 200;  // claims far more than the message holds
  bogus.nla_type = INET_DIAG_INFO;
  m.put(bogus);
  auto r = parse_inet_msg(m.hdr(), Table::Tcp);
  EXPECT_FALSE(r.has_value());
}

TEST(UnixParse, AbstractNameAndPeer) {
  NlMsg m;
  unix_diag_msg u{};
  u.udiag_family = AF_UNIX;
  u.udiag_type = SOCK_DGRAM;
  u.udiag_state = kClose;
  u.udiag_ino = 99;
  m.put(u);
  const char name[] = "\0abs\0x";
  m.attr(UNIX_DIAG_NAME, name, sizeof name - 1);
  uint32_t peer = 7;
  m.attr(UNIX_DIAG_PEER, peer);
  unix_diag_rqlen q{3, 5};
  m.attr(UNIX_DIAG_RQLEN, q);
  auto r = parse_unix_msg(m.hdr());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->table, Table::UnixDgram);
  ASSERT_TRUE(r->unix_ext);
  EXPECT_EQ(r->unix_ext->path, "@abs@x");  // every NUL shows as '@', as ss
  EXPECT_EQ(r->unix_ext->peer_inode, 7u);
  EXPECT_EQ(r->rqueue, 3);
  EXPECT_EQ(r->wqueue, 5);
}

TEST(UnixParse, PathStopsAtNul) {
  NlMsg m;
  unix_diag_msg u{};
  u.udiag_family = AF_UNIX;
  u.udiag_type = SOCK_STREAM;
  m.put(u);
  const char name[] = "/run/a.sock\0junk";
  m.attr(UNIX_DIAG_NAME, name, sizeof name - 1);
  auto r = parse_unix_msg(m.hdr());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->table, Table::UnixStream);
  EXPECT_EQ(r->unix_ext->path, "/run/a.sock");
}

}  // namespace
}  // namespace sw
