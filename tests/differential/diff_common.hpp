// Shared pieces of the differential tests: running a command and capturing its
// output, and the comparison rules read from known_diffs.md.
#pragma once

#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace sw::diff {

struct Output {
  int status = -1;
  std::string out, err;
};

// Runs argv (no shell) with optional extra environment entries "K=V".
Output run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

struct Rules {
  std::vector<std::regex> stderr_ignore;
  std::vector<std::pair<std::regex, std::string>> normalize;
  std::vector<std::string> normalize_text;  // the rules as written, for the log
  std::vector<std::regex> sort_lines;       // lines matching are sorted among themselves
};

// Reads the ```rules block of known_diffs.md; throws on a malformed rule.
Rules load_rules(const std::string& path);

std::string filter_stderr(const std::string& err, const Rules& r);
// Applies every normalize rule line by line, then collapses blank runs.
std::string shape(const std::string& text, const Rules& r);
// A unified-style line diff for failure messages.
std::string line_diff(const std::string& a, const std::string& b);
std::vector<std::string> split_words(const std::string& s);

}  // namespace sw::diff
