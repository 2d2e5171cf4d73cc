// Reconciler: turns what the engine observes — poll snapshots, the kernel's
// destroy messages, eBPF state changes — into one stream of SocketEvents in
// which every socket opens once and closes once, whichever source saw it.
//
//   poll      diff(prev, cur): opened, closed, state changed; counters kept
//   destroy   closes a known socket with its final counters; a socket never
//             polled (opened and closed between two looks) gets an open and a
//             close, its owner from an eBPF hint or the listener it came from
//   eBPF      the connecting task of an active open (CLOSE->SYN_SENT), tied
//             to the later 5-tuple by the sk address
//
// A socket closed by a destroy message is remembered (a tombstone) while
// polls still show it (a dump that began before the close; TIME-WAIT keeps
// the cookie), so it is never reported twice. Pure logic: owners come from an
// OwnerSource, time from the caller, events go to a callback.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/snapshot.hpp"
#include "core/socket_event.hpp"
#include "core/socket_record.hpp"

namespace sw {

// Where the reconciler gets owners (OwnerCache in the engine, a fake in tests).
class OwnerSource {
 public:
  virtual ~OwnerSource() = default;
  virtual std::shared_ptr<const OwnerInfo> owner_of(uint64_t inode) = 0;
  // The process now, or nullptr when gone or its comm differs (pid reused).
  virtual std::shared_ptr<const OwnerInfo> process(int32_t pid, const std::string& comm) = 0;
  virtual bool some_denied() = 0;
  virtual void forget(uint64_t inode) = 0;
};

// One eBPF state change (engine-side copy of the ebpf library's record).
struct StateHint {
  int64_t ts_us = 0;  // wall clock
  uint64_t netns = 0;
  uint64_t skaddr = 0;
  uint8_t family = 0, old_state = 0, new_state = 0;
  IpAddr saddr, daddr;
  uint16_t sport = 0, dport = 0;
  int32_t pid = 0;
  std::string comm;
  bool task_context = false;
};

using SocketEventSink = std::function<void(SocketEvent&&)>;

struct ReconcilerOptions {
  // Polls a socket without an owner is looked up again before its reason is final.
  int owner_retries = 3;
  // eBPF hints not matched by then are dropped.
  int64_t hint_ttl_us = 30'000'000;
};

struct ReconcilerStats {
  uint64_t opens = 0, closes = 0, state_changes = 0;
  uint64_t closes_by_destroy = 0, closes_by_poll = 0;
  uint64_t between_polls = 0;  // opened and closed between two looks
  uint64_t duplicates = 0;     // destroy messages or poll rows for sockets already closed
  uint64_t hints = 0, hints_used = 0;
  uint64_t live = 0;
};

class Reconciler {
 public:
  Reconciler(OwnerSource& owners, SocketEventSink emit, ReconcilerOptions opt = {});

  // Before a poll is turned into a snapshot: whether this record's owner must
  // be looked up (a socket not seen before, or a young one still unattributed).
  bool wants_owner(const SocketKey& key) const;
  // The inodes of `cur` whose owner must be looked up before on_poll(cur):
  // what wants_owner() says, for a whole snapshot in one pass.
  std::vector<uint64_t> owner_wants(const Snapshot& cur) const;
  // A poll's snapshot, taken at now_us.
  void on_poll(Snapshot cur, int64_t now_us);
  // A destroy message from the namespace `netns`.
  void on_destroy(const SocketRecord& r, uint64_t netns, int64_t now_us);
  void on_hint(const StateHint& h);
  // The kernel dropped messages: `what` is "destroy" or "ebpf".
  void on_overrun(const std::string& what, uint64_t lost, int64_t now_us);
  // A namespace is gone: its sockets close (their namespace took them).
  void on_netns_gone(uint64_t netns, int64_t now_us);

  const Snapshot& current() const { return *prev_; }
  // The same snapshot, shared: a consumer (top's paused display) may hold it
  // past the next poll without copying it.
  std::shared_ptr<const Snapshot> shared_current() const { return prev_; }
  // What the reconciler knows of entry `i` of current() beyond the entry.
  struct Known {
    std::shared_ptr<const OwnerInfo> owner;
    const char* reason = nullptr;  // why owner is null (static text)
    int64_t opened_us = 0;
    bool direction_known = false, inbound = false;
    bool closed = false;       // a destroy message closed it; this poll still shows it
    bool preexisting = false;  // there before the engine's first look
  };
  Known known_at(size_t i) const;
  const ReconcilerStats& stats() const { return stats_; }
  bool first_poll_done() const { return polls_ > 0; }

 private:
  struct Live {
    int64_t opened_us = 0;
    std::shared_ptr<const OwnerInfo> owner;
    const char* reason = nullptr;  // why owner is null (static text)
    int8_t retries_left = 0;
    int8_t direction = 0;    // 0 unknown, 1 inbound, 2 outbound
    bool closed = false;     // a destroy message closed it; polls may still show it
    uint32_t seen_poll = 0;  // the poll that saw it first
  };
  struct TupleKey {
    uint64_t netns = 0;
    uint8_t family = 0;
    std::array<uint8_t, 16> l{}, r{};
    uint16_t lp = 0, rp = 0;
    bool operator==(const TupleKey&) const = default;
  };
  struct TupleHash {
    size_t operator()(const TupleKey& k) const noexcept;
  };
  struct Hint {
    int64_t ts_us = 0;
    std::shared_ptr<const OwnerInfo> owner;
    bool connect = false;  // from connect() (else listen() or close())
  };
  struct ListenerKey {
    uint64_t netns;
    uint16_t port;
    uint8_t table;
    bool operator==(const ListenerKey&) const = default;
  };
  struct ListenerHash {
    size_t operator()(const ListenerKey& k) const noexcept {
      return std::hash<uint64_t>()(k.netns * 1000003u + k.port * 31u + k.table);
    }
  };

  static TupleKey tuple_of(uint64_t netns, uint8_t family, const IpAddr& l, uint16_t lp,
                           const IpAddr& r, uint16_t rp);
  void attribute(const SnapEntry& e, Live& live, int64_t now_us);
  bool take_hint(const TupleKey& k, Hint& out);
  void rebuild_listeners(const std::vector<SnapEntry>& es, const std::vector<Live>& live);
  SocketEvent base_event(EventType type, const SnapEntry& e, const Live& live,
                         int64_t now_us) const;
  void emit_close(const SnapEntry& e, const Live& live, int64_t now_us, const char* source,
                  const SocketCounters* final_counters);
  void expire(int64_t now_us);

  OwnerSource& owners_;
  SocketEventSink emit_;
  ReconcilerOptions opt_;
  std::shared_ptr<const Snapshot> prev_ = std::make_shared<const Snapshot>();
  std::vector<Live> live_;  // parallel to prev_.entries()
  uint64_t polls_ = 0;
  // Closed by a destroy message: key -> the last time a poll still showed it
  // (or the close time). Dropped once a poll no longer shows it.
  std::unordered_map<SocketKey, int64_t, SocketKeyHash> tombstones_;
  // Connections closed by a destroy message, by 5-tuple: the TIME-WAIT socket
  // a connection leaves behind gets a cookie of its own when its parent never
  // had one (never polled), so only the tuple ties it to the closed connection.
  std::unordered_map<TupleKey, int64_t, TupleHash> tw_tombstones_;
  // TCP rows without a file in the last poll (TIME-WAIT, orphans), by
  // 5-tuple -> position in prev_: a destroy message that arrives after a
  // poll saw its connection's remains closes that row, not a new socket.
  std::unordered_map<TupleKey, size_t, TupleHash> minis_;
  std::unordered_map<uint64_t, Hint> by_sk_;  // CLOSE->SYN_SENT seen, 5-tuple not yet
  std::unordered_map<TupleKey, Hint, TupleHash> by_tuple_;
  std::unordered_map<ListenerKey, std::shared_ptr<const OwnerInfo>, ListenerHash> listeners_;
  // Listeners eBPF saw listen() for: their ports' accepted connections
  // inherit the owner even before a poll has seen the listener.
  std::unordered_map<ListenerKey, Hint, ListenerHash> ebpf_listeners_;
  ReconcilerStats stats_;
};

}  // namespace sw
