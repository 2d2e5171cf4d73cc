// Small shared pieces of planning an ss-mode run: which tables and families the
// options select, the inet_diag extensions the columns need.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/tables.hpp"
#include "engine/collect_plan.hpp"
#include "engine/namespace_walk.hpp"
#include "ss_options.hpp"

namespace sw {

inline bool has_family(const SsOptions& o, int af) { return o.families & (uint64_t{1} << af); }
inline bool has_table(const SsOptions& o, Table t) { return o.dbs & table_bit(t); }
inline bool single_bit(uint64_t v) { return v && !(v & (v - 1)); }

// The idiag_ext bits for the columns -m, -i and --tos show.
uint8_t inet_ext_bits(const SsOptions& o);
// The terminal's width when stdout is one, else -1 (ss's rule).
int screen_width();
// "sockwatch: MSG" on stderr.
void warn(const std::string& msg);

// The engine's plan for a listing with these options and filter.
CollectPlan collect_plan(const SsOptions& o, const Filter* filter);
// A collection's diagnostic line on stderr.
void print_diagnostic(const Diagnostic& d);

// NamespaceWalk::visit, printing why when we could not come back to our own
// namespace; report_namespaces prints the walk's one line about what it could not see.
int visit_namespaces(NamespaceWalk& walk, const std::function<void(const NetnsLabel&)>& each);
void report_namespaces(NamespaceWalk& walk);

}  // namespace sw
