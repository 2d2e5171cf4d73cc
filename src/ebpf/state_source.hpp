// StateSource: TCP state changes reported by the kernel as they happen, with the
// task that caused them (the eBPF sub-poll owner source). The live engine polls
// sock_diag once a second; a connection that lives between two polls is only
// seen by the destroy multicast group, which carries no pid. This source fills
// that gap: its CLOSE->SYN_SENT event names the connecting task, and later
// events for the same skaddr carry the full 5-tuple.
//
// It owns one BPF program attached to the inet_sock_set_state tracepoint and its
// ring buffer; it does not interpret events (the engine correlates them with
// sock_diag records). No printing, no exit, no environment: errors are values.
// Built without eBPF (no clang/bpftool/libbpf/BTF at configure time), open()
// returns an Error saying so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/expected.hpp"
#include "core/socket_record.hpp"

namespace sw {

struct TcpStateChange {
  uint64_t ktime_ns = 0;  // CLOCK_MONOTONIC (bpf_ktime_get_ns)
  int32_t pid = 0;        // tgid of the current task
  int32_t tid = 0;
  std::string comm;           // current task comm (raw bytes, up to 16)
  bool task_context = false;  // pid/comm are the task that caused the change
  uint64_t netns = 0;         // netns inode
  uint64_t cookie = 0;        // 0 when the kernel had not generated one yet
  uint64_t skaddr = 0;        // struct sock address: the key that ties a socket's events
  uint8_t family = 0, old_state = 0, new_state = 0;  // TCP_* numbering (linux/tcp_states)
  // Network byte order bytes. At CLOSE->SYN_SENT the kernel has chosen saddr but
  // not yet the source port of an unbound socket (tcp_v4_connect sets the state
  // before inet_hash_connect picks it): sport is 0 there; the next event for the
  // same skaddr carries it.
  IpAddr saddr, daddr;
  uint16_t sport = 0, dport = 0;  // host order
};

// Which attachment open() may use. automatic: the raw tracepoint, else the
// classic tracepoint (mounting tracefs if needed). The others force one (tests,
// and users working around a kernel that misbehaves with one of them).
enum class StateAttach { automatic, raw_tp, tracepoint };

struct StateSourceOptions {
  // Ring buffer size; rounded up to a power of two of at least one page.
  size_t ring_bytes = 1 << 20;
  StateAttach attach = StateAttach::automatic;
  // 0: fd() becomes readable as soon as an event is pending (each wakeup costs
  // the BPF side an irq_work; ~1.5 us per event under virtualisation). N > 0:
  // only once N bytes (~100 per event) are pending; the caller then also drains
  // on its own schedule (each tick, before handling destroy events), or
  // events can wait there indefinitely.
  size_t wakeup_bytes = 0;
};

class StateSource {
 public:
  // Loads and attaches. The Error says why not, in "what: why" form, naming the
  // cause a user can act on: built without eBPF, no BTF, not permitted (needs
  // CAP_BPF+CAP_PERFMON or root), tracefs not mounted and could not be mounted,
  // verifier rejection (first lines of the log).
  static Expected<std::unique_ptr<StateSource>> open(const StateSourceOptions& opt = {});
  ~StateSource();
  StateSource(const StateSource&) = delete;
  StateSource& operator=(const StateSource&) = delete;

  int fd() const;  // ring buffer epoll fd, for poll()/epoll in the engine loop
  // Non-blocking: hands every pending event to fn, returns how many. An
  // exception thrown by fn stops the drain and propagates.
  Expected<size_t> drain(const std::function<void(const TcpStateChange&)>& fn);
  uint64_t drops() const;                // reservations the BPF side could not make
  std::string_view attach_kind() const;  // "raw_tp" or "tracepoint"
  // How task_context is decided: "preempt_count" (the kernel's in_task() test,
  // read through the per-cpu anchor) or "transition" (syscall-only transitions).
  std::string_view task_context_method() const;
  // Events whose per-cpu anchor check failed and fell back to "transition".
  uint64_t context_fallbacks() const;

  struct Impl;

 private:
  explicit StateSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Mounts tracefs at /sys/kernel/tracing when no tracefs is mounted there or at
// /sys/kernel/debug/tracing. true: it mounted one; false: already there.
Expected<bool> ensure_tracefs();

}  // namespace sw
