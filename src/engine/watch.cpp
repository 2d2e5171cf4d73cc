#include "engine/watch.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/inet_diag.h>
#include <malloc.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>

#include "core/files.hpp"
#include "ebpf/state_source.hpp"
#include "engine/collector.hpp"
#include "engine/namespace_walk.hpp"
#include "engine/watch_impl.hpp"
#include "filter/filter.hpp"
#include "netlink/events.hpp"
#include "netlink/source.hpp"
#include "procfs/process_info.hpp"

namespace sw {

namespace {

int64_t clock_us(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

class SystemClock : public Clock {
 public:
  int64_t wall_us() const override { return clock_us(CLOCK_REALTIME); }
  int64_t mono_us() const override { return clock_us(CLOCK_MONOTONIC); }
};

// The owner cache as the reconciler sees it (or nothing, without owners).
class CacheOwners : public OwnerSource {
 public:
  explicit CacheOwners(OwnerCache* c) : c_(c) {}
  std::shared_ptr<const OwnerInfo> owner_of(uint64_t inode) override {
    return c_ ? c_->owner_of(inode) : nullptr;
  }
  std::shared_ptr<const OwnerInfo> process(int32_t pid, const std::string& comm) override {
    return c_ ? c_->process(pid, comm) : nullptr;
  }
  bool some_denied() override { return c_ && c_->some_denied(); }
  void forget(uint64_t inode) override {
    if (c_) c_->forget(inode);
  }

 private:
  OwnerCache* c_;
};

// Destroy messages are big for what they say; the kernel drops them when the
// queue is full (ENOBUFS), so give it room for a few seconds of heavy churn.
constexpr int kEventQueueBytes = 16 << 20;

}  // namespace

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

Watch::Watch(WatchOptions opt, SocketEventSink sink, const Clock& clock)
    : opt_(std::move(opt)), sink_(std::move(sink)), clock_(clock), impl_(new Impl) {
  // Counters at every tick: tcp_info rides on the dump (INET_DIAG_INFO).
  opt_.plan.inet_ext = static_cast<uint8_t>(opt_.plan.inet_ext | (1u << (INET_DIAG_INFO - 1)));
  // Nothing can be rolled back: a dump the kernel flagged as interrupted is
  // kept (the next tick corrects it) and counted.
  opt_.plan.dump_retries = 0;
  opt_.plan.kill = false;
}

Watch::~Watch() = default;

void Watch::note(Diagnostic::Kind kind, std::string text) {
  if (kind == Diagnostic::Kind::Failure) last_failure_ = text;
  if (on_diag_)
    on_diag_(Diagnostic{kind, std::move(text)});
  else
    diagnostics_.push_back({kind, std::move(text)});
}

std::vector<Diagnostic> Watch::take_diagnostics() { return std::exchange(diagnostics_, {}); }

void Watch::open_namespace(uint64_t inode, const std::string& name, const std::string& container,
                           bool entered) {
  (void)entered;
  auto ns = std::make_unique<Ns>();
  ns->inode = inode;
  ns->name = name;
  ns->container = container;
  std::string where = name.empty() ? fmt::format("netns {}", inode) : "netns " + name;
  if (auto r = ns->src.open(); !r) {
    note(Diagnostic::Kind::Failure,
         fmt::format("sockwatch: {}: {}: sock_diag: {}", opt_.who, where, r.error().message));
    return;
  }
  bool tcp = opt_.plan.has_table(Table::Tcp), udp = opt_.plan.has_table(Table::Udp);
  bool v4 = opt_.plan.has_family(2), v6 = opt_.plan.has_family(10);
  EventGroups g{tcp && v4, udp && v4, tcp && v6, udp && v6};
  if (opt_.destroy_events && g.any()) {
    auto l = EventListener::open(g);
    if (l) {
      ns->events = std::make_unique<EventListener>(std::move(*l));
      ns->events->set_receive_buffer(kEventQueueBytes);
      health_.destroy_events = true;
      if (impl_->epfd >= 0) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = ns.get();
        epoll_ctl(impl_->epfd, EPOLL_CTL_ADD, ns->events->fd(), &ev);
      }
    } else {
      note(Diagnostic::Kind::Warning,
           fmt::format("sockwatch: {}: {}: the kernel's destroy events are not available ({}): "
                       "connections that open and close between two polls are missed",
                       opt_.who, where, l.error().message));
    }
  }
  ns_.push_back(std::move(ns));
}

Expected<void> Watch::start() {
  OwnerCacheOptions& oc = opt_.owner_cache;
  if (oc.proc_root.empty() || oc.proc_root == "/proc") oc.proc_root = opt_.paths.proc_root;
  if (oc.boot_id.empty()) {
    auto id = read_file_bounded(oc.proc_root + "/sys/kernel/random/boot_id", 64);
    if (id) {
      oc.boot_id = *id;
      while (!oc.boot_id.empty() && (oc.boot_id.back() == '\n' || oc.boot_id.back() == ' '))
        oc.boot_id.pop_back();
    }
  }
  if (!oc.boot_time_s) oc.boot_time_s = boot_time_seconds(oc.proc_root);
  oc.ticks_per_second = sysconf(_SC_CLK_TCK);
  if (opt_.owners) owners_ = std::make_unique<OwnerCache>(oc);
  owner_source_ = std::make_unique<CacheOwners>(owners_.get());
  reconciler_ = std::make_unique<Reconciler>(*owner_source_,
                                             [this](SocketEvent&& ev) { emit(std::move(ev)); });
  impl_->collector = std::make_unique<Collector>(impl_->placeholder);
  impl_->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (impl_->epfd < 0) return Error{fmt::format("epoll: {}", std::strerror(errno)), errno};

  if (opt_.all_netns) {
    impl_->walk = std::make_unique<NamespaceWalk>(opt_.paths.proc_root);
    int st = impl_->walk->visit([&](const NetnsLabel& l) {
      open_namespace(l.inode, l.name, l.container.short_label(), true);
    });
    if (st) return Error{impl_->walk->fatal_error(), 0};
    if (auto msg = impl_->walk->report()) note(Diagnostic::Kind::Warning, *msg);
  } else {
    struct stat st {};
    uint64_t inode = stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
    open_namespace(inode, "", "", true);
  }
  if (ns_.empty()) {
    std::string why = last_failure_.empty() ? "no network namespace to watch" : last_failure_;
    return Error{why, 0};
  }

  if (opt_.ebpf) {
    StateSourceOptions so;
    so.ring_bytes = 4 << 20;
    // Woken per 64 KiB, not per event: the loop drains before every batch of
    // destroy messages and every tick anyway, which is when hints are needed.
    so.wakeup_bytes = 64 << 10;
    auto src = StateSource::open(so);
    if (src) {
      impl_->ebpf = std::move(*src);
      health_.ebpf_loaded = true;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = impl_.get();
      epoll_ctl(impl_->epfd, EPOLL_CTL_ADD, impl_->ebpf->fd(), &ev);
    } else {
      health_.ebpf_reason = src.error().message;
      note(Diagnostic::Kind::Warning,
           fmt::format("sockwatch: {}: eBPF not loaded ({}): owners of connections shorter "
                       "than a poll come from their listener, or are reported unknown",
                       opt_.who, src.error().message));
    }
  } else {
    health_.ebpf_reason = "disabled (--no-ebpf)";
  }
  started_ = true;
  return {};
}

void Watch::emit(SocketEvent&& ev) {
  for (const auto& ns : ns_) {
    if (ns->inode != ev.netns) continue;
    ev.netns_name = ns->name;
    if (ev.container.empty()) ev.container = ns->container;
    break;
  }
  sink_(std::move(ev));
}

void Watch::drain_ebpf() {
  if (!impl_->ebpf) return;
  int64_t wall = clock_.wall_us(), mono = clock_.mono_us();
  auto r = impl_->ebpf->drain([&](const TcpStateChange& c) {
    // The tracepoint sees every namespace; hints for others would only expire.
    bool watched = false;
    for (const auto& ns : ns_) watched = watched || ns->inode == c.netns;
    if (!watched) return;
    StateHint h;
    h.ts_us = wall - (mono - static_cast<int64_t>(c.ktime_ns / 1000));
    h.netns = c.netns;
    h.skaddr = c.skaddr;
    h.family = c.family;
    h.old_state = c.old_state;
    h.new_state = c.new_state;
    h.saddr = c.saddr;
    h.daddr = c.daddr;
    h.sport = c.sport;
    h.dport = c.dport;
    h.pid = c.pid;
    h.comm = c.comm;
    h.task_context = c.task_context;
    reconciler_->on_hint(h);
  });
  if (!r) {
    note(Diagnostic::Kind::Warning,
         fmt::format("sockwatch: {}: eBPF ring buffer: {}; eBPF source stopped", opt_.who,
                     r.error().message));
    impl_->ebpf.reset();
    health_.ebpf_loaded = false;
    health_.ebpf_reason = r.error().message;
    return;
  }
  uint64_t drops = impl_->ebpf->drops();
  if (drops > impl_->ebpf_drops_seen) {
    uint64_t lost = drops - impl_->ebpf_drops_seen;
    impl_->ebpf_drops_seen = drops;
    health_.ebpf_drops = drops;
    reconciler_->on_overrun("ebpf", lost, clock_.wall_us());
  }
}

void Watch::drain_destroy(Ns& ns, std::vector<SocketRecord>* hold) {
  if (!ns.events) return;
  const CollectPlan& p = opt_.plan;
  auto r = ns.events->drain(
      [&](SocketRecord&& rec) {
        // The plan's selection applies to what the kernel pushes as well.
        if (!p.has_family(rec.family) || !p.has_table(rec.table)) return;
        if (p.filter && !p.filter->matches(rec)) return;
        if (hold) {
          hold->push_back(std::move(rec));
          return;
        }
        reconciler_->on_destroy(rec, ns.inode, clock_.wall_us());
      },
      [&] {
        ++health_.destroy_overruns;
        reconciler_->on_overrun("destroy", 0, clock_.wall_us());
      });
  if (!r) {
    note(Diagnostic::Kind::Warning,
         fmt::format("sockwatch: {}: destroy events: {}", opt_.who, r.error().message));
    ns.events.reset();
  }
}

void Watch::drain() {
  drain_ebpf();
  for (auto& ns : ns_) {
    drain_ebpf();
    drain_destroy(*ns, nullptr);
  }
}

void Watch::refresh_namespaces() {
  NamespaceWalk& walk = *impl_->walk;
  walk.refresh();
  std::set<uint64_t> listed;
  for (const auto& l : walk.labels()) listed.insert(l.inode);
  // Gone: their sockets went with them.
  int64_t now = clock_.wall_us();
  for (auto it = ns_.begin(); it != ns_.end();) {
    if (listed.count((*it)->inode)) {
      ++it;
      continue;
    }
    drain_destroy(**it, nullptr);
    reconciler_->on_netns_gone((*it)->inode, now);
    it = ns_.erase(it);
  }
  bool fresh = false;
  for (uint64_t ino : listed) {
    bool known =
        std::any_of(ns_.begin(), ns_.end(), [&](const auto& n) { return n->inode == ino; });
    fresh = fresh || !known;
  }
  if (!fresh) return;
  walk.visit([&](const NetnsLabel& l) {
    bool known =
        std::any_of(ns_.begin(), ns_.end(), [&](const auto& n) { return n->inode == l.inode; });
    if (!known) open_namespace(l.inode, l.name, l.container.short_label(), true);
  });
  health_.netns_not_entered = walk.skipped();
}

Expected<void> Watch::tick() {
  if (!started_) return Error{"watch: not started", 0};
  int64_t cpu0 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
  if (impl_->walk) refresh_namespaces();
  drain_ebpf();
  // Destroy messages already queued: those of sockets the last snapshot
  // holds are applied before the poll (the poll would call them closed with
  // stale counters); the rest after it (a socket the poll sees for the first
  // time opens there, then closes).
  std::vector<std::pair<SocketRecord, uint64_t>> before;
  auto take_destroys = [&] {
    for (auto& ns : ns_) {
      std::vector<SocketRecord> held;
      drain_destroy(*ns, &held);
      for (auto& r : held) before.emplace_back(std::move(r), ns->inode);
    }
  };
  take_destroys();
  for (auto& [rec, ino] : before) reconciler_->on_destroy(rec, ino, clock_.wall_us());
  before.clear();

  std::vector<SnapEntry> entries;
  // Room for about what there was: doubling growth would hold up to twice that.
  size_t expect = reconciler_->current().size();
  entries.reserve(expect + expect / 16 + 64);
  std::vector<uint64_t> seen;
  for (auto& ns : ns_) {
    impl_->collector->set_source(ns->src);
    uint64_t inode = ns->inode;
    CollectReport rep = impl_->collector->collect(opt_.plan, opt_.paths, [&](SocketRecord&& r) {
      entries.push_back(snap_entry(r, inode));
      return true;
    });
    health_.dumps_interrupted += rep.interrupted;
    for (auto& d : rep.diagnostics)
      if (ns->reported.insert(d.text).second) note(d.kind, std::move(d.text));
    if (rep.status == 0) seen.push_back(inode);
  }
  Snapshot cur(std::move(entries), clock_.wall_us(), std::move(seen));
  if (owners_) {
    if (!reconciler_->first_poll_done()) {
      owners_->full_scan();
    } else {
      std::vector<uint64_t> want = reconciler_->owner_wants(cur);
      if (!want.empty()) owners_->resolve(want);
    }
  }
  // What arrived while we dumped.
  drain_ebpf();
  take_destroys();
  int64_t now = clock_.wall_us();
  std::vector<std::pair<SocketRecord, uint64_t>> after;
  for (auto& item : before) {
    if (reconciler_->current().find(key_of(item.first, item.second)))
      reconciler_->on_destroy(item.first, item.second, now);
    else
      after.push_back(std::move(item));
  }
  reconciler_->on_poll(std::move(cur), now);
  for (auto& [rec, ino] : after) reconciler_->on_destroy(rec, ino, now);

  // A tick frees as much as it allocates (records, the previous snapshot);
  // hand the freed pages back so resident memory tracks what is live.
  malloc_trim(0);
  ++health_.ticks;
  health_.tick_cpu_us = clock_us(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  if (opt_.health_interval_us > 0 && now - last_health_us_ >= opt_.health_interval_us) {
    if (last_health_us_ != 0) emit_health(now);
    last_health_us_ = now;
  }
  return {};
}

std::vector<std::pair<uint64_t, std::string>> Watch::namespace_labels() const {
  std::vector<std::pair<uint64_t, std::string>> out;
  for (const auto& ns : ns_)
    out.emplace_back(ns->inode, ns->name.empty() ? ns->container : ns->name);
  return out;
}

EngineHealth Watch::health() const {
  EngineHealth h = health_;
  if (owners_) {
    h.processes_denied = owners_->stats().denied;
    h.processes_vanished = owners_->stats().vanished;
    h.owner_scans = owners_->stats().pid_scans;
  }
  if (reconciler_) h.sockets = reconciler_->current().size();
  return h;
}

void Watch::emit_health(int64_t now_us) {
  SocketEvent ev;
  ev.type = EventType::Health;
  ev.ts_us = now_us;
  ev.health = health();
  const EngineHealth& h = *ev.health;
  ev.what =
      fmt::format("{} sockets, {} ticks, last tick {} us CPU", h.sockets, h.ticks, h.tick_cpu_us);
  sink_(std::move(ev));
}

Expected<void> Watch::run(int stop_fd) {
  if (!started_) return Error{"watch: not started", 0};
  if (stop_fd >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;
    epoll_ctl(impl_->epfd, EPOLL_CTL_ADD, stop_fd, &ev);
  }
  for (auto& w : fds_) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &w;
    epoll_ctl(impl_->epfd, EPOLL_CTL_ADD, w.fd, &ev);
  }
  int64_t next = clock_.mono_us();
  epoll_event evs[16];
  while (!stopping_) {
    if (tick_now_) {
      tick_now_ = false;
      next = clock_.mono_us();
    }
    int64_t now = clock_.mono_us();
    if (now >= next) {
      if (auto r = tick(); !r) return r;
      if (after_tick_) after_tick_();
      next += opt_.interval_us;
      now = clock_.mono_us();
      if (next <= now) next = now + opt_.interval_us;  // fell behind: no burst of ticks
      continue;
    }
    int timeout = static_cast<int>(std::min<int64_t>((next - now + 999) / 1000, 1000));
    int n = epoll_wait(impl_->epfd, evs, 16, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{fmt::format("epoll_wait: {}", std::strerror(errno)), errno};
    }
    for (int i = 0; i < n && !stopping_; ++i) {
      void* p = evs[i].data.ptr;
      if (!p) {
        stopping_ = true;
      } else if (auto f = std::find_if(fds_.begin(), fds_.end(),
                                       [&](const WatchedFd& w) { return &w == p; });
                 f != fds_.end()) {
        f->ready();
      } else if (p == impl_.get()) {
        drain_ebpf();
      } else {
        drain_ebpf();  // hints first: a destroy may need the connect that preceded it
        for (auto& ns : ns_)
          if (ns.get() == p) drain_destroy(*ns, nullptr);
      }
    }
  }
  // What the kernel had already told us is not lost on the way out, and the
  // last word is the engine's own account. The kernel sends destroy messages
  // from a workqueue: on a loaded machine those of sockets closed just before
  // the stop can still be on their way. Wait for 100 ms of silence (2 s at
  // most) before the last drain.
  if (stop_fd >= 0) epoll_ctl(impl_->epfd, EPOLL_CTL_DEL, stop_fd, nullptr);
  for (auto& w : fds_) epoll_ctl(impl_->epfd, EPOLL_CTL_DEL, w.fd, nullptr);
  int64_t give_up = clock_.mono_us() + 2'000'000;
  while (clock_.mono_us() < give_up) {
    drain();
    int n = epoll_wait(impl_->epfd, evs, 16, 100);
    if (n == 0) break;
    if (n < 0 && errno != EINTR) break;
  }
  drain();
  if (opt_.health_interval_us > 0) emit_health(clock_.wall_us());
  return {};
}

}  // namespace sw
