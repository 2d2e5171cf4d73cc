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
