// SocketEvent: what the live engine reports about sockets over time. The
// Watch loop (src/engine) produces them from poll diffs, the kernel's destroy
// groups and the eBPF state source; consumers (log, top, check, metrics)
// only read them. Plain data: no I/O, no formatting here (src/render/events
// formats them as NDJSON / ECS).
//
// Times: `ts_us` is wall clock (CLOCK_REALTIME, µs since the epoch) at which
// the engine learned of the event; `opened_us` is when the socket was first
// seen (or when eBPF saw its first state change), so a close's duration is
// ts_us - opened_us.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/socket_key.hpp"
#include "core/socket_record.hpp"
#include "core/tables.hpp"

namespace sw {

// Who owns a socket, as far as the engine could tell. Shared between the
// events of one socket (and outliving it: destroy messages carry no inode).
struct OwnerInfo {
  int32_t pid = 0;
  std::string comm;  // raw bytes from /proc/PID/stat (or the eBPF task comm)
  std::string exe;   // readlink /proc/PID/exe, "" when unknown
  bool exe_deleted = false;
  std::string cmdline;          // NUL separators turned into spaces, "" when unknown
  std::optional<uint32_t> uid;  // the process's real uid
  std::string user;             // name for uid, "" when none resolves
  uint64_t start_ticks = 0;     // /proc/PID/stat starttime (clock ticks since boot)
  int64_t start_us = 0;         // the same as wall clock µs (boot time + ticks)
  // boot id + pid + start time: stable for the life of this process and never
  // reused by a later one with the same pid.
  std::string entity_id;
  std::string container;  // container id / cgroup name, "" on the host
  enum class Source : uint8_t { Proc, Listener, Ebpf };
  Source source = Source::Proc;  // Listener: inherited from the listening socket
};

enum class EventType : uint8_t { Open, State, Close, Overrun, Health };

// Byte and segment counters from tcp_info (zero for non-TCP sockets).
// Widths are the kernel's (struct tcp_info): a snapshot holds one per socket.
struct SocketCounters {
  uint64_t bytes_sent = 0;      // tcpi_bytes_sent
  uint64_t bytes_acked = 0;     // tcpi_bytes_acked
  uint64_t bytes_received = 0;  // tcpi_bytes_received
  uint32_t segs_out = 0, segs_in = 0;
  uint32_t retrans = 0;  // tcpi_total_retrans
};

// The engine's own visibility, for `health` events and every consumer.
struct EngineHealth {
  uint64_t ticks = 0;
  uint64_t processes_denied = 0;  // /proc/PID/fd we could not read
  uint64_t processes_vanished = 0;
  uint64_t netns_not_entered = 0;
  uint64_t destroy_overruns = 0;   // ENOBUFS on the destroy groups
  uint64_t ebpf_drops = 0;         // ring-buffer reservations that failed
  uint64_t dumps_interrupted = 0;  // NLM_F_DUMP_INTR that persisted
  uint64_t sockets = 0;            // sockets known after the last tick
  int64_t tick_cpu_us = 0;         // CPU time the last tick took (user + system)
  uint64_t owner_scans = 0;        // /proc/PID/fd directories read since the start
  bool ebpf_loaded = false;
  std::string ebpf_reason;      // why not, when not loaded
  bool destroy_events = false;  // the kernel's destroy groups are followed
};

struct SocketEvent {
  EventType type = EventType::Open;
  int64_t ts_us = 0;

  // The socket (Open, State, Close).
  std::string socket_id;  // stable for the socket's life: "<netns>-<cookie>" (hex)
  SocketKey key;          // the same identity as a value (socket_id is key.id())
  Table table = Table::Tcp;
  uint8_t family = 0;     // AF_INET, AF_INET6, AF_UNIX...
  uint8_t state = 0;      // TcpState numbering, after the event
  uint8_t old_state = 0;  // State events: before
  IpAddr local, peer;
  uint16_t lport = 0, rport = 0;
  std::string unix_path;  // AF_UNIX: bound name ("@..." abstract)
  uint64_t inode = 0;
  uint64_t cookie = 0;
  uint64_t netns = 0;                      // netns inode
  std::string netns_name;                  // "" for ours when not --all-netns, else its label
  std::string container;                   // from the owner's cgroup, "" when none
  std::shared_ptr<const OwnerInfo> owner;  // null: unknown, see owner_reason
  std::string owner_reason;  // "closed before first poll", "no permission", "kernel thread"...
  // Close: the last counters seen, how long it lived, where the close came from.
  std::optional<SocketCounters> counters;
  int64_t opened_us = 0;
  std::string source;  // "poll", "destroy", "ebpf"
  // Open: the socket existed before the engine's first look (its real open
  // time is unknown; opened_us is that first look).
  bool preexisting = false;
  bool direction_known = false;
  bool inbound = false;  // accepted from a listener (passive open)

  // Overrun: how many kernel messages were lost and where.
  uint64_t lost = 0;
  std::string what;  // Overrun: "destroy", "ebpf"; Health: a one-line summary
  // Health: the engine's counters at ts_us.
  std::optional<EngineHealth> health;
};

}  // namespace sw
