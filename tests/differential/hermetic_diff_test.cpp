// Hermetic differential test: recorded TCP dumps (ss -D format) replayed through
// TCPDIAG_FILE by both ss and sockwatch. No kernel state is involved, so every
// flag set must match byte for byte, timers and tcp_info included.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "diff_common.hpp"

namespace sw::diff {
namespace {

std::vector<std::string> flag_sets() {
  std::ifstream in(SW_DIFF_DIR "/hermetic_flags.txt");
  std::vector<std::string> v;
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l[0] != '#') v.push_back(l);
  return v;
}

TEST(HermeticDifferential, ReplayedDumpsMatchSs) {
  if (access("/usr/bin/ss", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/ss";
  Rules rules = load_rules(SW_DIFF_DIR "/known_diffs.md");
  std::vector<std::string> dumps;
  for (const auto& e : std::filesystem::directory_iterator(SW_DUMPS_DIR))
    if (e.path().extension() == ".dump") dumps.push_back(e.path());
  std::sort(dumps.begin(), dumps.end());
  ASSERT_GE(dumps.size(), 3u);
  auto flags = flag_sets();
  int compared = 0;
  for (const auto& d : dumps) {
    for (const auto& f : flags) {
      SCOPED_TRACE(d + " " + f);
      std::vector<std::string> env = {"TCPDIAG_FILE=" + d};
      auto words = split_words(f);
      std::vector<std::string> a = {"/usr/bin/ss"}, b = {SW_BINARY};
      a.insert(a.end(), words.begin(), words.end());
      b.insert(b.end(), words.begin(), words.end());
      Output x = run(a, env), y = run(b, env);
      EXPECT_EQ(x.status, y.status);
      EXPECT_EQ(x.out, y.out) << line_diff(x.out, y.out);
      EXPECT_EQ(filter_stderr(x.err, rules), filter_stderr(y.err, rules));
      ++compared;
    }
  }
  std::cout << compared << " replays compared\n";
}

// The -tan part of the filter corpus on a dump holding v4 and v6 sockets
// (TCPDIAG_FILE stops at the first DONE, so this one has none in between).
TEST(HermeticDifferential, FilterCorpusOnRecordedDump) {
  if (access("/usr/bin/ss", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/ss";
  Rules rules = load_rules(SW_DIFF_DIR "/known_diffs.md");
  std::ifstream in(SW_CORPUS);
  std::vector<std::string> env = {std::string("TCPDIAG_FILE=") + SW_DUMPS_DIR + "/tcp_v4v6.dump"};
  int compared = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("-tan | ", 0) != 0) continue;
    SCOPED_TRACE(line);
    std::vector<std::string> a = {"ss", "-tan"}, b = {SW_BINARY, "-tan"};
    for (auto& w : split_words(line.substr(7))) {
      a.push_back(w);
      b.push_back(w);
    }
    Output x = run(a, env), y = run(b, env);
    EXPECT_EQ(x.status, y.status);
    EXPECT_EQ(x.out, y.out) << line_diff(x.out, y.out);
    std::string ex = filter_stderr(x.err, rules), ey = filter_stderr(y.err, rules);
    EXPECT_EQ(ey.substr(0, ex.size()), ex);
    ++compared;
  }
  EXPECT_GE(compared, 150);
  std::cout << compared << " expressions replayed\n";
}

}  // namespace
}  // namespace sw::diff
