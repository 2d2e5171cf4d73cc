// Strict UTF-8 (RFC 3629) decoding of untrusted bytes: the one definition of
// "valid UTF-8" that the terminal escaper and the JSON writer share, so a
// string JSON passes as text is exactly one the escaper passes as text.
// Rejected: overlong forms (C0, C1, E0 80..9F, F0 80..8F), UTF-16 surrogates
// (ED A0..BF), code points above U+10FFFF (F4 90.., F5..FF), stray
// continuation bytes and truncated sequences.
#pragma once

#include <cstddef>
#include <string_view>

namespace sw {

// Length (1-4) of the valid sequence starting at s[i], storing its code point
// in `cp`; 0 if s[i] does not start one (one byte is then to be treated as
// invalid, and decoding resumes at s[i + 1]). i must be < s.size().
size_t utf8_decode(std::string_view s, size_t i, char32_t& cp);

bool valid_utf8(std::string_view s);

// C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F): the code points a terminal
// acts on. U+009B is CSI, as ESC [ is.
constexpr bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); }

}  // namespace sw
