#include "diff_common.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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
}  // namespace

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> v;
  for (std::string w; in >> w;) v.push_back(w);
  return v;
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
  bool in_block = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "```rules") {
      in_block = true;
      continue;
    }
    if (in_block && line == "```") break;
    if (!in_block || line.empty()) continue;
    if (line.rfind("stderr-ignore ", 0) == 0) {
      r.stderr_ignore.emplace_back(line.substr(14));
    } else if (line.rfind("normalize ", 0) == 0) {
      auto rest = line.substr(10);
      auto arrow = rest.find(" => ");
      if (arrow == std::string::npos) throw std::runtime_error("bad rule: " + line);
      std::string repl = rest.substr(arrow + 4);
      // known_diffs.md writes backreferences as \1; std::regex wants $1.
      for (size_t i = 0; i + 1 < repl.size(); ++i)
        if (repl[i] == '\\' && std::isdigit(static_cast<unsigned char>(repl[i + 1]))) repl[i] = '$';
      r.normalize.emplace_back(std::regex(rest.substr(0, arrow)), repl);
      r.normalize_text.push_back(rest);
    } else if (line.rfind("sort-lines ", 0) == 0) {
      r.sort_lines.emplace_back(line.substr(11));
      r.normalize_text.push_back(line);
    } else {
      throw std::runtime_error("unknown rule: " + line);
    }
  }
  if (r.normalize.empty()) throw std::runtime_error("no rules block in " + path);
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

std::string shape(const std::string& text, const Rules& r) {
  static const std::regex kBlanks(" +");
  std::vector<std::string> lines;
  for (auto l : lines_of(text)) {
    for (const auto& [re, repl] : r.normalize) l = std::regex_replace(l, re, repl);
    l = std::regex_replace(l, kBlanks, " ");
    while (!l.empty() && l.back() == ' ') l.pop_back();
    lines.push_back(l);
  }
  for (const auto& re : r.sort_lines) {
    std::vector<size_t> at;
    std::vector<std::string> picked;
    for (size_t i = 0; i < lines.size(); ++i)
      if (std::regex_search(lines[i], re)) {
        at.push_back(i);
        picked.push_back(lines[i]);
      }
    std::sort(picked.begin(), picked.end());
    for (size_t k = 0; k < at.size(); ++k) lines[at[k]] = picked[k];
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string line_diff(const std::string& a, const std::string& b) {
  auto la = lines_of(a), lb = lines_of(b);
  std::string out;
  size_t n = std::max(la.size(), lb.size());
  for (size_t i = 0; i < n; ++i) {
    std::string x = i < la.size() ? la[i] : "<missing>";
    std::string y = i < lb.size() ? lb[i] : "<missing>";
    if (x == y) continue;
    out +=
        "line " + std::to_string(i + 1) + ":\n  ss:        [" + x + "]\n  sockwatch: [" + y + "]\n";
  }
  return out;
}

}  // namespace sw::diff
