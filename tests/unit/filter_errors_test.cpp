// Filter errors on the terminal: control bytes from a filter file escaped,
// long expressions cut to a window around the caret.
#include "filter_errors.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sw {
namespace {

TEST(FilterErrors, ControlBytesAreEscapedEverywhere) {
  FilterError e;
  e.status = 1;
  e.ss_message = "Cannot parse mark \x1b[31m\a.\n";
  e.explanation = "expected MARK, got '\x1b[31m\a'";
  e.expression = "fwmark \x1b[31m\a";
  e.caret_at = 7;
  e.caret_len = 6;
  std::string out = format_filter_error(e, "USAGE\n");
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_EQ(out.find('\a'), std::string::npos) << out;
  EXPECT_EQ(out.find("USAGE"), std::string::npos);  // status 1: no usage
  EXPECT_EQ(out,
            "Cannot parse mark \\033[31m\\007.\n"
            "sockwatch: filter: expected MARK, got '\\033[31m\\007'\n"
            "  fwmark \\033[31m\\007\n"
            "         ^^^^^^^^^^^^\n");
}

TEST(FilterErrors, HugeExpressionIsCutAroundTheCaret) {
  std::string expr;
  while (expr.size() < 1000000) expr += "dst 10.0.0.1 or ";
  size_t at = expr.size();
  expr += "fwmark zz or dst 10.0.0.2";
  for (int i = 0; i < 1000; ++i) expr += " or dst 10.0.0.3";
  std::string out = caret_lines(expr, at + 7, 2);
  EXPECT_LT(out.size(), 400u) << out.size();
  auto nl = out.find('\n');
  std::string line = out.substr(0, nl), carets = out.substr(nl + 1);
  EXPECT_EQ(line.substr(0, 5), "  ...");
  EXPECT_EQ(line.substr(line.size() - 3), "...");
  size_t col = carets.find('^');
  EXPECT_EQ(line.substr(col, 2), "zz");
  FilterError e;
  e.status = 255;
  e.ss_message = "ss: bison bellows\n";
  e.explanation = std::string(100000, 'y');
  e.expression = expr;
  e.caret_at = at;
  EXPECT_LT(format_filter_error(e, "U\n").size(), 1200u);
}

TEST(FilterErrors, CaretCountsCharactersNotBytes) {
  std::string out = caret_lines("dst \xc3\xa9t\xc3\xa9 zz", 10, 2);
  EXPECT_EQ(out, "  dst \xc3\xa9t\xc3\xa9 zz\n          ^^\n");
}

}  // namespace
}  // namespace sw
