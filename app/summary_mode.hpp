// -s: ss's socket summary from /proc/net/sockstat{,6} and /proc/net/snmp
// (PROC_NET_SOCKSTAT, PROC_NET_SOCKSTAT6, PROC_NET_SNMP override the paths).
#pragma once

#include <string>
#include <string_view>

#include "engine/namespace_walk.hpp"
#include "env.hpp"
#include "procfs/sockstat.hpp"
#include "render/json_writer.hpp"

namespace sw {

// Reads the counters; a missing file is reported as ss does and left at 0.
SockStat load_sockstat(const SourcePaths& env);
// -s as text: ss's summary; with a walk (--all-netns) one per namespace, each
// after a "Netns LABEL:" line. Returns an exit status.
int print_summaries(const SourcePaths& env, NamespaceWalk* walk);
// Writes `text` to stdout; on a write error other than EPIPE names it on
// stderr and returns 1 (0 otherwise).
int write_stdout(std::string_view text);
// -s in a JSON object: "summary", or with a walk "netns_summaries":
// [{"netns": {...}, "summary": {...}}, ...].
void write_summaries_json(JsonWriter& w, const SourcePaths& env, NamespaceWalk* walk);
// -s with --ndjson: one line per summary (per namespace with a walk).
void write_summary_lines(std::string& out, const SourcePaths& env, NamespaceWalk* walk);

}  // namespace sw
