// ss mode: runs one ss-compatible invocation: plan the dumps from SsOptions,
// collect records from the live kernel (or a recording), enrich what the
// columns need, render. The only place that knows ss's table order.
#pragma once

#include "ss_options.hpp"

namespace sw {

// Returns the process exit status (ss's statuses in ss mode).
int run_ss_mode(const SsOptions& opt);

}  // namespace sw
