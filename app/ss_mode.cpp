#include "ss_mode.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/inet_diag.h>
#include <linux/unix_diag.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>

#include "enrich/cgroup_names.hpp"
#include "env.hpp"
#include "fallback.hpp"
#include "filter/filter.hpp"
#include "netlink/destroy.hpp"
#include "netlink/dump_file.hpp"
#include "netlink/events.hpp"
#include "netlink/source.hpp"
#include "netns.hpp"
#include "procfs/owner_index.hpp"
#include "render/json_rows.hpp"
#include "render/output.hpp"
#include "render/ss_rows.hpp"
#include "render/summary.hpp"
#include "render/text_table.hpp"
#include "summary_mode.hpp"
#include "usage_text.hpp"

namespace sw {

namespace {

bool has_family(const SsOptions& o, int af) { return o.families & (uint64_t{1} << af); }
bool has_table(const SsOptions& o, Table t) { return o.dbs & table_bit(t); }
bool single_bit(uint64_t v) { return v && !(v & (v - 1)); }

int screen_width() {
  if (!isatty(STDOUT_FILENO)) return -1;
  winsize w{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) != -1 && w.ws_col > 0) return w.ws_col;
  return -1;
}

uint8_t inet_ext_bits(const SsOptions& o) {
  uint8_t ext = 0;
  auto bit = [](int a) { return static_cast<uint8_t>(1u << (a - 1)); };  // idiag_ext bit
  if (o.render.show_mem)
    ext = static_cast<uint8_t>(ext | bit(INET_DIAG_MEMINFO) | bit(INET_DIAG_SKMEMINFO));
  if (o.render.show_tcpinfo)
    ext = static_cast<uint8_t>(ext | bit(INET_DIAG_INFO) | bit(INET_DIAG_VEGASINFO) |
                               bit(INET_DIAG_CONG));
  if (o.render.show_tos)
    ext = static_cast<uint8_t>(ext | bit(INET_DIAG_TOS) | bit(INET_DIAG_TCLASS));
  return ext;
}

void warn(const std::string& msg) { std::fprintf(stderr, "sockwatch: %s\n", msg.c_str()); }

class Runner {
 public:
  using Emit = std::function<void(SocketRecord&&)>;
  Runner(const SsOptions& o, const SsEnv& env, SocketSource& src, const Filter* filter, Emit emit)
      : o_(o), env_(env), src_(src), filter_(filter), emit_(std::move(emit)) {}

  void run() {
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
    if (has_table(o_, Table::Mptcp)) inet(Table::Mptcp, "PROC_NET_MPTCP");
  }
  int status() const { return status_; }
  // Called before each kernel dump with the table it is for (--record markers).
  void set_before_dump(std::function<void(Table)> fn) { before_dump_ = std::move(fn); }
  // How to undo the rows emitted since a checkpoint, for a dump the kernel
  // flagged NLM_F_DUMP_INTR. Without it (streamed JSON) such a dump is kept
  // and reported.
  void set_rollback(std::function<size_t()> checkpoint, std::function<void(size_t)> rollback) {
    checkpoint_ = std::move(checkpoint);
    rollback_ = std::move(rollback);
  }

 private:
  bool wanted(const SocketRecord& r) const { return !filter_ || filter_->matches(r); }
  void emit(SocketRecord&& r) {
    if (wanted(r)) emit_(std::move(r));
  }

  void netlink() {
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

  void packet() {
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

  void unix_tables() {
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

  void inet(Table t, const char* proc_env) {
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
    if (env_.forces_proc(proc_env)) {
      fallback_inet(env_, o_, t, sink);
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
        fallback_inet(env_, o_, t, sink);
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
  bool kill(const SocketRecord& r) {
    killed_ = false;
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

 public:
  // After the run: a hint when the kernel refused every destroy as unsupported.
  void report_kill() const {
    if (kill_unsupported_)
      std::fprintf(stderr,
                   "sockwatch: the kernel could not destroy %llu socket(s): it lacks "
                   "CONFIG_INET_DIAG_DESTROY or does not support it for that protocol\n",
                   static_cast<unsigned long long>(kill_unsupported_));
  }

 private:
  // One kernel dump, retried (twice) when a concurrent change interrupted it.
  Expected<DumpResult> dump(const DumpRequest& req, const RecordSink& sink) {
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

  void fail(const std::string& what, const Error& e) {
    std::fprintf(stderr, "%s: %s\n", what.c_str(), e.message.c_str());
    status_ = 1;
  }

  const SsOptions& o_;
  const SsEnv& env_;
  SocketSource& src_;
  const Filter* filter_;
  Emit emit_;
  std::function<void(Table)> before_dump_;
  std::function<size_t()> checkpoint_;
  std::function<void(size_t)> rollback_;
  std::unique_ptr<DiagSocket> kill_sock_;
  bool no_bytecode_ = false;
  bool killed_ = false;
  uint64_t kill_unsupported_ = 0;
  int status_ = 0;
};

// --record FILE: every dump's raw replies, each table announced by a marker.
class Recording {
 public:
  bool open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      std::fprintf(stderr, "sockwatch: --record %s: %s\n", path.c_str(), std::strerror(errno));
      return false;
    }
    writer_ = std::make_unique<Writer>(fd_, path);
    return true;
  }
  void write(const uint8_t* p, size_t n) {
    writer_->append(std::string_view(reinterpret_cast<const char*>(p), n));
  }
  bool close() {
    bool ok = writer_->flush();
    if (!ok)
      std::fprintf(stderr, "sockwatch: writing %s: %s\n", writer_->name().c_str(),
                   std::strerror(writer_->error()));
    writer_.reset();
    if (::close(fd_) != 0 && ok) {
      std::fprintf(stderr, "sockwatch: closing recording: %s\n", std::strerror(errno));
      ok = false;
    }
    return ok;
  }

 private:
  int fd_ = -1;
  std::unique_ptr<Writer> writer_;
};

// -D FILE: the raw TCP dump, as ss writes it, before any expression is parsed.
int write_tcp_dump(const SsOptions& o) {
  if (!has_table(o, Table::Tcp)) {
    std::fputs("ss: tcpdiag dump requested and no tcp in filter.\n", stderr);
    return 0;
  }
  int fd = STDOUT_FILENO;
  if (o.dump_file != "-") {
    fd = ::open(o.dump_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::fprintf(stderr, "sockwatch: %s: %s\n", o.dump_file.c_str(), std::strerror(errno));
      return 1;
    }
  }
  Writer w(fd, o.dump_file == "-" ? "stdout" : o.dump_file);
  LiveSource live;
  live.set_recorder([&](const uint8_t* p, size_t n) {
    w.append(std::string_view(reinterpret_cast<const char*>(p), n));
  });
  int family = o.preferred_family == AF_INET6 ? AF_INET6 : AF_INET;
  int status = 0;
  for (;;) {
    DumpRequest req;
    req.table = Table::Tcp;
    req.family = family;
    req.states = o.states;
    req.inet_ext = inet_ext_bits(o);
    auto res = live.dump(req, [](SocketRecord&&) {});
    if (!res) {
      std::fprintf(stderr, "sock_diag dump (tcp): %s\n", res.error().message.c_str());
      status = 1;
      break;
    }
    if (family == AF_INET && o.preferred_family != AF_INET) {
      family = AF_INET6;
      continue;
    }
    break;
  }
  if (!w.flush() && !w.broken_pipe()) {
    std::fprintf(stderr, "sockwatch: writing %s: %s\n", w.name().c_str(), std::strerror(w.error()));
    status = 1;
  }
  if (fd != STDOUT_FILENO) ::close(fd);
  return status;
}

// -E: print each destroyed socket as the kernel reports it, flushed at once
// (ss 6.1 buffers and loses events when killed; we do not).
// With -j/--ndjson every event is one JSON object on its own line.
int follow_events(const SsOptions& o, const Filter* filter, TextTable& table, SsRowFormatter& fmt,
                  JsonSocketFormatter* json) {
  EventGroups g;
  bool v4 = has_family(o, AF_INET), v6 = has_family(o, AF_INET6);
  g.tcp4 = v4 && has_table(o, Table::Tcp);
  g.udp4 = v4 && has_table(o, Table::Udp);
  g.tcp6 = v6 && has_table(o, Table::Tcp);
  g.udp6 = v6 && has_table(o, Table::Udp);
  if (!g.any()) return 255;  // ss exits -1 when no TCP/UDP table is selected
  Writer out(STDOUT_FILENO);
  int width = screen_width();
  auto flush_rows = [&]() {
    table.render(out, width);
    table.clear_rows();
    return out.flush();
  };
  bool write_failed = false;
  auto res = listen_destroy_events(
      g,
      [&](SocketRecord&& r) {
        if (!has_family(o, r.family) || (filter && !filter->matches(r))) return true;
        bool ok;
        if (json) {
          JsonWriter w(out.buf());
          json->write(w, r, true);
          out.buf().push_back('\n');
          ok = out.flush();
        } else {
          fmt.add(table, r);
          ok = flush_rows();
        }
        if (!ok) {
          write_failed = !out.broken_pipe();
          return false;
        }
        return true;
      },
      [] {
        std::fputs("sockwatch: -E: the kernel dropped events (receive buffer full)\n", stderr);
      });
  if (write_failed) {
    std::fprintf(stderr, "sockwatch: writing stdout: %s\n", std::strerror(out.error()));
    return 1;
  }
  if (!res) {
    std::fprintf(stderr, "%s\n", res.error().message.c_str());
    return 1;
  }
  return 0;
}

// libselinux's is_selinux_enabled() without linking libselinux: selinuxfs is
// mounted and the kernel registered it.
bool selinux_enabled() { return ::access("/sys/fs/selinux/enforce", F_OK) == 0; }

int parse_expression(SsOptions& o, const SsEnv& env, std::optional<Filter>& out);
int run_listing(const SsOptions& o, const SsEnv& env, const Filter* filter);

}  // namespace

int run_ss_mode(const SsOptions& o) {
  if (!o.netns.empty()) {
    auto r = switch_netns(o.netns);
    if (!r) {
      std::fprintf(stderr, "%s\n", r.error().message.c_str());
      return 1;
    }
  }
  if (o.proc_ctx && !selinux_enabled()) {
    std::fputs("ss: SELinux is not enabled.\n", stderr);
    return 1;
  }
  SsEnv env = SsEnv::from_environment();
  if (o.summary && !o.json) {
    int st = print_summary(env);
    if (st != 0) return st;
    if (o.do_default && !o.any_words) return 0;
  }
  if (o.summary && o.json && o.do_default && !o.any_words) {
    // Only the summary, as one document (or one NDJSON line).
    std::string doc;
    JsonWriter w(doc);
    w.begin_object();
    w.field("schema", kJsonSchema);
    w.key("summary");
    write_summary_json(w, load_sockstat(env));
    w.end_object();
    doc.push_back('\n');
    std::fwrite(doc.data(), 1, doc.size(), stdout);
    return 0;
  }
  if (o.dbs == 0) {
    std::fputs("ss: no socket tables to show with such filter.\n", stderr);
    return 0;
  }
  if (o.families == 0) {
    std::fputs("ss: no families to show with such filter.\n", stderr);
    return 0;
  }
  if (o.states == 0) {
    std::fputs("ss: no socket states to show with such filter.\n", stderr);
    return 0;
  }
  if (!o.dump_file.empty()) return write_tcp_dump(o);

  // The expression is parsed after -D (ss dumps before it), against the
  // options' families; a prefixed condition (unix:, inet6:...) replaces them.
  SsOptions o2 = o;
  std::optional<Filter> filter;
  if (!o.filter_words.empty() || !o.filter_file.empty()) {
    int st = parse_expression(o2, env, filter);
    if (st >= 0) return st;
  }
  return run_listing(o2, env, filter ? &*filter : nullptr);
}

namespace {

// Parses the filter expression; returns -1 to go on, or an exit status.
int parse_expression(SsOptions& o, const SsEnv& env, std::optional<Filter>& out) {
  std::vector<std::string> lines;
  if (!o.filter_file.empty()) {
    auto f = read_filter_file(o.filter_file);
    if (f.error) {
      std::fprintf(stderr, "%s\n", f.error->c_str());
      return 255;
    }
    lines = std::move(f.lines);
  }
  FilterContext ctx;
  ctx.preferred_family = o.preferred_family;
  ctx.has_tcp = has_table(o, Table::Tcp);
  ctx.has_udp = has_table(o, Table::Udp);
  ctx.ephemeral = read_port_range(
      env.proc_path("PROC_IP_LOCAL_PORT_RANGE", "sys/net/ipv4/ip_local_port_range"));
  ctx.ifindex_of = [](const std::string& name) { return if_nametoindex(name.c_str()); };
  ctx.cgroup_id_of = [](const std::string& path) { return cgroup_id_of_path(path); };
  auto r = parse_filter(o.filter_words, lines, ctx);
  if (r.error) {
    const FilterError& e = *r.error;
    std::fputs(e.ss_message.c_str(), stderr);
    if (e.status == 255) std::fputs(kUsageText, stderr);
    std::fprintf(stderr, "sockwatch: filter: %s\n  %s\n  %s%s\n", e.explanation.c_str(),
                 e.expression.c_str(), std::string(e.caret_at, ' ').c_str(),
                 std::string(e.caret_len, '^').c_str());
    return e.status;
  }
  for (const auto& w : r.filter->warnings)
    std::fprintf(stderr, "sockwatch: warning: %s\n", w.c_str());
  if (r.filter->family_override) {
    o.families = uint64_t{1} << *r.filter->family_override;
    o.preferred_family = *r.filter->family_override;
  }
  out = std::move(r.filter);
  return -1;
}

int run_listing(const SsOptions& o, const SsEnv& env, const Filter* filter) {
  TextTable table;
  if (single_bit(o.dbs)) table.disable(kColNetid);
  if (single_bit(o.states)) table.disable(kColState);
  if (o.render.show_header) table.add_header();

  RowContext ctx;
  ctx.opt = o.render;
  ctx.proc_root = env.proc_root;
  ctx.show_bpf = o.show_bpf;
  ctx.dbs = o.dbs;
  ctx.ephemeral = read_port_range(
      env.proc_path("PROC_IP_LOCAL_PORT_RANGE", "sys/net/ipv4/ip_local_port_range"));
  std::unique_ptr<OwnerIndex> owners;
  if (o.render.show_users) {
    OwnerScanOptions so;
    so.proc_root = env.proc_root;
    so.threads = o.render.show_threads;
    owners = std::make_unique<OwnerIndex>(OwnerIndex::scan(so));
    ctx.owners = owners.get();
  }
  std::unique_ptr<CgroupNames> cgroups;
  if (o.render.show_details || o.render.show_cgroup) {
    cgroups = std::make_unique<CgroupNames>();
    ctx.cgroups = cgroups.get();
  }
  SsRowFormatter formatter(ctx);

  if (o.events) {
    std::unique_ptr<JsonSocketFormatter> json_events;
    if (o.json) json_events = std::make_unique<JsonSocketFormatter>(ctx);
    return follow_events(o, filter, table, formatter, json_events.get());
  }

  std::unique_ptr<SocketSource> source;
  std::unique_ptr<Recording> recording;
  std::function<void(Table)> runner_hook;
  if (!o.replay_file.empty()) {
    auto r = ReplaySource::open(o.replay_file);
    if (!r) {
      std::fprintf(stderr, "sockwatch: --replay: %s\n", r.error().message.c_str());
      return 1;
    }
    source = std::make_unique<ReplaySource>(std::move(*r));
  } else {
    auto live = std::make_unique<LiveSource>();
    if (!o.record_file.empty()) {
      recording = std::make_unique<Recording>();
      if (!recording->open(o.record_file)) return 1;
      live->set_recorder([rec = recording.get()](const uint8_t* p, size_t n) { rec->write(p, n); });
      runner_hook = [rec = recording.get()](Table t) {
        auto m = table_marker(t);
        rec->write(m.data(), m.size());
      };
    }
    source = std::move(live);
  }

  Writer out(STDOUT_FILENO);
  Runner::Emit emit;
  std::unique_ptr<JsonSocketFormatter> json;
  JsonWriter jw(out.buf());
  if (o.json) {
    json = std::make_unique<JsonSocketFormatter>(ctx);
    if (!o.ndjson) {
      jw.begin_object();
      jw.field("schema", kJsonSchema);
      if (o.summary) {
        jw.key("summary");
        write_summary_json(jw, load_sockstat(env));
      }
      jw.key("sockets");
      jw.begin_array();
    } else if (o.summary) {
      jw.begin_object();
      jw.field("schema", kJsonSchema);
      jw.key("summary");
      write_summary_json(jw, load_sockstat(env));
      jw.end_object();
      out.buf().push_back('\n');
    }
    emit = [&](SocketRecord&& r) {
      jw.rebind(out.buf());
      json->write(jw, r, o.ndjson);
      if (o.ndjson) out.buf().push_back('\n');
      out.maybe_flush();
    };
  } else {
    emit = [&](SocketRecord&& r) { formatter.add(table, r); };
  }
  Runner runner(o, env, *source, filter, emit);
  runner.set_before_dump(runner_hook);
  if (!o.json)
    runner.set_rollback([&] { return table.rows(); }, [&](size_t n) { table.truncate(n); });
  runner.run();
  runner.report_kill();
  if (recording && !recording->close()) return 1;

  if (o.json) {
    if (!o.ndjson) {
      jw.rebind(out.buf());
      jw.end_array();
      jw.end_object();
      out.buf().push_back('\n');
    }
  } else {
    table.render(out, screen_width());
  }
  if (!out.flush() && !out.broken_pipe()) {
    std::fprintf(stderr, "sockwatch: writing stdout: %s\n", std::strerror(out.error()));
    return 1;
  }
  return runner.status();
}

}  // namespace

}  // namespace sw
