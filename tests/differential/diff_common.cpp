#include "diff_common.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sw::diff {

namespace {
std::string slurp_fd(int fd) {
  std::string s;
  lseek(fd, 0, SEEK_SET);
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

// "RE => REPL"; known_diffs.md writes backreferences as \1, std::regex wants $1.
Rule parse_replacement(const std::string& line, size_t skip) {
  std::string rest = line.substr(skip);
  auto arrow = rest.find(" => ");
  if (arrow == std::string::npos) throw std::runtime_error("bad rule: " + line);
  std::string repl = rest.substr(arrow + 4);
  for (size_t i = 0; i + 1 < repl.size(); ++i)
    if (repl[i] == '\\' && std::isdigit(static_cast<unsigned char>(repl[i + 1]))) repl[i] = '$';
  return {std::regex(rest.substr(0, arrow)), repl, line};
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }
}  // namespace

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> v;
  for (std::string w; in >> w;) v.push_back(w);
  return v;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& w : v) out += (out.empty() ? "" : sep) + w;
  return out;
}

Output run(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  FILE* out = std::tmpfile();
  FILE* err = std::tmpfile();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fileno(out), 1);
    dup2(fileno(err), 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  Output o;
  o.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  o.out = slurp_fd(fileno(out));
  o.err = slurp_fd(fileno(err));
  std::fclose(out);
  std::fclose(err);
  return o;
}

Rules load_rules(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  Rules r;
  bool in_block = false, seen_block = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "```rules") {
      in_block = seen_block = true;
      continue;
    }
    if (in_block && line == "```") break;
    if (!in_block || line.empty() || line[0] == '#') continue;
    if (starts_with(line, "stderr-ignore ")) {
      r.stderr_ignore.emplace_back(line.substr(14));
    } else if (starts_with(line, "ss-fixup ")) {
      r.ss_fixup.push_back(parse_replacement(line, 9));
    } else if (starts_with(line, "normalize ")) {
      r.normalize.push_back(parse_replacement(line, 10));
    } else if (starts_with(line, "sort-lines ")) {
      r.sort_lines.emplace_back(std::regex(line.substr(11)), line);
    } else if (starts_with(line, "sockwatch-option ")) {
      for (auto& w : split_words(line.substr(17))) r.sockwatch_options.insert(w);
    } else if (starts_with(line, "help-appendix ")) {
      r.help_appendix.emplace_back(line.substr(14));
    } else {
      throw std::runtime_error("unknown rule: " + line);
    }
  }
  if (!seen_block || r.normalize.empty()) throw std::runtime_error("no rules block in " + path);
  return r;
}

std::string filter_stderr(const std::string& err, const Rules& r) {
  std::string out;
  for (const auto& l : lines_of(err)) {
    bool ignored = false;
    for (const auto& re : r.stderr_ignore) ignored = ignored || std::regex_search(l, re);
    if (!ignored) out += l + "\n";
  }
  return out;
}

namespace {
std::string apply(const std::string& line, const std::vector<Rule>& rules,
                  std::set<std::string>* used) {
  std::string l = line;
  for (const auto& rule : rules) {
    std::string next = std::regex_replace(l, rule.re, rule.repl);
    if (used && next != l) used->insert(rule.text);
    l = std::move(next);
  }
  return l;
}
}  // namespace

std::string fixup_ss(const std::string& text, const Rules& r, std::set<std::string>* used) {
  if (r.ss_fixup.empty()) return text;
  std::string out;
  size_t pos = 0;
  // Line by line, keeping a missing final newline as it was.
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    out += apply(text.substr(pos, end - pos), r.ss_fixup, used);
    if (nl == std::string::npos) break;
    out += '\n';
    pos = nl + 1;
  }
  return out;
}

std::string shape(const std::string& text, const Rules& r, std::set<std::string>* used) {
  static const std::regex kBlanks(" +");
  std::vector<std::string> lines;
  for (const auto& raw : lines_of(text)) {
    std::string l = apply(raw, r.normalize, used);
    l = std::regex_replace(l, kBlanks, " ");
    while (!l.empty() && l.back() == ' ') l.pop_back();
    lines.push_back(l);
  }
  for (const auto& [re, rule_text] : r.sort_lines) {
    std::vector<size_t> at;
    std::vector<std::string> picked;
    for (size_t i = 0; i < lines.size(); ++i)
      if (std::regex_search(lines[i], re)) {
        at.push_back(i);
        picked.push_back(lines[i]);
      }
    if (used && !picked.empty()) used->insert(rule_text);
    std::sort(picked.begin(), picked.end());
    for (size_t k = 0; k < at.size(); ++k) lines[at[k]] = picked[k];
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string unified_diff(const std::string& a, const std::string& b, const std::string& a_name,
                         const std::string& b_name) {
  auto la = lines_of(a), lb = lines_of(b);
  const size_t n = la.size(), m = lb.size();
  std::string out = "--- " + a_name + "\n+++ " + b_name + "\n";
  // Edit script from the longest common subsequence; outputs here are a few
  // hundred lines, so the quadratic table is fine. Past that, compare by position.
  std::vector<std::pair<char, std::string>> ops;  // ' ', '-', '+'
  if (n * m <= 16'000'000) {
    std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        lcs[i][j] = la[i] == lb[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && la[i] == lb[j]) {
        ops.emplace_back(' ', la[i++]);
        ++j;
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        ops.emplace_back('-', la[i++]);
      } else {
        ops.emplace_back('+', lb[j++]);
      }
    }
  } else {
    for (size_t k = 0; k < std::max(n, m); ++k) {
      if (k < n && k < m && la[k] == lb[k]) {
        ops.emplace_back(' ', la[k]);
        continue;
      }
      if (k < n) ops.emplace_back('-', la[k]);
      if (k < m) ops.emplace_back('+', lb[k]);
    }
  }
  // Hunks with 3 lines of context; line numbers counted as ops are walked.
  constexpr size_t kContext = 3;
  size_t k = 0;
  while (k < ops.size()) {
    size_t first = k;
    while (first < ops.size() && ops[first].first == ' ') ++first;
    if (first == ops.size()) break;
    // Extend the hunk while the next change is close enough to share context.
    size_t last = first;
    for (size_t t = first + 1; t < ops.size() && t <= last + 2 * kContext; ++t)
      if (ops[t].first != ' ') last = t;
    size_t start = first >= kContext ? first - kContext : 0;
    size_t end = std::min(ops.size(), last + 1 + kContext);
    size_t a_line = 1, b_line = 1;
    for (size_t t = 0; t < start; ++t) {
      if (ops[t].first != '+') ++a_line;
      if (ops[t].first != '-') ++b_line;
    }
    size_t a_count = 0, b_count = 0;
    for (size_t t = start; t < end; ++t) {
      if (ops[t].first != '+') ++a_count;
      if (ops[t].first != '-') ++b_count;
    }
    out += "@@ -" + std::to_string(a_line) + "," + std::to_string(a_count) + " +" +
           std::to_string(b_line) + "," + std::to_string(b_count) + " @@\n";
    for (size_t t = start; t < end; ++t) out += std::string(1, ops[t].first) + ops[t].second + "\n";
    k = end;
  }
  if (a.size() && b.size() && (a.back() == '\n') != (b.back() == '\n'))
    out += "(one side lacks the final newline)\n";
  if (ops.empty() || out.find("@@") == std::string::npos) {
    if (a != b) out += "(outputs differ only in trailing bytes or newlines)\n";
  }
  return out;
}

}  // namespace sw::diff
