// Community ID v1 against the spec's published baseline
// (corelight/community-id-spec baseline/baseline_deflt.json and
// baseline_seed1.json): both directions of each flow, seeds 0 and 1.
#include "render/community_id.hpp"

#include <gtest/gtest.h>

#include "log_event_samples.hpp"

namespace sw {
namespace {

using test::ip;

struct Vector {
  uint8_t proto;
  const char* saddr;
  const char* daddr;
  int sport, dport;  // -1: the protocol has no ports
  const char* seed0;
  const char* seed1;
};

const Vector kVectors[] = {
    {6, "128.232.110.120", "66.35.250.204", 34855, 80,
     "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {6, "66.35.250.204", "128.232.110.120", 80, 34855,
     "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {17, "192.168.1.52", "8.8.8.8", 54585, 53,
     "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {17, "8.8.8.8", "192.168.1.52", 53, 54585,
     "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {132, "192.168.170.8", "192.168.170.56", 7, 7,
     "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    {132, "192.168.170.56", "192.168.170.8", 7, 7,
     "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
    // RSVP (46): no ports, only addresses and protocol are hashed.
    {46, "10.1.12.1", "10.1.12.2", -1, -1,
     "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI="},
    {46, "10.1.12.2", "10.1.12.1", -1, -1,
     "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI="},
};

std::optional<uint16_t> port(int p) {
  if (p < 0) return std::nullopt;
  return static_cast<uint16_t>(p);
}

TEST(CommunityId, SpecBaselineSeed0) {
  for (const auto& v : kVectors) {
    EXPECT_EQ(community_id_v1(ip(v.saddr), port(v.sport), ip(v.daddr), port(v.dport), v.proto),
              v.seed0)
        << v.saddr << " " << v.daddr << " proto " << int{v.proto};
  }
}

TEST(CommunityId, SpecBaselineSeed1) {
  for (const auto& v : kVectors) {
    EXPECT_EQ(community_id_v1(ip(v.saddr), port(v.sport), ip(v.daddr), port(v.dport), v.proto, 1),
              v.seed1)
        << v.saddr << " " << v.daddr << " proto " << int{v.proto};
  }
}

TEST(CommunityId, SameAddressOrdersByPort) {
  auto a = community_id_v1(ip("127.0.0.1"), 40000, ip("127.0.0.1"), 80, kIanaTcp);
  auto b = community_id_v1(ip("127.0.0.1"), 80, ip("127.0.0.1"), 40000, kIanaTcp);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.rfind("1:", 0), 0u);
  EXPECT_EQ(a.size(), 2u + 28u);  // base64 of a 20-byte digest
}

TEST(CommunityId, MixedFamiliesHaveNoFlow) {
  EXPECT_EQ(community_id_v1(ip("10.0.0.1"), 1, ip("::1"), 2, kIanaTcp), "");
  IpAddr none;
  EXPECT_EQ(community_id_v1(none, 1, none, 2, kIanaTcp), "");
}

}  // namespace
}  // namespace sw
