// Shared pieces of the differential and golden tests: running a command and
// capturing its output, the comparison rules read from known_diffs.md, and a
// unified diff for failure messages.
#pragma once

#include <regex>
#include <set>
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

struct Rule {
  std::regex re;
  std::string repl;
  std::string text;  // as written in known_diffs.md, for the log
};

// The ```rules block of known_diffs.md (its prose says why each rule exists):
//   stderr-ignore RE          stderr lines matching RE are dropped on both sides
//   ss-fixup RE => REPL       rewrites ss 6.1's stdout into the fixed form sockwatch
//                             prints (a deliberate deviation); applied in every mode
//   normalize RE => REPL      volatile fields, applied to both sides in "shape" mode
//   sort-lines RE             in "shape" mode, matching lines are sorted among themselves
//   sockwatch-option OPT...   options sockwatch adds and ss rejects
//   help-appendix RE          "help" lines: sockwatch prints ss's text, a blank line,
//                             then its own section, whose first line matches RE
struct Rules {
  std::vector<std::regex> stderr_ignore;
  std::vector<Rule> ss_fixup;
  std::vector<Rule> normalize;
  std::vector<std::pair<std::regex, std::string>> sort_lines;
  std::set<std::string> sockwatch_options;
  std::vector<std::regex> help_appendix;
};

// Reads the ```rules block of known_diffs.md; throws on a malformed rule.
Rules load_rules(const std::string& path);

std::string filter_stderr(const std::string& err, const Rules& r);
// ss's stdout with the ss-fixup rules applied; `used` collects the rules that fired.
std::string fixup_ss(const std::string& text, const Rules& r,
                     std::set<std::string>* used = nullptr);
// Applies every normalize rule line by line, collapses blank runs and sorts the
// sort-lines blocks. `used` collects the text of every rule that changed a line.
std::string shape(const std::string& text, const Rules& r, std::set<std::string>* used = nullptr);
// A unified diff (3 lines of context) from `a` (ss / expected) to `b` (sockwatch).
std::string unified_diff(const std::string& a, const std::string& b,
                         const std::string& a_name = "ss", const std::string& b_name = "sockwatch");
std::vector<std::string> split_words(const std::string& s);
std::string join(const std::vector<std::string>& v, const std::string& sep = " ");

}  // namespace sw::diff
