#include "core/utf8.hpp"

namespace sw {

size_t utf8_decode(std::string_view s, size_t i, char32_t& cp) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = at(0);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  size_t n;
  // RFC 3629 section 4: the second byte's range depends on the first, which
  // is what excludes overlongs, surrogates and values past U+10FFFF.
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (c == 0xED) hi = 0x9F;  // U+D800-U+DFFF surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
    if (c == 0xF0) lo = 0x90;  // overlong below U+10000
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // continuation byte, C0/C1 (overlong ASCII), F5..FF
  }
  if (i + n > s.size()) return 0;
  if (at(1) < lo || at(1) > hi) return 0;
  cp = (cp << 6) | (at(1) & 0x3F);
  for (size_t k = 2; k < n; ++k) {
    if ((at(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (at(k) & 0x3F);
  }
  return n;
}

bool valid_utf8(std::string_view s) {
  char32_t cp;
  for (size_t i = 0; i < s.size();) {
    // ASCII runs dominate real names and paths: skip the decoder for them.
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = utf8_decode(s, i, cp);
    if (!n) return false;
    i += n;
  }
  return true;
}

}  // namespace sw
