// `sockwatch top` (docs/top.md, man/sockwatch-top.8.scd).
#pragma once

#include <string>
#include <vector>

namespace sw {

int run_top(const std::vector<std::string>& args);
// The key bindings, for `sockwatch top --help` (the help screen lists the same).
std::string top_help_epilog();

}  // namespace sw
