// ExpiringCache: a key -> value map for name caches that live for hours in a
// live loop. An entry older than the policy's TTL counts as absent (the caller
// resolves it again and puts the new value), and at most max_entries are kept
// (the least recently used goes first), so memory stays flat however many
// addresses, ports or interfaces pass by. The default policy (no TTL, no
// bound) is the one-shot ss mode: resolve once, keep for the run.
//
// Time comes from an injectable MonoClock (core/clock.hpp). Not thread-safe.
// A reference returned by find()/put() stays valid until the entry is
// evicted, i.e. at least until the next put().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <unordered_map>
#include <utility>

#include "core/clock.hpp"

namespace sw {

struct CachePolicy {
  int64_t ttl_ms = 0;      // 0: entries never expire
  size_t max_entries = 0;  // 0: unbounded
};

template <typename K, typename V, typename Hash = std::hash<K>>
class ExpiringCache {
 public:
  explicit ExpiringCache(CachePolicy policy = {}, MonoClock clock = {})
      : policy_(policy), clock_(clock ? std::move(clock) : steady_clock_ms()) {}

  // The fresh value for `k`, or nullptr when absent or expired.
  const V* find(const K& k) {
    auto it = map_.find(k);
    if (it == map_.end()) return nullptr;
    if (expired(it->second.stamp)) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second.pos);  // most recently used first
    return &it->second.value;
  }

  // Stores (or refreshes) `k`, stamped now; evicts the least recently used
  // entry when the bound is reached.
  const V& put(const K& k, V v) {
    int64_t now = clock_();
    auto it = map_.find(k);
    if (it != map_.end()) {
      it->second.value = std::move(v);
      it->second.stamp = now;
      lru_.splice(lru_.begin(), lru_, it->second.pos);
      return it->second.value;
    }
    if (policy_.max_entries && map_.size() >= policy_.max_entries) evict_one();
    lru_.push_front(k);
    auto& e = map_[k];
    e.value = std::move(v);
    e.stamp = now;
    e.pos = lru_.begin();
    return e.value;
  }

  // find(), else resolve(k) and put() the result.
  template <typename F>
  const V& get(const K& k, F&& resolve) {
    if (const V* v = find(k)) return *v;
    return put(k, resolve(k));
  }

  size_t size() const { return map_.size(); }
  const CachePolicy& policy() const { return policy_; }
  uint64_t evictions() const { return evictions_; }

 private:
  struct Entry {
    V value{};
    int64_t stamp = 0;
    typename std::list<K>::iterator pos;
  };
  bool expired(int64_t stamp) const {
    return policy_.ttl_ms > 0 && clock_() - stamp >= policy_.ttl_ms;
  }
  void evict_one() {
    const K& victim = lru_.back();
    map_.erase(victim);
    lru_.pop_back();
    ++evictions_;
  }

  CachePolicy policy_;
  MonoClock clock_;
  std::list<K> lru_;
  std::unordered_map<K, Entry, Hash> map_;
  uint64_t evictions_ = 0;
};

}  // namespace sw
