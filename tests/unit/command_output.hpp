// Runs a shell command and returns what it wrote to stdout (the unit tests
// that compare against the real ss use it).
#pragma once

#include <cstdio>
#include <string>

namespace sw::test {

inline std::string command_output(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

}  // namespace sw::test
