// Watch: the live engine's loop. Each tick it collects the plan's tables in
// every watched network namespace through the same Collector ss mode uses,
// builds a Snapshot, and feeds the Reconciler; between ticks it follows the
// kernel's destroy groups and the eBPF state source, so connections shorter
// than a tick are reported too. Netlink sockets, the owner cache and the
// namespace list live for the whole run. Prints nothing: events go to the
// sink, diagnostics are values (take_diagnostics), counters are health().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "core/socket_event.hpp"
#include "engine/collect_plan.hpp"
#include "engine/owner_cache.hpp"
#include "engine/reconciler.hpp"
#include "engine/source_paths.hpp"

namespace sw {

class DiagSocket;

// Time for the engine; tests substitute their own.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t wall_us() const = 0;  // CLOCK_REALTIME
  virtual int64_t mono_us() const = 0;  // CLOCK_MONOTONIC (what eBPF stamps)
};
const Clock& system_clock();

struct WatchOptions {
  CollectPlan plan;  // tables, families, states, filter; the watch adds tcp_info
  SourcePaths paths;
  bool all_netns = false;
  int64_t interval_us = 1'000'000;
  int64_t health_interval_us = 60'000'000;  // 0: no health events
  bool ebpf = true;
  bool destroy_events = true;
  bool owners = true;
  OwnerCacheOptions owner_cache;
  std::string who = "log";  // the subcommand diagnostics name ("sockwatch: log: ...")
};

class Watch {
 public:
  Watch(WatchOptions opt, SocketEventSink sink, const Clock& clock = system_clock());
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  // Opens what the plan needs. An Error only when nothing can be watched
  // (sock_diag refused); a missing destroy group or eBPF is a diagnostic.
  Expected<void> start();
  // Ticks until stop() is called (from the sink, say) or `stop_fd` becomes
  // readable; then takes in what the kernel already queued and returns.
  Expected<void> run(int stop_fd);
  void stop() { stopping_ = true; }
  // One tick now (tests, and run()).
  Expected<void> tick();
  // Takes in queued destroy messages and eBPF events without waiting.
  void drain();

  EngineHealth health() const;
  std::vector<Diagnostic> take_diagnostics();
  // Diagnostics as they happen instead of through take_diagnostics().
  void set_diagnostics(std::function<void(Diagnostic&&)> fn) { on_diag_ = std::move(fn); }
  const Reconciler& reconciler() const { return *reconciler_; }

  // For an interactive consumer (top) that shares run()'s loop: `ready` runs
  // when `fd` is readable (keys, signals); `after_tick` after every tick of
  // run(). Set before run().
  void add_fd(int fd, std::function<void()> ready) { fds_.push_back({fd, std::move(ready)}); }
  void set_after_tick(std::function<void()> fn) { after_tick_ = std::move(fn); }
  // The refresh interval from now on; tick_soon() makes run() tick at once.
  void set_interval(int64_t us) { opt_.interval_us = us; }
  int64_t interval_us() const { return opt_.interval_us; }
  void tick_soon() { tick_now_ = true; }
  // The namespaces watched now: inode -> label (its name, else its
  // container; "" for ours when not --all-netns).
  std::vector<std::pair<uint64_t, std::string>> namespace_labels() const;

  // Acting on one socket of the current snapshot, in its own namespace.
  // inspect: the kernel's full record for it now (tcp_info, memory, timers;
  // every extension ss -i -m -e -o asks for), an Error when it is gone.
  // destroy: SOCK_DESTROY for it (needs CAP_NET_ADMIN and
  // CONFIG_INET_DIAG_DESTROY; Error::code is the errno).
  Expected<SocketRecord> inspect(const SnapEntry& e);
  Expected<void> destroy(const SnapEntry& e);

 private:
  struct Ns;
  void note(Diagnostic::Kind kind, std::string text);
  void open_namespace(uint64_t inode, const std::string& name, const std::string& container,
                      bool entered);
  void refresh_namespaces();
  void drain_ebpf();
  void drain_destroy(Ns& ns, std::vector<SocketRecord>* hold);
  void emit(SocketEvent&& ev);
  void emit_health(int64_t now_us);
  // The sock_diag socket of a watched namespace (watch_actions.cpp).
  Expected<DiagSocket*> socket_in(uint64_t netns);

  WatchOptions opt_;
  SocketEventSink sink_;
  const Clock& clock_;
  std::unique_ptr<OwnerCache> owners_;
  std::unique_ptr<OwnerSource> owner_source_;
  std::unique_ptr<Reconciler> reconciler_;
  std::vector<std::unique_ptr<Ns>> ns_;
  struct Impl;
  std::unique_ptr<Impl> impl_;  // eBPF source, namespace walk, epoll
  struct WatchedFd {
    int fd;
    std::function<void()> ready;
  };
  std::vector<WatchedFd> fds_;
  std::function<void()> after_tick_;
  bool tick_now_ = false;
  std::vector<Diagnostic> diagnostics_;
  std::function<void(Diagnostic&&)> on_diag_;
  std::string last_failure_;
  EngineHealth health_;
  int64_t last_health_us_ = 0;
  int64_t last_tick_cpu_us_ = 0;
  bool stopping_ = false;
  bool started_ = false;
};

}  // namespace sw
