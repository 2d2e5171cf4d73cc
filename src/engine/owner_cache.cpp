#include "engine/owner_cache.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_set>

#include "enrich/container.hpp"
#include "procfs/owner_enrichment.hpp"
#include "procfs/pid_sockets.hpp"
#include "procfs/process_info.hpp"

namespace sw {

OwnerCache::OwnerCache(OwnerCacheOptions opt)
    : opt_(std::move(opt)),
      proc_fd_(::open(opt_.proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)),
      // Names live for hours here: re-resolved after 10 minutes, at most 4096 kept.
      users_(CachePolicy{600'000, 4096}),
      enricher_(opt_.proc_root, &users_) {}

OwnerCache::~OwnerCache() {
  if (proc_fd_ >= 0) ::close(proc_fd_);
}

std::shared_ptr<const OwnerInfo> OwnerCache::make_info(int32_t pid, const std::string& comm,
                                                       const ProcessDetails& d) {
  auto info = std::make_shared<OwnerInfo>();
  info->pid = pid;
  info->comm = comm;
  if (d.exe) info->exe = *d.exe;
  info->exe_deleted = d.exe_deleted;
  if (d.cmdline) {
    info->cmdline = *d.cmdline;
    std::replace(info->cmdline.begin(), info->cmdline.end(), '\0', ' ');
  }
  info->uid = d.uid;
  info->start_ticks = d.start_ticks.value_or(0);
  // User name and container as ss mode's JSON has them (one enrichment step).
  ProcessDetails copy = d;
  enricher_.enrich(copy);
  info->user = copy.enriched.user.value_or("");
  if (copy.enriched.container.is_container())
    info->container = copy.enriched.container.short_label();
  // Start time from the boot time given (a fake /proc in tests has no
  // /proc/stat), else the enricher's; ticks past what µs can hold are unknown.
  if (opt_.boot_time_s && opt_.ticks_per_second > 0 && d.start_ticks &&
      *d.start_ticks < (uint64_t{1} << 40)) {
    info->start_us = static_cast<int64_t>(opt_.boot_time_s) * 1000000 +
                     static_cast<int64_t>(*d.start_ticks * 1000000 /
                                          static_cast<uint64_t>(opt_.ticks_per_second));
  } else {
    info->start_us = copy.enriched.start_time_us.value_or(0);
  }
  info->entity_id = fmt::format("{}-{}-{}", opt_.boot_id, pid, info->start_ticks);
  info->source = OwnerInfo::Source::Proc;
  return info;
}

bool OwnerCache::scan(int32_t pid, Proc& p) {
  PidSockets s = scan_pid_sockets(proc_fd_, pid, true);
  ++stats_.pid_scans;
  stats_.fds_read += s.fds;
  if (s.status == PidScanStatus::Vanished) {
    ++stats_.vanished;
    return false;
  }
  p.denied = s.status == PidScanStatus::Denied;
  p.fd_count = pid_fd_count(proc_fd_, pid);
  if (s.inodes.empty()) return true;
  uint64_t start = s.details.start_ticks.value_or(0);
  if (!p.info || p.start_ticks != start || p.info->comm != s.comm) {
    // A new process, a reused pid, or a rename (prctl): describe it afresh.
    p.start_ticks = start;
    p.info = make_info(pid, s.comm, s.details);
  }
  for (uint64_t ino : s.inodes) {
    auto [it, fresh] = inodes_.try_emplace(ino, p.info);
    // Shared sockets (fork, SCM_RIGHTS): the lowest pid holds it (usually
    // the one that created it), whatever order the scans ran in.
    if (!fresh && it->second->pid > pid) it->second = p.info;
    if (!fresh && it->second->pid == pid) it->second = p.info;
  }
  return true;
}

void OwnerCache::refresh_pids(const std::vector<int32_t>& pids) {
  // Processes gone since the last listing: drop them (their OwnerInfo lives
  // on in the sockets and events that point at it).
  std::vector<int32_t> gone;
  std::set_difference(known_pids_.begin(), known_pids_.end(), pids.begin(), pids.end(),
                      std::back_inserter(gone));
  for (int32_t pid : gone) procs_.erase(pid);
  known_pids_ = pids;
  if (rr_next_ >= known_pids_.size()) rr_next_ = 0;
}

void OwnerCache::full_scan() {
  if (proc_fd_ < 0) return;
  ++stats_.full_scans;
  refresh_pids(list_pids(proc_fd_));
  stats_.denied = 0;
  for (int32_t pid : known_pids_) {
    Proc& p = procs_[pid];
    if (!scan(pid, p))
      procs_.erase(pid);
    else if (p.denied)
      ++stats_.denied;
  }
  stats_.processes = procs_.size();
  stats_.inodes = inodes_.size();
}

void OwnerCache::resolve(const std::vector<uint64_t>& inodes) {
  if (proc_fd_ < 0) return;
  std::unordered_set<uint64_t> wanted;
  for (uint64_t ino : inodes)
    if (ino && !inodes_.count(ino)) wanted.insert(ino);
  if (wanted.empty()) return;
  auto found_all = [&] {
    for (auto it = wanted.begin(); it != wanted.end();)
      it = inodes_.count(*it) ? wanted.erase(it) : std::next(it);
    return wanted.empty();
  };
  std::vector<int32_t> pids = list_pids(proc_fd_);
  std::vector<int32_t> fresh;
  std::set_difference(pids.begin(), pids.end(), known_pids_.begin(), known_pids_.end(),
                      std::back_inserter(fresh));
  refresh_pids(pids);
  std::unordered_set<int32_t> done;
  auto visit = [&](int32_t pid) {
    done.insert(pid);
    Proc& p = procs_[pid];
    if (!scan(pid, p)) procs_.erase(pid);
  };
  // 1. New processes: a new socket most often belongs to one.
  for (int32_t pid : fresh) visit(pid);
  if (found_all()) return;
  // 2. Processes whose fd count moved.
  for (int32_t pid : known_pids_) {
    if (done.count(pid)) continue;
    auto it = procs_.find(pid);
    int64_t n = pid_fd_count(proc_fd_, pid);
    if (it == procs_.end() || n <= 0 || n != it->second.fd_count) visit(pid);
  }
  if (found_all()) return;
  // 3. The rest, round-robin within the budget (an fd closed and another
  // opened leaves the count unchanged).
  uint64_t budget_end = stats_.fds_read + opt_.fd_budget;
  for (size_t n = 0; n < known_pids_.size() && stats_.fds_read < budget_end; ++n) {
    int32_t pid = known_pids_[rr_next_];
    rr_next_ = (rr_next_ + 1) % known_pids_.size();
    if (done.count(pid)) continue;
    visit(pid);
    if (found_all()) break;
  }
  stats_.denied = 0;
  for (const auto& [pid, p] : procs_)
    if (p.denied) ++stats_.denied;
  stats_.processes = procs_.size();
  stats_.inodes = inodes_.size();
}

void OwnerCache::rescan(int32_t pid) {
  if (proc_fd_ < 0 || pid <= 0) return;
  Proc& p = procs_[pid];
  if (!scan(pid, p)) procs_.erase(pid);
}

std::shared_ptr<const OwnerInfo> OwnerCache::owner_of(uint64_t inode) const {
  if (!inode) return nullptr;
  auto it = inodes_.find(inode);
  return it == inodes_.end() ? nullptr : it->second;
}

std::shared_ptr<const OwnerInfo> OwnerCache::process(int32_t pid, std::string_view comm) {
  if (proc_fd_ < 0 || pid <= 0) return nullptr;
  auto it = procs_.find(pid);
  if (it != procs_.end() && it->second.info && (comm.empty() || it->second.info->comm == comm))
    return it->second.info;
  std::string live_comm;
  ProcessDetails d;
  if (!read_pid_facts(proc_fd_, pid, live_comm, d)) return nullptr;
  if (!comm.empty() && live_comm != comm) return nullptr;  // reused, or renamed since
  Proc& p = procs_[pid];
  p.start_ticks = d.start_ticks.value_or(0);
  p.info = make_info(pid, live_comm, d);
  return p.info;
}

void OwnerCache::forget(uint64_t inode) {
  if (inode) inodes_.erase(inode);
}

}  // namespace sw
