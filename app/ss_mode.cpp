#include "ss_mode.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>

#include "engine/collector.hpp"
#include "engine/namespace_walk.hpp"
#include "engine/owner_gate.hpp"
#include "enrich/cgroup_names.hpp"
#include "env.hpp"
#include "events_mode.hpp"
#include "filter/filter.hpp"
#include "filter_errors.hpp"
#include "netlink/dump_file.hpp"
#include "netlink/source.hpp"
#include "netns.hpp"
#include "plan.hpp"
#include "procfs/owner_enrichment.hpp"
#include "procfs/owner_index.hpp"
#include "recording.hpp"
#include "render/json_rows.hpp"
#include "render/output.hpp"
#include "render/ss_rows.hpp"
#include "render/summary.hpp"
#include "render/text_table.hpp"
#include "replay_owners.hpp"
#include "summary_mode.hpp"
#include "usage_text.hpp"

namespace sw {

namespace {

// libselinux's is_selinux_enabled() without linking libselinux: selinuxfs is
// mounted and the kernel registered it.
bool selinux_enabled() { return ::access("/sys/fs/selinux/enforce", F_OK) == 0; }

// Records held back for a targeted owner scan (see OwnerGate): a selective
// filter's result fits; a full listing overflows it early and scans once.
constexpr size_t kHeldRecords = 1024;

// SW_SCAN_WORKERS=N: the owner scan's thread count (0 or unset: per CPU).
// A knob for bench/ and the tests, not for users.
unsigned scan_workers_from_env() {
  const char* v = std::getenv("SW_SCAN_WORKERS");
  return v ? static_cast<unsigned>(std::strtoul(v, nullptr, 10)) : 0;
}

// Whether advisory hints (lines ss never prints) go to stderr. A person at a
// terminal wants them; a script that merges stderr into what it parses
// (`$(ss -tulnp 2>&1)`) breaks on them, so by default they appear only when
// stderr is a terminal. SOCKWATCH_HINTS=1 forces them, =0 silences them.
// JSON always carries the same facts (owner_scan.denied, owners: null).
bool hints_wanted() {
  const char* v = std::getenv("SOCKWATCH_HINTS");
  if (v && *v) return std::strcmp(v, "0") != 0 && std::strcmp(v, "never") != 0;
  return isatty(STDERR_FILENO) == 1;
}

// ss prints nothing when it cannot read other users' fds, so its users:()
// silently go missing. One line says what was hidden and why.
void report_hidden_owners(const OwnerIndex& idx) {
  const auto& st = idx.stats();
  if (!st.denied || !hints_wanted()) return;
  unsigned uid = geteuid();
  std::string why =
      uid == 0
          ? "unreadable even to root: the process is not dumpable or CAP_SYS_PTRACE is missing"
          : "unreadable to uid " + std::to_string(uid) + "; run as root or with CAP_SYS_PTRACE";
  std::fprintf(
      stderr,
      "sockwatch: -p: owners hidden for %llu of %llu processes (their /proc/PID/fd is %s)\n",
      static_cast<unsigned long long>(st.denied), static_cast<unsigned long long>(st.processes),
      why.c_str());
}

int run_listing(const SsOptions& o, const SourcePaths& env, const Filter* filter,
                NamespaceWalk* walk);

}  // namespace

int run_ss_mode(const SsOptions& o) {
  if (o.netns_given) {
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
  SourcePaths env = source_paths_from_environment();
  if (const char* var = env.overridden_source()) {
    // These variables swap kernel tables for files: under --replay they would
    // mix other data into the recording's, and --record would silently miss
    // the tables they replace.
    bool replay = !o.replay_file.empty();
    if (replay || !o.record_file.empty()) {
      std::fprintf(stderr,
                   "sockwatch: %s cannot be combined with %s in the environment: %s, and the "
                   "variable makes some tables come from a file instead\n",
                   replay ? "--replay" : "--record", var,
                   replay ? "a replay reads every table from the recording"
                          : "a recording holds what the kernel answers");
      return 255;
    }
  }
  // --all-netns: the namespaces are listed once; -s and the listing visit
  // them, and what could not be seen is reported once, at the end.
  std::unique_ptr<NamespaceWalk> walk;
  if (o.all_netns) walk = std::make_unique<NamespaceWalk>(env.proc_root);
  auto finish = [&](int status) {
    if (walk) report_namespaces(*walk);
    return status;
  };
  // ss prints only the summary when -s comes without a table option.
  bool summary_only = o.summary && o.do_default && !o.any_words;
  if (o.summary && !o.json) {
    int st = print_summaries(env, walk.get());
    if (st != 0 || summary_only) return finish(st);
  }
  if (summary_only && o.json) {
    // Only the summary, as one document (or NDJSON lines).
    std::string doc;
    if (o.ndjson) {
      write_summary_lines(doc, env, walk.get());
    } else {
      JsonWriter w(doc);
      w.begin_object();
      w.field("schema", kJsonSchema);
      write_summaries_json(w, env, walk.get());
      w.end_object();
      doc.push_back('\n');
    }
    return finish(write_stdout(doc));
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
    int st = parse_filter_expression(o2, env, filter, kUsageText);
    if (st >= 0) return st;
  }
  return finish(run_listing(o2, env, filter ? &*filter : nullptr, walk.get()));
}

// Parses the filter expression; returns -1 to go on, or an exit status.
int parse_filter_expression(SsOptions& o, const SourcePaths& env, std::optional<Filter>& out,
                            const char* usage) {
  std::vector<std::string> lines;
  if (!o.filter_file.empty()) {
    auto f = read_filter_lines(o.filter_file);
    if (!f) {
      std::string msg = escape_for_terminal(f.error().message) + "\n";
      std::fwrite(msg.data(), 1, msg.size(), stderr);
      return 255;
    }
    lines = std::move(*f);
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
    std::string text = format_filter_error(e, usage);
    std::fwrite(text.data(), 1, text.size(), stderr);
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

namespace {

int run_listing(const SsOptions& o, const SourcePaths& env, const Filter* filter,
                NamespaceWalk* walk) {
  TextTable table;
  if (single_bit(o.dbs)) table.disable(kColNetid);
  if (single_bit(o.states)) table.disable(kColState);
  if (o.all_netns) table.enable(kColNetns);
  if (o.render.show_header) table.add_header();

  RowContext ctx;
  ctx.opt = o.render;
  ctx.show_bpf = o.show_bpf;
  ctx.dbs = o.dbs;
  ctx.ephemeral = read_port_range(
      env.proc_path("PROC_IP_LOCAL_PORT_RANGE", "sys/net/ipv4/ip_local_port_range"));
  // -p: the index is filled by the gate below (before or after the dumps);
  // the formatters keep a pointer to it.
  OwnerIndex owners;
  if (o.render.show_users) ctx.owners = &owners;
  std::unique_ptr<CgroupNames> cgroups;
  if (o.render.show_details || o.render.show_cgroup) {
    cgroups = std::make_unique<CgroupNames>();
    ctx.cgroups = cgroups.get();
  }
  SsRowFormatter formatter(ctx);

  OwnerScanOptions so;
  so.proc_root = env.proc_root;
  so.threads = o.render.show_threads;
  so.details = o.json;  // the text columns show only comm, pid, fd
  so.max_workers = scan_workers_from_env();

  if (o.events) {
    if (o.render.show_users) {
      owners = OwnerIndex::scan(so);
      report_hidden_owners(owners);
    }
    std::unique_ptr<JsonSocketFormatter> json_events;
    if (o.json) json_events = std::make_unique<JsonSocketFormatter>(ctx);
    return follow_events(o, walk, filter, table, formatter, json_events.get());
  }

  std::unique_ptr<SocketSource> source;
  std::unique_ptr<Recording> recording;
  std::function<void(Table)> runner_hook;
  bool replayed_owners = false;
  if (!o.replay_file.empty()) {
    auto r = ReplaySource::open(o.replay_file);
    if (!r) {
      std::fprintf(stderr, "sockwatch: --replay: %s\n", r.error().message.c_str());
      return 1;
    }
    if (o.render.show_users) {
      // -p from the recording's own processes; the gate never scans /proc.
      auto known = owners_from_recording(*r);
      if (!known) {
        std::fprintf(stderr, "sockwatch: --replay %s: %s\n", o.replay_file.c_str(),
                     known.error().message.c_str());
        return 255;
      }
      owners = std::move(*known);
      replayed_owners = true;
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
  RecordSink emit;
  std::unique_ptr<JsonSocketFormatter> json;
  JsonWriter jw(out.buf());
  if (o.json) {
    json = std::make_unique<JsonSocketFormatter>(ctx);
    if (!o.ndjson) {
      jw.begin_object();
      jw.field("schema", kJsonSchema);
      if (o.summary) write_summaries_json(jw, env, walk);
      jw.key("sockets");
      jw.begin_array();
    } else if (o.summary) {
      write_summary_lines(out.buf(), env, walk);
    }
    emit = [&](SocketRecord&& r) {
      jw.rebind(out.buf());
      json->write(jw, r, o.ndjson);
      if (o.ndjson) out.buf().push_back('\n');
      out.maybe_flush();
      return true;
    };
  } else {
    emit = [&](SocketRecord&& r) {
      formatter.add(table, r);
      return true;
    };
  }
  // Without -p the gate is a plain pass-through that never scans.
  OwnerGate gate(so, owners, emit, o.render.show_users ? kHeldRecords : 0);
  if (!o.render.show_users || replayed_owners)
    gate.pass_through();
  else if (!walk)
    gate.scan_ahead();  // beside the dumps (--all-netns scans before them)
  int status = 0;
  CollectPlan plan = collect_plan(o, filter);
  plan.parallel_dumps = true;  // one listing: its wall time is what counts
  // Enrichment as data, before any formatter sees the record (the netlink
  // Port column's comm; owners come from the gate's index).
  RecordEnrichOptions enrich;
  enrich.proc_root = env.proc_root;
  enrich.netlink_comm = !o.render.numeric;  // ss reads no /proc with -n
  RecordSink to_gate = [&](SocketRecord&& r) {
    if (needs_enrichment(r, enrich)) enrich_record(r, enrich);
    return gate.add(std::move(r));
  };
  // One collector per source: in --all-netns each namespace gets its own, so
  // that -K's SOCK_DESTROY socket belongs to the namespace it destroys in.
  auto run_source = [&](SocketSource& src) {
    Collector collector(src);
    collector.set_diagnostics([](Diagnostic&& d) { print_diagnostic(d); });
    collector.set_before_dump(runner_hook);
    if (!o.json) {
      // A mark counts table rows as if the held records were already in it.
      collector.set_rollback([&] { return table.rows() + gate.held(); },
                             [&](size_t n) {
                               if (gate.holding())
                                 gate.drop_held_after(n - table.rows());
                               else
                                 table.truncate(n);
                             });
    }
    CollectReport rep = collector.collect(plan, env, to_gate);
    if (rep.status) status = rep.status;
  };
  if (walk) {
    // Rows are formatted as they arrive, inside their namespace (interface
    // names differ per namespace), so owners are known before the first.
    if (o.render.show_users) gate.scan_all();
    int st = visit_namespaces(*walk, [&](const NetnsLabel& ns) {
      formatter.set_netns(ns);
      if (json) json->set_netns(ns);
      LiveSource live;
      run_source(live);
    });
    if (st) status = st;
  } else {
    run_source(*source);
  }
  gate.finish();
  if (o.render.show_users) report_hidden_owners(owners);
  if (recording && !recording->close()) return 1;

  if (o.json) {
    if (!o.ndjson) {
      jw.rebind(out.buf());
      jw.end_array();
      if (o.render.show_users) write_owner_scan_json(jw, owners.stats());
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
  return status;
}

}  // namespace

}  // namespace sw
