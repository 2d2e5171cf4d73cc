#include "engine/reconciler.hpp"

#include <linux/tcp.h>

#include <algorithm>
#include <cstring>

namespace sw {

namespace {

constexpr int64_t kTombstoneUs = 10'000'000;
// TIME-WAIT lasts 60 s (TCP_TIMEWAIT_LEN); a little more for slow polls.
constexpr int64_t kTimeWaitTombstoneUs = 90'000'000;

const char* const kClosedBeforePoll = "closed before first poll";
const char* const kNoPermission = "no permission";
const char* const kNoHolder = "no process holds it";
const char* const kTimeWaitReason = "closed by its process: no process holds it";
const char* const kNoInode = "no inode: not accepted yet";

// A TCP socket without a file: a TIME-WAIT (or FIN-WAIT-2 timewait) mini
// socket, an orphan its process closed, or one not accepted yet.
bool is_mini(const SnapEntry& e) { return e.inode == 0 && e.table == Table::Tcp; }

bool orphaned_state(uint8_t s) {
  return s == kTimeWait || s == kFinWait1 || s == kFinWait2 || s == kClosing || s == kLastAck ||
         s == kClose;
}

std::shared_ptr<const OwnerInfo> with_source(const std::shared_ptr<const OwnerInfo>& o,
                                             OwnerInfo::Source src) {
  if (!o || o->source == src) return o;
  auto copy = std::make_shared<OwnerInfo>(*o);
  copy->source = src;
  return copy;
}

}  // namespace

size_t Reconciler::TupleHash::operator()(const TupleKey& k) const noexcept {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  };
  mix(&k.netns, sizeof k.netns);
  mix(&k.family, 1);
  mix(k.l.data(), k.l.size());
  mix(k.r.data(), k.r.size());
  mix(&k.lp, 2);
  mix(&k.rp, 2);
  return static_cast<size_t>(h);
}

Reconciler::Reconciler(OwnerSource& owners, SocketEventSink emit, ReconcilerOptions opt)
    : owners_(owners), emit_(std::move(emit)), opt_(opt) {}

Reconciler::TupleKey Reconciler::tuple_of(uint64_t netns, uint8_t family, const IpAddr& l,
                                          uint16_t lp, const IpAddr& r, uint16_t rp) {
  TupleKey k;
  k.netns = netns;
  k.family = family;
  k.l = l.bytes;
  k.r = r.bytes;
  k.lp = lp;
  k.rp = rp;
  return k;
}

bool Reconciler::wants_owner(const SocketKey& key) const {
  const SnapEntry* e = prev_->find(key);
  if (!e) return !tombstones_.count(key);
  const Live& l = live_[static_cast<size_t>(e - prev_->entries().data())];
  return !l.closed && !l.owner && l.retries_left > 0;
}

std::vector<uint64_t> Reconciler::owner_wants(const Snapshot& cur) const {
  // One merge walk (both are in key order): sockets new to us, and young
  // ones still without an owner.
  std::vector<uint64_t> out;
  const auto& a = prev_->entries();
  const auto& b = cur.entries();
  size_t i = 0;
  for (const SnapEntry& e : b) {
    while (i < a.size() && a[i].key < e.key) ++i;
    if (!e.inode) continue;
    if (i < a.size() && a[i].key == e.key) {
      const Live& l = live_[i];
      if (!l.closed && !l.owner && l.retries_left > 0) out.push_back(e.inode);
    } else if (!tombstones_.count(e.key)) {
      out.push_back(e.inode);
    }
  }
  return out;
}

bool Reconciler::take_hint(const TupleKey& k, Hint& out) {
  auto it = by_tuple_.find(k);
  if (it == by_tuple_.end()) return false;
  out = std::move(it->second);
  by_tuple_.erase(it);
  ++stats_.hints_used;
  return true;
}

void Reconciler::rebuild_listeners(const std::vector<SnapEntry>& es,
                                   const std::vector<Live>& live) {
  listeners_.clear();
  for (size_t i = 0; i < es.size(); ++i) {
    const SnapEntry& e = es[i];
    if (e.table != Table::Tcp || e.state != kListen || live[i].closed) continue;
    // A listener with an owner; an unowned one still marks the port inbound.
    listeners_[{e.key.netns, e.lport, static_cast<uint8_t>(e.table)}] = live[i].owner;
  }
}

// Who owns a socket seen for the first time, and which way it was opened.
void Reconciler::attribute(const SnapEntry& e, Live& live, int64_t now_us) {
  (void)now_us;
  live.owner = owners_.owner_of(e.inode);
  if (e.is_inet()) {
    Hint hint;
    bool hinted =
        take_hint(tuple_of(e.key.netns, e.family, e.local, e.lport, e.peer, e.rport), hint);
    if (hinted && hint.connect) {
      live.direction = 2;  // eBPF saw this socket's connect()
      if (hint.ts_us && hint.ts_us < live.opened_us) live.opened_us = hint.ts_us;
    }
    ListenerKey lkey{e.key.netns, e.lport, static_cast<uint8_t>(e.table)};
    auto lk = listeners_.find(lkey);
    auto ek = ebpf_listeners_.find(lkey);
    bool accepted = e.table == Table::Tcp && e.state != kListen && live.direction != 2 &&
                    (lk != listeners_.end() || ek != ebpf_listeners_.end());
    // eBPF's own account (the connecting or the closing task) comes first.
    if (!live.owner && hinted) live.owner = hint.owner;
    if (accepted) {
      live.direction = 1;  // its local port is a listener's: accepted
      std::shared_ptr<const OwnerInfo> from = lk != listeners_.end() ? lk->second : nullptr;
      if (!from && ek != ebpf_listeners_.end()) from = ek->second.owner;
      if (!live.owner) live.owner = with_source(from, OwnerInfo::Source::Listener);
    } else if (live.direction == 0 && e.table == Table::Tcp && e.state == kSynSent) {
      live.direction = 2;
    }
  }
  if (live.owner) return;
  if (e.inode == 0) {
    live.reason = orphaned_state(e.state) ? kTimeWaitReason : kNoInode;
    return;
  }
  live.retries_left = static_cast<int8_t>(opt_.owner_retries);
  live.reason = owners_.some_denied() ? kNoPermission : kNoHolder;
}

SocketEvent Reconciler::base_event(EventType type, const SnapEntry& e, const Live& live,
                                   int64_t now_us) const {
  SocketEvent ev;
  ev.type = type;
  ev.ts_us = now_us;
  ev.socket_id = e.key.id();
  ev.key = e.key;
  ev.table = e.table;
  ev.family = e.family;
  ev.state = e.state;
  ev.local = e.local;
  ev.peer = e.peer;
  ev.lport = e.lport;
  ev.rport = e.rport;
  if (e.unix_path) ev.unix_path = *e.unix_path;
  ev.inode = e.inode;
  ev.cookie = e.key.cookie;
  ev.netns = e.key.netns;
  ev.owner = live.owner;
  if (!live.owner && live.reason) ev.owner_reason = live.reason;
  if (live.owner) ev.container = live.owner->container;
  ev.opened_us = live.opened_us;
  ev.direction_known = live.direction != 0;
  ev.inbound = live.direction == 1;
  return ev;
}

void Reconciler::emit_close(const SnapEntry& e, const Live& live, int64_t now_us,
                            const char* source, const SocketCounters* final_counters) {
  SocketEvent ev = base_event(EventType::Close, e, live, now_us);
  ev.source = source;
  if (final_counters)
    ev.counters = *final_counters;
  else if (e.has_counters)
    ev.counters = e.counters;
  ++stats_.closes;
  emit_(std::move(ev));
  owners_.forget(e.inode);
}

void Reconciler::on_poll(Snapshot cur, int64_t now_us) {
  // A namespace this poll could not look at keeps what we knew of it.
  std::vector<uint64_t> missing;
  for (uint64_t ns : prev_->netns_seen())
    if (!cur.saw_netns(ns)) missing.push_back(ns);
  if (!missing.empty()) {
    std::vector<SnapEntry> merged = cur.entries();
    for (const SnapEntry& e : prev_->entries())
      if (std::binary_search(missing.begin(), missing.end(), e.key.netns)) merged.push_back(e);
    std::vector<uint64_t> seen = cur.netns_seen();
    seen.insert(seen.end(), missing.begin(), missing.end());
    cur = Snapshot(std::move(merged), cur.taken_us(), std::move(seen));
  }

  const auto& a = prev_->entries();
  const auto& b = cur.entries();
  std::vector<Live> next(b.size());
  bool first = polls_ == 0;
  // Carry what we know of every socket present in both.
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i].key < b[j].key) {
      ++i;
    } else if (b[j].key < a[i].key) {
      ++j;
    } else {
      next[j++] = live_[i++];
    }
  }
  std::vector<SnapChange> changes = diff(*prev_, cur);
  // New listeners first: a connection accepted from one in this same poll
  // inherits its owner.
  auto open = [&](const SnapChange& c) {
    size_t j = static_cast<size_t>(c.after - b.data());
    const SnapEntry& e = *c.after;
    Live& l = next[j];
    auto tomb = tombstones_.find(e.key);
    if (tomb != tombstones_.end()) {
      tombstones_.erase(tomb);
      l.closed = true;
      ++stats_.duplicates;
      return;
    }
    if (is_mini(e)) {
      auto tw =
          tw_tombstones_.find(tuple_of(e.key.netns, e.family, e.local, e.lport, e.peer, e.rport));
      if (tw != tw_tombstones_.end()) {
        // The TIME-WAIT remains of a connection a destroy message closed.
        l.closed = true;
        return;
      }
    }
    l.opened_us = now_us;
    l.seen_poll = static_cast<uint32_t>(polls_);
    attribute(e, l, now_us);
    SocketEvent ev = base_event(EventType::Open, e, l, now_us);
    ev.source = "poll";
    ev.preexisting = first;
    ++stats_.opens;
    emit_(std::move(ev));
  };
  auto is_listen_open = [](const SnapChange& c) {
    return c.kind == SnapChange::Kind::Opened && c.after->state == kListen;
  };
  for (const SnapChange& c : changes)
    if (is_listen_open(c)) open(c);
  rebuild_listeners(b, next);
  for (const SnapChange& c : changes) {
    switch (c.kind) {
      case SnapChange::Kind::Opened:
        if (!is_listen_open(c)) open(c);
        break;
      case SnapChange::Kind::Closed: {
        size_t i = static_cast<size_t>(c.before - a.data());
        if (live_[i].closed) break;
        emit_close(*c.before, live_[i], now_us, "poll", nullptr);
        ++stats_.closes_by_poll;
        break;
      }
      case SnapChange::Kind::StateChanged: {
        size_t j = static_cast<size_t>(c.after - b.data());
        Live& l = next[j];
        if (l.closed) break;
        SocketEvent ev = base_event(EventType::State, *c.after, l, now_us);
        ev.old_state = c.before->state;
        ev.source = "poll";
        if (c.after->has_counters) ev.counters = c.after->counters;
        ++stats_.state_changes;
        emit_(std::move(ev));
        break;
      }
      case SnapChange::Kind::Counters:
        break;  // kept in the snapshot: consumers derive rates from it
    }
  }
  // Young sockets still without an owner: the cache may know them by now.
  for (size_t j = 0; j < b.size(); ++j) {
    Live& l = next[j];
    if (l.owner || l.closed || l.retries_left <= 0) continue;
    --l.retries_left;
    l.owner = owners_.owner_of(b[j].inode);
    if (l.owner) l.reason = nullptr;
  }
  prev_ = std::make_shared<const Snapshot>(std::move(cur));
  live_ = std::move(next);
  ++polls_;
  rebuild_listeners(prev_->entries(), live_);
  minis_.clear();
  for (size_t i = 0; i < prev_->entries().size(); ++i) {
    const SnapEntry& e = prev_->entries()[i];
    if (is_mini(e) && e.is_inet() && !live_[i].closed)
      minis_[tuple_of(e.key.netns, e.family, e.local, e.lport, e.peer, e.rport)] = i;
  }
  expire(now_us);
  stats_.live = prev_->size();
}

void Reconciler::on_destroy(const SocketRecord& r, uint64_t netns, int64_t now_us) {
  SnapEntry e = snap_entry(r, netns);
  const SocketCounters* final_counters = e.has_counters ? &e.counters : nullptr;
  auto remember_tuple = [&] {
    if (e.is_inet() && e.table == Table::Tcp)
      tw_tombstones_[tuple_of(netns, e.family, e.local, e.lport, e.peer, e.rport)] = now_us;
  };
  if (const SnapEntry* known = prev_->find(e.key)) {
    Live& l = live_[static_cast<size_t>(known - prev_->entries().data())];
    if (l.closed) {
      ++stats_.duplicates;
      return;
    }
    // The destroy message has the final state and counters; the inode and
    // uid are gone from it (the socket has no file any more): keep ours.
    SnapEntry last = e;
    last.inode = known->inode;
    last.uid = known->uid;
    if (!last.unix_path) last.unix_path = known->unix_path;
    l.closed = true;
    emit_close(last, l, now_us, "destroy", final_counters);
    ++stats_.closes_by_destroy;
    remember_tuple();
    return;
  }
  if (tombstones_.count(e.key)) {
    ++stats_.duplicates;
    return;
  }
  // A poll caught the TIME-WAIT (or orphan) this connection left before its
  // destroy message arrived: that row was this connection; close it.
  if (e.is_inet() && e.table == Table::Tcp) {
    auto mt = minis_.find(tuple_of(netns, e.family, e.local, e.lport, e.peer, e.rport));
    // Only a row the latest poll saw for the first time: the kernel frees the
    // full socket right after it leaves its TIME-WAIT behind. An older row with
    // this tuple is another connection's: on loopback a new SYN takes over a
    // TIME-WAIT's tuple (and, it turns out, its cookie: see on_destroy's first
    // branch).
    if (mt != minis_.end() && !live_[mt->second].closed &&
        live_[mt->second].seen_poll + 1 == polls_) {
      size_t i = mt->second;
      Live& l = live_[i];
      if (!l.owner) {
        Hint hint;
        if (take_hint(tuple_of(netns, e.family, e.local, e.lport, e.peer, e.rport), hint)) {
          l.owner = hint.owner;
          l.reason = nullptr;
        }
      }
      SnapEntry last = e;
      last.key = prev_->entries()[i].key;
      l.closed = true;
      minis_.erase(mt);
      emit_close(last, l, now_us, "destroy", final_counters);
      ++stats_.closes_by_destroy;
      remember_tuple();
      return;
    }
  }
  // Opened and closed between two polls: only this message saw it.
  Live l;
  l.opened_us = now_us;
  attribute(e, l, now_us);
  if (!l.owner && (e.inode || !l.reason || l.reason == kNoInode || l.reason == kTimeWaitReason))
    l.reason = kClosedBeforePoll;
  l.retries_left = 0;
  SocketEvent open = base_event(EventType::Open, e, l, l.opened_us);
  open.source = "destroy";
  ++stats_.opens;
  emit_(std::move(open));
  emit_close(e, l, now_us, "destroy", final_counters);
  ++stats_.closes_by_destroy;
  ++stats_.between_polls;
  tombstones_[e.key] = now_us;
  remember_tuple();
}

void Reconciler::on_hint(const StateHint& h) {
  ++stats_.hints;
  auto tuple = [&] { return tuple_of(h.netns, h.family, h.saddr, h.sport, h.daddr, h.dport); };
  if (h.old_state == kClose && h.new_state == kSynSent && h.task_context) {
    auto owner = owners_.process(h.pid, h.comm);
    if (!owner) {
      // Gone already (or the pid was reused): what eBPF saw is all there is.
      auto o = std::make_shared<OwnerInfo>();
      o->pid = h.pid;
      o->comm = h.comm;
      owner = o;
    }
    Hint hint{h.ts_us, with_source(owner, OwnerInfo::Source::Ebpf), true};
    if (h.sport)
      by_tuple_[tuple()] = std::move(hint);
    else
      by_sk_[h.skaddr] = std::move(hint);
    return;
  }
  // A later change of a connecting socket: now its source port is known.
  auto it = by_sk_.find(h.skaddr);
  if (it != by_sk_.end() && h.sport) {
    by_tuple_[tuple()] = std::move(it->second);
    by_sk_.erase(it);
    return;
  }
  if (!h.task_context || !h.sport) return;
  auto owner_now = [&]() -> std::shared_ptr<const OwnerInfo> {
    auto o = owners_.process(h.pid, h.comm);
    if (!o) {
      auto made = std::make_shared<OwnerInfo>();
      made->pid = h.pid;
      made->comm = h.comm;
      o = made;
    }
    return with_source(o, OwnerInfo::Source::Ebpf);
  };
  if (h.new_state == kListen) {
    // listen(): connections accepted from this port are its owner's until a poll
    // sees the listener itself.
    ebpf_listeners_[{h.netns, h.sport, static_cast<uint8_t>(Table::Tcp)}] =
        Hint{h.ts_us, owner_now(), false};
  } else if (h.old_state == kListen) {
    ebpf_listeners_.erase({h.netns, h.sport, static_cast<uint8_t>(Table::Tcp)});
    by_tuple_.try_emplace(tuple(), Hint{h.ts_us, owner_now(), false});
  } else if (h.new_state == kFinWait1 || h.new_state == kLastAck || h.new_state == kClose) {
    // close()/shutdown() in the owner's own context: who held it at the end.
    by_tuple_.try_emplace(tuple(), Hint{h.ts_us, owner_now(), false});
  }
}

void Reconciler::on_overrun(const std::string& what, uint64_t lost, int64_t now_us) {
  SocketEvent ev;
  ev.type = EventType::Overrun;
  ev.ts_us = now_us;
  ev.what = what;
  ev.lost = lost;
  emit_(std::move(ev));
}

void Reconciler::on_netns_gone(uint64_t netns, int64_t now_us) {
  const auto& a = prev_->entries();
  std::vector<SnapEntry> keep;
  std::vector<Live> keep_live;
  keep.reserve(a.size());
  keep_live.reserve(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key.netns != netns) {
      keep.push_back(a[i]);
      keep_live.push_back(live_[i]);
      continue;
    }
    if (!live_[i].closed) {
      emit_close(a[i], live_[i], now_us, "poll", nullptr);
      ++stats_.closes_by_poll;
    }
  }
  std::vector<uint64_t> seen;
  for (uint64_t ns : prev_->netns_seen())
    if (ns != netns) seen.push_back(ns);
  // Entries are already in key order: the constructor's sort is a no-op pass.
  prev_ = std::make_shared<const Snapshot>(std::move(keep), prev_->taken_us(), std::move(seen));
  live_ = std::move(keep_live);
  rebuild_listeners(prev_->entries(), live_);
  minis_.clear();  // positions moved; the next poll rebuilds it
  stats_.live = prev_->size();
}

Reconciler::Known Reconciler::known_at(size_t i) const {
  const Live& l = live_[i];
  Known k;
  k.owner = l.owner;
  k.reason = l.owner ? nullptr : l.reason;
  k.opened_us = l.opened_us;
  k.inbound = l.direction == 1;
  k.direction_known = l.direction != 0;
  k.closed = l.closed;
  k.preexisting = l.seen_poll == 1;
  return k;
}

void Reconciler::expire(int64_t now_us) {
  auto drop = [&](auto& m, int64_t ttl) {
    for (auto it = m.begin(); it != m.end();) {
      if (now_us - it->second >= ttl)
        it = m.erase(it);
      else
        ++it;
    }
  };
  drop(tombstones_, kTombstoneUs);
  drop(tw_tombstones_, kTimeWaitTombstoneUs);
  for (auto it = by_sk_.begin(); it != by_sk_.end();)
    it = now_us - it->second.ts_us >= opt_.hint_ttl_us ? by_sk_.erase(it) : std::next(it);
  for (auto it = by_tuple_.begin(); it != by_tuple_.end();)
    it = now_us - it->second.ts_us >= opt_.hint_ttl_us ? by_tuple_.erase(it) : std::next(it);
}

}  // namespace sw
