// Golden tests: `sockwatch --replay RECORDING ARGS` against committed expected
// output, one folder per case under expected/:
//   expected/NAME/cmd     one line: ORACLE RECORDING ARGS...
//   expected/NAME/stdout  the expected stdout
// ORACLE says where the expected output comes from when SW_UPDATE_GOLDEN=1
// rewrites it: `ss` = the real ss replaying the same dump through TCPDIAG_FILE
// (with the ss-fixup rules of tests/differential/known_diffs.md), `sockwatch` =
// sockwatch itself, for what ss cannot replay (other families, state and family
// masks, JSON); review those diffs by hand. Without SW_UPDATE_GOLDEN the test
// needs nothing but the binary; when /usr/bin/ss is there it also checks that
// each `ss` case's file is still exactly what ss prints. JSON cases are also
// checked against the schema's typing rules (docs/json-schema.md).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "diff_common.hpp"

namespace sw::diff {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string name, oracle, recording;
  std::vector<std::string> args;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<Case> cases() {
  std::vector<Case> v;
  for (const auto& e : fs::directory_iterator(SW_GOLDEN_DIR "/expected")) {
    if (!e.is_directory()) continue;
    std::ifstream in(e.path() / "cmd");
    std::string line;
    while (std::getline(in, line) && (line.empty() || line[0] == '#')) {
    }
    auto words = split_words(line);
    if (words.size() < 2) throw std::runtime_error("bad or missing cmd in " + e.path().string());
    Case c{e.path().filename(), words[0], words[1], {words.begin() + 2, words.end()}};
    if (c.oracle != "ss" && c.oracle != "sockwatch")
      throw std::runtime_error("unknown oracle in " + e.path().string());
    v.push_back(c);
  }
  std::sort(v.begin(), v.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return v;
}

// Schema rule 3: a field never changes type. Checks every socket object for the
// core fields and consistent types across objects.
void check_socket(const nlohmann::json& s, std::map<std::string, nlohmann::json::value_t>& seen) {
  for (const char* k : {"netid", "family", "state"}) {
    ASSERT_TRUE(s.contains(k)) << s.dump();
    EXPECT_TRUE(s[k].is_string()) << k;
  }
  for (const char* k : {"recv_q", "send_q", "inode"}) {
    ASSERT_TRUE(s.contains(k)) << s.dump();
    EXPECT_TRUE(s[k].is_number_integer()) << k;
  }
  for (auto it = s.begin(); it != s.end(); ++it) {
    if (it.value().is_null()) continue;  // null: requested but unavailable
    auto [pos, inserted] = seen.emplace(it.key(), it.value().type());
    bool both_numbers =
        it.value().is_number() && (pos->second == nlohmann::json::value_t::number_integer ||
                                   pos->second == nlohmann::json::value_t::number_unsigned ||
                                   pos->second == nlohmann::json::value_t::number_float);
    if (!inserted && !both_numbers) {
      EXPECT_EQ(static_cast<int>(pos->second), static_cast<int>(it.value().type()))
          << "field " << it.key() << " changed type";
    }
  }
  if (s.contains("local") && s["local"].contains("port")) {
    EXPECT_TRUE(s["local"]["port"].is_number_unsigned());
  }
}

void check_json(const std::string& out, bool ndjson) {
  std::map<std::string, nlohmann::json::value_t> seen;
  if (ndjson) {
    std::istringstream in(out);
    int n = 0;
    for (std::string line; std::getline(in, line); ++n) {
      auto j = nlohmann::json::parse(line);
      EXPECT_EQ(j["schema"], "sockwatch/1");
      check_socket(j, seen);
    }
    EXPECT_GT(n, 0);
    return;
  }
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["schema"], "sockwatch/1");
  ASSERT_TRUE(j["sockets"].is_array());
  EXPECT_FALSE(j["sockets"].empty());
  for (const auto& s : j["sockets"]) check_socket(s, seen);
}

bool has_arg(const Case& c, std::initializer_list<const char*> names) {
  for (const auto& a : c.args)
    for (const char* n : names)
      if (a == n) return true;
  return false;
}

bool is_json(const Case& c) {
  if (has_arg(c, {"--json", "--ndjson"})) return true;
  for (const auto& a : c.args)
    if (a.size() > 1 && a[0] == '-' && a[1] != '-' && a.find('j') != std::string::npos) return true;
  return false;
}

// What ss prints replaying the case's dump, with the documented fixups.
Output ss_replay(const Case& c, const Rules& rules) {
  std::vector<std::string> argv = {"ss"};
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  Output o = run(argv, {std::string("TCPDIAG_FILE=") + SW_GOLDEN_DIR + "/dumps/" + c.recording});
  o.out = fixup_ss(o.out, rules);
  return o;
}

TEST(Golden, ReplayedRecordingsMatchExpectedOutput) {
  const bool update = std::getenv("SW_UPDATE_GOLDEN") != nullptr;
  const bool have_ss = access("/usr/bin/ss", X_OK) == 0;
  Rules rules = load_rules(SW_DIFF_DIR "/known_diffs.md");
  auto all = cases();
  ASSERT_GE(all.size(), 20u);
  int from_ss = 0, checked_against_ss = 0;
  for (const auto& c : all) {
    SCOPED_TRACE(c.name + ": sockwatch --replay " + c.recording + " " + join(c.args));
    fs::path dir = fs::path(SW_GOLDEN_DIR) / "expected" / c.name;
    if (c.oracle == "ss") {
      // Only what ss can replay: a TCP dump, with options ss knows.
      ASSERT_EQ(fs::path(c.recording).extension(), ".dump");
      for (const auto& a : c.args)
        ASSERT_EQ(rules.sockwatch_options.count(a.substr(0, a.find('='))), 0u) << a;
      ++from_ss;
    }
    std::vector<std::string> argv = {SW_BINARY, "--replay",
                                     std::string(SW_GOLDEN_DIR) + "/dumps/" + c.recording};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    Output o = run(argv);
    EXPECT_EQ(o.status, 0);
    EXPECT_EQ(filter_stderr(o.err, rules), "");
    if (update) {
      std::string want = o.out;
      if (c.oracle == "ss") {
        ASSERT_TRUE(have_ss) << "SW_UPDATE_GOLDEN needs /usr/bin/ss for this case";
        Output s = ss_replay(c, rules);
        ASSERT_EQ(s.status, 0) << s.err;
        want = s.out;
      }
      std::ofstream(dir / "stdout", std::ios::binary) << want;
      std::cout << "rewrote " << c.name << "/stdout from " << c.oracle << "\n";
    }
    ASSERT_TRUE(fs::exists(dir / "stdout"))
        << "missing " << (dir / "stdout") << " (run with SW_UPDATE_GOLDEN=1)";
    std::string want = slurp(dir / "stdout");
    EXPECT_FALSE(want.empty());
    EXPECT_TRUE(want == o.out) << unified_diff(want, o.out, c.name + "/stdout", "sockwatch");
    if (c.oracle == "ss" && have_ss && !update) {
      Output s = ss_replay(c, rules);
      EXPECT_TRUE(s.out == want) << "the expected file is no longer what ss prints:\n"
                                 << unified_diff(s.out, want, "ss", c.name + "/stdout");
      ++checked_against_ss;
    }
    if (is_json(c)) check_json(o.out, has_arg(c, {"--ndjson"}));
  }
  std::cout << all.size() << " golden cases, " << from_ss << " of them generated by ss ("
            << checked_against_ss << " re-checked against ss now)\n";
}

}  // namespace
}  // namespace sw::diff
