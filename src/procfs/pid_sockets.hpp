// One process's socket fds, for the live engine's incremental owner cache:
// which socket inodes <proc>/<pid>/fd holds, and how many fds it has (the
// kernel reports the count as the st_size of the fd directory since 6.2, a
// one-syscall "did anything change" check). The full-host scan for ss mode is
// OwnerIndex; this reads one pid at a time, when the cache asks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "procfs/process_info.hpp"

namespace sw {

// A whole decimal /proc entry name ("1234"); false for ".", "self", "12abc".
bool parse_proc_number(const char* name, int32_t& out);
// An fd link "socket:[12345]" -> 12345; false for anything else.
bool parse_socket_link(std::string_view link, uint64_t& ino);

enum class PidScanStatus : uint8_t { Ok, Denied, Vanished };

struct PidSockets {
  PidScanStatus status = PidScanStatus::Ok;
  std::vector<uint64_t> inodes;  // socket inodes, in fd order
  uint64_t fds = 0;              // fd entries read
  std::string comm;              // from stat (raw bytes up to the last ')')
  ProcessDetails details;        // filled when asked and the process has sockets
};

// The comm of the process whose /proc directory is open as `pid_dirfd`: the
// raw bytes between the first '(' and the last ')' of its stat (a comm may
// hold ')'); "" when gone or unreadable.
std::string read_comm(int pid_dirfd);

// Lists the numeric entries of the /proc directory open as `proc_fd`, ascending.
std::vector<int32_t> list_pids(int proc_fd);

// Reads <proc_fd>/<pid>/fd. `details`: also read ProcessDetails and comm
// (only when the process holds at least one socket).
PidSockets scan_pid_sockets(int proc_fd, int32_t pid, bool details);

// The fd count of <proc_fd>/<pid>/fd from its st_size; -1 when it cannot be
// read (gone, denied, or a kernel/fake tree that reports 0 for directories:
// callers treat 0 as "unknown" too).
int64_t pid_fd_count(int proc_fd, int32_t pid);

// Just the process facts (eBPF names a pid): false when it is gone.
bool read_pid_facts(int proc_fd, int32_t pid, std::string& comm, ProcessDetails& details);

}  // namespace sw
