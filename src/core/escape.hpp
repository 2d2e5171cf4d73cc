// Terminal-safe rendering of untrusted bytes (process names, socket paths).
// Control bytes and DEL become \ooo octal escapes, as procps does; a backslash
// is left alone so ordinary text is unchanged. Printable UTF-8 passes through.
#pragma once

#include <string>
#include <string_view>

namespace sw {

// Appends `in` to `out`, escaping as \ooo every byte of: C0 controls, DEL,
// C1 controls even when validly encoded (U+0080-U+009F, e.g. "\xc2\x9b" is
// CSI to a UTF-8 terminal), and every byte that is not part of a strictly
// valid UTF-8 sequence (core/utf8.hpp: no overlongs, surrogates or values
// past U+10FFFF, which a terminal might decode leniently).
void append_escaped(std::string& out, std::string_view in);
bool needs_escape(std::string_view in);

}  // namespace sw
