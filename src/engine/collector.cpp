#include "engine/collector.hpp"

#include <fmt/format.h>
#include <linux/inet_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "filter/filter.hpp"
#include "netlink/destroy.hpp"
#include "netlink/dump_file.hpp"

namespace sw {

CollectReport Collector::collect(const CollectPlan& plan, const SourcePaths& paths,
                                 const RecordSink& sink) {
  CollectReport report;
  plan_ = &plan;
  paths_ = &paths;
  sink_ = &sink;
  report_ = &report;
  stopped_ = false;
  killed_ = false;
  nocookie_warned_ = false;
  // ss's fixed table order.
  auto any = [&](std::initializer_list<Table> ts) {
    for (Table t : ts)
      if (plan.has_table(t)) return true;
    return false;
  };
  auto step = [&](auto fn) {
    if (!stopped_) fn();
  };
  if (plan.has_table(Table::Netlink)) step([&] { netlink(); });
  if (any({Table::PacketRaw, Table::PacketDgram})) step([&] { packet(); });
  if (any({Table::UnixStream, Table::UnixDgram, Table::UnixSeq})) step([&] { unix_tables(); });
  if (plan.has_table(Table::Raw)) step([&] { inet(Table::Raw, "PROC_NET_RAW"); });
  if (plan.has_table(Table::Udp)) step([&] { inet(Table::Udp, "PROC_NET_UDP"); });
  if (plan.has_table(Table::Tcp)) step([&] { inet(Table::Tcp, "PROC_NET_TCP"); });
  if (plan.has_table(Table::Dccp)) step([&] { inet(Table::Dccp, "PROC_NET_DCCP"); });
  if (plan.has_table(Table::Sctp)) step([&] { inet(Table::Sctp, "PROC_NET_SCTP"); });
  if (any({Table::VsockStream, Table::VsockDgram})) step([&] { vsock(); });
  if (plan.has_table(Table::Tipc)) step([&] { tipc(); });
  if (plan.has_table(Table::Xdp)) step([&] { xdp(); });
  if (plan.has_table(Table::Mptcp)) step([&] { inet(Table::Mptcp, "PROC_NET_MPTCP"); });
  // A hint when the kernel refused every destroy as unsupported.
  if (report.kill_unsupported)
    note(Diagnostic::Kind::Warning,
         fmt::format("sockwatch: the kernel could not destroy {} socket(s): it lacks "
                     "CONFIG_INET_DIAG_DESTROY or does not support it for that protocol",
                     report.kill_unsupported));
  plan_ = nullptr;
  paths_ = nullptr;
  sink_ = nullptr;
  report_ = nullptr;
  return report;
}

bool Collector::wanted(const SocketRecord& r) const {
  return !plan_->filter || plan_->filter->matches(r);
}

bool Collector::deliver(SocketRecord&& r) {
  ++report_->records;
  if (!(*sink_)(std::move(r))) stopped_ = true;
  return !stopped_;
}

bool Collector::emit(SocketRecord&& r) {
  if (!wanted(r)) return true;
  return deliver(std::move(r));
}

DiagnosticSink Collector::on_note() {
  return [this](Diagnostic&& d) { note(d.kind, std::move(d.text)); };
}

RecordSink Collector::fallback_sink() {
  return [this](SocketRecord&& r) { return emit(std::move(r)); };
}

void Collector::note(Diagnostic::Kind kind, std::string text) {
  if (kind == Diagnostic::Kind::Failure) report_->status = 1;
  Diagnostic d{kind, std::move(text)};
  if (on_diag_) on_diag_(Diagnostic(d));
  report_->diagnostics.push_back(std::move(d));
}

// vsock, tipc, xdp have no /proc fallback: a kernel without the diag module
// answers ENOENT and ss shows nothing, silently; other refusals it reports
// (rtnl_dump_error / rtnl_dump_done) and still exits 0.
void Collector::other_family(const DumpRequest& req, const RecordSink& sink, const char* what) {
  auto res = dump(req, sink);
  if (!res) return fail(fmt::format("sock_diag dump ({})", what), res.error());
  int e = res->kernel_error;
  if (e && e != ENOENT && e != EOPNOTSUPP)
    note(Diagnostic::Kind::Kernel, fmt::format("RTNETLINK answers: {}", std::strerror(e)));
}

void Collector::vsock() {
  if (!plan_->has_family(AF_VSOCK)) return;
  DumpRequest req;
  req.table = Table::VsockStream;  // one dump serves both vsock tables
  req.states = plan_->states;
  other_family(
      req,
      [&](SocketRecord&& r) {
        // ss's vsock_type_skip: only stream and dgram can be deselected, a
        // seqpacket socket shows with either table.
        uint8_t type = r.vsock_ext ? r.vsock_ext->type : 0;
        if (type == SOCK_STREAM && !plan_->has_table(Table::VsockStream)) return true;
        if (type == SOCK_DGRAM && !plan_->has_table(Table::VsockDgram)) return true;
        return emit(std::move(r));
      },
      "vsock");
}

void Collector::tipc() {
  // ss's tipc_show checks no family and runs no filter expression: every
  // socket the kernel's state mask lets through is shown.
  DumpRequest req;
  req.table = Table::Tipc;
  req.states = plan_->states;
  other_family(
      req, [&](SocketRecord&& r) { return deliver(std::move(r)); }, "tipc");
}

void Collector::xdp() {
  if (!plan_->has_family(AF_XDP) || !(plan_->states & state_bit(kClose))) return;
  DumpRequest req;
  req.table = Table::Xdp;
  other_family(
      req, [&](SocketRecord&& r) { return emit(std::move(r)); }, "xdp");
}

void Collector::netlink() {
  if (!plan_->has_family(AF_NETLINK) || !(plan_->states & state_bit(kClose))) return;
  if (paths_->forces_proc("PROC_NET_NETLINK")) {
    fallback_netlink(*paths_, fallback_sink(), on_note());
    return;
  }
  DumpRequest req;
  req.table = Table::Netlink;
  auto res = dump(req, fallback_sink());
  if (!res) fail("sock_diag dump (netlink)", res.error());
}

void Collector::packet() {
  if (!plan_->has_family(AF_PACKET) || !(plan_->states & state_bit(kClose))) return;
  // ss never filters packet rows by p_raw/p_dgr: one selected packet table
  // shows both kinds (only the Netid column hides).
  RecordSink sink = fallback_sink();
  if (paths_->forces_proc("PROC_NET_PACKET")) {
    fallback_packet(*paths_, sink, on_note());
    return;
  }
  DumpRequest req;
  req.table = Table::PacketRaw;
  auto res = dump(req, sink);
  if (!res) return fail("sock_diag dump (packet)", res.error());
  if (res->kernel_error) fallback_packet(*paths_, sink, on_note());
}

void Collector::unix_tables() {
  if (!plan_->has_family(AF_UNIX)) return;
  RecordSink sink = [&](SocketRecord&& r) {
    return !plan_->has_table(r.table) || emit(std::move(r));
  };
  if (paths_->forces_proc("PROC_NET_UNIX")) {
    fallback_unix(*paths_, plan_->states, sink, on_note());
    return;
  }
  DumpRequest req;
  req.table = Table::UnixStream;
  req.states = plan_->states;
  req.unix_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN;
  if (plan_->unix_mem) req.unix_show |= UDIAG_SHOW_MEMINFO;
  if (plan_->unix_details) req.unix_show |= UDIAG_SHOW_VFS | UDIAG_SHOW_ICONS;
  auto res = dump(req, sink);
  if (!res) return fail("sock_diag dump (unix)", res.error());
  if (res->kernel_error) fallback_unix(*paths_, plan_->states, sink, on_note());
}

void Collector::inet(Table t, const char* proc_env) {
  if (!plan_->has_family(AF_INET) && !plan_->has_family(AF_INET6)) return;
  // -K: a destroy that failed with a real error ends this table (as ss).
  bool kill_stop = false;
  RecordSink sink = [&](SocketRecord&& r) {
    if (kill_stop) return false;
    if (!plan_->has_family(r.family) || !wanted(r)) return true;
    if (plan_->kill && !kill(r)) {
      kill_stop = true;
      return false;
    }
    if (!plan_->kill || killed_) return deliver(std::move(r));
    return true;
  };
  if (t == Table::Tcp && !paths_->tcpdiag_file.empty()) {
    // ss's TCPDIAG_FILE: no state or family mask, stop at the first DONE.
    auto res = replay_tcpdiag_file(paths_->tcpdiag_file, fallback_sink());
    if (!res) fail("TCPDIAG_FILE", res.error());
    return;
  }
  // /proc text is no socket the kernel handed us (and may come from a file
  // PROC_NET_* names): as ss, -K shows what matches and destroys nothing.
  RecordSink shown_only = [&](SocketRecord&& r) {
    return !plan_->has_family(r.family) || emit(std::move(r));
  };
  if (paths_->forces_proc(proc_env)) {
    fallback_inet(*paths_, plan_->families, plan_->states, t, shown_only, on_note());
    return;
  }
  // As ss: the last -4/-6/-f picks the request family; v4 then v6 otherwise.
  int family = plan_->preferred_family == AF_INET6 ? AF_INET6 : AF_INET;
  auto request = [&](int af) {
    DumpRequest req;
    req.table = t;
    req.family = af;
    req.states = plan_->states;
    req.inet_ext = plan_->inet_ext;
    if (plan_->filter && !no_bytecode_ && plan_->kernel_bytecode)
      req.bytecode = plan_->filter->bytecode();
    return req;
  };
  // Read on other threads (see CollectPlan::parallel_dumps): the first
  // family's dump while it is parsed, v6 ahead while v4 is; not with -K,
  // whose destroys go in ss's order, nor with recording markers between dumps.
  struct CancelAtExit {
    SocketSource* src;
    ~CancelAtExit() { src->cancel_prefetch(); }
  } cancel_at_exit{src_};
  bool both = family == AF_INET && plan_->preferred_family != AF_INET;
  if (plan_->parallel_dumps && !plan_->kill && !before_dump_) {
    src_->prefetch(request(family), kPrefetchStreaming);
    if (both) src_->prefetch(request(AF_INET6), kPrefetchAhead);
  }
  for (;;) {
    DumpRequest req = request(family);
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
      fallback_inet(*paths_, plan_->families, plan_->states, t, shown_only, on_note());
      return;
    }
    if (stopped_) return;
    if (family == AF_INET && plan_->preferred_family != AF_INET) {
      family = AF_INET6;
      continue;
    }
    return;
  }
}

// -K: destroy `r`; sets killed_ when the kernel closed it. Returns false to
// stop the dump (an error other than "cannot"/"already gone", as ss).
bool Collector::kill(const SocketRecord& r) {
  killed_ = false;
  if (r.cookie == kNoCookie) {
    // INET_DIAG_NOCOOKIE asks the kernel for any socket with these addresses:
    // never from a live dump (cookies are counters), so hostile data; refuse.
    if (!nocookie_warned_)
      note(Diagnostic::Kind::Warning,
           "sockwatch: -K: skipping a socket without a cookie (INET_DIAG_NOCOOKIE would "
           "destroy whatever socket has its addresses)");
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
    ++report_->killed;
    return true;
  }
  int e = res.error().code;
  if (e == EOPNOTSUPP || e == ENOENT) {
    if (e == EOPNOTSUPP) ++report_->kill_unsupported;
    return true;
  }
  note(Diagnostic::Kind::Kernel, fmt::format("SOCK_DESTROY answers: {}", std::strerror(e)));
  if (e == EPERM || e == EACCES)
    note(Diagnostic::Kind::Warning,
         "sockwatch: -K needs CAP_NET_ADMIN in the socket's network namespace");
  report_->status = 1;
  return false;
}

// One kernel dump, retried (twice) when a concurrent change interrupted it.
Expected<DumpResult> Collector::dump(const DumpRequest& req, const RecordSink& sink) {
  for (int attempt = 0;; ++attempt) {
    size_t mark = checkpoint_ ? checkpoint_() : 0;
    uint64_t records = report_->records;
    if (before_dump_) before_dump_(req.table);
    ++report_->dumps;
    auto res = src_->dump(req, sink);
    if (!res || !res->interrupted) return res;
    bool can_retry =
        rollback_ && !plan_->kill && !before_dump_ && attempt < plan_->dump_retries && !stopped_;
    if (!can_retry) {
      ++report_->interrupted;
      note(Diagnostic::Kind::Warning,
           fmt::format("sockwatch: sock_diag dump ({}): interrupted by concurrent changes, "
                       "output may be incomplete",
                       table_netid(req.table)));
      return res;
    }
    ++report_->retried;
    report_->records = records;
    rollback_(mark);
  }
}

void Collector::fail(const std::string& what, const Error& e) {
  note(Diagnostic::Kind::Failure, what + ": " + e.message);
}
}  // namespace sw
