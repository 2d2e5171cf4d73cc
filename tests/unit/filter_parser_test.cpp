// The filter parser: the grammar as ss reduces it, operand forms, family
// overrides, and every error with its exit status, ss's text and the caret.
#include <gtest/gtest.h>

#include "filter_test_util.hpp"

namespace sw {
namespace {

using filter_test::fake_ctx;
using filter_test::parse;

struct Case {
  const char* expr;
  const char* describe;
};

TEST(FilterParse, OperandForms) {
  const Case cases[] = {
      {"sport = :22", "src *:22"},
      {"sport 22", "src *:22"},
      {"sport eq :ssh", "src *:22"},
      {"sport == 0x16", "src *:22"},
      {"sport = :-1", "src *:*"},  // get_integer accepts -1, which means "any port"
      {"dport != :80", "!dst *:80"},
      {"dport ne 80", "!dst *:80"},
      {"dport neq 80", "!dst *:80"},
      {"dport > :1024", "!dport<=1024"},
      {"dport gt :1024", "!dport<=1024"},
      {"dport < :1024", "!dport>=1024"},
      {"dport lt :1024", "!dport>=1024"},
      {"dport ge :1024", "dport>=1024"},
      {"dport geq :1024", "dport>=1024"},
      {"dport >= :1024", "dport>=1024"},
      {"sport le 0x50", "sport<=80"},
      {"sport leq 0x50", "sport<=80"},
      {"sport <= 0x50", "sport<=80"},
      {"src 10.0.0.0/8", "src 10.0.0.0/8:*"},
      {"src 10.0.0.0/255.0.0.0", "src 10.0.0.0/8:*"},  // get_netmask takes dotted masks
      {"src 010.0.0.1", "src 8.0.0.1/32:*"},           // strtoul base 0, as iproute2
      {"src 0x7f.1", "src 127.1.0.0/32:*"},
      {"src 127.1", "src 127.1.0.0/32:*"},
      {"dst [::1]:443", "dst ::1/128:443"},
      {"dst = [::1]:https", "dst ::1/128:443"},
      {"src *:80", "src *:80"},
      {"src *80", "src *:80"},
      {"src *", "src *:*"},
      {"src *:*", "src *:*"},
      {"src 127.0.0.1:*", "src 127.0.0.1/32:*"},
      {"src any", "src any/0:*"},
      {"src 1.2.3.4/16:8080", "src 1.2.3.4/16:8080"},
      {"src inet:1.2.3.4", "src 1.2.3.4/32:*"},
      {"src inet6:[::1]:22", "src ::1/128:22"},
      {"src unix:/run/*", "src unix:/run/*"},
      {"dev lo", "dev 1"},
      {"dev = eth0", "dev 2"},
      {"dev != 7", "!dev 7"},
      {"dev 0x10", "dev 16"},
      {"fwmark 0x10/0xf0", "fwmark 0x10/0xf0"},
      {"fwmark = 010", "fwmark 0x8/0xffffffff"},
      {"fwmark 5junk", "fwmark 0x5/0xffffffff"},  // sscanf ignores trailing text
      {"fwmark != 1/1", "!fwmark 0x1/0x1"},
      {"cgroup /sys/fs/cgroup/a", "cgroup 42"},
      {"cgroup != /", "!cgroup 1"},
      {"autobound", "autobound"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.expr);
    ASSERT_TRUE(r.filter) << c.expr << ": " << r.error->explanation;
    EXPECT_EQ(r.filter->describe(), c.describe) << c.expr;
  }
}

TEST(FilterParse, AndOrHaveEqualPrecedenceLeftToRight) {
  const Case cases[] = {
      {"sport = :1 or sport = :2 and dport = :3", "((src *:1 or src *:2) and dst *:3)"},
      {"sport = :1 and sport = :2 or dport = :3", "((src *:1 and src *:2) or dst *:3)"},
      {"sport = :1 dport = :2", "(src *:1 and dst *:2)"},
      {"sport = :1 & dport = :2 | dport = :3", "((src *:1 and dst *:2) or dst *:3)"},
      {"sport = :1 || dport = :2 && dport = :3", "((src *:1 or dst *:2) and dst *:3)"},
      {"! sport = :1 and dport = :2", "(!src *:1 and dst *:2)"},
      {"not not sport = :1", "!!src *:1"},
      {"! ( sport = :1 or dport = :2 )", "!(src *:1 or dst *:2)"},
      {"sport = :1 or ( sport = :2 and dport = :3 )", "(src *:1 or (src *:2 and dst *:3))"},
      {"( ( sport = :1 ) )", "src *:1"},
      {"( sport = :1 ) ( dport = :2 )", "(src *:1 and dst *:2)"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.expr);
    ASSERT_TRUE(r.filter) << c.expr;
    EXPECT_EQ(r.filter->describe(), c.describe) << c.expr;
  }
}

TEST(FilterParse, WarnsWhenAndFollowsOrWithoutParentheses) {
  EXPECT_EQ(parse("sport = :1 or sport = :2 and dport = :3").filter->warnings.size(), 1u);
  EXPECT_EQ(parse("sport = :1 or sport = :2 dport = :3").filter->warnings.size(), 1u);
  EXPECT_TRUE(parse("sport = :1 and sport = :2 or dport = :3").filter->warnings.empty());
  EXPECT_TRUE(parse("sport = :1 or ( sport = :2 and dport = :3 )").filter->warnings.empty());
  EXPECT_TRUE(parse("( sport = :1 or sport = :2 ) and dport = :3").filter->warnings.empty());
}

TEST(FilterParse, EmptyExpressionIsNoFilter) {
  auto r = parse("");
  ASSERT_TRUE(r.filter);
  EXPECT_TRUE(r.filter->empty());
  EXPECT_TRUE(r.filter->matches(filter_test::inet(AF_INET, "1.2.3.4", 1, "1.2.3.4", 2)));
}

struct ErrCase {
  const char* expr;
  int status;
  const char* ss_message;
  const char* explanation;
  size_t caret_at;
  size_t caret_len;
};

constexpr const char* kBison =
    "ss: bison bellows (while parsing filter): \"syntax error!\" Sorry.\n";
constexpr const char* kAddr = "Cannot parse dst/src address.\n";

TEST(FilterParse, ErrorsCarrySsMessageStatusAndCaret) {
  const ErrCase cases[] = {
      {"dport = foo", 1,
       "Error: \"foo\" does not look like a port.\nCannot parse dst/src address.\n",
       "expected a port after 'dport =', got 'foo'", 8, 3},
      {"sport foo", 1, "Error: \"foo\" does not look like a port.\nCannot parse dst/src address.\n",
       "expected a port after 'sport', got 'foo'", 6, 3},
      {"src 1.2.3.4:foo", 1,
       "Error: \"foo\" does not look like a port.\nCannot parse dst/src address.\n",
       "expected a port after 'src', got 'foo'", 4, 11},
      {"dport=22", 1,
       "Error: an inet prefix is expected rather than \"dport=22\".\nCannot parse dst/src "
       "address.\n",
       "expected an address, prefix or host name after 'dport=22', got 'dport=22' ('dport=22' is "
       "misplaced: a condition (src, dst, sport, dport, dev, fwmark, cgroup, autobound, '!' or "
       "'(') is expected here)",
       0, 8},
      {"src 1.2.3.4/33", 1,
       "Error: an inet prefix is expected rather than \"1.2.3.4/33\".\nCannot parse dst/src "
       "address.\n",
       "expected an address, prefix or host name after 'src', got '1.2.3.4/33'", 4, 10},
      {"src default/8", 1,
       "Error: an inet prefix is expected rather than \"default/8\".\nCannot parse dst/src "
       "address.\n",
       "expected an address, prefix or host name after 'src', got 'default/8'", 4, 9},
      {"src [::1]/128", 1,
       "Error: \"/128\" does not look like a port.\nCannot parse dst/src address.\n",
       "expected a port after 'src', got '/128'", 4, 9},
      {"src [::1", 1, kAddr, "unterminated '[' in '[::1'", 4, 4},
      {"( dport = :80", 255, kBison, "expected ')', got the end of the expression", 13, 1},
      {"dport = :80 )", 255, kBison,
       "expected 'and', 'or', a condition or the end of the expression, got ')'", 12, 1},
      {"dport", 255, kBison, "expected a port after 'dport', got the end of the expression", 5, 1},
      {"dport = and", 255, kBison, "expected a port after 'dport =', got 'and'", 8, 3},
      {"src", 255, kBison, "expected an address after 'src', got the end of the expression", 3, 1},
      {"sport = :1 or", 255, kBison,
       "expected a condition (src, dst, sport, dport, dev, fwmark, cgroup, autobound, '!' or "
       "'('), got the end of the expression",
       13, 1},
      {"and sport = :1", 255, kBison,
       "expected a condition (src, dst, sport, dport, dev, fwmark, cgroup, autobound, '!' or "
       "'('), got 'and'",
       0, 3},
      {"( )", 255, kBison,
       "expected a condition (src, dst, sport, dport, dev, fwmark, cgroup, autobound, '!' or "
       "'('), got ')'",
       2, 1},
      {"dev = = lo", 255, kBison, "expected an operand after 'dev', got '='", 6, 1},
      {"dev nosuch", 1, "Cannot parse device.\n", "no network interface named 'nosuch'", 4, 6},
      {"dev -1", 1, "Cannot parse device.\n", "no network interface named '-1'", 4, 2},
      {"dev lo nosuch", 1, "Cannot parse device.\n",
       "no network interface named 'nosuch' ('nosuch' is misplaced: 'and', 'or', a condition or "
       "the end of the expression is expected here)",
       7, 6},
      {"dev lo eth0", 255, kBison,
       "expected 'and', 'or', a condition or the end of the expression, got 'eth0'", 7, 4},
      {"fwmark xyz", 1, "Cannot parse mark xyz.\n",
       "expected MARK or MARK/MASK after 'fwmark', got 'xyz'", 7, 3},
      {"fwmark 1/", 1, "Cannot parse mark 1/.\n",
       "expected MARK or MARK/MASK after 'fwmark', got '1/'", 7, 2},
      {"cgroup x", 1, "Failed to find cgroup2 mount\nCannot parse cgroup x.\n",
       "cannot resolve cgroup 'x': Failed to find cgroup2 mount", 7, 1},
      {"sport = :80 state listening", 1,
       "Error: \"state\" does not look like a port.\nCannot parse dst/src address.\n",
       "expected a port after 'sport', got 'state'; state and exclude words must come before "
       "the expression",
       12, 5},
      {"inode 1", 1,
       "Error: an inet prefix is expected rather than \"inode\".\nCannot parse dst/src address.\n",
       "expected an address, prefix or host name after 'inode', got 'inode' ('inode' is "
       "misplaced: a condition (src, dst, sport, dport, dev, fwmark, cgroup, autobound, '!' or "
       "'(') is expected here)",
       0, 5},
      {"src link:nosuchproto", 1, kAddr, "unknown link-layer protocol 'nosuchproto'", 4, 16},
      {"src netlink:nosuch", 1, kAddr, "unknown netlink protocol 'nosuch'", 4, 14},
      {"src netlink:rtnl:abc", 1, kAddr, "'abc' is not a port id or 'kernel'", 4, 16},
      {"src link:ip:nosuchdev", 1, kAddr, "'nosuchdev' is not an interface name or index", 4, 17},
      {"src vsock:x", 1, kAddr, "expected a vsock CID, got 'x'", 4, 7},
      {"src vsock:1:", 1, kAddr, "expected a vsock port, got ''", 4, 8},
  };
  for (const auto& c : cases) {
    auto c2 = fake_ctx();
    c2.resolve_names = false;  // "dport=22" must not reach the resolver
    auto r = parse(c.expr, c2);
    ASSERT_TRUE(r.error) << c.expr;
    EXPECT_EQ(r.error->status, c.status) << c.expr;
    EXPECT_EQ(r.error->ss_message, c.ss_message) << c.expr;
    EXPECT_EQ(r.error->explanation, c.explanation) << c.expr;
    EXPECT_EQ(r.error->caret_at, c.caret_at) << c.expr;
    EXPECT_EQ(r.error->caret_len, c.caret_len) << c.expr;
    EXPECT_EQ(r.error->expression, c.expr) << c.expr;
  }
}

TEST(FilterParse, FamilyPrefixReplacesFamiliesAndBecomesPreferred) {
  auto c = fake_ctx();
  auto r = parse_filter({"src", "unix:/run/*.sock"}, {}, c);
  ASSERT_TRUE(r.filter);
  EXPECT_EQ(r.filter->family_override, AF_UNIX);
  EXPECT_EQ(c.preferred_family, AF_UNIX);
  EXPECT_EQ(parse("src inet6:[::1]").filter->family_override, AF_INET6);
  EXPECT_EQ(parse("src link:ip").filter->family_override, AF_PACKET);
  EXPECT_EQ(parse("src netlink:rtnl:kernel").filter->family_override, AF_NETLINK);
  EXPECT_FALSE(parse("sport = :22").filter->family_override);
  // After a prefix, bare operands use that family: "x*" is a unix glob here.
  auto u = parse("src unix:/a or src x*");
  ASSERT_TRUE(u.filter);
  EXPECT_EQ(u.filter->describe(), "(src unix:/a or src unix:x*)");
  // The last prefix wins.
  EXPECT_EQ(parse("src unix:/a or src inet:1.2.3.4").filter->family_override, AF_INET);
  // A -4/-6/-x preset family is re-applied by every host operand, as ss does.
  auto c4 = fake_ctx();
  c4.preferred_family = AF_INET;
  auto four = parse("sport = :22", c4);
  EXPECT_EQ(four.filter->family_override, AF_INET);
  auto bad = parse("src [::1]", c4);  // a v6 literal under -4
  ASSERT_TRUE(bad.error);
  EXPECT_EQ(bad.error->status, 1);
}

TEST(FilterParse, ServiceNamesFollowTheSelectedTables) {
  auto c = fake_ctx();
  c.has_tcp = false;
  c.has_udp = true;
  auto r = parse("dport = :domain", c);
  ASSERT_TRUE(r.filter);
  EXPECT_EQ(r.filter->describe(), "dst *:53");
  c.has_udp = false;  // no table selected: no name can be looked up
  auto e = parse("dport = :domain", c);
  ASSERT_TRUE(e.error);
  EXPECT_EQ(e.error->ss_message,
            "Error: \"domain\" does not look like a port.\nCannot parse dst/src address.\n");
}

}  // namespace
}  // namespace sw
