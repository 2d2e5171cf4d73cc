// `sockwatch log`: the live engine's event stream as NDJSON (native or ECS)
// on stdout or in a rotating file, until SIGTERM/SIGINT; SIGHUP reopens the
// file. Options come from the registry's table (subcommands.cpp).
#pragma once

#include <string>
#include <vector>

namespace sw {

// Exit status: 0 done (also when the reader of stdout went away), 1 runtime
// failure (full disk, no sock_diag), 2 usage error.
int run_log(const std::vector<std::string>& args);

}  // namespace sw
