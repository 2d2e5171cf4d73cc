#include "render/numfmt.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace sw {
namespace {

std::string printf_text(const char* spec, double v) {
  char b[512];
  std::snprintf(b, sizeof b, spec, v);
  return b;
}

template <typename Fn>
std::string ours(Fn fn, double v) {
  std::string s = "<";  // text already in the buffer must stay
  fn(s, v);
  return s.substr(1);
}

// Doubles of every magnitude ss prints, plus the shapes that stress rounding:
// whole microseconds / 1000, k/256 gains, rates (cwnd * mss * 8e6 / rtt),
// exact decimal ties, powers of ten and their neighbours.
std::vector<double> samples() {
  std::vector<double> v = {0.0,    -0.0,   1.0,     0.5,    1.5,      2.5,   0.0001, 0.00001,
                           999.5,  999.95, 999.999, 9999.5, 99999.5,  1e6,   999999, 999999.5,
                           1e-5,   1e-4,   0.00015, 123456, 1234567,  1e15,  1e21,   1e-30,
                           1e30,   1e300,  -12.5,   5e-324, 999.9999, 0.1,   0.2,    0.3,
                           1000.0, 100.0,  99.95,   99.949, 1.0005,   1.0015};
  std::mt19937_64 rng(42);
  for (int n = 0; n < 40000; ++n) v.push_back(static_cast<double>(n) / 1000.0);
  for (int n = 0; n < 40000; ++n)
    v.push_back(static_cast<double>(rng() % 100000000000ULL) / 1000.0);
  for (int k = 0; k < 4096; ++k) v.push_back(k / 256.0);
  std::uniform_int_distribution<uint32_t> cwnd(1, 1000), mss(1, 65535), rtt(1, 5000000);
  for (int n = 0; n < 40000; ++n) {
    double bps = static_cast<double>(cwnd(rng)) * mss(rng) * 8000000. / rtt(rng);
    v.push_back(bps);
    v.push_back(bps / 1e3);
    v.push_back(bps / 1e6);
    v.push_back(bps / 1e9);
    v.push_back(bps / 1e12);
  }
  for (int n = 0; n < 40000; ++n) {
    double rate = static_cast<double>(rng() >> (rng() % 64)) * 8.;
    v.push_back(rate);
    v.push_back(rate / 1e3);
    v.push_back(rate / 1e9);
  }
  std::uniform_real_distribution<double> expo(-32, 32);
  for (int n = 0; n < 40000; ++n) v.push_back(std::pow(10.0, expo(rng)));
  for (int e = -30; e <= 30; ++e) {
    double p = std::pow(10.0, e);
    v.push_back(p);
    v.push_back(std::nextafter(p, 0));
    v.push_back(std::nextafter(p, 1e308));
    for (double m : {0.5, 9.995, 9.9995, 9.99995, 9.999995, 1.0005, 1.00005, 1.000005})
      v.push_back(m * p);
  }
  for (double t = 0.5; t < 1e7; t = t * 1.7 + 1) v.push_back(std::floor(t) + 0.5);
  return v;
}

TEST(NumFmt, GMatchesPrintf) {
  int bad = 0;
  for (double v : samples()) {
    std::string want = printf_text("%g", v), got = ours(num::g, v);
    if (want != got && ++bad < 10)
      ADD_FAILURE() << "%g of " << printf_text("%.17g", v) << ": " << want << " vs " << got;
  }
  EXPECT_EQ(bad, 0);
}

TEST(NumFmt, G3MatchesPrintf) {
  int bad = 0;
  for (double v : samples()) {
    std::string want = printf_text("%.3g", v), got = ours(num::g3, v);
    if (want != got && ++bad < 10)
      ADD_FAILURE() << "%.3g of " << printf_text("%.17g", v) << ": " << want << " vs " << got;
  }
  EXPECT_EQ(bad, 0);
}

TEST(NumFmt, F0MatchesPrintf) {
  int bad = 0;
  for (double v : samples()) {
    std::string want = printf_text("%.0f", v), got = ours(num::f0, v);
    if (want != got && ++bad < 10)
      ADD_FAILURE() << "%.0f of " << printf_text("%.17g", v) << ": " << want << " vs " << got;
  }
  EXPECT_EQ(bad, 0);
}

TEST(NumFmt, NonFiniteGoThroughPrintf) {
  for (double v :
       {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_EQ(ours(num::g, v), printf_text("%g", v));
    EXPECT_EQ(ours(num::g3, v), printf_text("%.3g", v));
    EXPECT_EQ(ours(num::f0, v), printf_text("%.0f", v));
  }
}

TEST(NumFmt, IntegersMatchPrintf) {
  std::vector<uint64_t> vals = {0,   1,   9,    10,          99,
                                100, 999, 1000, 4294967295u, std::numeric_limits<uint64_t>::max()};
  std::mt19937_64 rng(7);
  for (int n = 0; n < 100000; ++n) vals.push_back(rng() >> (rng() % 64));
  for (uint64_t p = 1; p < 1000000000000000000ULL; p *= 10) {
    vals.push_back(p - 1);
    vals.push_back(p);
  }
  char b[64];
  for (uint64_t v : vals) {
    std::string s;
    num::u(s, v);
    std::snprintf(b, sizeof b, "%" PRIu64, v);
    ASSERT_EQ(s, b);
    s.clear();
    num::x(s, v);
    std::snprintf(b, sizeof b, "%" PRIx64, v);
    ASSERT_EQ(s, b);
    s.clear();
    num::x0(s, v, 8);
    std::snprintf(b, sizeof b, "%08" PRIx64, v);
    ASSERT_EQ(s, b);
    auto sv = static_cast<int64_t>(v);
    s.clear();
    num::i(s, sv);
    std::snprintf(b, sizeof b, "%" PRId64, sv);
    ASSERT_EQ(s, b);
    auto small = static_cast<unsigned>(v & 0777);
    s.clear();
    num::o3(s, small);
    std::snprintf(b, sizeof b, "%03o", small);
    ASSERT_EQ(s, b);
  }
}

TEST(NumFmt, AddressesMatchInetNtop) {
  std::mt19937_64 rng(11);
  std::vector<std::array<uint8_t, 16>> addrs;
  // Every pattern of zero and non-zero groups (the "::" rules), with random
  // values, plus the v4-mapped/compatible shapes.
  for (int mask = 0; mask < 256; ++mask) {
    for (int rep = 0; rep < 8; ++rep) {
      std::array<uint8_t, 16> a{};
      for (int k = 0; k < 8; ++k) {
        if (!(mask & (1 << k))) continue;
        uint16_t v = static_cast<uint16_t>(rng() % (rep < 4 ? 0x10000 : 0x10));
        if (v == 0) v = 1;
        a[2 * k] = static_cast<uint8_t>(v >> 8);
        a[2 * k + 1] = static_cast<uint8_t>(v);
      }
      addrs.push_back(a);
    }
  }
  for (int n = 0; n < 2000; ++n) {
    std::array<uint8_t, 16> a{};
    a[10] = a[11] = (n % 3) ? 0xff : 0;
    if (n % 5 == 0) a[11] = 0xfe;
    for (int k = 12; k < 16; ++k) a[k] = static_cast<uint8_t>(rng());
    addrs.push_back(a);
  }
  char b[64];
  for (const auto& a : addrs) {
    std::string s;
    num::ip6(s, a.data());
    ASSERT_NE(inet_ntop(AF_INET6, a.data(), b, sizeof b), nullptr);
    ASSERT_EQ(s, b);
    s.clear();
    num::ip4(s, a.data() + 12);
    ASSERT_NE(inet_ntop(AF_INET, a.data() + 12, b, sizeof b), nullptr);
    ASSERT_EQ(s, b);
  }
}

}  // namespace
}  // namespace sw
