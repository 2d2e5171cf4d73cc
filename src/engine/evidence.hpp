// Evidence collection for incident response (baseline, check): one look at
// the host through the same Collector and /proc readers ss mode uses —
// every socket table of every watched namespace and every process's socket,
// pipe and stdio fds. Prints nothing; what could not be seen is in
// Evidence::visibility. Not yet here (issue 15 goes on): the /proc/net
// cross-view (CrossView::done stays false and says so) and recordings.
#pragma once

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
};

// Live. An Error only when nothing could be looked at (/proc unreadable,
// sock_diag refused in our own namespace).
Expected<Evidence> collect_evidence(const EvidenceOptions& opt);

}  // namespace sw
