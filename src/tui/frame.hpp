// Frame: one screenful of text with attributes, as the pure layout produces it
// and a Terminal draws it. Every string in a frame is already safe for a
// terminal (untrusted bytes escaped by the layout) and is measured in
// terminal columns by display_width(). Plain data; to_text() is what tests
// compare and what batch mode (`top -b`) prints.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sw::tui {

enum class Color : uint8_t { Default, Black, Red, Green, Yellow, Blue, Magenta, Cyan, White };

struct Attr {
  Color fg = Color::Default;
  Color bg = Color::Default;
  bool bold = false;
  bool reverse = false;  // the selection bar, headers
  bool underline = false;
  bool dim = false;
  bool operator==(const Attr&) const = default;
};

// A run of text at column `x` of its line.
struct Span {
  int x = 0;
  std::string text;
  Attr attr;
};

struct Line {
  std::vector<Span> spans;
  // The whole line has this attribute where no span covers it (a selected
  // row's bar reaches the right edge).
  bool fill = false;
  Attr fill_attr;
};

struct Frame {
  int width = 80, height = 24;
  std::vector<Line> lines;  // at most `height`
  // Where the terminal's cursor goes (the filter prompt); -1: hidden.
  int cursor_x = -1, cursor_y = -1;

  Frame() = default;
  Frame(int w, int h) : width(w), height(h) { lines.resize(static_cast<size_t>(h)); }
  // Puts `text` at (x, y), cut at the right edge (never wraps).
  void put(int y, int x, std::string_view text, Attr attr = {});
  // The frame as plain text, one line per row, trailing blanks removed.
  std::string to_text() const;
};

// Terminal columns `s` takes (UTF-8; East Asian wide characters count 2,
// combining marks 0). Text given to a Frame has no control characters.
int display_width(std::string_view s);
// The longest prefix of `s` that fits in `cols` columns.
std::string_view fit_width(std::string_view s, int cols);

}  // namespace sw::tui
