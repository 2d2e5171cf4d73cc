#include "procfs/owner_enrichment.hpp"

#include <unistd.h>

namespace sw {

OwnerEnricher::OwnerEnricher(std::string proc_root, UserNames* users)
    : proc_root_(std::move(proc_root)),
      users_(users ? users : &own_users_),
      hz_(sysconf(_SC_CLK_TCK)) {}

void OwnerEnricher::enrich(ProcessDetails& d) {
  OwnerEnrichment& e = d.enriched;
  e = OwnerEnrichment{};
  e.done = true;
  if (d.uid) {
    const std::string& name = users_->name(*d.uid);
    if (!name.empty()) e.user = name;
  }
  if (d.start_ticks) {
    // btime is read lazily and once: a scan without start times never opens
    // /proc/stat, and the boot time does not change while we run.
    if (!boot_read_) {
      boot_time_ = boot_time_seconds(proc_root_);
      boot_read_ = true;
    }
    e.start_time_us = start_time_us(boot_time_, *d.start_ticks, hz_);
  }
  if (d.cgroup) e.container = classify_cgroup(*d.cgroup);
}

bool needs_enrichment(const SocketRecord& r, const RecordEnrichOptions& opt) {
  if (!opt.netlink_comm || !r.netlink_ext || r.netlink_ext->portid_comm) return false;
  return static_cast<int32_t>(r.netlink_ext->portid) > 0;
}

void enrich_record(SocketRecord& r, const RecordEnrichOptions& opt) {
  if (!needs_enrichment(r, opt)) return;
  // ss's guess at a netlink socket's owner: the process whose pid is the
  // port id (true for the first socket a process binds with autobind).
  r.netlink_ext->portid_comm =
      read_proc_comm(opt.proc_root, static_cast<int32_t>(r.netlink_ext->portid));
}

}  // namespace sw
