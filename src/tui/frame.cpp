#include "tui/frame.hpp"

#include <algorithm>

#include "core/utf8.hpp"

namespace sw::tui {

namespace {

// Columns of one code point. A table of our own rather than wcwidth(3):
// wcwidth answers by the process's locale, and the layout must measure the
// same way in tests, in batch mode and on the screen.
int cp_width(char32_t cp) {
  if (cp == 0) return 0;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
      (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
      (cp >= 0xfe20 && cp <= 0xfe2f) || cp == 0x200b || cp == 0x200c || cp == 0x200d ||
      (cp >= 0xfe00 && cp <= 0xfe0f))
    return 0;
  if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
      (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
      (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
      (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
    return 2;
  return 1;
}

}  // namespace

int display_width(std::string_view s) {
  int w = 0;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    size_t n = utf8_decode(s, i, cp);
    if (n == 0) {  // not text: the escaper never lets this through; count it as one
      ++w;
      ++i;
      continue;
    }
    w += cp_width(cp);
    i += n;
  }
  return w;
}

std::string_view fit_width(std::string_view s, int cols) {
  int w = 0;
  size_t i = 0;
  while (i < s.size()) {
    char32_t cp = 0;
    size_t n = utf8_decode(s, i, cp);
    int cw = n ? cp_width(cp) : 1;
    if (n == 0) n = 1;
    if (w + cw > cols) break;
    w += cw;
    i += n;
  }
  return s.substr(0, i);
}

void Frame::put(int y, int x, std::string_view text, Attr attr) {
  if (y < 0 || y >= height || x >= width || text.empty()) return;
  if (static_cast<size_t>(y) >= lines.size()) lines.resize(static_cast<size_t>(y) + 1);
  if (x < 0) x = 0;
  std::string_view fit = fit_width(text, width - x);
  if (fit.empty()) return;
  lines[static_cast<size_t>(y)].spans.push_back({x, std::string(fit), attr});
}

std::string Frame::to_text() const {
  std::string out;
  for (const Line& l : lines) {
    // Spans may overlap (a later one overwrites): paint into a cell row.
    std::vector<std::string> cells(static_cast<size_t>(width), " ");
    for (const Span& s : l.spans) {
      int x = s.x;
      for (size_t i = 0; i < s.text.size() && x < width;) {
        char32_t cp = 0;
        size_t n = utf8_decode(s.text, i, cp);
        if (n == 0) n = 1;
        int cw = cp_width(cp);
        if (cw == 0 && x > 0) {
          cells[static_cast<size_t>(x - 1)] += s.text.substr(i, n);
        } else if (cw > 0) {
          cells[static_cast<size_t>(x)] = s.text.substr(i, n);
          for (int k = 1; k < cw && x + k < width; ++k) cells[static_cast<size_t>(x + k)] = "";
          x += cw;
        }
        i += n;
      }
    }
    std::string row;
    for (const auto& c : cells) row += c;
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out += row;
    out += '\n';
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n')
    out.pop_back();
  return out;
}

}  // namespace sw::tui
