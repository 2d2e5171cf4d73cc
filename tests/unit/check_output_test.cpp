// check --ecs carries untrusted text losslessly: invalid UTF-8 is written
// with U+FFFD and the exact bytes go base64 to sockwatch.b64.<key>
// (render/ecs_text, shared with log --format ecs). Each line parses as JSON.
#include "check_output.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "render/json_writer.hpp"

namespace sw {
namespace {

CheckResult one_finding(const std::string& comm, const std::string& explanation) {
  CheckResult r;
  r.source = "live";
  Finding f;
  f.rule_id = "test-rule";
  f.detector = "listener";
  f.severity = Severity::High;
  f.explanation = explanation;
  ProcessSummary p;
  p.pid = 42;
  p.comm = comm;
  p.exe = "/usr/bin/" + comm;
  f.process = p;
  r.findings.push_back(f);
  return r;
}

std::vector<nlohmann::json> lines(const std::string& ndjson) {
  std::vector<nlohmann::json> out;
  std::istringstream in(ndjson);
  for (std::string l; std::getline(in, l);) out.push_back(nlohmann::json::parse(l));
  return out;
}

TEST(CheckEcs, InvalidUtf8GoesToSockwatchB64AndValidTextDoesNot) {
  std::string bad = "nc\xff\xfe";
  auto ls = lines(check_ecs(one_finding(bad, "listens on \xc3(oops"), 6));
  ASSERT_EQ(ls.size(), 2u);  // the alert, then the summary event
  const auto& alert = ls[0];
  EXPECT_EQ(alert["process"]["pid"], 42);
  EXPECT_EQ(alert["process"]["name"].get<std::string>(), "nc\xef\xbf\xbd\xef\xbf\xbd");
  const auto& b64 = alert["sockwatch"]["b64"];
  EXPECT_EQ(b64["process_name"].get<std::string>(), base64(bad));
  EXPECT_EQ(b64["process_executable"].get<std::string>(), base64("/usr/bin/" + bad));
  EXPECT_EQ(b64["message"].get<std::string>(), base64("listens on \xc3(oops"));
  EXPECT_FALSE(ls[1]["sockwatch"].contains("b64"));

  auto clean = lines(check_ecs(one_finding("nginx", "listens"), 6));
  ASSERT_EQ(clean.size(), 2u);
  EXPECT_EQ(clean[0]["process"]["name"], "nginx");
  EXPECT_FALSE(clean[0]["sockwatch"].contains("b64")) << clean[0].dump();
}

}  // namespace
}  // namespace sw
