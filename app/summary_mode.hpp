// -s: ss's socket summary from /proc/net/sockstat{,6} and /proc/net/snmp
// (PROC_NET_SOCKSTAT, PROC_NET_SOCKSTAT6, PROC_NET_SNMP override the paths).
#pragma once

#include "env.hpp"
#include "procfs/sockstat.hpp"

namespace sw {

// Reads the counters; a missing file is reported as ss does and left at 0.
SockStat load_sockstat(const SsEnv& env);
// Prints the text summary to stdout; returns an exit status.
int print_summary(const SsEnv& env);

}  // namespace sw
