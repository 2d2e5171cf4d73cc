// Golden tests: `sockwatch --replay RECORDING ARGS` against committed expected
// output (cases.txt). SW_UPDATE_GOLDEN=1 rewrites the expected files. JSON
// cases are also checked against the schema's typing rules (docs/json-schema.md).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "diff_common.hpp"

namespace sw::diff {
namespace {

struct Case {
  std::string name, recording, args;
};

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<Case> cases() {
  std::ifstream in(SW_GOLDEN_DIR "/cases.txt");
  std::vector<Case> v;
  for (std::string l; std::getline(in, l);) {
    if (l.empty() || l[0] == '#') continue;
    auto a = l.find('|'), b = l.find('|', a + 1);
    v.push_back({trim(l.substr(0, a)), trim(l.substr(a + 1, b - a - 1)), trim(l.substr(b + 1))});
  }
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

TEST(Golden, ReplayedRecordingsMatchExpectedOutput) {
  bool update = std::getenv("SW_UPDATE_GOLDEN") != nullptr;
  auto all = cases();
  ASSERT_GE(all.size(), 10u);
  for (const auto& c : all) {
    SCOPED_TRACE(c.name + ": --replay " + c.recording + " " + c.args);
    std::vector<std::string> argv = {SW_BINARY, "--replay",
                                     std::string(SW_GOLDEN_DIR) + "/dumps/" + c.recording};
    for (auto& w : split_words(c.args)) argv.push_back(w);
    Output o = run(argv);
    EXPECT_EQ(o.status, 0) << o.err;
    std::string path = std::string(SW_GOLDEN_DIR) + "/cases/" + c.name + ".out";
    if (update) {
      std::ofstream(path) << o.out;
      continue;
    }
    std::ifstream in(path);
    ASSERT_TRUE(in) << "missing " << path << " (run with SW_UPDATE_GOLDEN=1)";
    std::stringstream want;
    want << in.rdbuf();
    EXPECT_EQ(o.out, want.str()) << line_diff(want.str(), o.out);
    bool ndjson = c.args.find("--ndjson") != std::string::npos;
    if (ndjson || c.args.find("j") != std::string::npos) check_json(o.out, ndjson);
  }
}

}  // namespace
}  // namespace sw::diff
