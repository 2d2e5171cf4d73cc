// The network namespaces on the host, for --all-netns: every distinct
// /proc/PID/ns/net plus the names under /run/netns (which may have no process
// at all). No fd is held per namespace: a host with more namespaces than the
// fd limit must still be listed whole. open() opens one when it is entered,
// by its name or by any of the pids seen in it (so one process exiting does
// not lose it), checking the inode so that a reused pid is not mistaken for
// the namespace we listed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sw {

struct NetnsEntry {
  uint64_t inode = 0;
  std::string name;           // under /run/netns; empty when it has none
  int32_t pid = 0;            // the lowest pid in it (0: none, a named-only namespace)
  bool is_self = false;       // the namespace sockwatch runs in
  std::vector<int32_t> pids;  // every pid seen in it, ascending (open() tries them)
};

struct NetnsListStats {
  uint64_t processes = 0;
  uint64_t unreadable = 0;  // /proc/PID/ns/net we were not allowed to read
};

class NetnsList {
 public:
  // Our own namespace first, then named ones by name, then the rest by inode.
  static NetnsList scan(const std::string& proc_root, const std::string& run_netns_dir);
  NetnsList() = default;
  NetnsList(NetnsList&& o) noexcept = default;
  NetnsList& operator=(NetnsList&&) noexcept = default;
  NetnsList(const NetnsList&) = delete;
  ~NetnsList() = default;

  const std::vector<NetnsEntry>& entries() const { return entries_; }
  // An fd (O_RDONLY, close-on-exec) for setns into `e`, which the caller
  // closes; -1 with `error` set when none of its paths opens to the same
  // namespace any more (ENOENT: it is gone).
  int open(const NetnsEntry& e, int& error) const;
  const NetnsListStats& stats() const { return stats_; }

 private:
  std::vector<NetnsEntry> entries_;
  NetnsListStats stats_;
  std::string proc_root_, run_netns_dir_;
};

// "net:[4026531840]" -> 4026531840; 0 when the text is not a net link.
uint64_t parse_netns_link(std::string_view link);

}  // namespace sw
