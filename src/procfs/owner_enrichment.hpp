// Enrichment as data: what consumers show about a socket's owner or peer
// process, computed once before any rendering. OwnerEnricher fills
// ProcessDetails::enriched (user name, wall-clock start time, container) for
// every owning process of an OwnerIndex scan; enrich_record() fills what a
// record itself needs from /proc (the comm of a netlink socket's port id).
// Renderers, log, top and check read these fields; none reads /proc or asks
// a name service itself (DESIGN.md: a renderer does not reach into procfs).
//
// Long-lived (a live loop): one OwnerEnricher across ticks, with an expiring
// UserNames; boot time is read once. Not thread-safe.
#pragma once

#include <string>

#include "core/socket_record.hpp"
#include "enrich/names.hpp"
#include "procfs/process_info.hpp"

namespace sw {

class OwnerEnricher {
 public:
  // users: a long-lived cache to share (a live loop passes one with a TTL);
  // null: the enricher keeps its own for its lifetime.
  explicit OwnerEnricher(std::string proc_root = "/proc", UserNames* users = nullptr);
  // Fills d.enriched from d (no /proc read but the one-time boot time).
  void enrich(ProcessDetails& d);

 private:
  std::string proc_root_;
  UserNames own_users_;
  UserNames* users_;
  bool boot_read_ = false;
  uint64_t boot_time_ = 0;
  long hz_;
};

struct RecordEnrichOptions {
  std::string proc_root = "/proc";
  // ss's netlink Port column "comm/pid": read <proc>/<portid>/stat for
  // netlink sockets bound by a process (only when names are shown, -n off).
  bool netlink_comm = true;
};

// Fills what `r` needs from /proc, per the options (see NetlinkExt::portid_comm).
void enrich_record(SocketRecord& r, const RecordEnrichOptions& opt);

// True when `r` wants enrich_record() and has not had it yet.
bool needs_enrichment(const SocketRecord& r, const RecordEnrichOptions& opt);

}  // namespace sw
