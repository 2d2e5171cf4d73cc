#include "render/summary.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace sw
