// --all-netns: visit every network namespace on the host, entered (setns), so
// that a fresh sock_diag socket, /proc/net and interface names all belong to
// it; then come back to our own.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "env.hpp"
#include "procfs/netns_list.hpp"
#include "render/netns_label.hpp"

namespace sw {

// Lists the namespaces and their labels once per run; -s and the listing
// (or -E) then visit the same list.
class NamespaceWalk {
 public:
  explicit NamespaceWalk(const SsEnv& env);
  ~NamespaceWalk();
  NamespaceWalk(const NamespaceWalk&) = delete;
  NamespaceWalk& operator=(const NamespaceWalk&) = delete;

  // Calls `each` inside every namespace (ours first, then named ones, then
  // the rest by inode); namespaces that cannot be entered are skipped.
  // Returns 1 only if we could not get back to our own.
  int visit(const std::function<void(const NetnsLabel&)>& each);
  // One stderr line for what was skipped or could not be seen; later calls
  // print nothing.
  void report();

 private:
  NetnsList list_;
  std::vector<NetnsLabel> labels_;  // parallel to list_.entries()
  int self_ = -1;                   // our own namespace, to come back to
  uint64_t skipped_ = 0;
  int skip_errno_ = 0;
  bool reported_ = false;
};

}  // namespace sw
