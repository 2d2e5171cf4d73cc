/* The record sock_state.bpf.c writes into its ring buffer and state_source.cpp
 * reads. Plain C, fixed-width kernel types only, no includes: the BPF side gets
 * __u64 & co. from vmlinux.h, the C++ side from <linux/types.h>. Field order
 * keeps every member naturally aligned so both compilers agree on the layout
 * (state_source.cpp static_asserts the size). */
#ifndef SOCKWATCH_SOCK_STATE_EVENT_H
#define SOCKWATCH_SOCK_STATE_EVENT_H

#define SW_TASK_COMM_LEN 16

struct sw_sock_state_event {
  __u64 ktime_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
  __u64 skaddr;   /* struct sock *, stable for the socket's life */
  __u64 cookie;   /* sk->__sk_common.skc_cookie, 0 until the kernel made one */
  __u32 netns;    /* sk->__sk_common.skc_net.net->ns.inum */
  __u32 pid;      /* tgid of current */
  __u32 tid;      /* pid of current */
  __u16 family;   /* AF_INET or AF_INET6 */
  __u16 sport;    /* host order (inet_sport, else skc_num) */
  __u16 dport;    /* host order (skc_dport is network order; converted in BPF) */
  __u8 old_state; /* TCP_* from include/net/tcp_states.h */
  __u8 new_state;
  __u8 task_context; /* 1: in_task() was true, current caused the change */
  __u8 pad[3];
  __u8 saddr[16]; /* network order; v4 uses the first 4 bytes */
  __u8 daddr[16];
  char comm[SW_TASK_COMM_LEN];
};

#endif
