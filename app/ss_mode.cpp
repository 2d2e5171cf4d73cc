#include "ss_mode.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <net/if.h>
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
#include "events_mode.hpp"
#include "filter/filter.hpp"
#include "netlink/dump_file.hpp"
#include "netlink/source.hpp"
#include "netns.hpp"
#include "plan.hpp"
#include "procfs/owner_index.hpp"
#include "recording.hpp"
#include "render/json_rows.hpp"
#include "render/output.hpp"
#include "render/ss_rows.hpp"
#include "render/summary.hpp"
#include "render/text_table.hpp"
#include "runner.hpp"
#include "summary_mode.hpp"
#include "usage_text.hpp"

namespace sw {

namespace {

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
