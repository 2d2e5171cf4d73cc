// Terminal-safe rendering of untrusted bytes (process names, socket paths).
// Control bytes and DEL become \ooo octal escapes, as procps does; a backslash
// is left alone so ordinary text is unchanged. Printable UTF-8 passes through.
#pragma once

#include <string>
#include <string_view>

namespace sw {

// Appends `in` to `out`, escaping C0 controls, DEL and C1-range bytes that are
// not part of a valid UTF-8 sequence.
void append_escaped(std::string& out, std::string_view in);
bool needs_escape(std::string_view in);

}  // namespace sw
