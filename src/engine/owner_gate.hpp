// OwnerGate: decides when the /proc owner scan for -p runs, so that a
// selective listing does not pay for reading every fd on the host.
//
// Records pass through it on their way to the formatter. It holds back up to
// `limit` of them. If the dump ends with no more than that, only their inodes
// are recorded (every process is still walked, so a socket shared by several
// processes lists them all, as ss does). If more arrive, the full scan runs at once
// and the held records and all later ones flow through unchanged: memory stays
// bounded by `limit` records either way.
//
// scan_ahead() starts the full scan on another thread before the first record,
// beside the dumps: the listing then waits for whichever ends last instead of
// for both in turn (a selective `-tnp 'dport = :N'` at 100k sockets spends a
// fifth of its time in the dump). It is a superset of any targeted scan, so the
// held records find their owners in it; a listing that ends with nothing to
// attribute cancels it.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

#include "core/socket_record.hpp"
#include "netlink/source.hpp"
#include "procfs/owner_index.hpp"

namespace sw {

class OwnerGate {
 public:
  // `index` receives the scan result; formatters hold a pointer to it.
  OwnerGate(OwnerScanOptions opt, OwnerIndex& index, RecordSink emit, size_t limit)
      : opt_(std::move(opt)), index_(index), emit_(std::move(emit)), limit_(limit) {}
  OwnerGate(const OwnerGate&) = delete;
  OwnerGate& operator=(const OwnerGate&) = delete;
  ~OwnerGate() { drop_ahead(); }

  // The full scan now, before any record (ss's order; -E and --all-netns).
  void scan_all();
  // The full scan starts now on another thread (see above).
  void scan_ahead();
  // No -p: records flow straight through and nothing is scanned.
  void pass_through() { scanned_ = true; }
  // Returns false when the consumer downstream asked to stop.
  bool add(SocketRecord&& r);
  // The end of the dumps: scans for the held records' inodes and releases them.
  void finish();
  // Ready for another pass (a new scan will run).
  void reset() {
    drop_ahead();
    scanned_ = false;
    stopped_ = false;
    held_.clear();
  }

  // For a dump the kernel flagged as interrupted: a mark counts the records
  // accepted so far, and rolling back to it drops the held ones after it
  // (`downstream` rolls back records already released).
  size_t held() const { return held_.size(); }
  bool holding() const { return !scanned_; }
  void drop_held_after(size_t n) { held_.resize(n); }

 private:
  void release();
  OwnerScanOptions full_scan() const;  // opt_ without targets
  bool take_ahead();                   // waits for the scan ahead; false when there is none
  void drop_ahead();                   // cancels and joins it
  OwnerScanOptions opt_;
  OwnerIndex& index_;
  RecordSink emit_;
  size_t limit_;
  bool scanned_ = false;
  bool stopped_ = false;
  std::vector<SocketRecord> held_;
  std::thread ahead_;
  std::atomic<bool> cancel_ahead_{false};
  OwnerIndex ahead_index_;
};

}  // namespace sw
