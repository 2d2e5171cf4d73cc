// `sockwatch metrics`: the Prometheus exposition of the host's sockets
// (src/export, docs/metrics.md) printed once to stdout, written atomically
// as a node_exporter textfile (--textfile DIR, once or every --interval), or
// served over HTTP (--listen, loopback unless --listen-any). Options come
// from the registry's table (kMetricsOptions).
#pragma once

#include <string>
#include <vector>

namespace sw {

// 0 ok, 1 runtime failure (collection, the textfile directory, the listen
// address), 2 usage error.
int run_metrics(const std::vector<std::string>& args);

}  // namespace sw
