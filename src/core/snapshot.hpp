// Snapshot: the sockets one collection saw, immutable once built, keyed by
// socket identity. diff() turns two snapshots into typed changes. Pure data
// and pure functions: no I/O (the engine builds snapshots, consumers read them).
//
// Identity: netns inode + socket cookie. The kernel gives every socket a
// cookie the first time it is asked (sock_diag asks on every dump) and a
// TIME-WAIT mini-socket copies its parent's (inet_twsk_alloc copies
// sk_cookie), so a connection keeps its key from SYN-SENT to the end of
// TIME-WAIT. Records without a cookie (the /proc fallback, cookie 0) are keyed
// by their 5-tuple instead.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/socket_event.hpp"
#include "core/socket_key.hpp"
#include "core/socket_record.hpp"

namespace sw {

SocketKey key_of(const SocketRecord& r, uint64_t netns);

// What the engine keeps of one socket per tick (a full SocketRecord is ~4x
// larger and holds what no consumer of diffs reads).
struct SnapEntry {
  SocketKey key;
  Table table = Table::Tcp;
  uint8_t family = 0;
  uint8_t state = 0;
  IpAddr local, peer;
  uint16_t lport = 0, rport = 0;
  uint64_t inode = 0;
  uint32_t uid = 0;
  bool has_counters = false;
  SocketCounters counters;
  // What a live table shows beside the counters (top): queues as ss prints
  // them, the smoothed RTT (tcpi_rtt, µs; 0 without tcp_info) and the bound
  // device, which SOCK_DESTROY and the `dev` filter term need.
  uint32_t rqueue = 0, wqueue = 0;
  uint32_t rtt_us = 0;
  uint32_t ifindex = 0;
  // AF_UNIX only: shared, since most ticks copy entries unchanged and most
  // sockets have none.
  std::shared_ptr<const std::string> unix_path;
  bool is_inet() const { return family == 2 || family == 10; }
};

SnapEntry snap_entry(const SocketRecord& r, uint64_t netns);
// The other way: the record fields an entry keeps (identity, addresses,
// queues, unix path), for the filter, SOCK_DESTROY and exact queries. `r` is
// reused by callers that fill one per row (its extensions are left alone,
// but a unix name is reset).
void fill_record(const SnapEntry& e, SocketRecord& r);

class Snapshot {
 public:
  Snapshot() = default;
  // Sorts by key; a key seen twice (a dump that raced) keeps the last entry.
  Snapshot(std::vector<SnapEntry> entries, int64_t taken_us, std::vector<uint64_t> netns_seen);

  const std::vector<SnapEntry>& entries() const { return entries_; }
  int64_t taken_us() const { return taken_us_; }
  // The namespaces this collection dumped (sorted). A namespace missing here
  // was not looked at: its sockets are unknown, not closed.
  const std::vector<uint64_t>& netns_seen() const { return netns_seen_; }
  bool saw_netns(uint64_t netns) const;
  const SnapEntry* find(const SocketKey& k) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<SnapEntry> entries_;
  int64_t taken_us_ = 0;
  std::vector<uint64_t> netns_seen_;
};

// One change between two snapshots. Pointers into the snapshots diff() read.
struct SnapChange {
  enum class Kind : uint8_t { Opened, Closed, StateChanged, Counters };
  Kind kind;
  const SnapEntry* before = nullptr;  // Closed, StateChanged, Counters
  const SnapEntry* after = nullptr;   // Opened, StateChanged, Counters
  SocketCounters delta;               // Counters, StateChanged: after - before
};

// Changes from `prev` to `cur`, in key order. Sockets of a namespace `cur`
// did not look at are neither closed nor opened; a namespace `prev` did not
// look at makes its sockets in `cur` Opened. Counter deltas are reported only
// when some counter moved. A counter that went backwards (cookie reuse cannot
// happen, but a restarted counter can) yields a zero delta for that counter.
std::vector<SnapChange> diff(const Snapshot& prev, const Snapshot& cur);

}  // namespace sw
