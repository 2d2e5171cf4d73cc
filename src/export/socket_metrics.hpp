// The metrics sockwatch exports (docs/metrics.md is their reference): socket
// aggregates per namespace built from collected records and their owners,
// check findings by rule and severity, and the exporter's own health. Every
// family's label cardinality is bounded whatever the socket count: states,
// families and protocols are small fixed sets; executables are folded to the
// top N (the rest exe="other"); accept-queue series stop at a maximum (the
// rest dropped and counted); peers are the top N plus peer="other". The one
// unbounded dimension is the namespace, one per network namespace watched.
// Pure: the app collects (src/engine) and serves; nothing here does I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/host_info.hpp"
#include "core/socket_event.hpp"
#include "core/socket_record.hpp"
#include "export/exposition.hpp"
#include "rules/finding.hpp"
#include "rules/rule_set.hpp"

namespace sw {

struct MetricsLimits {
  size_t top_peers = 20;       // sockwatch_peer_connections: peers kept (the rest: "other")
  size_t max_listeners = 200;  // sockwatch_listener_accept_queue{,_limit}: series kept
  size_t top_exes = 50;        // sockwatch_listeners: executables kept (the rest: "other")
};

struct ScrapeNamespace {
  std::string label;  // "" for ours (inventory_label)
  std::vector<SocketRecord> sockets;
};

// The owner of a socket inode (nullptr: unknown).
using OwnerLookup = std::function<const OwnerInfo*(uint64_t inode)>;

struct SocketScrape {
  std::vector<ScrapeNamespace> namespaces;  // ours first
  // Empty: owners were not looked up (no owner-unknown family; exe="").
  OwnerLookup owner_of;
  HostInfo host;  // the ephemeral port range (which UDP sockets are listeners)
};

// The exe label of an owner: the basename of its executable, else its comm
// (a kernel thread, an unreadable exe); "" for no owner. Raw bytes.
std::string exe_label(const OwnerInfo* owner);
// ss's state name as a label: lowercased, '-' as '_', ESTAB spelled
// "established" ("listen", "time_wait", "unconn", "fin_wait_1"...).
std::string state_label(int state);

// sockwatch_sockets, sockwatch_listeners, sockwatch_listener_accept_queue,
// sockwatch_listener_accept_queue_limit, sockwatch_peer_connections and (with
// owners) sockwatch_sockets_owner_unknown, in that order, samples sorted by
// labels. `dropped` gains, per family name, the series left out this scrape.
std::vector<MetricFamily> socket_metrics(const SocketScrape& s, const MetricsLimits& limits,
                                         std::map<std::string, uint64_t>& dropped);

// sockwatch_findings{rule, severity}: how many findings each rule raised,
// with a 0 series for every enabled rule of `rules` that raised none (an
// alert on `> 0` then has a series to watch from the start).
MetricFamily findings_metric(const std::vector<Finding>& findings, const RuleSet& rules);

// The exporter's own health and identity.
struct SelfHealth {
  std::string version;
  double scrape_duration_seconds = 0;                    // this scrape's collection
  uint64_t scrapes_total = 0;                            // including this one
  uint64_t scrape_errors_total = 0;                      // scrapes that could not collect
  uint64_t netlink_errors_total = 0;                     // dumps that failed (all scrapes)
  uint64_t namespaces_skipped = 0;                       // this scrape: namespaces not entered
  uint64_t processes_denied = 0;                         // this scrape: /proc/PID/fd not readable
  std::map<std::string, uint64_t> series_dropped_total;  // family -> series dropped (all scrapes)
  // When the findings were computed (Unix seconds); nullopt: no findings.
  std::optional<double> findings_timestamp_seconds;
};

std::vector<MetricFamily> self_health_metrics(const SelfHealth& h);

}  // namespace sw
