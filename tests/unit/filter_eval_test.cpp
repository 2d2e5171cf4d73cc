// The user-space evaluator: ss's run_ssfilter semantics, quirks included.
#include <gtest/gtest.h>

#include "filter_test_util.hpp"

namespace sw {
namespace {

using filter_test::inet;
using filter_test::parse;

bool m(const char* expr, const SocketRecord& r) {
  auto p = parse(expr);
  EXPECT_TRUE(p.filter) << expr;
  return p.filter && p.filter->matches(r);
}

TEST(FilterEval, PortsAndComparisons) {
  auto r = inet(AF_INET, "127.0.0.1", 8080, "10.0.0.1", 443);
  EXPECT_TRUE(m("sport = :8080", r));
  EXPECT_FALSE(m("sport = :80", r));
  EXPECT_TRUE(m("dport = :https", r));
  EXPECT_TRUE(m("sport > :8079 and sport < :8081", r));
  EXPECT_FALSE(m("sport > :8080", r));
  EXPECT_TRUE(m("sport >= :8080 and sport <= :8080", r));
  EXPECT_TRUE(m("dport != :80", r));
  EXPECT_TRUE(m("sport = :-1", r));  // -1 is "any port"
  EXPECT_TRUE(m("src 127.0.0.1:8080 dst 10.0.0.0/8:443", r));
  EXPECT_FALSE(m("src 127.0.0.1:8081", r));
}

TEST(FilterEval, PrecedenceIsLeftToRight) {
  auto r = inet(AF_INET, "127.0.0.1", 1, "127.0.0.1", 9);
  // (sport 1 or sport 2) and dport 3: false; the man page's reading would say true.
  EXPECT_FALSE(m("sport = :1 or sport = :2 and dport = :3", r));
  EXPECT_TRUE(m("sport = :1 or ( sport = :2 and dport = :3 )", r));
  EXPECT_TRUE(m("! dport = :3 and sport = :1", r));
}

TEST(FilterEval, V4PatternMatchesV4MappedSockets) {
  EXPECT_TRUE(m("src 127.0.0.1", inet(AF_INET, "127.0.0.1", 1, "0.0.0.0", 0)));
  EXPECT_TRUE(m("src 127.0.0.1", inet(AF_INET6, "::ffff:127.0.0.1", 1, "::", 0)));
  EXPECT_TRUE(m("src 127.0.0.0/8", inet(AF_INET6, "::ffff:127.9.9.9", 1, "::", 0)));
  EXPECT_FALSE(m("src 127.0.0.1", inet(AF_INET6, "::1", 1, "::", 0)));
  // a mapped pattern selects only mapped sockets
  EXPECT_FALSE(m("src [::ffff:127.0.0.1]", inet(AF_INET, "127.0.0.1", 1, "0.0.0.0", 0)));
  EXPECT_TRUE(m("src [::ffff:127.0.0.1]", inet(AF_INET6, "::ffff:127.0.0.1", 1, "::", 0)));
  // ss compares raw bytes whatever the families: 0.0.0.0 matches [::] in user space
  EXPECT_TRUE(m("src 0.0.0.0", inet(AF_INET6, "::", 1, "::", 0)));
}

TEST(FilterEval, DevMarkCgroup) {
  auto r = inet(AF_INET, "127.0.0.1", 1, "127.0.0.1", 2);
  r.ifindex = 1;
  r.mark = 0x35;
  r.cgroup_id = 42;
  EXPECT_TRUE(m("dev lo", r));
  EXPECT_FALSE(m("dev eth0", r));
  EXPECT_TRUE(m("dev != eth0", r));
  EXPECT_TRUE(m("fwmark 0x30/0xf0", r));
  EXPECT_FALSE(m("fwmark 0x30", r));
  EXPECT_TRUE(m("fwmark != 0x30", r));
  EXPECT_TRUE(m("cgroup /sys/fs/cgroup/a", r));
  r.mark.reset();  // INET_DIAG_MARK absent (no CAP_NET_ADMIN): ss reads 0
  EXPECT_TRUE(m("fwmark 0", r));
}

SocketRecord unix_sock(const char* path) {
  SocketRecord u;
  u.family = AF_UNIX;
  u.table = Table::UnixStream;
  u.inode = 777;
  if (path) {
    u.ensure_unix().has_name = true;
    u.unix_ext->path = path;
  } else {
    u.ensure_unix();
  }
  return u;
}

TEST(FilterEval, UnixGlobsCaseInsensitiveAndDstNeverNamed) {
  auto u = unix_sock("/run/Docker.sock");
  EXPECT_TRUE(m("src unix:/run/*.sock", u));
  EXPECT_TRUE(m("src unix:*docker*", u));  // FNM_CASEFOLD, as ss 6.1 (checked live)
  EXPECT_FALSE(m("src unix:/tmp/*", u));
  EXPECT_FALSE(m("dst unix:/run/*.sock", u));  // ss has no peer names over netlink
  EXPECT_TRUE(m("dst unix:*", u));             // ... but "*" matches the empty name
  EXPECT_TRUE(m("src unix:*", unix_sock(nullptr)));
  EXPECT_TRUE(m("src unix:@abc*", unix_sock("@abcd")));
  // Without a unix family, port conditions compare the inode.
  EXPECT_TRUE(m("sport = :777", u));
}

TEST(FilterEval, AutoboundPerFamily) {
  EXPECT_TRUE(m("autobound", inet(AF_INET, "127.0.0.1", 40000, "127.0.0.1", 80)));
  EXPECT_TRUE(m("autobound", inet(AF_INET6, "::1", 32768, "::1", 80)));
  EXPECT_FALSE(m("autobound", inet(AF_INET, "127.0.0.1", 80, "127.0.0.1", 40000)));
  EXPECT_FALSE(m("autobound", inet(AF_INET, "127.0.0.1", 61000, "127.0.0.1", 1)));
  EXPECT_TRUE(m("autobound", unix_sock(nullptr)));
  EXPECT_TRUE(m("autobound", unix_sock("@0a1b2")));
  EXPECT_FALSE(m("autobound", unix_sock("@0a1b2c")));
  EXPECT_FALSE(m("autobound", unix_sock("@0A1B2")));  // kernel autobind names are lower case
  EXPECT_FALSE(m("autobound", unix_sock("/run/x")));
  SocketRecord nl;
  nl.family = AF_NETLINK;
  nl.ensure_netlink().portid = static_cast<uint32_t>(-5);
  EXPECT_TRUE(m("autobound", nl));
  nl.netlink_ext->portid = 5;
  EXPECT_FALSE(m("autobound", nl));
}

}  // namespace
}  // namespace sw
