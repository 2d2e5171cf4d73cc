// Evidence collection for incident response (baseline, check): one look at
// the host through the same Collector and /proc readers ss mode uses —
// every socket table of every watched namespace, every process's socket,
// pipe and stdio fds, the /proc/net cross-view with a second look at what
// differs — and its recording: `--record FILE` keeps the raw dumps (the
// --record format of src/netlink/dump_file.hpp, so ss mode can replay it)
// plus the process and cross-view evidence, which `--replay FILE` reads back
// into the same Evidence. Prints nothing; what could not be seen is in
// Evidence::visibility.
#pragma once

#include <string>

#include "core/expected.hpp"
#include "engine/source_paths.hpp"
#include "ir/evidence.hpp"

namespace sw {

struct EvidenceOptions {
  SourcePaths paths;            // proc root
  bool all_netns = true;        // every namespace (ours first), else ours only
  bool cross_view = true;       // compare sock_diag, /proc/net and the fds
  std::string record_path;      // non-empty: also write a recording there
  std::string run_netns_dir = "/run/netns";
};

// Live. An Error only when nothing could be looked at (sock_diag refused in
// our own namespace, the recording could not be created or written).
Expected<Evidence> collect_evidence(const EvidenceOptions& opt);

// A recording made by collect_evidence (check --record). An Error names the
// file and what is wrong (not a recording, truncated, corrupt).
Expected<Evidence> load_evidence(const std::string& path);

}  // namespace sw
