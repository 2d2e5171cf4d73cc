// OwnerCache: socket inode -> owning process, kept across the live engine's
// ticks so that only what is new costs /proc work. The first tick scans every
// process once; after that a socket not seen before triggers, in order:
//   1. processes that appeared since the last look,
//   2. processes whose fd count changed (one stat of /proc/PID/fd each),
//   3. the rest, round-robin, within a per-call budget of fds read,
// and stops as soon as every asked-for inode has its owner. Nothing asks
// when nothing is new, so a steady host costs no /proc reads at all.
//
// Owners are shared OwnerInfo values that outlive the socket and the process
// (a close event reports who held it). A process is identified by pid and
// start time: a reused pid is a new process. Prints nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/socket_event.hpp"
#include "enrich/names.hpp"
#include "procfs/owner_enrichment.hpp"
#include "procfs/process_info.hpp"

namespace sw {

struct OwnerCacheOptions {
  std::string proc_root = "/proc";
  // fds read (readlink) by the round-robin step of one resolve() call.
  uint64_t fd_budget = 50000;
  std::string boot_id;       // /proc/sys/kernel/random/boot_id, for entity ids
  uint64_t boot_time_s = 0;  // /proc/stat btime
  long ticks_per_second = 100;
};

struct OwnerCacheStats {
  uint64_t full_scans = 0;
  uint64_t pid_scans = 0;  // /proc/PID/fd directories read
  uint64_t fds_read = 0;
  uint64_t denied = 0;     // processes whose fds we may not read (last look)
  uint64_t vanished = 0;   // processes gone between listing and reading
  uint64_t processes = 0;  // known now
  uint64_t inodes = 0;     // socket inodes with a known owner now
};

class OwnerCache {
 public:
  explicit OwnerCache(OwnerCacheOptions opt);
  ~OwnerCache();
  OwnerCache(const OwnerCache&) = delete;
  OwnerCache& operator=(const OwnerCache&) = delete;

  // Every process now (the first tick, or after a ring-buffer/destroy overrun).
  void full_scan();
  // Attributes what it can of `inodes` (any order; known ones are skipped).
  void resolve(const std::vector<uint64_t>& inodes);
  // Reads one process's fds now, whatever its fd count says: for a consumer
  // that knows they changed with the count unchanged (its own process, which
  // closed one connection and accepted the next), so resolve() does not go
  // round-robin through every other process to find them.
  void rescan(int32_t pid);
  std::shared_ptr<const OwnerInfo> owner_of(uint64_t inode) const;
  // The process `pid` as it is now (eBPF named it). When `comm` is not empty
  // and the live process's comm differs, the pid was reused: nullptr.
  std::shared_ptr<const OwnerInfo> process(int32_t pid, std::string_view comm);
  // A socket closed: its inode will not come back.
  void forget(uint64_t inode);
  // Some processes' fds could not be read: an unknown owner may be hidden.
  bool some_denied() const { return stats_.denied > 0; }
  const OwnerCacheStats& stats() const { return stats_; }

 private:
  struct Proc {
    uint64_t start_ticks = 0;
    int64_t fd_count = -1;
    bool denied = false;
    std::shared_ptr<const OwnerInfo> info;
  };
  // Reads one process's fds and records its sockets' owner; false when gone.
  bool scan(int32_t pid, Proc& p);
  std::shared_ptr<const OwnerInfo> make_info(int32_t pid, const std::string& comm,
                                             const ProcessDetails& d);
  void refresh_pids(const std::vector<int32_t>& pids);

  OwnerCacheOptions opt_;
  int proc_fd_ = -1;
  std::unordered_map<int32_t, Proc> procs_;
  std::unordered_map<uint64_t, std::shared_ptr<const OwnerInfo>> inodes_;
  std::vector<int32_t> known_pids_;  // sorted, as last listed
  size_t rr_next_ = 0;               // round-robin position in known_pids_
  UserNames users_;
  OwnerEnricher enricher_;
  OwnerCacheStats stats_;
};

}  // namespace sw
