// Number formatting for the ss text paths: C printf's output (%u, %d, %x, %g,
// %.3g, %.0f) without a locale, a format string or an allocation. -tani prints
// ~40 numbers per socket; at 100k sockets fmt's per-call format-spec parsing and
// glibc's float printing were the largest user-space costs. Every function
// appends to `out` and returns nothing; each matches snprintf byte for byte
// (tests/unit/numfmt_test.cpp compares them over many values).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sw::num {

// Writes v in decimal at p (room for 20 digits) and returns the end.
char* put_u64(char* p, uint64_t v);

inline void u(std::string& out, uint64_t v) {
  char b[24];
  out.append(b, static_cast<size_t>(put_u64(b, v) - b));
}
inline void i(std::string& out, int64_t v) {
  if (v < 0) {
    out.push_back('-');
    u(out, uint64_t{0} - static_cast<uint64_t>(v));
  } else {
    u(out, static_cast<uint64_t>(v));
  }
}
// "%x" (lowercase, no prefix).
void x(std::string& out, uint64_t v);
// "%0Nx": zero-padded to at least `width` digits.
void x0(std::string& out, uint64_t v, int width);
// "%o" zero-padded to three digits ("\\%03o" escapes).
void o3(std::string& out, unsigned v);

// "%g" (6 significant digits, trailing zeros removed, %e form outside 1e-4..1e6).
void g(std::string& out, double v);
// "%.3g".
void g3(std::string& out, double v);
// "%.0f".
void f0(std::string& out, double v);

// glibc's inet_ntop for AF_INET (4 bytes) and AF_INET6 (16 bytes, network
// order): "::" for the first longest run of two or more zero groups, and the
// dotted tail for ::a.b.c.d and ::ffff:a.b.c.d.
void ip4(std::string& out, const uint8_t* a);
void ip6(std::string& out, const uint8_t* a);

// A literal followed by an unsigned decimal: the common " name:VALUE" shape.
inline void kv(std::string& out, std::string_view key, uint64_t v) {
  out.append(key);
  u(out, v);
}

}  // namespace sw::num
