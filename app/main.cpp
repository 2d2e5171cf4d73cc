// sockwatch entry point: a subcommand word, else ss mode; every escaped
// exception becomes status 3.
#include <sys/resource.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>

#include "ss_mode.hpp"
#include "ss_options.hpp"
#include "subcommands.hpp"

int main(int argc, char** argv) {
  // A closed pipe is an ordinary end of output (`sockwatch | head`), seen as EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  // The soft fd limit (often 1,024) is a default, not a need: raise it to
  // the hard one so a host with many processes or namespaces is not cut
  // short. Nothing holds one fd per namespace or process any more, so this
  // is headroom, not a requirement.
  if (rlimit rl{}; getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  try {
    if (int word = sw::find_subcommand_word(argc, argv); word >= 0)
      return sw::run_subcommand(argc, argv, word);
    auto parsed = sw::parse_ss_command_line(argc, argv);
    if (!parsed.options) {
      std::fputs(parsed.out.c_str(), stdout);
      std::fputs(parsed.err.c_str(), stderr);
      // -h/-V text to a full disk or closed fd is a write error like any other.
      if ((std::fflush(stdout) != 0 || std::ferror(stdout)) && errno != EPIPE) {
        std::fprintf(stderr, "sockwatch: writing stdout: %s\n", std::strerror(errno));
        return 1;
      }
      return parsed.exit_code;
    }
    if (auto hint = sw::typo_hint(argc, argv)) {
      std::fputs(hint->c_str(), stderr);
      return 1;  // what ss returns for this command line (a bad filter operand)
    }
    return sw::run_ss_mode(*parsed.options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sockwatch: internal error: %s\n", e.what());
    return 3;
  }
}
