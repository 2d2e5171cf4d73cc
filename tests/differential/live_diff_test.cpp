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
#include <sstream>

#include "diff_common.hpp"

namespace sw::diff {
namespace {

std::string g_ns;
pid_t g_pop = -1;

struct Case {
  bool exact;
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
    c.exact = words[0] == "exact";
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
  std::cout << "shape rules applied to 'shape' flag sets:\n";
  for (const auto& t : rules.normalize_text) std::cout << "  " << t << "\n";
  int compared = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE("flags:" + c.text);
    // By name, as users run it: getopt's messages start with argv[0].
    Output a = in_ns("ss", c.args);
    Output b = in_ns(SW_BINARY, c.args);
    EXPECT_EQ(a.status, b.status);
    std::string ea = filter_stderr(a.err, rules), eb = filter_stderr(b.err, rules);
    EXPECT_EQ(ea, eb) << "stderr differs";
    if (c.exact) {
      EXPECT_EQ(a.out, b.out) << line_diff(a.out, b.out);
    } else {
      std::string sa = shape(a.out, rules), sb = shape(b.out, rules);
      EXPECT_EQ(sa, sb) << line_diff(sa, sb);
    }
    ++compared;
  }
  std::cout << compared << " flag sets compared\n";
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
    if (netlink)
      EXPECT_EQ(shape(a.out, rules), shape(b.out, rules));
    else
      EXPECT_EQ(a.out, b.out) << line_diff(a.out, b.out);
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
      EXPECT_EQ(k, u) << line_diff(u, k);
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
    std::string sx = shape(x.out, rules), sy = shape(y.out, rules);  // -e has timers
    EXPECT_EQ(sx, sy) << line_diff(sx, sy);
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
