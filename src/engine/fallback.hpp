// The /proc/net text fallbacks ss uses when sock_diag cannot answer (raw_diag
// absent, PROC_* overrides set): read the file(s) the SourcePaths name and
// hand the parsed records to `sink`, filtered by the state mask as ss does.
// What could not be read goes to `diag` as ss words it (often: silence).
#pragma once

#include <cstdint>
#include <functional>

#include "core/socket_record.hpp"
#include "engine/collect_plan.hpp"
#include "engine/source_paths.hpp"
#include "netlink/source.hpp"

namespace sw {

using DiagnosticSink = std::function<void(Diagnostic&&)>;

void fallback_inet(const SourcePaths& paths, uint64_t families, uint32_t states, Table t,
                   const RecordSink& sink, const DiagnosticSink& diag);
void fallback_unix(const SourcePaths& paths, uint32_t states, const RecordSink& sink,
                   const DiagnosticSink& diag);
void fallback_packet(const SourcePaths& paths, const RecordSink& sink, const DiagnosticSink& diag);
void fallback_netlink(const SourcePaths& paths, const RecordSink& sink, const DiagnosticSink& diag);

}  // namespace sw
