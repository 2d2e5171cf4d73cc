// sockwatch entry point: a subcommand word, else ss mode; every escaped
// exception becomes status 3.
#include <csignal>
#include <cstdio>
#include <exception>

#include "ss_mode.hpp"
#include "ss_options.hpp"
#include "subcommands.hpp"

int main(int argc, char** argv) {
  // A closed pipe is an ordinary end of output (`sockwatch | head`), seen as EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    if (int word = sw::find_subcommand_word(argc, argv); word >= 0)
      return sw::run_subcommand(argc, argv, word);
    auto parsed = sw::parse_ss_command_line(argc, argv);
    if (!parsed.options) {
      std::fputs(parsed.out.c_str(), stdout);
      std::fputs(parsed.err.c_str(), stderr);
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
