#include "summary_mode.hpp"

#include <cstdio>

namespace sw {

int print_summary(const SsEnv&) {
  std::fputs("sockwatch: -s is not supported yet\n", stderr);
  return 1;
}

}  // namespace sw
