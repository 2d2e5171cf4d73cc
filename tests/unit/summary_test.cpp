#include "render/summary.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "command_output.hpp"

namespace sw {
namespace {

constexpr const char* kSockstat =
    "sockets: used 21\nTCP: inuse 7 orphan 1 tw 2 alloc 11 mem 0\nUDP: inuse 2 mem 0\n"
    "UDPLITE: inuse 0\nRAW: inuse 1\nFRAG: inuse 0 memory 0\n";
constexpr const char* kSockstat6 =
    "TCP6: inuse 3\nUDP6: inuse 2\nUDPLITE6: inuse 0\nRAW6: inuse 0\nFRAG6: inuse 0 memory 0\n";
constexpr const char* kSnmp =
    "Ip: Forwarding DefaultTTL\nIp: 1 64\nTcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens "
    "PassiveOpens AttemptFails EstabResets CurrEstab InSegs\nTcp: 1 200 120000 -1 12 2 0 0 6 455\n";

SockStat stats() {
  SockStat s;
  parse_sockstat(kSockstat, s);
  parse_sockstat(kSockstat6, s);
  auto e = parse_snmp_field(kSnmp, "Tcp", "CurrEstab");
  EXPECT_TRUE(e.has_value());
  s.tcp_estab = static_cast<int>(*e);
  return s;
}

TEST(Summary, TextLayoutAndArithmetic) {
  EXPECT_EQ(format_summary(stats()),
            "Total: 21\n"
            "TCP:   13 (estab 6, closed 3, orphaned 1, timewait 2)\n"
            "\n"
            "Transport Total     IP        IPv6\n"
            "RAW\t  1         1         0        \n"
            "UDP\t  4         2         2        \n"
            "TCP\t  10        7         3        \n"
            "INET\t  15        10        5        \n"
            "FRAG\t  0         0         0        \n"
            "\n");
}

TEST(Summary, Json) {
  std::string s;
  JsonWriter w(s);
  write_summary_json(w, stats());
  auto j = nlohmann::json::parse(s);
  EXPECT_EQ(j["tcp"]["estab"], 6);
  EXPECT_EQ(j["transport"]["inet"]["ipv6"], 5);
}

TEST(Summary, SnmpMissingFieldIsAnError) {
  EXPECT_FALSE(parse_snmp_field(kSnmp, "Tcp", "Nope").has_value());
  EXPECT_FALSE(parse_snmp_field("Udp: a\nUdp: 1\n", "Tcp", "CurrEstab").has_value());
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string run(const std::string& cmd) { return test::command_output(cmd); }

// Byte for byte against the real ss fed the same files (ss -s reads only
// these three when the variables are set). The fixtures come from a namespace
// whose host-wide TCP "alloc" was 100k, so the odd arithmetic shows.
TEST(SummaryVsSs, FixtureFilesByteForByte) {
  if (access("/usr/bin/ss", X_OK) != 0) GTEST_SKIP() << "/usr/bin/ss not available";
  const std::string dir = std::string(SW_FIXTURES_DIR) + "/proc/net/";
  struct Case {
    std::string sockstat, sockstat6, snmp;
  };
  // The second case has no sockstat6 (kernel without IPv6): v6 columns are 0.
  for (const Case& c :
       {Case{"sockstat", "sockstat6", "snmp"}, Case{"sockstat", "does-not-exist", "snmp"}}) {
    std::string expect =
        run("env -i PROC_NET_SOCKSTAT=" + dir + c.sockstat + " PROC_NET_SOCKSTAT6=" + dir +
            c.sockstat6 + " PROC_NET_SNMP=" + dir + c.snmp + " /usr/bin/ss -s 2>/dev/null");
    SockStat st;
    parse_sockstat(slurp(dir + c.sockstat), st);
    parse_sockstat(slurp(dir + c.sockstat6), st);
    auto estab = parse_snmp_field(slurp(dir + c.snmp), "Tcp", "CurrEstab");
    ASSERT_TRUE(estab.has_value());
    st.tcp_estab = static_cast<int>(*estab);
    EXPECT_EQ(format_summary(st), expect) << c.sockstat6;
    EXPECT_NE(expect.find("Total: "), std::string::npos);
  }
}

TEST(Summary, SockstatReadsValuesByPositionLikeSs) {
  // ss: sscanf("%*s%d") after the tag, so the first number wins whatever
  // the key says; unknown tags and short lines are ignored.
  SockStat s;
  parse_sockstat(
      "sockets: used 5\nTCP: inuse 1 orphans 2 timewait 3 allocated 4 mem 9\n"
      "XYZ: inuse 7\nUDP:\nRAW: inuse 2\nFRAG: inuse 1 memory 0\n"
      "TCP6: inuse x\nUDP6: inuse 3x\n",
      s);
  EXPECT_EQ(s.sockets, 5);
  EXPECT_EQ(s.tcp4_inuse, 1);
  EXPECT_EQ(s.tcp_orphans, 2);
  EXPECT_EQ(s.tcp_tw, 3);
  EXPECT_EQ(s.tcp_alloc, 4);
  EXPECT_EQ(s.udp4, 0);
  EXPECT_EQ(s.raw4, 2);
  EXPECT_EQ(s.frag4, 1);
  EXPECT_EQ(s.tcp6_inuse, 0);  // not a number: left at 0
  EXPECT_EQ(s.udp6, 3);        // %d stops at the first non-digit
}

}  // namespace
}  // namespace sw
