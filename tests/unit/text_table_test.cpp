#include "render/text_table.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "render/output.hpp"

namespace sw {
namespace {

// Renders through a real Writer into a temp file and returns the bytes.
std::string render(const TextTable& t, int width) {
  char path[] = "/tmp/sw_table_XXXXXX";
  int fd = mkstemp(path);
  {
    Writer w(fd);
    t.render(w, width);
  }
  close(fd);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  unlink(path);
  return ss.str();
}

// The nine ss columns, Netid first; the Netns cell (column 0) stays empty.
struct Row {
  std::array<std::string_view, kColCount> cells{};
  template <typename... T>
  Row(T... ss_cells) : cells{std::string_view{}, std::string_view(ss_cells)...} {
    static_assert(sizeof...(T) == kColCount - 1);
  }
  operator const std::array<std::string_view, kColCount>&() const { return cells; }
};

TEST(TextTable, CompactHeaderGluesPortProcessWhenPortIsFourWide) {
  TextTable t;
  t.disable(kColNetid);
  t.add_header();
  t.add_row(Row{"tcp", "LISTEN", "0     ", "128   ", "127.0.0.1:", "8080", "0.0.0.0:", "*", ""});
  EXPECT_EQ(render(t, -1),
            "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n"
            "LISTEN 0      128        127.0.0.1:8080      0.0.0.0:*          \n");
}

TEST(TextTable, RightAlignedAddressesLeftPaddedPorts) {
  TextTable t;
  t.disable(kColNetid);
  t.disable(kColState);
  t.add_row(Row{"", "", "0     ", "0     ", "[::1]:", "36094", "[::1]:", "8443", ""});
  t.add_row(Row{"", "", "900   ", "0     ", "127.0.0.1:", "http-alt", "127.0.0.1:", "1", ""});
  EXPECT_EQ(render(t, -1),
            "0      0          [::1]:36094        [::1]:8443\n"
            "900    0      127.0.0.1:http-alt 127.0.0.1:1   \n");
}

TEST(TextTable, ProcessColumnPadsEveryRowToItsWidth) {
  TextTable t;
  t.disable(kColNetid);
  t.disable(kColState);
  t.add_row(Row{"", "", "0", "0", "a:", "1", "b:", "2", "users:((x))"});
  t.add_row(Row{"", "", "0", "0", "a:", "1", "b:", "2", ""});
  EXPECT_EQ(render(t, -1), "0 0 a:1 b:2users:((x))\n0 0 a:1 b:2           \n");
}

TEST(TextTable, TtyModeSpreadsSpareWidthRemainderToTheRight) {
  TextTable t;
  t.disable(kColNetid);
  t.disable(kColState);
  t.disable(kColProcess);
  t.add_row(Row{"", "", "0", "0", "a:", "1", "b:", "2", ""});
  // Widths 1,2,3,1,3,1 = 11 over 6 columns; 20 columns leave 9: one each, and the
  // remaining 3 go one at a time to the rightmost columns (ss's render_calc_width).
  std::string out = render(t, 20);
  EXPECT_EQ(out, "0  0   a:1     b:2  \n");
  EXPECT_EQ(out.size(), 21u);
}

TEST(TextTable, TtyModeWrapsByPaddingToScreenWidth) {
  TextTable t;
  t.disable(kColNetid);
  t.add_row(Row{"", "ESTAB", "0", "0", "127.0.0.1:", "45364", "127.0.0.1:", "8080",
                "users:((\"python3\",pid=1,fd=3))"});
  t.add_row(Row{"", "LISTEN", "0", "0", "127.0.0.1:", "8080", "0.0.0.0:", "*", ""});
  std::string out = render(t, 40);
  // Rows that do not fit are laid out as whole screen lines (the terminal wraps).
  auto nl = out.find('\n');
  EXPECT_EQ(nl % 40, 0u) << out;
  EXPECT_EQ((out.size() - nl - 2) % 40, 0u) << out;
}

TEST(TextTable, LastRowProcessCellIsNotMeasuredAsInSs) {
  TextTable t;
  t.disable(kColNetid);
  t.disable(kColState);
  t.add_header();
  t.add_row(Row{"", "", "0", "0", "a:", "1", "b:", "2", "short"});
  t.add_row(Row{"", "", "0", "0", "a:", "1", "b:", "2", "a much longer process cell"});
  // ss flushes a row's Process field when the next row starts, so the last one
  // never counts: the header and the first row pad to the first row's width.
  EXPECT_EQ(render(t, -1),
            "Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n"
            "0      0                  a:1               b:2   short  \n"
            "0      0                  a:1               b:2   a much longer process cell\n");
}

TEST(TextTable, NetnsColumnLeadsWhenEnabledAndHeaderNamesIt) {
  TextTable t;
  t.enable(kColNetns);
  t.disable(kColState);
  t.add_header();
  std::array<std::string_view, kColCount> a{"blue",       "tcp", "",         "0", "0",
                                            "127.0.0.1:", "80",  "0.0.0.0:", "*", ""};
  std::array<std::string_view, kColCount> b{"4026531840", "udp",  "",      "0", "0",
                                            "[::1]:",     "5353", "[::]:", "*", ""};
  t.add_row(a);
  t.add_row(b);
  EXPECT_EQ(render(t, -1),
            "Netns      Netid Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n"
            "blue       tcp   0      0          127.0.0.1:80        0.0.0.0:*          \n"
            "4026531840 udp   0      0              [::1]:5353         [::]:*          \n");
}

// A tail image of decimal numbers, one per word, formatted as " n=V".
class NumberTails : public TailFormatter {
 public:
  void format_tail(std::string_view image, std::string& out) const override {
    for (size_t i = 0; i + 4 <= image.size(); i += 4) {
      uint32_t v;
      std::memcpy(&v, image.data() + i, 4);
      out += " n=" + std::to_string(v);
    }
  }
  static std::string image(std::vector<uint32_t> v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4);
  }
  std::string text(std::vector<uint32_t> v) const {
    std::string out;
    format_tail(image(v), out);
    return out;
  }
};

TEST(TextTable, DeferredTailsRenderAsTheirTextWould) {
  NumberTails tails;
  std::vector<std::vector<uint32_t>> rows = {
      {1, 2, 3}, {1, 2, 3}, {1, 70000, 3, 4}, {5}, {}, {0xffffffffu, 0, 7}, {0xffffffffu, 1, 7}};
  TextTable deferred, inline_text;
  for (auto* t : {&deferred, &inline_text}) {
    t->disable(kColNetid);
    t->disable(kColState);
    t->add_header();
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string users = i % 3 ? "" : "users:((x))";
    Row cells{"", "", "0", "0", "a:", "1", "b:", "2", ""};
    cells.cells[kColProcess] = users;
    if (i == 4) {  // a row without a tail between rows with one
      deferred.add_row(cells);
    } else {
      std::string img = NumberTails::image(rows[i]);
      deferred.add_row(cells, img, tails.text(rows[i]).size(), &tails);
    }
    std::string full = users + (i == 4 ? "" : tails.text(rows[i]));
    cells.cells[kColProcess] = full;
    inline_text.add_row(cells);
  }
  EXPECT_EQ(render(deferred, -1), render(inline_text, -1));
  // A retried dump drops rows; the ones added after decode against the right row.
  deferred.truncate(3);
  inline_text.truncate(3);
  for (auto* t : {&deferred, &inline_text}) {
    Row cells{"", "", "0", "0", "a:", "1", "b:", "2", ""};
    std::vector<uint32_t> v = {1, 2, 9};
    if (t == &deferred)
      t->add_row(cells, NumberTails::image(v), tails.text(v).size(), &tails);
    else {
      std::string full = tails.text(v);
      cells.cells[kColProcess] = full;
      t->add_row(cells);
    }
  }
  EXPECT_EQ(render(deferred, -1), render(inline_text, -1));
}

}  // namespace
}  // namespace sw
