// -s: ss's socket summary from /proc/net/sockstat{,6} and /proc/net/snmp.
#pragma once

#include "env.hpp"

namespace sw {

// Prints the summary to stdout; returns an exit status.
int print_summary(const SsEnv& env);

}  // namespace sw
