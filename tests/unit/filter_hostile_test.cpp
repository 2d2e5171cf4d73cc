// Hostile filter shapes (issue 12): deep nesting is refused as ss refuses it
// (bison's "memory exhausted", status 255) at the depth ss 6.1 was measured
// to refuse; long flat chains — a 40,000-term blocklist — parse, evaluate,
// compile (within the kernel's program size) and free without recursion.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "filter/filter.hpp"
#include "filter_test_util.hpp"

namespace sw {
namespace {

using filter_test::fake_ctx;
using filter_test::inet;

constexpr const char* kExhausted =
    "ss: bison bellows (while parsing filter): \"memory exhausted!\" Sorry.\n";

FilterParseResult parse_words(const std::vector<std::string>& words) {
  FilterContext c = fake_ctx();
  return parse_filter(words, {}, c);
}

std::vector<std::string> nested_parens(size_t n) {
  std::vector<std::string> w(n, "(");
  w.insert(w.end(), {"dport", "=", "1"});
  w.insert(w.end(), n, ")");
  return w;
}

std::vector<std::string> chained_nots(size_t n) {
  std::vector<std::string> w(n, "not");
  w.insert(w.end(), {"dport", "=", "1"});
  return w;
}

// "dst 10.0.x.y or dst ..." with `n` terms, then `last`.
std::vector<std::string> blocklist(size_t n, const char* op, bool negate, const char* last) {
  std::vector<std::string> w;
  for (size_t i = 0; i < n; ++i) {
    if (i) w.push_back(op);
    if (negate) w.push_back("not");
    w.push_back("dst");
    w.push_back("10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
                std::to_string(i & 255));
  }
  if (last) {
    w.push_back(op);
    if (negate) w.push_back("not");
    w.push_back("dst");
    w.push_back(last);
  }
  return w;
}

TEST(FilterHostile, TwentyThousandNestedParenthesesAreRefusedLikeSs) {
  auto r = parse_words(nested_parens(20000));
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->status, 255);
  EXPECT_EQ(r.error->ss_message, kExhausted);
  EXPECT_NE(r.error->explanation.find("nests too deeply"), std::string::npos);
}

TEST(FilterHostile, ThirtyThousandChainedNotsAreRefusedLikeSs) {
  auto r = parse_words(chained_nots(30000));
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->status, 255);
  EXPECT_EQ(r.error->ss_message, kExhausted);
}

// ss 6.1 parses 9,995 nested '(' (or '!') and refuses 9,996; three slots a
// level for `A or (`, two for juxtaposition `A (`.
TEST(FilterHostile, DepthLimitIsWhereSsPutsIt) {
  EXPECT_TRUE(parse_words(nested_parens(9995)).filter);
  EXPECT_TRUE(parse_words(nested_parens(9996)).error);
  EXPECT_TRUE(parse_words(chained_nots(9995)).filter);
  EXPECT_TRUE(parse_words(chained_nots(9996)).error);
  auto levels = [](size_t n, bool explicit_or) {
    std::vector<std::string> w;
    for (size_t i = 0; i < n; ++i) {
      w.insert(w.end(), {"dport", "=", "1"});
      if (explicit_or) w.push_back("or");
      w.push_back("(");
    }
    w.insert(w.end(), {"dport", "=", "1"});
    w.insert(w.end(), n, ")");
    return w;
  };
  EXPECT_TRUE(parse_words(levels(3331, true)).filter);
  EXPECT_TRUE(parse_words(levels(3332, true)).error);
  EXPECT_TRUE(parse_words(levels(4997, false)).filter);
  EXPECT_TRUE(parse_words(levels(4998, false)).error);
}

TEST(FilterHostile, DeepestAcceptedExpressionEvaluatesCompilesDescribesAndFrees) {
  // 9,995 nots around dport = 1: odd, so it means dport != 1.
  auto r = parse_words(chained_nots(9995));
  ASSERT_TRUE(r.filter);
  EXPECT_FALSE(r.filter->matches(inet(AF_INET, "127.0.0.1", 5, "127.0.0.1", 1)));
  EXPECT_TRUE(r.filter->matches(inet(AF_INET, "127.0.0.1", 5, "127.0.0.1", 2)));
  std::string bc = r.filter->bytecode();
  EXPECT_FALSE(bc.empty());  // 9,995 JMPs and one compare: fits in 64 KiB
  EXPECT_TRUE(audit_bytecode(bc));
  EXPECT_FALSE(run_bytecode(bc, inet(AF_INET, "127.0.0.1", 5, "127.0.0.1", 1)));
  EXPECT_TRUE(run_bytecode(bc, inet(AF_INET, "127.0.0.1", 5, "127.0.0.1", 2)));
  std::string d = r.filter->describe();
  EXPECT_EQ(d.find_first_not_of('!'), 9995u) << d.substr(0, 20);
  auto p = parse_words(nested_parens(9995));
  ASSERT_TRUE(p.filter);
  EXPECT_TRUE(p.filter->matches(inet(AF_INET, "127.0.0.1", 5, "127.0.0.1", 1)));
  EXPECT_FALSE(p.filter->compile_bytecode(AF_INET).code.empty());
}

TEST(FilterHostile, FortyThousandTermBlocklistWorks) {
  auto r = parse_words(blocklist(40000, "or", false, "192.0.2.7"));
  ASSERT_TRUE(r.filter) << r.error->explanation;
  EXPECT_TRUE(r.filter->warnings.empty());
  EXPECT_TRUE(r.filter->matches(inet(AF_INET, "127.0.0.1", 5, "10.0.156.63", 80)));  // term 39999
  EXPECT_TRUE(r.filter->matches(inet(AF_INET, "127.0.0.1", 5, "192.0.2.7", 80)));
  EXPECT_FALSE(r.filter->matches(inet(AF_INET, "127.0.0.1", 5, "10.0.156.64", 80)));
  EXPECT_FALSE(r.filter->matches(inet(AF_INET, "127.0.0.1", 5, "192.0.2.8", 80)));
  // 40,000 host conditions are ~800 KB of bytecode: past what the kernel can
  // be sent, so nothing is sent and user space filters (ss's outcome too:
  // it filters every socket in user space again).
  EXPECT_TRUE(r.filter->bytecode().empty());
  EXPECT_FALSE(r.filter->bytecode_is_exact());
  EXPECT_TRUE(r.filter->compile_bytecode(AF_INET).code.empty());
}

TEST(FilterHostile, LongAndChainCompilesASoundPrefilterWithinTheKernelLimit) {
  // not dst A and not dst B ...: an allow-all-but list, AND-chained.
  auto r = parse_words(blocklist(40000, "and", true, "192.0.2.7"));
  ASSERT_TRUE(r.filter);
  auto bc = r.filter->compile_bytecode(AF_INET);
  EXPECT_LE(bc.code.size(), 65528u);
  EXPECT_FALSE(bc.exact);
  EXPECT_TRUE(audit_bytecode(bc.code));
  for (const char* dst : {"10.0.0.1", "10.0.156.63", "10.1.0.0", "192.0.2.7", "192.0.2.8"}) {
    auto rec = inet(AF_INET, "127.0.0.1", 5, dst, 80);
    if (r.filter->matches(rec)) {
      EXPECT_TRUE(run_bytecode(bc.code, rec)) << dst;
    }
  }
  EXPECT_TRUE(r.filter->matches(inet(AF_INET, "127.0.0.1", 5, "10.1.0.0", 80)));
  EXPECT_FALSE(r.filter->matches(inet(AF_INET, "127.0.0.1", 5, "10.0.156.63", 80)));
}

TEST(FilterHostile, MixedAndOrWarningsAreBounded) {
  auto r = parse_words(blocklist(1000, "or", false, nullptr));
  ASSERT_TRUE(r.filter);
  std::vector<std::string> w = blocklist(10, "or", false, nullptr);
  for (int i = 0; i < 1000; ++i)
    w.insert(w.end(), {"or", "dport", "=", "1", "and", "sport", "=", "2"});
  auto m = parse_words(w);
  ASSERT_TRUE(m.filter);
  EXPECT_EQ(m.filter->warnings.size(), 5u);
  EXPECT_NE(m.filter->warnings.back().find("996 more places"), std::string::npos)
      << m.filter->warnings.back();
}

TEST(FilterHostile, ExplanationsQuoteOnlyTheStartOfAHugeWord) {
  std::string huge(100000, 'x');
  auto r = parse_words({"fwmark", huge});
  ASSERT_TRUE(r.error);
  EXPECT_LT(r.error->explanation.size(), 300u);
  EXPECT_NE(r.error->explanation.find("xxx..."), std::string::npos);
}

// -F FILE: bounded while reading, a directory named.
struct TempPath {
  std::string path;
  explicit TempPath(const std::string& content) {
    char p[] = "/tmp/sw_filterfile_XXXXXX";
    int fd = mkstemp(p);
    path = p;
    size_t done = 0;
    while (done < content.size()) {
      ssize_t n = write(fd, content.data() + done, content.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    close(fd);
  }
  ~TempPath() { unlink(path.c_str()); }
};

TEST(FilterFileHostile, DevZeroIsAnInvalidLineAsInSs) {
  auto r = read_filter_file("/dev/zero");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, "Invalid line");  // ss 6.1: same words, status 255
}

TEST(FilterFileHostile, DirectoryIsNamedNotReadAsAnEmptyFilter) {
  auto r = read_filter_file("/tmp");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, "-F /tmp: Is a directory");
}

TEST(FilterFileHostile, FileOverTheBoundIsRefusedNamingIt) {
  std::string line = "dst 10.0.0.1 or\n";
  std::string text;
  while (text.size() <= kMaxFilterFileBytes) text += line;
  TempPath f(text);
  auto r = read_filter_file(f.path);
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->find(f.path), std::string::npos) << *r.error;
  EXPECT_NE(r.error->find("16 MiB"), std::string::npos) << *r.error;
}

TEST(FilterFileHostile, FgetsChunkingAsSs) {
  // 1,022 bytes and a newline: strlen 1,023 is ss's "Too long line".
  TempPath longer(std::string(1022, 'a') + "\n");
  EXPECT_EQ(read_filter_file(longer.path).error.value_or(""), "Too long line in filter");
  TempPath fits(std::string(1021, 'a') + "\n");
  auto r = read_filter_file(fits.path);
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].size(), 1021u);
  TempPath nul(std::string("dst 1.2.3.4\0junk\nsport = 1\n", 27));
  auto n = read_filter_file(nul.path);
  ASSERT_FALSE(n.error);
  EXPECT_EQ(n.lines, (std::vector<std::string>{"dst 1.2.3.4", "sport = 1"}));
}

}  // namespace
}  // namespace sw
