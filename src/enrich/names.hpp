// Small name caches the renderer needs: interface index -> name (if_indextoname,
// "if%u" when gone, as iproute2's ll_index_to_name), reverse DNS for -r (one
// lookup per unique address, misses cached), netlink protocol names
// (/etc/iproute2/nl_protos over a built-in table), and a process's comm read
// from <proc>/<pid>/stat for netlink socket owners, user names.
//
// Every cache takes a CachePolicy and a MonoClock (enrich/expiring_cache.hpp):
// the default (no TTL, no bound) is ss mode's resolve-once-per-run; a live
// loop passes a TTL, so renamed interfaces, new users and changed DNS are seen
// again, and a size bound, so hours of churn keep memory flat. Reverse DNS in
// a live loop goes through AsyncHostNames, which never blocks the caller.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>

#include "core/clock.hpp"
#include "core/socket_record.hpp"
#include "enrich/expiring_cache.hpp"

namespace sw {

class InterfaceNames {
 public:
  explicit InterfaceNames(CachePolicy policy = {}, MonoClock clock = {})
      : cache_(policy, std::move(clock)) {}
  const std::string& name(uint32_t ifindex);
  // Every interface of the current network namespace, read now, for rows
  // formatted later from elsewhere (-E --all-netns). Unknown indexes then
  // print as "if%u" instead of being looked up in the wrong namespace.
  // A snapshot never expires (it cannot re-read from elsewhere).
  static InterfaceNames snapshot();

 private:
  ExpiringCache<uint32_t, std::string> cache_;
  bool frozen_ = false;
};

struct IpAddrHash {
  size_t operator()(const IpAddr& a) const;
};

class HostNames {
 public:
  explicit HostNames(CachePolicy policy = {}, MonoClock clock = {})
      : cache_(policy, std::move(clock)) {}
  // The resolved name, or empty when the address has none. v4-mapped v6
  // addresses are looked up as IPv4, as iproute2's resolve_address does.
  // Synchronous (ss's -r): may block for as long as the resolver takes.
  const std::string& lookup(const IpAddr& a);

 private:
  ExpiringCache<IpAddr, std::string, IpAddrHash> cache_;
};

// Reverse DNS that never blocks: lookup() answers from the cache at once and
// queues unknown (or expired) addresses for a worker thread that runs the
// resolver (getnameinfo with NI_NAMEREQD by default); the answer is there on
// a later lookup. For the live loop (top, log): a slow or dead DNS server
// costs names, never ticks.
class AsyncHostNames {
 public:
  enum class State { kPending, kResolved, kNoName };
  struct Answer {
    State state = State::kPending;
    std::string name;  // set when kResolved
  };
  // Resolves one address; empty string: no name. Runs on the worker thread.
  using Resolver = std::function<std::string(const IpAddr&)>;

  struct Options {
    CachePolicy policy{15 * 60 * 1000, 4096};  // answers are kept 15 min, 4096 at most
    size_t max_queued = 1024;                  // more unknown addresses wait for a later lookup
    Resolver resolver;                         // default: getnameinfo(NI_NAMEREQD)
    MonoClock clock;                           // default: steady clock
  };

  AsyncHostNames() : AsyncHostNames(Options{}) {}
  explicit AsyncHostNames(Options opt);
  ~AsyncHostNames();
  AsyncHostNames(const AsyncHostNames&) = delete;
  AsyncHostNames& operator=(const AsyncHostNames&) = delete;

  // What is known now. Never waits for a resolution: at most a short lock
  // of the cache, which the worker never holds while resolving.
  Answer lookup(const IpAddr& a);

  // Blocks until nothing is queued or being resolved (tests, shutdown).
  void wait_idle();

  struct Stats {
    uint64_t resolved = 0;  // resolutions the worker finished
    uint64_t dropped = 0;   // lookups not queued because the queue was full
  };
  Stats stats() const;

 private:
  void run();
  Options opt_;
  mutable std::mutex mu_;
  std::condition_variable wake_, idle_;
  ExpiringCache<IpAddr, std::string, IpAddrHash> done_;  // guarded by mu_
  std::deque<IpAddr> queue_;                             // guarded by mu_
  std::unordered_set<IpAddr, IpAddrHash> queued_;        // queued or in flight, guarded by mu_
  bool busy_ = false;
  bool stop_ = false;
  Stats stats_;
  std::thread worker_;
};

// getnameinfo(NI_NAMEREQD) of one address (v4-mapped as IPv4); "" when none.
std::string reverse_lookup(const IpAddr& a);

class NetlinkProtocols {
 public:
  explicit NetlinkProtocols(const std::string& table_path = "/etc/iproute2/nl_protos");
  // Name, or the decimal number when unknown or numeric.
  std::string name(int proto, bool numeric) const;

 private:
  std::array<std::string, 256> names_;
};

// uid -> user name (getpwuid_r, so NSS sources such as LDAP count); misses
// cached too. Empty when the uid has no name.
class UserNames {
 public:
  explicit UserNames(CachePolicy policy = {}, MonoClock clock = {})
      : cache_(policy, std::move(clock)) {}
  const std::string& name(uint32_t uid);

 private:
  ExpiringCache<uint32_t, std::string> cache_;
};

// Text between "(" and the first ")" of <proc_root>/<pid>/stat, as ss's
// "%*d (%[^)])" reads it; empty when unreadable.
std::string read_proc_comm(const std::string& proc_root, int pid);

}  // namespace sw
