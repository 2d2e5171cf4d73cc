// -s: ss's socket summary from /proc/net/sockstat{,6} and /proc/net/snmp
// (PROC_NET_SOCKSTAT, PROC_NET_SOCKSTAT6, PROC_NET_SNMP override the paths).
#pragma once

#include <string>

#include "env.hpp"
#include "procfs/sockstat.hpp"
#include "render/json_writer.hpp"
#include "ss_options.hpp"

namespace sw {

// Reads the counters; a missing file is reported as ss does and left at 0.
SockStat load_sockstat(const SsEnv& env);
// -s as text: ss's summary; with --all-netns one per namespace, each after a
// "Netns LABEL:" line. `report`: say which namespaces were skipped. Returns
// an exit status.
int print_summaries(const SsOptions& o, const SsEnv& env, bool report);
// -s in a JSON object: "summary", or with --all-netns "netns_summaries":
// [{"netns": {...}, "summary": {...}}, ...].
void write_summaries_json(JsonWriter& w, const SsOptions& o, const SsEnv& env, bool report);
// -s with --ndjson: one line per summary (per namespace with --all-netns).
void write_summary_lines(std::string& out, const SsOptions& o, const SsEnv& env, bool report);

}  // namespace sw
