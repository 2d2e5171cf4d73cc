#include "core/escape.hpp"

#include <fmt/format.h>

namespace sw {

namespace {
// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t utf8_len(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  return n;
}
}  // namespace

bool needs_escape(std::string_view in) {
  for (size_t i = 0; i < in.size();) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = utf8_len(in, i);
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
    auto c = static_cast<unsigned char>(in[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t n = utf8_len(in, i);
      if (n) {
        out.append(in.substr(i, n));
        i += n;
        continue;
      }
    }
    fmt::format_to(std::back_inserter(out), "\\{:03o}", c);
    ++i;
  }
}

}  // namespace sw
