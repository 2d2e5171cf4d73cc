// sockwatch entry point: parse, run, map every escaped exception to a status.
#include <csignal>
#include <cstdio>
#include <exception>

#include "ss_mode.hpp"
#include "ss_options.hpp"

int main(int argc, char** argv) {
  // A closed pipe is an ordinary end of output (`sockwatch | head`), seen as EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    auto parsed = sw::parse_ss_command_line(argc, argv);
    if (!parsed.options) {
      std::fputs(parsed.out.c_str(), stdout);
      std::fputs(parsed.err.c_str(), stderr);
      return parsed.exit_code;
    }
    return sw::run_ss_mode(*parsed.options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sockwatch: internal error: %s\n", e.what());
    return 3;
  }
}
