// The filter language: parsing (table-driven, every error path), evaluation,
// and the bytecode compiler checked against the kernel's semantics.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <unistd.h>

#include <random>

#include "filter/filter.hpp"

namespace sw {
namespace {

FilterContext ctx() {
  FilterContext c;
  c.ephemeral = PortRange{32768, 60999};
  c.ifindex_of = [](const std::string& n) -> uint32_t { return n == "lo" ? 1 : n == "eth0" ? 2 : 0; };
  c.cgroup_id_of = [](const std::string& p) -> Expected<uint64_t> {
    if (p == "/sys/fs/cgroup/a") return uint64_t{42};
    return Error{"Failed to find cgroup2 mount", 2};
  };
  return c;
}

FilterParseResult parse(const std::string& expr, FilterContext c = ctx()) {
  std::vector<std::string> words;
  std::string w;
  for (char ch : expr + " ") {
    if (ch == ' ') {
      if (!w.empty()) words.push_back(w);
      w.clear();
    } else {
      w += ch;
    }
  }
  return parse_filter(words, {}, c);
}

SocketRecord inet(int af, const char* src, uint16_t sport, const char* dst, uint16_t dport) {
  SocketRecord r;
  r.table = Table::Tcp;
  r.family = static_cast<uint8_t>(af);
  r.local.family = r.peer.family = static_cast<uint8_t>(af);
  inet_pton(af, src, r.local.bytes.data());
  inet_pton(af, dst, r.peer.bytes.data());
  r.lport = sport;
  r.rport = dport;
  return r;
}

struct Case {
  const char* expr;
  const char* describe;
};

TEST(FilterParse, GrammarAsSsImplementsIt) {
  const Case cases[] = {
      {"sport = :22", "src *:22"},
      {"sport 22", "src *:22"},
      {"sport eq :ssh", "src *:22"},
      {"dport != :80", "!dst *:80"},
      {"dport > :1024", "!dport<=1024"},
      {"dport < :1024", "!dport>=1024"},
      {"dport ge :1024", "dport>=1024"},
      {"sport le 0x50", "sport<=80"},
      {"src 10.0.0.0/8", "src 10.0.0.0/8:*"},
      {"dst [::1]:443", "dst ::1/128:443"},
      {"src *:80", "src *:80"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.expr);
    ASSERT_TRUE(r.filter) << c.expr << ": " << r.error->explanation;
    EXPECT_EQ(r.filter->describe(), c.describe) << c.expr;
  }
}

TEST(FilterParse, AndOrHaveEqualPrecedenceLeftToRight) {
  auto r = parse("sport = :1 or sport = :2 and dport = :3");
  ASSERT_TRUE(r.filter);
  EXPECT_EQ(r.filter->describe(), "((src *:1 or src *:2) and dst *:3)");
  ASSERT_EQ(r.filter->warnings.size(), 1u);  // the trap is pointed out
  auto p = parse("sport = :1 and sport = :2 or dport = :3");
  EXPECT_EQ(p.filter->describe(), "((src *:1 and src *:2) or dst *:3)");
  EXPECT_TRUE(p.filter->warnings.empty());  // same meaning either way: no warning
  auto j = parse("sport = :1 dport = :2");   // juxtaposition is and
  EXPECT_EQ(j.filter->describe(), "(src *:1 and dst *:2)");
  auto n = parse("! sport = :1 and dport = :2");  // ! binds tightest
  EXPECT_EQ(n.filter->describe(), "(!src *:1 and dst *:2)");
}

struct ErrCase {
  const char* expr;
  int status;
  const char* ss_message;
  const char* explanation;
  size_t caret_at;
};

TEST(FilterParse, ErrorsCarrySsMessageStatusAndCaret) {
  const ErrCase cases[] = {
      {"dport = foo", 1, "Error: \"foo\" does not look like a port.\nCannot parse dst/src address.\n",
       "expected a port after 'dport =', got 'foo'", 8},
      {"dport=22", 1,
       "Error: an inet prefix is expected rather than \"dport=22\".\nCannot parse dst/src address.\n",
       "expected an address, prefix or host name after 'dport=22', got 'dport=22'", 0},
      {"( dport = :80", 255, "ss: bison bellows (while parsing filter): \"syntax error!\" Sorry.\n",
       "expected ')', got the end of the expression", 13},
      {"dport = :80 )", 255, "ss: bison bellows (while parsing filter): \"syntax error!\" Sorry.\n",
       "expected 'and', 'or', a condition or the end of the expression, got ')'", 12},
      {"dport", 255, "ss: bison bellows (while parsing filter): \"syntax error!\" Sorry.\n",
       "expected a port after 'dport', got the end of the expression", 5},
      {"dev nosuch", 1, "Cannot parse device.\n", "no network interface named 'nosuch'", 4},
      {"fwmark xyz", 1, "Cannot parse mark xyz.\n",
       "expected MARK or MARK/MASK after 'fwmark', got 'xyz'", 7},
      {"cgroup x", 1, "Failed to find cgroup2 mount\nCannot parse cgroup x.\n",
       "cannot resolve cgroup 'x': Failed to find cgroup2 mount", 7},
      {"sport = :80 state listening", 1,
       "Error: \"state\" does not look like a port.\nCannot parse dst/src address.\n",
       "expected a port after 'state', got 'state'", 12},
      {"src [::1", 1, "Cannot parse dst/src address.\n", "unterminated '[' in '[::1'", 4},
      {"and sport = :1", 255, "ss: bison bellows (while parsing filter): \"syntax error!\" Sorry.\n",
       "expected a condition (src, dst, sport, dport, dev, fwmark, cgroup, autobound, '!' or '('), "
       "got 'and'",
       0},
  };
  for (const auto& c : cases) {
    auto r = parse(c.expr);
    ASSERT_TRUE(r.error) << c.expr;
    EXPECT_EQ(r.error->status, c.status) << c.expr;
    EXPECT_EQ(r.error->ss_message, c.ss_message) << c.expr;
    EXPECT_EQ(r.error->explanation, c.explanation) << c.expr;
    EXPECT_EQ(r.error->caret_at, c.caret_at) << c.expr;
  }
}

TEST(FilterParse, FamilyPrefixReplacesFamilies) {
  auto c = ctx();
  auto r = parse("src unix:/run/*.sock", c);
  ASSERT_TRUE(r.filter);
  EXPECT_EQ(r.filter->family_override, AF_UNIX);
  auto i = parse("src inet6:[::1]");
  EXPECT_EQ(i.filter->family_override, AF_INET6);
  EXPECT_FALSE(parse("sport = :22").filter->family_override);
}

TEST(FilterEval, V4PatternMatchesV4MappedSockets) {
  auto r = parse("src 127.0.0.1");
  EXPECT_TRUE(r.filter->matches(inet(AF_INET, "127.0.0.1", 1, "0.0.0.0", 0)));
  EXPECT_TRUE(r.filter->matches(inet(AF_INET6, "::ffff:127.0.0.1", 1, "::", 0)));
  EXPECT_FALSE(r.filter->matches(inet(AF_INET6, "::1", 1, "::", 0)));
  auto m = parse("src [::ffff:127.0.0.1]");  // a mapped pattern selects only mapped sockets
  EXPECT_FALSE(m.filter->matches(inet(AF_INET, "127.0.0.1", 1, "0.0.0.0", 0)));
}

TEST(FilterEval, UnixGlobsAndDst) {
  SocketRecord u;
  u.family = AF_UNIX;
  u.table = Table::UnixStream;
  u.ensure_unix().has_name = true;
  u.unix_ext->path = "/run/Docker.sock";
  EXPECT_TRUE(parse("src unix:/run/*.sock").filter->matches(u));
  EXPECT_TRUE(parse("src unix:*docker*").filter->matches(u));  // case-insensitive, as ss
  EXPECT_FALSE(parse("dst unix:/run/*.sock").filter->matches(u));  // ss has no peer names
}

TEST(FilterEval, AutoboundUsesEphemeralRange) {
  auto r = parse("autobound");
  EXPECT_TRUE(r.filter->matches(inet(AF_INET, "127.0.0.1", 40000, "127.0.0.1", 80)));
  EXPECT_FALSE(r.filter->matches(inet(AF_INET, "127.0.0.1", 80, "127.0.0.1", 40000)));
}

// The compiled program never rejects a socket the evaluator accepts, and
// (for same-family patterns, where ss's two checks agree) accepts exactly those.
TEST(FilterBytecode, SoundAndExactOnRandomSockets) {
  const char* exprs[] = {
      "sport = :80",          "dport != :22",           "sport > :1024 and dport < :2000",
      "src 127.0.0.0/8",      "dst 10.0.0.1 or dport = :53", "! ( sport = :1 or dport = :2 )",
      "dev lo",               "dev lo and sport = :80", "dev != lo or dport = :80",
      "fwmark 0x10/0xf0",     "src 127.0.0.1 and dev lo", "( src 10.0.0.0/8 or src 127.0.0.1 ) and not dev eth0",
      "sport >= :100 sport <= :200 dev lo"};
  std::mt19937 rng(7);
  std::vector<SocketRecord> socks;
  for (int i = 0; i < 4000; ++i) {
    char src[32], dst[32];
    std::snprintf(src, sizeof src, "%d.0.0.%d", rng() % 2 ? 127 : 10, static_cast<int>(rng() % 3));
    std::snprintf(dst, sizeof dst, "10.0.0.%d", static_cast<int>(rng() % 3));
    uint16_t ports[] = {1, 2, 22, 53, 80, 150, 1024, 1500, 2000, 40000};
    auto r = inet(AF_INET, src, ports[rng() % 10], dst, ports[rng() % 10]);
    r.ifindex = static_cast<uint32_t>(rng() % 3);
    r.mark = static_cast<uint32_t>(rng() % 256);
    socks.push_back(r);
  }
  for (const char* e : exprs) {
    auto p = parse(e);
    ASSERT_TRUE(p.filter) << e;
    std::string bc = p.filter->bytecode();
    ASSERT_FALSE(bc.empty()) << e << ": something must be compiled";
    for (const auto& s : socks) {
      bool user = p.filter->matches(s), kernel = run_bytecode(bc, s);
      if (user) {
        ASSERT_TRUE(kernel) << e << " dropped a matching socket";
      }
      if (p.filter->bytecode_is_exact()) {
        ASSERT_EQ(user, kernel) << e;
      }
    }
  }
}

TEST(FilterBytecode, DevTermNoLongerDisablesKernelFiltering) {
  auto p = parse("dev lo and src 127.0.0.1");
  std::string bc = p.filter->bytecode();
  EXPECT_FALSE(bc.empty());                  // ss sends nothing here
  EXPECT_FALSE(p.filter->bytecode_is_exact());  // the address part stays in user space
  auto q = parse("sport = :80");
  EXPECT_TRUE(q.filter->bytecode_is_exact());
}

TEST(FilterFile, CommentAndZeroLinesAreSkipped) {
  char path[] = "/tmp/sw_filter_XXXXXX";
  int fd = mkstemp(path);
  std::string text = "# comment\nsport = :22\n0 this line is skipped by ss\nor dport = :22\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  auto f = read_filter_file(path);
  unlink(path);
  ASSERT_FALSE(f.error);
  ASSERT_EQ(f.lines.size(), 2u);
  auto c = ctx();
  auto r = parse_filter({}, f.lines, c);
  ASSERT_TRUE(r.filter);
  EXPECT_EQ(r.filter->describe(), "(src *:22 or dst *:22)");
  EXPECT_TRUE(read_filter_file("/nonexistent/x").error);
}

}  // namespace
}  // namespace sw
