// The network namespaces on the host, for --all-netns: every distinct
// /proc/PID/ns/net plus the names under /run/netns (which may have no process
// at all). Each comes with an open fd to enter it by, taken while listing so
// that a process exiting before its namespace is dumped does not lose it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sw {

struct NetnsEntry {
  uint64_t inode = 0;
  std::string name;      // under /run/netns; empty when it has none
  int32_t pid = 0;       // the lowest pid in it (0: none, a named-only namespace)
  int fd = -1;           // open namespace fd (-1: could not open, see error)
  int error = 0;         // errno of that open
  bool is_self = false;  // the namespace sockwatch runs in
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
  NetnsList(NetnsList&& o) noexcept : entries_(std::move(o.entries_)), stats_(o.stats_) {
    o.entries_.clear();
  }
  NetnsList& operator=(NetnsList&&) = delete;
  NetnsList(const NetnsList&) = delete;
  ~NetnsList();  // closes the fds

  const std::vector<NetnsEntry>& entries() const { return entries_; }
  const NetnsListStats& stats() const { return stats_; }

 private:
  std::vector<NetnsEntry> entries_;
  NetnsListStats stats_;
};

// "net:[4026531840]" -> 4026531840; 0 when the text is not a net link.
uint64_t parse_netns_link(std::string_view link);

}  // namespace sw
