// `sockwatch check`: triage findings over one look at the host (or a
// recording), with the exit status gating automation (docs/exit-codes.md).
// docs/rules.md describes the rules; man/sockwatch-check.8.scd the command.
#pragma once

#include <string>
#include <vector>

namespace sw {

int run_check(const std::vector<std::string>& args);

}  // namespace sw
