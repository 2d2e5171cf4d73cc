#include "render/numfmt.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace sw::num {

namespace {

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

int digits10(uint64_t v) {
  int n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000;
    n += 4;
  }
}

void fallback(std::string& out, const char* spec, double v) {
  char b[512];
  int n = std::snprintf(b, sizeof b, spec, v);
  if (n > 0)
    out.append(b, static_cast<size_t>(n) < sizeof b ? static_cast<size_t>(n) : sizeof b - 1);
}

// 10^k as long double; exact for 0 <= k <= 27 (5^27 fits the 64-bit mantissa).
long double pow10l_exact(int k) {
  long double p = 1;
  for (int i = 0; i < k; ++i) p *= 10;
  return p;
}

// C's "%.Pg" for finite v > 0. The value is scaled to P integer digits in long
// double (error far below one unit of the last digit); when the scaled value
// lies near a rounding tie the exact answer depends on bits we did not keep,
// so snprintf decides. Outside 1e-30..1e30 (never printed by ss) likewise.
template <int P>
void g_positive(std::string& out, double v, const char* spec) {
  if (!(v >= 1e-30 && v <= 1e30)) return fallback(out, spec, v);
  int e10 = static_cast<int>(std::floor(std::log10(v)));
  // log10 may be off by one next to powers of ten; fix with exact compares.
  auto scaled = [&](int e) {
    int k = P - 1 - e;
    return k >= 0 ? static_cast<long double>(v) * pow10l_exact(k)
                  : static_cast<long double>(v) / pow10l_exact(-k);
  };
  constexpr long double kLow = P == 6 ? 100000.0L : 100.0L;
  constexpr long double kHigh = kLow * 10;
  long double m = scaled(e10);
  if (m < kLow) m = scaled(--e10);
  if (m >= kHigh) m = scaled(++e10);
  if (m < kLow || m >= kHigh) return fallback(out, spec, v);
  long double fl = std::floor(m);
  long double frac = m - fl;
  if (std::fabs(frac - 0.5L) < 1e-6L) return fallback(out, spec, v);
  auto r = static_cast<uint64_t>(fl) + (frac > 0.5L ? 1 : 0);
  if (static_cast<long double>(r) >= kHigh) {  // 999.99.. rounded up to 1000..
    r /= 10;
    ++e10;
  }
  char d[P];
  for (int i = P - 1; i >= 0; --i) {
    d[i] = static_cast<char>('0' + r % 10);
    r /= 10;
  }
  int last = P - 1;  // trailing zeros go (%g without '#')
  while (last > 0 && d[last] == '0') --last;
  if (e10 < -4 || e10 >= P) {
    out.push_back(d[0]);
    if (last > 0) {
      out.push_back('.');
      out.append(d + 1, static_cast<size_t>(last));
    }
    out.push_back('e');
    out.push_back(e10 < 0 ? '-' : '+');
    int ae = e10 < 0 ? -e10 : e10;
    if (ae < 10) out.push_back('0');
    u(out, static_cast<uint64_t>(ae));
    return;
  }
  if (e10 >= 0) {
    // Integer part: digits 0..e10; fraction: the rest up to `last`.
    out.append(d, static_cast<size_t>(e10 + 1));
    if (last > e10) {
      out.push_back('.');
      out.append(d + e10 + 1, static_cast<size_t>(last - e10));
    }
  } else {
    out.append("0.", 2);
    out.append(static_cast<size_t>(-e10 - 1), '0');
    out.append(d, static_cast<size_t>(last + 1));
  }
}

template <int P>
void g_any(std::string& out, double v, const char* spec) {
  if (v == 0) {
    out.append(std::signbit(v) ? "-0" : "0");
    return;
  }
  if (!std::isfinite(v)) return fallback(out, spec, v);
  if (v < 0) {
    out.push_back('-');
    v = -v;
  }
  g_positive<P>(out, v, spec);
}

}  // namespace

char* put_u64(char* p, uint64_t v) {
  int n = digits10(v);
  char* end = p + n;
  char* q = end;
  while (v >= 100) {
    auto k = static_cast<size_t>(v % 100) * 2;
    v /= 100;
    *--q = kDigitPairs[k + 1];
    *--q = kDigitPairs[k];
  }
  if (v >= 10) {
    auto k = static_cast<size_t>(v) * 2;
    *--q = kDigitPairs[k + 1];
    *--q = kDigitPairs[k];
  } else {
    *--q = static_cast<char>('0' + v);
  }
  return end;
}

void x(std::string& out, uint64_t v) { x0(out, v, 1); }

void x0(std::string& out, uint64_t v, int width) {
  char b[16];
  int n = 0;
  do {
    b[15 - n++] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v);
  if (width > n) out.append(static_cast<size_t>(width - n), '0');
  out.append(b + 16 - n, static_cast<size_t>(n));
}

void o3(std::string& out, unsigned v) {
  char b[12];
  int n = 0;
  do {
    b[11 - n++] = static_cast<char>('0' + (v & 7));
    v >>= 3;
  } while (v);
  if (n < 3) out.append(static_cast<size_t>(3 - n), '0');
  out.append(b + 12 - n, static_cast<size_t>(n));
}

void g(std::string& out, double v) {
  // Nearly every %g value ss prints is a whole number of microseconds divided
  // by 1000 (rtt, rto, ato, minrtt...). Below 1000 that is at most six
  // significant digits, so %g is "int.frac" with trailing zeros removed: the
  // double is within half an ulp of n/1000, far from any rounding boundary.
  if (v >= 0 && v < 1000.0) {
    auto n = static_cast<long long>(std::llround(v * 1000.0));
    if (static_cast<double>(n) / 1000.0 == v && (n != 0 || !std::signbit(v))) {
      u(out, static_cast<uint64_t>(n / 1000));
      if (int frac = static_cast<int>(n % 1000)) {
        char f[3] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                     static_cast<char>('0' + frac % 10)};
        size_t len = 3;
        while (f[len - 1] == '0') --len;
        out.push_back('.');
        out.append(f, len);
      }
      return;
    }
  }
  g_any<6>(out, v, "%g");
}

void g3(std::string& out, double v) { g_any<3>(out, v, "%.3g"); }

void f0(std::string& out, double v) {
  // Below 2^53 the fraction v - floor(v) is exact, so rounding half to even
  // here is what printf does with the exact binary value.
  if (v >= 0 && v < 9007199254740992.0 && !std::signbit(v)) {
    double fl = std::floor(v);
    double frac = v - fl;
    auto n = static_cast<uint64_t>(fl);
    if (frac > 0.5 || (frac == 0.5 && (n & 1))) ++n;
    u(out, n);
    return;
  }
  if (v >= 9007199254740992.0 && v < 18446744073709551616.0) {  // already an integer
    u(out, static_cast<uint64_t>(v));
    return;
  }
  fallback(out, "%.0f", v);
}

void ip4(std::string& out, const uint8_t* a) {
  char b[16];
  char* p = b;
  for (int k = 0; k < 4; ++k) {
    if (k) *p++ = '.';
    p = put_u64(p, a[k]);
  }
  out.append(b, static_cast<size_t>(p - b));
}

void ip6(std::string& out, const uint8_t* a) {
  unsigned w[8];
  for (int k = 0; k < 8; ++k) w[k] = static_cast<unsigned>(a[2 * k] << 8 | a[2 * k + 1]);
  int best = -1, best_len = 0, cur = -1, cur_len = 0;
  for (int k = 0; k < 8; ++k) {
    if (w[k] == 0) {
      if (cur < 0) cur = k, cur_len = 0;
      ++cur_len;
      if (cur_len > best_len) best = cur, best_len = cur_len;
    } else {
      cur = -1;
    }
  }
  if (best_len < 2) best = -1;
  for (int k = 0; k < 8; ++k) {
    if (best >= 0 && k >= best && k < best + best_len) {
      if (k == best) out.push_back(':');
      continue;
    }
    if (k) out.push_back(':');
    if (k == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
      ip4(out, a + 12);
      return;
    }
    x(out, w[k]);
  }
  if (best >= 0 && best + best_len == 8) out.push_back(':');
}

}  // namespace sw::num
