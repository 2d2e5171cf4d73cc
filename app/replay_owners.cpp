#include "replay_owners.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "ir/evidence_codec.hpp"

namespace sw {

namespace {

ProcessDetails details_of(const ProcessEvidence& p) {
  ProcessDetails d;
  d.ppid = p.ppid;
  d.uid = p.uid;
  d.euid = p.euid;
  if (p.start_ticks) d.start_ticks = p.start_ticks;
  if (!p.exe.empty()) d.exe = p.exe;
  d.exe_deleted = p.exe_deleted;
  // The recording keeps argv joined by spaces; ProcessDetails wants NULs.
  if (!p.cmdline.empty()) {
    std::string c = p.cmdline;
    std::replace(c.begin(), c.end(), ' ', '\0');
    d.cmdline = std::move(c);
  }
  if (!p.cgroup.empty()) d.cgroup = p.cgroup;
  if (!p.user.empty()) d.enriched.user = p.user;
  if (p.start_us) d.enriched.start_time_us = p.start_us;
  return d;
}

}  // namespace

Expected<OwnerIndex> owners_from_recording(const ReplaySource& src) {
  if (!src.has_evidence())
    return Error{
        "-p needs the owners an evidence recording holds (sockwatch check --record); "
        "this one has socket dumps only, and today's /proc would name whatever "
        "process holds the same inode number now",
        0};
  Evidence ev;
  std::vector<uint64_t> records;
  if (auto r = decode_evidence_payload(src.evidence_payload(), ev, records); !r)
    return Error{fmt::format("offset {}: {}", src.evidence_offset(), r.error().message), 0};
  std::vector<OwnerIndex::KnownOwner> rows;
  OwnerScanStats stats;
  stats.processes = ev.processes.size();
  stats.denied = ev.visibility.fd_dirs_denied;
  stats.scanned = stats.processes - std::min(stats.processes, stats.denied);
  for (const auto& p : ev.processes) {  // sorted by pid; sockets by fd
    std::optional<ProcessDetails> d;
    if (!p.sockets.empty()) d = details_of(p);
    for (const auto& f : p.sockets) rows.push_back({f.inode, p.pid, f.fd, p.comm, d});
  }
  return OwnerIndex::from_known(std::move(rows), stats);
}

}  // namespace sw
