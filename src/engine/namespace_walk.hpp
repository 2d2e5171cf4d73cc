// NamespaceWalk (--all-netns): visit every network namespace on the host,
// entered (setns), so that a fresh sock_diag socket, /proc/net and interface
// names all belong to it; then come back to our own. A long-running consumer
// calls refresh() each tick to pick up namespaces that appeared and drop the
// ones that vanished. Prints nothing: what could not be seen is a report.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "enrich/netns_label.hpp"
#include "procfs/netns_list.hpp"

namespace sw {

// Lists the namespaces and their labels; -s and the listing (or -E) then
// visit the same list.
class NamespaceWalk {
 public:
  explicit NamespaceWalk(std::string proc_root, std::string run_netns_dir = "/run/netns");
  ~NamespaceWalk();
  NamespaceWalk(const NamespaceWalk&) = delete;
  NamespaceWalk& operator=(const NamespaceWalk&) = delete;

  // Calls `each` inside every namespace (ours first, then named ones, then
  // the rest by inode); namespaces that cannot be entered are skipped.
  // Returns 1 only if we could not get back to our own (fatal_error() says why).
  int visit(const std::function<void(const NetnsLabel&)>& each);
  // Lists the namespaces again (new ones appear, vanished ones go).
  void refresh();
  const std::vector<NetnsLabel>& labels() const { return labels_; }
  // Namespaces the last visit could not enter.
  uint64_t skipped() const { return skipped_; }
  const std::string& fatal_error() const { return fatal_; }
  // One line for what was skipped or could not be seen, the first time there
  // is something to say; nullopt afterwards and when all was seen.
  std::optional<std::string> report();

 private:
  void build();
  std::string proc_root_, run_netns_dir_;
  NetnsList list_;
  std::vector<NetnsLabel> labels_;  // parallel to list_.entries()
  int self_ = -1;                   // our own namespace, to come back to
  uint64_t skipped_ = 0;
  int skip_errno_ = 0;
  bool reported_ = false;
  std::string fatal_;
};

}  // namespace sw
