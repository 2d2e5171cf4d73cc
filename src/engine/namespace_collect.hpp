// NamespaceCollector: one Collector pass per network namespace, each made
// from inside the namespace (a fresh sock_diag socket belongs to it), ours
// first, through the NamespaceWalk. The shared walk of the one-look
// consumers (collect_evidence for baseline and check, the metrics scrape):
// they differ in the plan and in what they keep of the records, not in how
// namespaces are entered or what counts as not seen. Long-lived consumers
// keep one NamespaceCollector (the walk lists namespaces again on each
// later pass). Prints nothing: failures are Visibility values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "core/socket_record.hpp"
#include "engine/collect_plan.hpp"
#include "engine/source_paths.hpp"
#include "enrich/netns_label.hpp"
#include "ir/evidence.hpp"
#include "netlink/source.hpp"

namespace sw {

class NamespaceWalk;

struct NamespaceCollectOptions {
  SourcePaths paths;
  bool all_netns = true;  // every namespace (ours first), else ours only
  std::string run_netns_dir = "/run/netns";
  // check --record: each namespace's marker (numbered in the order `each`
  // sees them), its table markers and every raw reply go here. Empty: none.
  std::function<void(const uint8_t*, size_t)> record;
};

// The namespace a pass is in, as the inventory and the metrics name it.
struct NamespaceSeen {
  uint64_t inode = 0;
  std::string label;  // inventory_label(): "" for ours
  bool is_self = false;
  // The namespace's own sock_diag source, for more dumps from inside it
  // (the cross-view's second look); valid during `each`, not recorded.
  SocketSource* source = nullptr;
};

// "" for our own namespace; else its /run/netns name, else its container's
// short label, else its inode. Raw bytes (a name is untrusted). Labels
// identify a namespace across reboots only by name or container; an
// anonymous one is known by its inode for this boot.
std::string inventory_label(const NetnsLabel& l);

class NamespaceCollector {
 public:
  explicit NamespaceCollector(NamespaceCollectOptions opt);
  ~NamespaceCollector();
  NamespaceCollector(const NamespaceCollector&) = delete;
  NamespaceCollector& operator=(const NamespaceCollector&) = delete;

  // Collects `plan` in every namespace and calls `each` with the records,
  // still inside that namespace (so it may ask more of it, e.g. interface
  // names). What could not be seen is added to `vis` (netlink_errors,
  // namespaces_not_entered, notes). An Error only when our own namespace
  // could not be dumped or the walk could not come back to it.
  Expected<void> collect(
      const CollectPlan& plan, Visibility& vis,
      const std::function<void(const NamespaceSeen&, std::vector<SocketRecord>&&)>& each);

 private:
  NamespaceCollectOptions opt_;
  std::unique_ptr<NamespaceWalk> walk_;
};

}  // namespace sw
