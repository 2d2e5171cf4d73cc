// Per-process facts an incident responder needs about a socket's owner,
// read from one /proc/PID directory: parent, users, start time, executable
// (deleted? in a world-writable directory?), command line, cgroup.
//
// Every read goes through a directory fd opened once for the process. The
// kernel ties that fd to the process instance, so if the pid dies and is
// reused mid-scan the reads fail instead of describing the newcomer: owners
// are never mixed up within a run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "enrich/container.hpp"

namespace sw {

// What the enrichment step (procfs/owner_enrichment.hpp) derives from the
// details once per owning process, so every consumer (renderers, log, top,
// check) reads data and none looks anything up itself.
struct OwnerEnrichment {
  bool done = false;                     // the step ran on these details
  std::optional<std::string> user;       // name of the real uid (NSS); none when it has none
  std::optional<int64_t> start_time_us;  // wall clock, µs since the epoch (btime + start_ticks)
  ContainerRef container;                // what the cgroup path names (runtime, id, pod, unit)
};

struct ProcessDetails {
  std::optional<int32_t> ppid;
  std::optional<int32_t> ns_pid;        // the pid in the process's own pid namespace
  std::optional<uint32_t> uid;          // real
  std::optional<uint32_t> euid;         // effective
  std::optional<uint64_t> start_ticks;  // clock ticks after boot (stat field 22)
  std::optional<std::string> exe;       // without the kernel's " (deleted)" suffix
  bool exe_deleted = false;
  bool exe_world_writable = false;     // its directory is writable by anyone
  std::optional<std::string> cmdline;  // raw argv, NUL-separated, no trailing NUL
  std::optional<std::string> cgroup;   // path from /proc/PID/cgroup
  OwnerEnrichment enriched;            // filled after the read, see OwnerEnricher
};

// Reads what it can of the process whose /proc directory is open as
// `pid_dirfd`. Unreadable parts (permissions, kernel threads) stay empty.
// Returns false when the process is gone (its stat no longer reads).
bool read_process_details(int pid_dirfd, ProcessDetails& out);

// "/tmp/x/a.out" -> true for the directories attackers drop binaries in,
// used when the directory itself can no longer be examined.
bool in_world_writable_place(std::string_view exe_path);

// The cgroup path of one /proc/PID/cgroup text: the v2 entry ("0::/path")
// when there is one, else the v1 hierarchy that names systemd or, failing
// that, the first one. Empty when the text has no entry.
std::string cgroup_path_from_proc(std::string_view text);

// The cgroup path of <proc_root>/<pid>; empty when unreadable.
std::string read_cgroup_path(const std::string& proc_root, int32_t pid);

// Reads /proc/stat's btime (seconds since the epoch at boot); 0 if unknown.
uint64_t boot_time_seconds(const std::string& proc_root);

// "2026-11-23T10:15:02.25Z" from boot time and clock ticks after boot.
std::string format_start_time(uint64_t boot_time, uint64_t ticks, long ticks_per_second);

// Boot time plus clock ticks as wall-clock µs since the epoch; nullopt when
// that does not fit (a hostile stat).
std::optional<int64_t> start_time_us(uint64_t boot_time, uint64_t ticks, long ticks_per_second);

// The same text as format_start_time, from wall-clock µs (centiseconds, cut).
std::string format_wall_time_us(int64_t us);

}  // namespace sw
