#include "core/snapshot.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sw {

std::string SocketKey::id() const {
  if (cookie) return fmt::format("{:x}-{:x}", netns, cookie);
  // No cookie: the 5-tuple is the identity; a hash keeps the id short.
  return fmt::format("{:x}-t{:x}", netns, tuple);
}

size_t SocketKeyHash::operator()(const SocketKey& k) const noexcept {
  // FNV-1a over the fields: keys are small and this runs once per socket per tick.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  };
  mix(&k.netns, sizeof k.netns);
  mix(&k.cookie, sizeof k.cookie);
  mix(&k.tuple, sizeof k.tuple);
  mix(&k.table, 1);
  return static_cast<size_t>(h);
}

SocketKey key_of(const SocketRecord& r, uint64_t netns) {
  SocketKey k;
  k.netns = netns;
  k.cookie = r.cookie;
  k.table = static_cast<uint8_t>(r.table);
  if (!k.cookie) {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&](const void* p, size_t n) {
      const auto* b = static_cast<const uint8_t*>(p);
      for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
    };
    mix(&r.family, 1);
    if (r.is_inet()) {
      mix(&r.lport, 2);
      mix(&r.rport, 2);
      mix(r.local.bytes.data(), r.local.bytes.size());
      mix(r.peer.bytes.data(), r.peer.bytes.size());
    } else {
      mix(&r.inode, sizeof r.inode);  // unix, packet...: the inode tells them apart
    }
    k.tuple = h | 1;  // never 0, so a tuple key never equals a cookie key
  }
  return k;
}

SnapEntry snap_entry(const SocketRecord& r, uint64_t netns) {
  SnapEntry e;
  e.key = key_of(r, netns);
  e.table = r.table;
  e.family = r.family;
  e.state = r.state;
  e.local = r.local;
  e.peer = r.peer;
  e.lport = r.lport;
  e.rport = r.rport;
  e.inode = r.inode;
  e.uid = r.uid;
  e.rqueue = static_cast<uint32_t>(std::clamp<int64_t>(r.rqueue, 0, UINT32_MAX));
  e.wqueue = static_cast<uint32_t>(std::clamp<int64_t>(r.wqueue, 0, UINT32_MAX));
  e.ifindex = r.ifindex;
  if (r.ext && r.ext->info) {
    const tcp_info& i = *r.ext->info;
    e.has_counters = true;
    e.counters.bytes_sent = i.tcpi_bytes_sent;
    e.counters.bytes_acked = i.tcpi_bytes_acked;
    e.counters.bytes_received = i.tcpi_bytes_received;
    e.counters.segs_out = i.tcpi_segs_out;
    e.counters.segs_in = i.tcpi_segs_in;
    e.counters.retrans = i.tcpi_total_retrans;
    e.rtt_us = i.tcpi_rtt;
  }
  if (r.unix_ext && r.unix_ext->has_name)
    e.unix_path = std::make_shared<const std::string>(r.unix_ext->path);
  return e;
}

void fill_record(const SnapEntry& e, SocketRecord& r) {
  r.table = e.table;
  r.family = e.family;
  r.state = e.state;
  r.local = e.local;
  r.peer = e.peer;
  r.lport = e.lport;
  r.rport = e.rport;
  r.inode = e.inode;
  r.uid = e.uid;
  r.cookie = e.key.cookie;
  r.ifindex = e.ifindex;
  r.rqueue = e.rqueue;
  r.wqueue = e.wqueue;
  if (e.unix_path) {
    r.ensure_unix().path = *e.unix_path;
    r.unix_ext->has_name = true;
  } else if (r.unix_ext) {
    r.unix_ext.reset();
  }
}

Snapshot::Snapshot(std::vector<SnapEntry> entries, int64_t taken_us,
                   std::vector<uint64_t> netns_seen)
    : entries_(std::move(entries)), taken_us_(taken_us), netns_seen_(std::move(netns_seen)) {
  // Entries are large (a tick holds one per socket); sorting them directly
  // moves each one log n times. Sort (key, position) pairs instead, then
  // apply the permutation in place, each entry moved once.
  const size_t n = entries_.size();
  std::vector<std::pair<SocketKey, uint32_t>> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = {entries_[i].key, static_cast<uint32_t>(i)};
  std::sort(order.begin(), order.end());
  bool dup = false;
  for (size_t i = 1; i < n && !dup; ++i) dup = order[i].first == order[i - 1].first;
  if (dup) {
    // A dump that raced listed a socket twice: of two entries with one key
    // the later (newer) one is kept. Rare; the simple way.
    std::stable_sort(entries_.begin(), entries_.end(),
                     [](const SnapEntry& a, const SnapEntry& b) { return a.key < b.key; });
    auto last = std::unique(entries_.rbegin(), entries_.rend(),
                            [](const SnapEntry& a, const SnapEntry& b) { return a.key == b.key; });
    entries_.erase(entries_.begin(), last.base());
  } else {
    // Position i receives entries_[order[i].second]: follow each cycle once.
    std::vector<bool> placed(n, false);
    for (size_t start = 0; start < n; ++start) {
      if (placed[start] || order[start].second == start) {
        placed[start] = true;
        continue;
      }
      SnapEntry tmp = std::move(entries_[start]);
      size_t at = start;
      for (;;) {
        size_t from = order[at].second;
        placed[at] = true;
        if (from == start) {
          entries_[at] = std::move(tmp);
          break;
        }
        entries_[at] = std::move(entries_[from]);
        at = from;
      }
    }
  }
  std::sort(netns_seen_.begin(), netns_seen_.end());
  netns_seen_.erase(std::unique(netns_seen_.begin(), netns_seen_.end()), netns_seen_.end());
}

bool Snapshot::saw_netns(uint64_t netns) const {
  return std::binary_search(netns_seen_.begin(), netns_seen_.end(), netns);
}

const SnapEntry* Snapshot::find(const SocketKey& k) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), k,
                             [](const SnapEntry& e, const SocketKey& key) { return e.key < key; });
  return it != entries_.end() && it->key == k ? &*it : nullptr;
}

namespace {

template <typename T>
T forward(T before, T after) {
  return after > before ? static_cast<T>(after - before) : T{0};
}

SocketCounters delta(const SocketCounters& a, const SocketCounters& b) {
  SocketCounters d;
  d.bytes_sent = forward(a.bytes_sent, b.bytes_sent);
  d.bytes_acked = forward(a.bytes_acked, b.bytes_acked);
  d.bytes_received = forward(a.bytes_received, b.bytes_received);
  d.segs_out = forward(a.segs_out, b.segs_out);
  d.segs_in = forward(a.segs_in, b.segs_in);
  d.retrans = forward(a.retrans, b.retrans);
  return d;
}

bool moved(const SocketCounters& d) {
  return d.bytes_sent || d.bytes_acked || d.bytes_received || d.segs_out || d.segs_in || d.retrans;
}

}  // namespace

std::vector<SnapChange> diff(const Snapshot& prev, const Snapshot& cur) {
  std::vector<SnapChange> out;
  const auto& a = prev.entries();
  const auto& b = cur.entries();
  size_t i = 0, j = 0;
  auto closed = [&](const SnapEntry& e) {
    if (cur.saw_netns(e.key.netns)) out.push_back({SnapChange::Kind::Closed, &e, nullptr, {}});
  };
  auto opened = [&](const SnapEntry& e) {
    // A namespace cur did not look at has no entries in cur at all, so any
    // entry here is one cur saw; prev not having looked makes it new to us.
    out.push_back({SnapChange::Kind::Opened, nullptr, &e, {}});
  };
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].key < b[j].key)) {
      closed(a[i++]);
    } else if (i == a.size() || b[j].key < a[i].key) {
      opened(b[j++]);
    } else {
      const SnapEntry& x = a[i++];
      const SnapEntry& y = b[j++];
      SocketCounters d =
          x.has_counters && y.has_counters ? delta(x.counters, y.counters) : SocketCounters{};
      if (x.state != y.state)
        out.push_back({SnapChange::Kind::StateChanged, &x, &y, d});
      else if (moved(d))
        out.push_back({SnapChange::Kind::Counters, &x, &y, d});
    }
  }
  return out;
}

}  // namespace sw
