// SPDX-License-Identifier: GPL-2.0
/* TCP state changes with the task that caused them (sockwatch's sub-poll owner
 * source). One small program, attached to the inet_sock_set_state tracepoint
 * either as a raw tracepoint (preferred: needs no tracefs, args are the
 * tracepoint's prototype) or as a classic tracepoint (fallback: needs tracefs
 * for the event id). Both hand the struct sock to emit(), which reads
 * everything it needs with CO-RE, so the two paths report identical events.
 * (tp_btf, the BTF-typed raw tracepoint, also loads on 6.18 and would turn the
 * probe reads into direct loads, ~310 instead of ~490 ns per event measured;
 * not used, so that one read path serves both attachments. fentry does not
 * load on the kernels this was written on.)
 *
 * task_context: the kernel's own in_task() test, !(preempt_count() &
 * (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)). It is false in softirq (NET_RX:
 * passive opens SYN_RECV->ESTABLISHED, RST/FIN-driven closes; TCP timers;
 * ksoftirqd), hardirq and NMI, where "current" is whatever task the interrupt
 * landed on. x86's preempt count is the per-cpu variable __preempt_count.
 * The obvious read, a typed __ksym through bpf_this_cpu_ptr(), needs the
 * variable in kallsyms, which kernels without CONFIG_KALLSYMS_ALL (this one)
 * do not have. So the program finds this CPU's per-cpu area from a pointer it
 * can reach: current->se.cfs_rq->rq is &per_cpu(runqueues, this cpu), and the
 * loader puts the distances from runqueues to __preempt_count and to
 * current_task (both per-cpu variables, offsets from the kernel BTF's
 * .data..percpu DATASEC) into .rodata. Before trusting the count, the
 * program checks that per-cpu current_task read the same way equals
 * bpf_get_current_task(): a wrong anchor cannot pass that test. When the
 * anchor is unavailable or fails the check (counted in ctx_fallbacks), it
 * falls back to the transition itself: CLOSE->SYN_SENT (connect),
 * CLOSE->LISTEN (listen), LISTEN->CLOSE, ESTABLISHED->FIN_WAIT1 and
 * CLOSE_WAIT->LAST_ACK (close/shutdown) only happen in a syscall; every other
 * transition is reported as not task context.
 * Limits: true means "a task was running the socket code", not "a user
 * process asked": kworkers and in-kernel socket users (NFS, MPTCP subflows,
 * fds closed by the unix garbage collector) report themselves. A packet that
 * arrived while the owner held the socket lock is processed by the owner in
 * release_sock(), which is task context and correctly names the owner.
 */
/* vmlinux.h must come first: the libbpf headers use its types. */
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
// clang-format on

#include "sock_state_event.h"

char LICENSE[] SEC("license") = "GPL";

#define SW_AF_INET 2
#define SW_AF_INET6 10
#define SW_IPPROTO_TCP 6
/* include/linux/preempt.h: in_task() is !(preempt_count() & these). */
#define SW_SOFTIRQ_OFFSET (1U << 8)
#define SW_HARDIRQ_MASK (0xfU << 16)
#define SW_NMI_MASK (0xfU << 20)

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 20); /* the loader resizes it before load */
} events SEC(".maps");

/* Ring-buffer reservations that failed (reader too slow); user space reads it
 * through the skeleton's .bss. */
__u64 drops = 0;

/* 0: the kernel's default, wake the reader when it has caught up. */
const volatile __u64 wakeup_bytes = 0;

/* Set by the loader from the kernel BTF (see the top comment). */
const volatile __u8 have_percpu_anchor = 0;
const volatile __s64 preempt_count_from_rq = 0; /* &__preempt_count - &runqueues */
const volatile __s64 current_task_from_rq = 0;  /* &current_task - &runqueues */

/* Events whose task_context came from the transition fallback although the
 * loader had set the per-cpu anchor up (its check failed). */
__u64 ctx_fallbacks = 0;

enum {
  SW_TCP_ESTABLISHED = 1,
  SW_TCP_SYN_SENT = 2,
  SW_TCP_FIN_WAIT1 = 4,
  SW_TCP_CLOSE = 7,
  SW_TCP_CLOSE_WAIT = 8,
  SW_TCP_LAST_ACK = 9,
  SW_TCP_LISTEN = 10,
};

static __always_inline __u8 syscall_only_transition(int oldstate, int newstate) {
  return (oldstate == SW_TCP_CLOSE && newstate == SW_TCP_SYN_SENT) ||
         (oldstate == SW_TCP_CLOSE && newstate == SW_TCP_LISTEN) ||
         (oldstate == SW_TCP_LISTEN && newstate == SW_TCP_CLOSE) ||
         (oldstate == SW_TCP_ESTABLISHED && newstate == SW_TCP_FIN_WAIT1) ||
         (oldstate == SW_TCP_CLOSE_WAIT && newstate == SW_TCP_LAST_ACK);
}

static __always_inline __u8 in_task_context(int oldstate, int newstate) {
  if (have_percpu_anchor) {
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    __u64 rq = 0, cur = 0;
    int pc = 0;
    if (bpf_core_field_exists(task->se.cfs_rq)) rq = (__u64)BPF_CORE_READ(task, se.cfs_rq, rq);
    if (rq && bpf_probe_read_kernel(&cur, sizeof(cur), (void *)(rq + current_task_from_rq)) == 0 &&
        cur == (__u64)task &&
        bpf_probe_read_kernel(&pc, sizeof(pc), (void *)(rq + preempt_count_from_rq)) == 0)
      return (pc & (SW_SOFTIRQ_OFFSET | SW_HARDIRQ_MASK | SW_NMI_MASK)) == 0;
    __sync_fetch_and_add(&ctx_fallbacks, 1);
  }
  return syscall_only_transition(oldstate, newstate);
}

static __always_inline int emit(struct sock *sk, int oldstate, int newstate) {
  if (BPF_CORE_READ(sk, sk_protocol) != SW_IPPROTO_TCP) return 0;

  struct sw_sock_state_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    __sync_fetch_and_add(&drops, 1);
    return 0;
  }
  __u64 id = bpf_get_current_pid_tgid();
  e->ktime_ns = bpf_ktime_get_ns();
  e->skaddr = (__u64)sk;
  e->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
  e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
  e->pid = (__u32)(id >> 32);
  e->tid = (__u32)id;
  e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
  /* inet_sport (network order), like the classic tracepoint: tcp_set_state()
   * releases the port (skc_num = 0) before it records TCP_CLOSE, inet_sport
   * survives that. skc_num covers the moments inet_sport is not set yet. */
  __u16 sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
  e->sport = sport ? sport : BPF_CORE_READ(sk, __sk_common.skc_num);
  e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
  e->old_state = (__u8)oldstate;
  e->new_state = (__u8)newstate;
  e->task_context = in_task_context(oldstate, newstate);
  e->pad[0] = e->pad[1] = e->pad[2] = 0;
  __builtin_memset(e->saddr, 0, sizeof(e->saddr));
  __builtin_memset(e->daddr, 0, sizeof(e->daddr));
  if (e->family == SW_AF_INET6) {
    BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
    BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
  } else {
    BPF_CORE_READ_INTO((__be32 *)e->saddr, sk, __sk_common.skc_rcv_saddr);
    BPF_CORE_READ_INTO((__be32 *)e->daddr, sk, __sk_common.skc_daddr);
  }
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  /* Waking the reader is an irq_work (a self-IPI: a VM exit under
   * virtualisation), most of an event's cost when the reader keeps up. With
   * wakeup_bytes set, only a backlog that large wakes it; the reader drains
   * on its own schedule otherwise. */
  __u64 flags = 0;
  if (wakeup_bytes)
    flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP
                                                                          : BPF_RB_NO_WAKEUP;
  bpf_ringbuf_submit(e, flags);
  return 0;
}

/* raw_tp args are the tracepoint prototype: (const struct sock *sk, int
 * oldstate, int newstate), untyped, so every read goes through CO-RE probes. */
SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(sw_sock_state_raw, struct sock *sk, int oldstate, int newstate) {
  return emit(sk, oldstate, newstate);
}

SEC("tracepoint/sock/inet_sock_set_state")
int sw_sock_state_tp(struct trace_event_raw_inet_sock_set_state *ctx) {
  if (ctx->protocol != SW_IPPROTO_TCP) return 0;
  return emit((struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);
}
