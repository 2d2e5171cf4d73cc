// The filter lexer: blank re-splitting, escapes, source offsets, the keyword
// table, and ss's -F FILE line rules (checked against ss 6.1 by hand: a line
// of 1022 characters plus its newline is "Too long line in filter").
#include "filter/filter_lexer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "filter_test_util.hpp"

namespace sw {
namespace {

using filter_test::parse;

TEST(FilterLexer, ResplitsWordsOnBlanksAndTabsWithOffsets) {
  TokenStream ts = lex_filter({"sport = :22", "or\tdport", "=", ":80"}, {"and ( dev lo )"});
  EXPECT_EQ(ts.expr, "sport = :22 or\tdport = :80 and ( dev lo )");
  std::vector<std::string> texts;
  for (const auto& t : ts.toks) texts.push_back(t.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"sport", "=", ":22", "or", "dport", "=", ":80", "and",
                                             "(", "dev", "lo", ")", ""}));
  EXPECT_EQ(ts.toks[4].pos, 15u);  // "dport" after the tab
  EXPECT_EQ(ts.toks[7].pos, 27u);  // "and" starts the file part
  EXPECT_EQ(ts.toks.back().kind, Tok::End);
  EXPECT_EQ(ts.toks.back().pos, ts.expr.size());
}

TEST(FilterLexer, BackslashEscapesTheNextCharacterAndIsRemoved) {
  TokenStream ts = lex_filter({"src\\ 127.0.0.1", "unix:/a\\\\b", "x\\"}, {});
  ASSERT_EQ(ts.toks.size(), 4u);
  EXPECT_EQ(ts.toks[0].text, "src 127.0.0.1");  // one word: the blank was escaped
  EXPECT_EQ(ts.toks[0].kind, Tok::Word);
  EXPECT_EQ(ts.toks[0].len, 14u);
  EXPECT_EQ(ts.toks[1].text, "unix:/a\\b");
  EXPECT_EQ(ts.toks[2].text, "x");  // a trailing backslash escapes nothing
  EXPECT_EQ(lex_filter({"\\and"}, {}).toks[0].kind, Tok::And);  // keywords after unescaping
}

TEST(FilterLexer, KeywordTable) {
  struct K {
    const char* w;
    Tok t;
  };
  const K table[] = {
      {"!", Tok::Not},         {"not", Tok::Not},       {"&", Tok::And},
      {"&&", Tok::And},        {"and", Tok::And},       {"|", Tok::Or},
      {"||", Tok::Or},         {"or", Tok::Or},         {"(", Tok::LParen},
      {")", Tok::RParen},      {"dst", Tok::Dst},       {"src", Tok::Src},
      {"dport", Tok::Dport},   {"sport", Tok::Sport},   {"dev", Tok::Dev},
      {"fwmark", Tok::Fwmark}, {"cgroup", Tok::Cgroup}, {"autobound", Tok::Autobound},
      {"=", Tok::Eq},          {"==", Tok::Eq},         {"eq", Tok::Eq},
      {"!=", Tok::Neq},        {"ne", Tok::Neq},        {"neq", Tok::Neq},
      {"<", Tok::Lt},          {"lt", Tok::Lt},         {"<=", Tok::Leq},
      {"le", Tok::Leq},        {"leq", Tok::Leq},       {">", Tok::Gt},
      {"gt", Tok::Gt},         {">=", Tok::Geq},        {"ge", Tok::Geq},
      {"geq", Tok::Geq},       {"AND", Tok::Word},      {"dport=22", Tok::Word},
      {"(dport", Tok::Word},   {"state", Tok::Word},    {"inode", Tok::Word},
      {"=>", Tok::Word},
  };
  for (const auto& k : table) EXPECT_EQ(classify(k.w), k.t) << k.w;
}

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/sw_filter_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  return path;
}

Expected<std::vector<std::string>> read_text(const std::string& text) {
  std::string p = write_temp(text);
  auto r = read_filter_lines(p);
  unlink(p.c_str());
  return r;
}

TEST(FilterFile, CommentAndZeroLinesAreSkippedArgvComesFirst) {
  auto f = read_text("# comment\nsport = :22\n0 this line is skipped by ss\n\nor dport = :22\n");
  ASSERT_TRUE(f);
  ASSERT_EQ(*f, (std::vector<std::string>{"sport = :22", "", "or dport = :22"}));
  auto c = filter_test::fake_ctx();
  auto r = parse_filter({"dport", "= :1", "or"}, *f, c);
  ASSERT_TRUE(r.filter);
  EXPECT_EQ(r.filter->describe(), "((dst *:1 or src *:22) or dst *:22)");
}

TEST(FilterFile, LineLengthLimitIsSs1024ByteFgetsBuffer) {
  EXPECT_TRUE(read_text(std::string(1021, 'x') + "\n"));
  auto longer = read_text(std::string(1022, 'x') + "\n");
  ASSERT_FALSE(longer);
  EXPECT_EQ(longer.error().message, "Too long line in filter");
  EXPECT_TRUE(read_text(std::string(1022, 'x')));  // no newline: fits
  EXPECT_FALSE(read_text(std::string(1023, 'x')));
  EXPECT_FALSE(read_text("#" + std::string(1030, 'x') + "\n"));  // even a comment
}

TEST(FilterFile, NulBytesAndMissingFiles) {
  auto inv = read_text(std::string("\0abc\n", 5));
  ASSERT_FALSE(inv);
  EXPECT_EQ(inv.error().message, "Invalid line");
  auto cut = read_text(std::string("sport = :22\0 junk\n", 18));
  ASSERT_TRUE(cut);
  EXPECT_EQ(*cut, (std::vector<std::string>{"sport = :22"}));
  auto missing = read_filter_lines("/nonexistent/x");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "fopen filter file: No such file or directory");
  EXPECT_EQ(missing.error().code, ENOENT);
  // The pair form app/ still uses says the same.
  EXPECT_EQ(read_filter_file("/nonexistent/x").error.value_or(""),
            "fopen filter file: No such file or directory");
}

}  // namespace
}  // namespace sw
