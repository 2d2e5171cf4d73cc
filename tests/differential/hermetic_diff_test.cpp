// Hermetic differential test: recorded TCP dumps (ss -D format, see
// tests/golden/record.sh) replayed through TCPDIAG_FILE by both ss and
// sockwatch. No kernel state is involved, so every flag set must match byte for
// byte, timers and tcp_info included (after the ss-fixup rules of
// known_diffs.md, which turn ss 6.1's known bugs into the fixed output).
// ss only replays TCPDIAG_FILE for the TCP table, so every flag set has -t.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "diff_common.hpp"

namespace sw::diff {
namespace {

std::vector<std::string> lines_of_file(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> v;
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l[0] != '#') v.push_back(l);
  return v;
}

std::vector<std::string> dumps() {
  std::vector<std::string> v;
  for (const auto& e : std::filesystem::directory_iterator(SW_DUMPS_DIR))
    if (e.path().extension() == ".dump") v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

struct Pair {
  Output ss, sw;
};

Pair replay_both(const std::string& dump, const std::vector<std::string>& args) {
  std::vector<std::string> env = {"TCPDIAG_FILE=" + dump};
  std::vector<std::string> a = {"ss"}, b = {SW_BINARY};
  a.insert(a.end(), args.begin(), args.end());
  b.insert(b.end(), args.begin(), args.end());
  Pair p;
  p.ss = run(a, env);
  p.sw = run(b, env);
  return p;
}

TEST(HermeticDifferential, ReplayedDumpsMatchSs) {
  if (access("/usr/bin/ss", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/ss";
  Rules rules = load_rules(SW_DIFF_DIR "/known_diffs.md");
  auto all = dumps();
  ASSERT_GE(all.size(), 4u);
  auto flags = lines_of_file(SW_DIFF_DIR "/hermetic_flags.txt");
  ASSERT_GE(flags.size(), 20u);
  int compared = 0;
  std::set<std::string> fixups;
  for (const auto& d : all) {
    for (const auto& f : flags) {
      SCOPED_TRACE("TCPDIAG_FILE=" + d + " " + f);
      Pair p = replay_both(d, split_words(f));
      EXPECT_EQ(p.ss.status, p.sw.status);
      std::string want = fixup_ss(p.ss.out, rules, &fixups);
      EXPECT_TRUE(want == p.sw.out) << unified_diff(want, p.sw.out);
      std::string ea = filter_stderr(p.ss.err, rules), eb = filter_stderr(p.sw.err, rules);
      EXPECT_TRUE(ea == eb) << unified_diff(ea, eb);
      // A replay that prints nothing proves nothing: every dump holds sockets.
      EXPECT_NE(std::count(want.begin(), want.end(), '\n'), 0);
      ++compared;
    }
  }
  for (const auto& f : fixups) std::cout << "ss output rewritten by: " << f << "\n";
  std::cout << compared << " replays compared byte for byte (" << all.size() << " dumps x "
            << flags.size() << " flag sets)\n";
}

// The -tan part of the filter corpus (tests/fixtures/filters/corpus.txt) on the
// plain dump, which holds v4 and v6 sockets.
TEST(HermeticDifferential, FilterCorpusOnRecordedDump) {
  if (access("/usr/bin/ss", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/ss";
  Rules rules = load_rules(SW_DIFF_DIR "/known_diffs.md");
  std::ifstream in(SW_CORPUS);
  int compared = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("-tan | ", 0) != 0) continue;
    SCOPED_TRACE(line);
    std::vector<std::string> args = {"-tan"};
    for (auto& w : split_words(line.substr(7))) args.push_back(w);
    Pair p = replay_both(SW_DUMPS_DIR "/tcp_plain.dump", args);
    EXPECT_EQ(p.ss.status, p.sw.status);
    std::string want = fixup_ss(p.ss.out, rules);
    EXPECT_TRUE(want == p.sw.out) << unified_diff(want, p.sw.out);
    // ss's error text must be a prefix of ours (sockwatch adds a caret explanation).
    std::string ex = filter_stderr(p.ss.err, rules), ey = filter_stderr(p.sw.err, rules);
    EXPECT_EQ(ey.substr(0, ex.size()), ex);
    ++compared;
  }
  EXPECT_GE(compared, 150);
  std::cout << compared << " expressions replayed\n";
}

// Upstream-style filter smoke cases (in the manner of iproute2's
// testsuite/tests/ss/ssfilter.t): `-Htan EXPR` on the plain dump, each line of
// filter_smoke.txt naming how many rows the expression selects. Both the count
// and ss's exact output are checked, so a filter that selects nothing (or
// everything) cannot pass by agreeing with itself.
TEST(HermeticDifferential, FilterSmoke) {
  if (access("/usr/bin/ss", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/ss";
  Rules rules = load_rules(SW_DIFF_DIR "/known_diffs.md");
  auto cases = lines_of_file(SW_DIFF_DIR "/filter_smoke.txt");
  ASSERT_GE(cases.size(), 12u);
  for (const auto& line : cases) {
    SCOPED_TRACE(line);
    auto bar = line.find(" | ");
    ASSERT_NE(bar, std::string::npos);
    long rows = std::stol(line.substr(0, bar));
    std::vector<std::string> args = {"-Htan"};
    for (auto& w : split_words(line.substr(bar + 3))) args.push_back(w);
    Pair p = replay_both(SW_DUMPS_DIR "/tcp_plain.dump", args);
    EXPECT_EQ(p.ss.status, 0) << p.ss.err;
    EXPECT_EQ(p.sw.status, 0) << p.sw.err;
    std::string want = fixup_ss(p.ss.out, rules);
    EXPECT_EQ(std::count(want.begin(), want.end(), '\n'), rows) << "ss selected:\n" << want;
    EXPECT_TRUE(want == p.sw.out) << unified_diff(want, p.sw.out);
  }
  std::cout << cases.size() << " filter smoke cases\n";
}

}  // namespace
}  // namespace sw::diff
