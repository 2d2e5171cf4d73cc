#include "core/escape.hpp"

#include <fmt/format.h>

#include "core/utf8.hpp"

namespace sw {

namespace {
// Length of the printable (passed through) sequence at in[i], or 0 when the
// byte at in[i] must be escaped. A validly encoded C1 control is escaped one
// byte at a time, so its first byte returns 0 and its second follows suit as
// a stray continuation byte.
size_t printable_len(std::string_view in, size_t i) {
  char32_t cp;
  size_t n = utf8_decode(in, i, cp);
  return n && !is_control(cp) ? n : 0;
}
}  // namespace

bool needs_escape(std::string_view in) {
  for (size_t i = 0; i < in.size();) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c >= 0x20 && c < 0x7f) {
      ++i;
      continue;
    }
    size_t n = printable_len(in, i);
    if (n == 0) return true;
    i += n;
  }
  return false;
}

void append_escaped(std::string& out, std::string_view in) {
  if (!needs_escape(in)) {
    out.append(in);
    return;
  }
  for (size_t i = 0; i < in.size();) {
    size_t n = printable_len(in, i);
    if (n) {
      out.append(in.substr(i, n));
      i += n;
      continue;
    }
    fmt::format_to(std::back_inserter(out), "\\{:03o}", static_cast<unsigned char>(in[i]));
    ++i;
  }
}

}  // namespace sw
