#include "runner.hpp"

#include <fmt/format.h>
#include <linux/inet_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fallback.hpp"
#include "netlink/destroy.hpp"
#include "netlink/dump_file.hpp"
#include "plan.hpp"

namespace sw {

void Runner::run() {
  // ss's fixed table order.
  if (has_table(o_, Table::Netlink)) netlink();
  if (o_.dbs & (table_bit(Table::PacketRaw) | table_bit(Table::PacketDgram))) packet();
  if (o_.dbs &
      (table_bit(Table::UnixStream) | table_bit(Table::UnixDgram) | table_bit(Table::UnixSeq)))
    unix_tables();
  if (has_table(o_, Table::Raw)) inet(Table::Raw, "PROC_NET_RAW");
  if (has_table(o_, Table::Udp)) inet(Table::Udp, "PROC_NET_UDP");
  if (has_table(o_, Table::Tcp)) inet(Table::Tcp, "PROC_NET_TCP");
  if (has_table(o_, Table::Dccp)) inet(Table::Dccp, "PROC_NET_DCCP");
  if (has_table(o_, Table::Sctp)) inet(Table::Sctp, "PROC_NET_SCTP");
  if (o_.dbs & (table_bit(Table::VsockStream) | table_bit(Table::VsockDgram))) vsock();
  if (has_table(o_, Table::Tipc)) tipc();
  if (has_table(o_, Table::Xdp)) xdp();
  if (has_table(o_, Table::Mptcp)) inet(Table::Mptcp, "PROC_NET_MPTCP");
}

// vsock, tipc, xdp have no /proc fallback: a kernel without the diag module
// answers ENOENT and ss shows nothing, silently; other refusals it reports
// (rtnl_dump_error / rtnl_dump_done) and still exits 0.
void Runner::other_family(const DumpRequest& req, const RecordSink& sink, const char* what) {
  auto res = dump(req, sink);
  if (!res) return fail(fmt::format("sock_diag dump ({})", what), res.error());
  int e = res->kernel_error;
  if (e && e != ENOENT && e != EOPNOTSUPP)
    std::fprintf(stderr, "RTNETLINK answers: %s\n", std::strerror(e));
}

void Runner::vsock() {
  if (!has_family(o_, AF_VSOCK)) return;
  DumpRequest req;
  req.table = Table::VsockStream;  // one dump serves both vsock tables
  req.states = o_.states;
  other_family(
      req,
      [&](SocketRecord&& r) {
        // ss's vsock_type_skip: only stream and dgram can be deselected, a
        // seqpacket socket shows with either table.
        uint8_t type = r.vsock_ext ? r.vsock_ext->type : 0;
        if (type == SOCK_STREAM && !has_table(o_, Table::VsockStream)) return;
        if (type == SOCK_DGRAM && !has_table(o_, Table::VsockDgram)) return;
        emit(std::move(r));
      },
      "vsock");
}

void Runner::tipc() {
  // ss's tipc_show checks no family and runs no filter expression: every
  // socket the kernel's state mask lets through is shown.
  DumpRequest req;
  req.table = Table::Tipc;
  req.states = o_.states;
  other_family(
      req, [&](SocketRecord&& r) { emit_(std::move(r)); }, "tipc");
}

void Runner::xdp() {
  if (!has_family(o_, AF_XDP) || !(o_.states & state_bit(kClose))) return;
  DumpRequest req;
  req.table = Table::Xdp;
  other_family(
      req, [&](SocketRecord&& r) { emit(std::move(r)); }, "xdp");
}

void Runner::netlink() {
  if (!has_family(o_, AF_NETLINK) || !(o_.states & state_bit(kClose))) return;
  if (env_.forces_proc("PROC_NET_NETLINK")) {
    fallback_netlink(env_, o_, [&](SocketRecord&& r) { emit(std::move(r)); });
    return;
  }
  DumpRequest req;
  req.table = Table::Netlink;
  auto res = dump(req, [&](SocketRecord&& r) { emit(std::move(r)); });
  if (!res) fail("sock_diag dump (netlink)", res.error());
}

void Runner::packet() {
  if (!has_family(o_, AF_PACKET) || !(o_.states & state_bit(kClose))) return;
  // ss never filters packet rows by p_raw/p_dgr: one selected packet table
  // shows both kinds (only the Netid column hides).
  auto sink = [&](SocketRecord&& r) { emit(std::move(r)); };
  if (env_.forces_proc("PROC_NET_PACKET")) {
    fallback_packet(env_, o_, sink);
    return;
  }
  DumpRequest req;
  req.table = Table::PacketRaw;
  auto res = dump(req, sink);
  if (!res) return fail("sock_diag dump (packet)", res.error());
  if (res->kernel_error) fallback_packet(env_, o_, sink);
}

void Runner::unix_tables() {
  if (!has_family(o_, AF_UNIX)) return;
  auto sink = [&](SocketRecord&& r) {
    if (has_table(o_, r.table)) emit(std::move(r));
  };
  if (env_.forces_proc("PROC_NET_UNIX")) {
    fallback_unix(env_, o_, sink);
    return;
  }
  DumpRequest req;
  req.table = Table::UnixStream;
  req.states = o_.states;
  req.unix_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN;
  if (o_.render.show_mem) req.unix_show |= UDIAG_SHOW_MEMINFO;
  if (o_.render.show_details) req.unix_show |= UDIAG_SHOW_VFS | UDIAG_SHOW_ICONS;
  auto res = dump(req, sink);
  if (!res) return fail("sock_diag dump (unix)", res.error());
  if (res->kernel_error) fallback_unix(env_, o_, sink);
}

void Runner::inet(Table t, const char* proc_env) {
  if (!has_family(o_, AF_INET) && !has_family(o_, AF_INET6)) return;
  bool stop = false;
  auto sink = [&](SocketRecord&& r) {
    if (stop || !has_family(o_, r.family) || !wanted(r)) return;
    if (o_.kill && !kill(r)) {
      stop = true;
      return;
    }
    if (!o_.kill || killed_) emit_(std::move(r));
  };
  if (t == Table::Tcp && !env_.tcpdiag_file.empty()) {
    // ss's TCPDIAG_FILE: no state or family mask, stop at the first DONE.
    auto res =
        replay_tcpdiag_file(env_.tcpdiag_file, [&](SocketRecord&& r) { emit(std::move(r)); });
    if (!res) fail("TCPDIAG_FILE", res.error());
    return;
  }
  // /proc text is no socket the kernel handed us (and may come from a file
  // PROC_NET_* names): as ss, -K shows what matches and destroys nothing.
  auto shown_only = [&](SocketRecord&& r) {
    if (has_family(o_, r.family) && wanted(r)) emit_(std::move(r));
  };
  if (env_.forces_proc(proc_env)) {
    fallback_inet(env_, o_, t, shown_only);
    return;
  }
  // As ss: the last -4/-6/-f picks the request family; v4 then v6 otherwise.
  int family = o_.preferred_family == AF_INET6 ? AF_INET6 : AF_INET;
  for (;;) {
    DumpRequest req;
    req.table = t;
    req.family = family;
    req.states = o_.states;
    req.inet_ext = inet_ext_bits(o_);
    // SW_NO_BYTECODE=1 leaves all filtering to user space: the tests use it
    // to show the kernel program and the evaluator select the same sockets.
    if (filter_ && !no_bytecode_ && !std::getenv("SW_NO_BYTECODE"))
      req.bytecode = filter_->bytecode();
    auto res = dump(req, sink);
    if (res && res->kernel_error == EPERM && !req.bytecode.empty()) {
      // fwmark tests need CAP_NET_ADMIN in the kernel; filter in user space.
      no_bytecode_ = true;
      continue;
    }
    if (!res)
      return fail(fmt::format("sock_diag dump ({}/{})", family == AF_INET ? "inet" : "inet6",
                              table_netid(t)),
                  res.error());
    if (res->kernel_error) {
      // The kernel lacks this protocol's diag module (raw_diag, dccp, sctp):
      // ss falls back to /proc where a file exists, silently otherwise.
      fallback_inet(env_, o_, t, shown_only);
      return;
    }
    if (family == AF_INET && o_.preferred_family != AF_INET) {
      family = AF_INET6;
      continue;
    }
    return;
  }
}

// -K: destroy `r`; sets killed_ when the kernel closed it. Returns false to
// stop the dump (an error other than "cannot"/"already gone", as ss).
bool Runner::kill(const SocketRecord& r) {
  killed_ = false;
  if (r.cookie == kNoCookie) {
    // INET_DIAG_NOCOOKIE asks the kernel for any socket with these addresses:
    // never from a live dump (cookies are counters), so hostile data; refuse.
    if (!nocookie_warned_)
      std::fputs(
          "sockwatch: -K: skipping a socket without a cookie (INET_DIAG_NOCOOKIE would "
          "destroy whatever socket has its addresses)\n",
          stderr);
    nocookie_warned_ = true;
    return true;
  }
  if (!kill_sock_) {
    auto s = DiagSocket::open();
    if (!s) {
      fail("SOCK_DESTROY", s.error());
      return false;
    }
    kill_sock_ = std::make_unique<DiagSocket>(std::move(*s));
  }
  auto res = destroy_socket(*kill_sock_, r);
  if (res) {
    killed_ = true;
    return true;
  }
  int e = res.error().code;
  if (e == EOPNOTSUPP || e == ENOENT) {
    if (e == EOPNOTSUPP) ++kill_unsupported_;
    return true;
  }
  std::fprintf(stderr, "SOCK_DESTROY answers: %s\n", std::strerror(e));
  if (e == EPERM || e == EACCES)
    std::fputs("sockwatch: -K needs CAP_NET_ADMIN in the socket's network namespace\n", stderr);
  status_ = 1;
  return false;
}

// After the run: a hint when the kernel refused every destroy as unsupported.
void Runner::report_kill() const {
  if (kill_unsupported_)
    std::fprintf(stderr,
                 "sockwatch: the kernel could not destroy %llu socket(s): it lacks "
                 "CONFIG_INET_DIAG_DESTROY or does not support it for that protocol\n",
                 static_cast<unsigned long long>(kill_unsupported_));
}

// One kernel dump, retried (twice) when a concurrent change interrupted it.
Expected<DumpResult> Runner::dump(const DumpRequest& req, const RecordSink& sink) {
  for (int attempt = 0;; ++attempt) {
    size_t mark = checkpoint_ ? checkpoint_() : 0;
    if (before_dump_) before_dump_(req.table);
    auto res = src_.dump(req, sink);
    if (!res || !res->interrupted) return res;
    bool can_retry = rollback_ && !o_.kill && !before_dump_ && attempt < 2;
    if (!can_retry) {
      warn(
          fmt::format("sock_diag dump ({}): interrupted by concurrent changes, output may "
                      "be incomplete",
                      table_netid(req.table)));
      return res;
    }
    rollback_(mark);
  }
}

void Runner::fail(const std::string& what, const Error& e) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), e.message.c_str());
  status_ = 1;
}
}  // namespace sw
