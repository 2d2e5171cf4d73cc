// Evidence collection for incident response (baseline, check): one look at
// the host through the same Collector and /proc readers ss mode uses —
// every socket table of every watched namespace and every process's socket,
// pipe and stdio fds. Prints nothing; what could not be seen is in
// Evidence::visibility. The cross-view (engine/cross_view.hpp) is part of
// every live look. A recording (check --record) is the raw dumps of every
// namespace, marked as in ss-mode --record, then the rest of the evidence
// as an encoded payload (ir/evidence_codec.hpp); load_evidence() reads it
// back through the same Collector, so a replay parses what live parsed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/expected.hpp"
#include "engine/source_paths.hpp"
#include "ir/evidence.hpp"

namespace sw {

struct EvidenceOptions {
  SourcePaths paths;      // proc root
  bool all_netns = true;  // every namespace (ours first), else ours only
  std::string run_netns_dir = "/run/netns";
  std::string machine_id_path = "/etc/machine-id";
  // Receives the recording's bytes (namespace and table markers, every raw
  // dump, the evidence chunks); the caller adds the end marker. Empty: none.
  std::function<void(const uint8_t*, size_t)> record;
};

// Live. An Error only when nothing could be looked at (/proc unreadable,
// sock_diag refused in our own namespace).
Expected<Evidence> collect_evidence(const EvidenceOptions& opt);

// A recording made with EvidenceOptions::record. An Error names the file and
// what is wrong (not evidence, truncated, corrupt, counts that disagree).
Expected<Evidence> load_evidence(const std::string& path);

}  // namespace sw
