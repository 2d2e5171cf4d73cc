// Evidence: everything one look at a host gathers for incident response —
// the sockets of every table per network namespace (sock_diag), the
// processes with the sockets, pipes and stdio they hold (/proc), the
// cross-view of sock_diag against /proc/net and the fds, and what could not
// be seen. Produced live by collect_evidence() (src/engine/evidence.hpp) or
// read back from a recording (check --record / --replay); consumed by the
// inventory (baseline) and the triage rules (check). Plain data: no I/O.
// Strings are raw bytes (escape before a terminal; JSON carries them as is).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/host_info.hpp"
#include "core/socket_record.hpp"

namespace sw {

// What one file descriptor points at (readlink of /proc/PID/fd/N, and a stat
// for the inode of FIFOs and files).
struct FdRef {
  enum class Kind : uint8_t { None, Socket, Pipe, Fifo, Tty, File, Anon, Other };
  Kind kind = Kind::None;  // None: no such fd (or unreadable)
  int32_t fd = -1;
  uint64_t inode = 0;  // socket:[N], pipe:[N], or the FIFO's st_ino
  uint64_t dev = 0;    // st_dev of a FIFO (two FIFOs are one only with both equal)
  std::string path;    // the link text for Fifo/Tty/File/Anon/Other
};

struct ProcessEvidence {
  int32_t pid = 0;
  int32_t ppid = 0;
  std::string comm;  // raw, from stat
  std::string exe;   // readlink of /proc/PID/exe without " (deleted)"; "" unreadable
  bool exe_deleted = false;
  std::string cmdline;  // argv joined by single spaces
  std::optional<uint32_t> uid, euid;
  std::string user;  // name of uid, "" when none resolves
  uint64_t start_ticks = 0;
  int64_t start_us = 0;        // wall clock µs (boot time + ticks), 0 unknown
  std::string cgroup;          // path from /proc/PID/cgroup
  std::string container;       // container id / unit label, "" on the host
  uint64_t netns = 0;          // inode of /proc/PID/ns/net, 0 unknown
  bool fds_denied = false;     // /proc/PID/fd could not be read: holds unknown
  std::array<FdRef, 3> stdio;  // fds 0, 1, 2
  std::vector<FdRef> sockets;  // every socket fd, by fd
  std::vector<FdRef> pipes;    // every pipe and FIFO fd, by fd
};

// The /proc/net side of the cross-view for one namespace, and what stayed
// different after the collector looked again (churn filtered out).
struct CrossView {
  bool done = false;  // false: not compared (reason in Visibility)
  std::string not_done_why;
  // Socket inodes (inet: tcp, udp, raw, v4 and v6) in sock_diag and not in
  // /proc/net/*, and the reverse, both confirmed by a second look.
  std::vector<uint64_t> diag_only, proc_net_only;
  // Socket fds (pid, inode) whose inode no view of this namespace lists
  // (sock_diag of every table, /proc/net of every table), confirmed.
  struct Orphan {
    int32_t pid = 0;
    int32_t fd = 0;
    uint64_t inode = 0;
  };
  std::vector<Orphan> fd_only;
  // Sockets with an inode that no process holds (kernel-owned: nfsd,
  // wireguard, tunnels...), benign but reported as their own category.
  std::vector<uint64_t> kernel_owned;
};

struct NamespaceEvidence {
  uint64_t inode = 0;  // netns inode
  std::string name;    // ip netns name or container label; "" for ours
  bool entered = true;
  // Every record of every table dumped here (tcp, udp, raw, sctp? in ss's
  // table order; packet with PACKET_DIAG_FILTER and its info; unix; netlink),
  // with tcp_info and the owner-relevant fields. Owners are not filled in:
  // join on inode with ProcessEvidence::sockets.
  std::vector<SocketRecord> sockets;
  CrossView cross_view;
  // ifindex -> interface name in this namespace (device-bound listeners).
  std::vector<std::pair<uint32_t, std::string>> interfaces;
};

// What the look could not see. Every run reports it with its result.
struct Visibility {
  uint64_t fd_dirs_denied = 0;  // processes whose fds could not be read
  uint64_t pids_vanished = 0;   // gone between listing and reading
  uint64_t namespaces_not_entered = 0;
  uint64_t netlink_errors = 0;
  std::vector<std::string> notes;  // one line each, "what: why"
};

struct Evidence {
  HostInfo host;
  std::vector<NamespaceEvidence> namespaces;  // ours first
  std::vector<ProcessEvidence> processes;     // sorted by pid
  Visibility visibility;
  std::string source;  // "live", or the recording's path

  const ProcessEvidence* process(int32_t pid) const;
  // Every (process, fd) holding socket `inode`, in pid order.
  struct Holder {
    const ProcessEvidence* process;
    int32_t fd;
  };
  std::vector<Holder> holders(uint64_t inode) const;
};

}  // namespace sw
