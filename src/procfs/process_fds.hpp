// One process as incident-response evidence: its identity (ProcessDetails
// and comm, read through one /proc/PID directory fd) and what its file
// descriptors point at — stdio, every socket, every pipe and FIFO — as
// FdRefs (src/ir/evidence.hpp). The kind comes from the fd link text
// ("socket:[N]", "pipe:[N]", "/dev/pts/N", "anon_inode:[eventfd]", a path);
// a FIFO is told from a file by stat'ing the fd (S_ISFIFO), which also gives
// the st_ino/st_dev pair that says which FIFO two processes share.
// Reads only; owns no cache. Threads are not processes: callers list pids
// with list_pids (thread ids live under /proc/PID/task).
#pragma once

#include <cstdint>
#include <string_view>

#include "ir/evidence.hpp"
#include "procfs/pid_sockets.hpp"

namespace sw {

// The kind and inode a link text names, without touching the file system
// (Fifo is decided by a stat, see read_process_fds): Socket/Pipe with the
// bracketed inode, Tty for /dev/pts/N, /dev/ttyN, /dev/console, Anon for
// "anon_inode:...", File for other absolute paths, Other for the rest.
FdRef classify_fd_link(int32_t fd, std::string_view link);

struct ProcessFds {
  PidScanStatus status = PidScanStatus::Ok;  // Denied: fd directory unreadable
  std::array<FdRef, 3> stdio;
  std::vector<FdRef> sockets;  // by fd
  std::vector<FdRef> pipes;    // pipes and FIFOs, by fd
};

// Reads the fd directory of the process open as `pid_dirfd`.
ProcessFds read_process_fds(int pid_dirfd);

// Everything ProcessEvidence holds that /proc gives (not user, start_us,
// container: OwnerEnricher derives those). Returns Vanished when the process
// went away (its directory or stat no longer reads), Denied when only its fd
// directory could not be read (fds_denied set, the rest filled), Ok otherwise.
PidScanStatus read_process_evidence(int proc_fd, int32_t pid, ProcessEvidence& out,
                                    ProcessDetails* details = nullptr);

}  // namespace sw
