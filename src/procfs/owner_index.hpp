// OwnerIndex: socket inode -> the (process, fd) pairs that hold it, built from
// one scan of <proc_root>/<pid>/fd. Replaces ss's 256-bucket chained hash with
// a hash map sized to the data, and skips ss's per-fd SELinux getxattr.
// Pure of printing: it formats the ss "users:(...)" text on request.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "procfs/process_info.hpp"

namespace sw {

class OwnerEnricher;

struct OwnerScanOptions {
  std::string proc_root = "/proc";  // $PROC_ROOT
  bool threads = false;             // -T: scan every PID/task/TID/fd (not PID/fd)
  bool details = false;             // read ProcessDetails of every owning process, and
                                    // enrich them (ProcessDetails::enriched)
  // The enricher for those details: a live loop passes its long-lived one
  // (expiring user names, boot time read once); null: one for this scan.
  OwnerEnricher* enricher = nullptr;
  // When set (sorted, unique): record only these inodes. Every process is still
  // walked, so each target lists every holder, exactly as a full scan would.
  const std::vector<uint64_t>* targets = nullptr;
  unsigned max_workers = 0;  // 0: one per available CPU (capped at 8)
  // Set from another thread to give up: the walk claims no more pids and the
  // index comes back partial (`complete` false). Null: never.
  const std::atomic<bool>* cancel = nullptr;
};

struct OwnerScanStats {
  uint64_t processes = 0;  // pids listed in /proc
  uint64_t scanned = 0;    // pids whose fd table was read
  uint64_t sockets = 0;    // socket fds recorded
  uint64_t denied = 0;     // fd dirs we could not read (EACCES/EPERM): owners hidden
  uint64_t vanished = 0;   // pids/fds that disappeared mid-scan (skipped, not an error)
  bool complete = true;    // every listed process was looked at
  unsigned workers = 1;
};

class OwnerIndex {
 public:
  static OwnerIndex scan(const OwnerScanOptions& opt);

  // An index of owners known some other way, without reading /proc: the
  // processes of an evidence recording (ss mode -p --replay). One row per
  // (pid, fd) holding a socket, in scan order (pid ascending, then fd), so
  // the text comes out in ss's order as after a scan.
  struct KnownOwner {
    uint64_t inode;
    int32_t pid;
    int32_t fd;
    std::string comm;
    std::optional<ProcessDetails> details;
  };
  static OwnerIndex from_known(std::vector<KnownOwner> rows, const OwnerScanStats& stats);

  // Appends ss 6.1's text: " users:((\"comm\",pid=N,fd=N),...)" in ss's order
  // (the reverse of scan order: higher pid first, higher fd first), with -T
  // adding tid=N. Comm is escaped for the terminal. Returns false and appends
  // nothing when the inode has no owner (or is 0).
  bool append_users(uint64_t inode, std::string& out) const;

  const OwnerScanStats& stats() const { return stats_; }
  bool has_owner(uint64_t inode) const { return inode && find(inode) != kNone; }
  // False when some processes' fds could not be read: a socket without an
  // owner here may still have one.
  bool owners_known() const { return stats_.denied == 0; }

  // One owner of a socket, for typed output (JSON). comm is the raw bytes of
  // the whole name (append_users cuts it at the first ')', as ss does);
  // details is set when the scan read them (and the process was still there).
  struct OwnerView {
    int32_t pid;
    int32_t tid;
    int32_t fd;
    std::string_view comm;
    const ProcessDetails* details;
  };
  // Calls fn for every owner of `inode` in the same order as append_users.
  void for_each_owner(uint64_t inode, const std::function<void(const OwnerView&)>& fn) const;

  struct Entry {
    uint64_t inode;
    int32_t pid;
    int32_t tid;
    int32_t fd;
    uint32_t task;  // index into tasks_
    uint32_t next;  // previous entry of the same inode (kNone ends the chain)
  };
  static constexpr uint32_t kNone = ~0u;

  // A task (process, or thread with -T) that holds at least one socket.
  struct Task {
    std::string comm;
    std::optional<ProcessDetails> details;
  };

 private:
  friend class OwnerScanner;  // owner_index.cpp: fills entries_ and tasks_
  void build_index();
  uint32_t find(uint64_t inode) const;
  // Entries in scan order (pid ascending, then task, then fd ascending).
  // After the scan, an open-addressing table of at least twice the entry
  // count maps each inode to its newest entry, and entries chain backwards,
  // so a chain walk is ss's order (reverse scan order) with no sorting.
  // 32 bytes per socket fd plus 8-16 for the table; no per-node allocation.
  std::vector<Entry> entries_;
  std::vector<Task> tasks_;
  std::vector<uint32_t> slots_;
  OwnerScanStats stats_;
  bool threads_ = false;
};

}  // namespace sw
