#include "procfs/owner_index.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <thread>

#include "core/escape.hpp"
#include "procfs/owner_enrichment.hpp"
#include "procfs/pid_sockets.hpp"

namespace sw {

namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

// A relative path built in a stack buffer: "PID/fd", "PID/task/TID/stat", ...
struct Path {
  char buf[64];
  template <typename... Args>
  explicit Path(fmt::format_string<Args...> f, Args&&... args) {
    auto r = fmt::format_to_n(buf, sizeof buf - 1, f, std::forward<Args>(args)...);
    *r.out = '\0';
  }
  const char* c_str() const { return buf; }
};

// The whole comm: between "PID (" and the LAST ')', since the kernel allows
// ')' in a name ("a) b) c"). Typed output (JSON) carries it whole; the ss
// text cuts it where ss 6.1's fscanf("%*d (%[^)])") stops (ss_comm below).
// Empty when the process is gone, as ss leaves it.
std::string read_comm(int dirfd, const char* stat_path) {
  int fd = openat(dirfd, stat_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  // "PID (comm) S ...": comm is at most 64 bytes (workqueue names), pid 10
  // digits; the fields after the comm are numbers, so the last ')' read is
  // the closing one.
  char buf[128];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n <= 0) return {};
  std::string_view s(buf, static_cast<size_t>(n));
  auto open = s.find(" (");
  if (open == std::string_view::npos) return {};
  auto body = s.substr(open + 2);
  // No ')' at all: ss's %[^)] takes the rest, and so do we.
  return std::string(body.substr(0, body.rfind(')')));
}

// What ss 6.1 prints of a comm: up to its first ')'.
std::string_view ss_comm(std::string_view comm) { return comm.substr(0, comm.find(')')); }

// The numeric entries of directory `dfd` (which it takes over and closes
// unless `keep` receives the DIR*). readdir order is kept: /proc lists pids
// and fds ascending and tasks in thread-list order, which is the order ss
// scans in.
bool numeric_entries(int dfd, std::vector<int32_t>& out, DIR** keep = nullptr) {
  out.clear();
  DIR* d = fdopendir(dfd);
  if (!d) {
    close(dfd);
    return false;
  }
  while (dirent* e = readdir(d)) {
    int32_t v;
    if (parse_proc_number(e->d_name, v)) out.push_back(v);
  }
  if (keep)
    *keep = d;
  else
    closedir(d);
  return true;
}

void sort_if_needed(std::vector<int32_t>& v) {
  // A no-op on a real /proc; makes fake trees (PROC_ROOT on ext4, tmpfs)
  // scan in the same order /proc would.
  if (!std::is_sorted(v.begin(), v.end())) std::sort(v.begin(), v.end());
}

}  // namespace

// What one worker found: its entries and tasks, and for each pid it took,
// where that pid's entries and tasks start (merged in pid order afterwards).
struct WorkerResult {
  std::vector<OwnerIndex::Entry> entries;
  std::vector<OwnerIndex::Task> tasks;
  struct Span {
    size_t pid_index;
    size_t entries_begin, entries_end;
    size_t tasks_begin, tasks_end;
  };
  std::vector<Span> spans;
  OwnerScanStats stats;
};

// Targets of a selective scan: the inodes wanted (sorted, unique). Every
// process is still walked: a socket may be held by any number of processes
// (a pre-fork server's master and workers, a dup, an fd passed over a unix
// socket), and nothing short of reading every fd table can know it has
// found the last holder. What targets save is the recording and the comm
// and details reads of processes that hold none of them.
class TargetSet {
 public:
  explicit TargetSet(const std::vector<uint64_t>& inodes) : inodes_(inodes) {}
  bool wanted(uint64_t ino) const {
    return std::binary_search(inodes_.begin(), inodes_.end(), ino);
  }

 private:
  const std::vector<uint64_t>& inodes_;
};

// The scan proper: one worker's walk over the pids it claims.
class OwnerScanner {
 public:
  OwnerScanner(int proc_fd, const OwnerScanOptions& opt, const TargetSet* targets,
               WorkerResult& res)
      : proc_fd_(proc_fd), opt_(opt), targets_(targets), res_(res), stats_(res.stats) {}

  void scan_pid(int32_t pid) {
    // Everything about the process is read relative to this fd, which the
    // kernel binds to the process instance: a pid reused mid-scan makes
    // these reads fail rather than describe another process.
    int pdir = openat(proc_fd_, Path("{}", pid).c_str(), kDirFlags);
    if (pdir < 0) {
      // hidepid=1 lists other users' pids but refuses to open them (EPERM):
      // their owners are hidden, not gone.
      if (errno == EACCES || errno == EPERM)
        ++stats_.denied;
      else
        ++stats_.vanished;
      return;
    }
    ++stats_.scanned;
    if (opt_.threads)
      scan_threads(pdir, pid);
    else
      scan_task(pdir, pid, pid, ".");
    close(pdir);
  }

 private:
  // One task's fd table: `task_dir` is "." or "task/TID" under the pid dir.
  // The comm is read on the first socket only, as ss does, so processes
  // without sockets cost no stat read.
  void scan_task(int pdir, int32_t pid, int32_t tid, const char* task_dir) {
    int dfd = openat(pdir, Path("{}/fd", task_dir).c_str(), kDirFlags);
    if (dfd < 0) {
      if (errno == EACCES || errno == EPERM)
        ++stats_.denied;
      else
        ++stats_.vanished;  // ENOENT/ESRCH: exited since /proc was listed
      return;
    }
    DIR* d = nullptr;
    if (!numeric_entries(dfd, fds_, &d)) {
      ++stats_.vanished;
      return;
    }
    sort_if_needed(fds_);
    uint32_t task = OwnerIndex::kNone;
    char link[64];
    char name[16];
    size_t seen = 0;
    for (int32_t fd : fds_) {
      // A cancelled scan stops inside a big fd table too (a server's 50k).
      if ((++seen & 1023) == 0 && opt_.cancel && opt_.cancel->load(std::memory_order_relaxed))
        break;
      auto r = std::to_chars(name, name + sizeof name - 1, fd);
      *r.ptr = '\0';
      ssize_t n = readlinkat(dirfd(d), name, link, sizeof link);
      if (n <= 0) {
        if (n < 0 && (errno == EACCES || errno == EPERM)) {
          // The directory lists but its links do not resolve for us (a
          // non-dumpable process, no CAP_SYS_PTRACE): its owners are hidden.
          ++stats_.denied;
          break;
        }
        if (n < 0 && errno == ENOENT) ++stats_.vanished;  // closed while we looked
        continue;
      }
      uint64_t ino;
      if (!parse_socket_link(std::string_view(link, static_cast<size_t>(n)), ino)) continue;
      if (targets_ && !targets_->wanted(ino)) continue;
      if (task == OwnerIndex::kNone) task = add_task(pdir, task_dir);
      res_.entries.push_back({ino, pid, tid, fd, task, OwnerIndex::kNone});
      ++stats_.sockets;
    }
    closedir(d);
  }

  uint32_t add_task(int pdir, const char* task_dir) {
    auto index = static_cast<uint32_t>(res_.tasks.size());
    OwnerIndex::Task t;
    // With -T each task's own name (prctl PR_SET_NAME), as ss shows it.
    t.comm = read_comm(pdir, Path("{}/stat", task_dir).c_str());
    if (opt_.details) {
      ProcessDetails d;
      if (read_process_details(pdir, d)) t.details = std::move(d);
    }
    res_.tasks.push_back(std::move(t));
    return index;
  }

  // -T: every thread's view of the (usually shared) fd table, as ss 6.1 does
  // (it does not scan PID/fd itself then).
  void scan_threads(int pdir, int32_t pid) {
    int tfd = openat(pdir, "task", kDirFlags);
    if (tfd < 0) {
      if (errno == EACCES || errno == EPERM)
        ++stats_.denied;
      else
        ++stats_.vanished;
      return;
    }
    std::vector<int32_t> tids;
    if (!numeric_entries(tfd, tids)) {
      ++stats_.vanished;
      return;
    }
    for (int32_t tid : tids) scan_task(pdir, pid, tid, Path("task/{}", tid).c_str());
  }

  int proc_fd_;
  const OwnerScanOptions& opt_;
  const TargetSet* targets_;
  WorkerResult& res_;
  OwnerScanStats& stats_;
  std::vector<int32_t> fds_;  // reused across processes
};

namespace {
size_t slot_of(uint64_t inode, size_t mask) {
  // Inodes are dense small integers: mix them so runs do not cluster.
  return static_cast<size_t>((inode * 0x9E3779B97F4A7C15ull) >> 20) & mask;
}
}  // namespace

void OwnerIndex::build_index() {
  size_t cap = 16;
  while (cap < entries_.size() * 2) cap <<= 1;
  slots_.assign(cap, kNone);
  size_t mask = cap - 1;
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    for (size_t s = slot_of(entries_[i].inode, mask);; s = (s + 1) & mask) {
      uint32_t head = slots_[s];
      if (head == kNone) {
        slots_[s] = i;
        break;
      }
      if (entries_[head].inode == entries_[i].inode) {
        entries_[i].next = head;
        slots_[s] = i;
        break;
      }
    }
  }
}

uint32_t OwnerIndex::find(uint64_t inode) const {
  if (slots_.empty()) return kNone;
  size_t mask = slots_.size() - 1;
  for (size_t s = slot_of(inode, mask);; s = (s + 1) & mask) {
    uint32_t head = slots_[s];
    if (head == kNone || entries_[head].inode == inode) return head;
  }
}

OwnerIndex OwnerIndex::from_known(std::vector<KnownOwner> rows, const OwnerScanStats& stats) {
  OwnerIndex idx;
  idx.stats_ = stats;
  idx.entries_.reserve(rows.size());
  int32_t last_pid = -1;
  for (auto& r : rows) {
    if (r.pid != last_pid) {
      idx.tasks_.push_back({std::move(r.comm), std::move(r.details)});
      last_pid = r.pid;
    }
    auto task = static_cast<uint32_t>(idx.tasks_.size() - 1);
    idx.entries_.push_back({r.inode, r.pid, r.pid, r.fd, task, kNone});
  }
  idx.stats_.sockets = idx.entries_.size();
  idx.build_index();
  return idx;
}

OwnerIndex OwnerIndex::scan(const OwnerScanOptions& opt) {
  OwnerIndex idx;
  idx.threads_ = opt.threads;
  int proc_fd = open(opt.proc_root.c_str(), kDirFlags);
  if (proc_fd < 0) return idx;  // ss: no /proc, no owners, no message
  std::vector<int32_t> pids;
  DIR* proc = nullptr;
  if (!numeric_entries(proc_fd, pids, &proc)) return idx;
  sort_if_needed(pids);
  idx.stats_.processes = pids.size();
  std::optional<TargetSet> targets;
  if (opt.targets) targets.emplace(*opt.targets);

  // Workers claim pids one at a time from a shared counter, so a few huge
  // fd tables (a server with 50k connections) do not leave a core idle the
  // way fixed ranges would; results merge back in pid order, so the output
  // does not depend on the interleaving.
  unsigned want = opt.max_workers ? opt.max_workers : std::thread::hardware_concurrency();
  want = std::clamp(want, 1u, 8u);
  auto n_workers = static_cast<unsigned>(std::min<size_t>(want, std::max<size_t>(pids.size(), 1)));
  std::vector<WorkerResult> results(n_workers);
  std::atomic<size_t> next{0};
  auto work = [&](WorkerResult& res) {
    OwnerScanner scanner(dirfd(proc), opt, targets ? &*targets : nullptr, res);
    for (;;) {
      if (opt.cancel && opt.cancel->load(std::memory_order_relaxed)) return;
      size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= pids.size()) return;
      WorkerResult::Span span{i, res.entries.size(), 0, res.tasks.size(), 0};
      scanner.scan_pid(pids[i]);
      span.entries_end = res.entries.size();
      span.tasks_end = res.tasks.size();
      if (span.entries_end != span.entries_begin) res.spans.push_back(span);
    }
  };
  {
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < n_workers; ++w) pool.emplace_back(work, std::ref(results[w]));
    work(results[0]);
    for (auto& t : pool) t.join();
  }
  closedir(proc);

  // Merge: spans in pid order, task indices rebased.
  std::vector<std::pair<WorkerResult*, const WorkerResult::Span*>> order;
  size_t n_entries = 0;
  for (auto& r : results) {
    for (const auto& sp : r.spans) order.emplace_back(&r, &sp);
    n_entries += r.entries.size();
    idx.stats_.scanned += r.stats.scanned;
    idx.stats_.sockets += r.stats.sockets;
    idx.stats_.denied += r.stats.denied;
    idx.stats_.vanished += r.stats.vanished;
  }
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.second->pid_index < b.second->pid_index; });
  idx.entries_.reserve(n_entries);
  for (auto& [r, sp] : order) {
    auto base = static_cast<uint32_t>(idx.tasks_.size());
    for (size_t t = sp->tasks_begin; t < sp->tasks_end; ++t)
      idx.tasks_.push_back(std::move(r->tasks[t]));
    for (size_t e = sp->entries_begin; e < sp->entries_end; ++e) {
      Entry en = r->entries[e];
      en.task = base + (en.task - static_cast<uint32_t>(sp->tasks_begin));
      idx.entries_.push_back(en);
    }
  }
  // Every listed process was looked at (unless cancelled); `denied` says
  // whose fds could not be read.
  idx.stats_.complete = !(opt.cancel && opt.cancel->load());
  idx.stats_.workers = n_workers;
  if (opt.details) {
    // Enrichment as data, once per owning process, after the parallel part
    // (user lookups go through NSS and a cache that is not thread-safe).
    OwnerEnricher own(opt.proc_root);
    OwnerEnricher& enricher = opt.enricher ? *opt.enricher : own;
    for (auto& t : idx.tasks_)
      if (t.details) enricher.enrich(*t.details);
  }
  idx.build_index();
  return idx;
}

void OwnerIndex::for_each_owner(uint64_t inode,
                                const std::function<void(const OwnerView&)>& fn) const {
  if (!inode) return;
  for (uint32_t i = find(inode); i != kNone; i = entries_[i].next) {
    const Entry& e = entries_[i];
    const Task& t = tasks_[e.task];
    fn(OwnerView{e.pid, e.tid, e.fd, t.comm, t.details ? &*t.details : nullptr});
  }
}

bool OwnerIndex::append_users(uint64_t inode, std::string& out) const {
  if (!inode) return false;
  uint32_t head = find(inode);
  if (head == kNone) return false;
  out += " users:(";  // ss 6.1 writes the leading blank into the Process cell
  bool first = true;
  for (uint32_t i = head; i != kNone; i = entries_[i].next) {
    const Entry& e = entries_[i];
    if (!first) out += ',';
    first = false;
    out += "(\"";
    append_escaped(out, ss_comm(tasks_[e.task].comm));
    if (threads_)
      fmt::format_to(std::back_inserter(out), "\",pid={},tid={},fd={})", e.pid, e.tid, e.fd);
    else
      fmt::format_to(std::back_inserter(out), "\",pid={},fd={})", e.pid, e.fd);
  }
  out += ')';
  return true;
}

}  // namespace sw
