// ss mode: runs one ss-compatible invocation: plan the dumps from SsOptions,
// collect records from the live kernel (or a recording), enrich what the
// columns need, render. The only place that knows ss's table order.
#pragma once

#include <optional>

#include "engine/source_paths.hpp"
#include "filter/filter.hpp"
#include "ss_options.hpp"

namespace sw {

// Returns the process exit status (ss's statuses in ss mode).
int run_ss_mode(const SsOptions& opt);

// The filter expression of `o` (words or -F file), parsed against its
// families; a prefixed condition (unix:, inet6:...) replaces them. Errors are
// printed as ss prints them, with `usage` (ss's usage text in ss mode; null:
// none) after a syntax error. Returns -1 to go on, or ss's exit status.
int parse_filter_expression(SsOptions& o, const SourcePaths& env, std::optional<Filter>& out,
                            const char* usage);

}  // namespace sw
