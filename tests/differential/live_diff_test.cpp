// Live differential test: one private network namespace holding the sockpop
// population; every flag set of matrix.txt runs through /usr/bin/ss and
// sockwatch back to back, and the outputs must match (byte for byte for
// "exact" sets, by shape for "shape" sets, per known_diffs.md).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "diff_common.hpp"

namespace sw::diff {
namespace {

std::string g_ns;
pid_t g_pop = -1;

enum class Mode { kExact, kShape, kDeviation, kHelp };

struct Case {
  Mode mode;
  std::vector<std::string> args;
  std::string text;
};

std::vector<Case> load_matrix() {
  std::ifstream in(SW_DIFF_DIR "/matrix.txt");
  std::vector<Case> cases;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto words = split_words(line);
    Case c;
    if (words[0] == "exact") {
      c.mode = Mode::kExact;
    } else if (words[0] == "shape") {
      c.mode = Mode::kShape;
    } else if (words[0] == "deviation") {
      c.mode = Mode::kDeviation;
    } else if (words[0] == "help") {
      c.mode = Mode::kHelp;
    } else {
      throw std::runtime_error("matrix.txt: unknown mode in: " + line);
    }
    c.args.assign(words.begin() + 1, words.end());
    c.text = line.substr(words[0].size());
    cases.push_back(c);
  }
  return cases;
}

Output in_ns(const std::string& bin, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ip", "netns", "exec", g_ns, bin};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

TEST(LiveDifferential, MatrixMatchesSs) {
  Rules rules = load_rules(SW_DIFF_DIR "/known_diffs.md");
  auto cases = load_matrix();
  ASSERT_GE(cases.size(), 40u);
  int exact = 0, shaped = 0, deviations = 0, helps = 0;
  std::set<std::string> fixups;
  for (const auto& c : cases) {
    SCOPED_TRACE("flags:" + c.text);
    // ss by name, as users run it: getopt's messages start with argv[0]. Each
    // pair runs back to back.
    Output a = in_ns("ss", c.args);
    Output b = in_ns(SW_BINARY, c.args);
    if (c.mode == Mode::kDeviation) {
      // A documented sockwatch-only option (known_diffs.md, item 6): ss must
      // reject it, sockwatch must accept it.
      ASSERT_FALSE(c.args.empty());
      std::string opt = c.args[0].substr(0, c.args[0].find('='));
      EXPECT_TRUE(rules.sockwatch_options.count(opt)) << opt << " is not a listed deviation";
      EXPECT_NE(a.status, 0);
      EXPECT_TRUE(a.err.find("invalid option") != std::string::npos ||
                  a.err.find("unrecognized option") != std::string::npos)
          << a.err;
      EXPECT_EQ(b.status, 0) << b.err;
      EXPECT_FALSE(b.out.empty());
      ++deviations;
      continue;
    }
    EXPECT_EQ(a.status, b.status);
    std::string ea = filter_stderr(a.err, rules), eb = filter_stderr(b.err, rules);
    EXPECT_TRUE(ea == eb) << "stderr differs:\n" << unified_diff(ea, eb);
    std::string sa = fixup_ss(a.out, rules, &fixups);
    if (c.mode == Mode::kHelp) {
      // ss's usage byte for byte, then a blank line and sockwatch's section
      // (known_diffs.md, item 11); nothing of ss's text may change.
      ASSERT_FALSE(rules.help_appendix.empty()) << "no help-appendix rule";
      std::string head = b.out.substr(0, std::min(sa.size(), b.out.size()));
      EXPECT_TRUE(sa == head) << unified_diff(sa, head);
      std::string rest = b.out.substr(head.size());
      std::string first = rest.substr(0, rest.find('\n', 1));
      EXPECT_TRUE(rest.size() > 1 && rest[0] == '\n' &&
                  std::regex_search(first.substr(1), rules.help_appendix[0]))
          << "sockwatch's section does not start with a blank line and the marker: " << first;
      ++helps;
    } else if (c.mode == Mode::kExact) {
      EXPECT_TRUE(sa == b.out) << unified_diff(sa, b.out);
      ++exact;
    } else {
      std::set<std::string> used;
      std::string na = shape(sa, rules, &used), nb = shape(b.out, rules, &used);
      EXPECT_TRUE(na == nb) << unified_diff(na, nb);
      std::cout << "[shape]" << c.text << ": blank runs collapsed; normalised:";
      if (used.empty()) std::cout << " (nothing)";
      for (const auto& u : used) std::cout << "\n    " << u;
      std::cout << "\n";
      ++shaped;
    }
  }
  for (const auto& f : fixups) std::cout << "ss output rewritten by: " << f << "\n";
  std::cout << exact << " flag sets compared byte for byte, " << shaped
            << " by shape (volatile fields normalised, blank runs collapsed), " << deviations
            << " documented deviations checked, " << helps
            << " help texts checked as ss's text plus sockwatch's section\n";
}

struct CorpusLine {
  std::vector<std::string> flags, expr;
  std::string text;
};

std::vector<CorpusLine> load_corpus() {
  std::ifstream in(SW_CORPUS);
  std::vector<CorpusLine> v;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto bar = line.find(" | ");
    v.push_back({split_words(line.substr(0, bar)), split_words(line.substr(bar + 3)), line});
  }
  return v;
}

// Every corpus expression selects the same sockets as ss (same stdout, same
// status); ss's stderr must be a prefix of ours (we add a caret explanation).
TEST(LiveDifferential, FilterCorpusMatchesSs) {
  Rules rules = load_rules(SW_DIFF_DIR "/known_diffs.md");
  auto corpus = load_corpus();
  ASSERT_GE(corpus.size(), 200u);
  for (const auto& c : corpus) {
    SCOPED_TRACE(c.text);
    std::vector<std::string> args = c.flags;
    args.insert(args.end(), c.expr.begin(), c.expr.end());
    Output a = in_ns("ss", args), b = in_ns(SW_BINARY, args);
    EXPECT_EQ(a.status, b.status);
    bool netlink = c.text.find("netlink") != std::string::npos;
    std::string sa = fixup_ss(a.out, rules);
    if (netlink) {
      std::string na = shape(sa, rules), nb = shape(b.out, rules);
      EXPECT_TRUE(na == nb) << unified_diff(na, nb);
    } else {
      EXPECT_TRUE(sa == b.out) << unified_diff(sa, b.out);
    }
    std::string ea = filter_stderr(a.err, rules), eb = filter_stderr(b.err, rules);
    EXPECT_EQ(eb.substr(0, ea.size()), ea) << "ss's stderr is not a prefix of ours";
  }
}

// The kernel bytecode path and the user-space evaluator agree on real sockets.
// The kernel program never drops a socket the evaluator accepts (rows with
// bytecode are a subset of rows without). They are equal except where ss's own
// two checks differ by design (docs/filter-language.md): address patterns (the
// kernel also compares families; ss's user space compares raw prefix bytes)
// and autobound (the kernel tests the bind lock, user space the port range).
TEST(LiveDifferential, KernelBytecodeAgreesWithUserSpace) {
  Rules rules = load_rules(SW_DIFF_DIR "/known_diffs.md");
  static const std::regex kAddress(R"((\d+[./]\d+|\[|localhost|any|default|autobound))");
  auto corpus = load_corpus();
  int equal = 0, subset = 0;
  for (const auto& c : corpus) {
    if (c.flags[0] != "-tan" && c.flags[0] != "-uan") continue;
    SCOPED_TRACE(c.text);
    std::vector<std::string> argv = {"ip", "netns", "exec", g_ns, SW_BINARY, "-H"};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    argv.insert(argv.end(), c.expr.begin(), c.expr.end());
    Output kernel = run(argv), user = run(argv, {"SW_NO_BYTECODE=1"});
    EXPECT_EQ(kernel.status, user.status);
    std::string k = shape(kernel.out, rules), u = shape(user.out, rules);
    std::istringstream ks(k);
    for (std::string row; std::getline(ks, row);)
      EXPECT_NE(u.find(row + "\n"), std::string::npos)
          << "kernel kept a row user space drops: " << row;
    bool exempt = std::regex_search(c.text.substr(c.text.find('|')), kAddress);
    if (!exempt) {
      EXPECT_TRUE(k == u) << unified_diff(u, k, "user-space filter", "kernel bytecode");
      ++equal;
    } else {
      ++subset;
    }
  }
  std::cout << equal << " expressions equal with and without kernel bytecode, " << subset
            << " checked as subset\n";
}

// -N NAME enters the named namespace itself (setns, private mounts, its /sys).
TEST(LiveDifferential, NamedNamespaceOption) {
  Rules rules = load_rules(SW_DIFF_DIR "/known_diffs.md");
  for (const char* flags : {"-tan", "-xa", "-uan", "-tane"}) {
    SCOPED_TRACE(flags);
    std::vector<std::string> a = {"ss", "-N", g_ns}, b = {SW_BINARY, "-N", g_ns};
    for (auto& w : split_words(flags)) {
      a.push_back(w);
      b.push_back(w);
    }
    Output x = run(a), y = run(b);
    EXPECT_EQ(x.status, y.status);
    std::string sx = shape(fixup_ss(x.out, rules), rules),
                sy = shape(y.out, rules);  // -e has timers
    EXPECT_TRUE(sx == sy) << unified_diff(sx, sy);
  }
  Output bad = run({SW_BINARY, "-N", "sw-no-such-ns", "-tan"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(bad.err,
            "Cannot open network namespace \"sw-no-such-ns\": No such file or directory\n");
}

bool setup() {
  g_ns = "swdiff" + std::to_string(getpid());
  if (run({"ip", "netns", "add", g_ns}).status != 0) return false;
  if (run({"ip", "-n", g_ns, "link", "set", "lo", "up"}).status != 0) return false;
  int pipefd[2];
  if (pipe(pipefd) != 0) return false;
  g_pop = fork();
  if (g_pop == 0) {
    dup2(pipefd[1], 1);
    close(pipefd[0]);
    execlp("ip", "ip", "netns", "exec", g_ns.c_str(), SW_SOCKPOP, static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipefd[1]);
  char buf[16] = {};
  ssize_t n = read(pipefd[0], buf, sizeof buf - 1);
  close(pipefd[0]);
  return n > 0 && std::string(buf).rfind("ready", 0) == 0;
}

void teardown() {
  if (g_pop > 0) {
    kill(g_pop, SIGTERM);
    waitpid(g_pop, nullptr, 0);
  }
  if (!g_ns.empty()) run({"ip", "netns", "del", g_ns});
}

}  // namespace
}  // namespace sw::diff

int main(int argc, char** argv) {
  if (geteuid() != 0 || access("/usr/bin/ss", X_OK) != 0) {
    std::fprintf(stderr, "skipped: needs root, ip netns and /usr/bin/ss\n");
    return 77;
  }
  if (!sw::diff::setup()) {
    sw::diff::teardown();
    std::fprintf(stderr, "skipped: could not create the test namespace\n");
    return 77;
  }
  testing::InitGoogleTest(&argc, argv);
  int rc = RUN_ALL_TESTS();
  sw::diff::teardown();
  return rc;
}
