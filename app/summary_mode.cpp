#include "summary_mode.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/files.hpp"
#include "engine/namespace_walk.hpp"
#include "plan.hpp"
#include "render/json_rows.hpp"
#include "render/output.hpp"
#include "render/summary.hpp"

namespace sw {

SockStat load_sockstat(const SourcePaths& env) {
  SockStat st;
  std::string text, why;
  // ss's words when a file cannot be opened; ours (naming it) when it was
  // opened but is a directory or too big.
  auto complain = [&](const char* ss_what) {
    if (errno == EFBIG || errno == EISDIR)
      std::fprintf(stderr, "sockwatch: %s\n", why.c_str());
    else if (ss_what)
      std::fprintf(stderr, "ss: %s: %s\n", ss_what, std::strerror(errno));
  };
  if (read_text_file(env.proc_path("PROC_NET_SOCKSTAT", "net/sockstat"), text, kMaxSmallFileBytes,
                     &why)) {
    parse_sockstat(text, st);
  } else {
    complain("get_sockstat");
  }
  if (read_text_file(env.proc_path("PROC_NET_SOCKSTAT6", "net/sockstat6"), text, kMaxSmallFileBytes,
                     &why))
    parse_sockstat(text, st);
  else
    complain(nullptr);
  if (read_text_file(env.proc_path("PROC_NET_SNMP", "net/snmp"), text, kMaxSmallFileBytes, &why)) {
    auto estab = parse_snmp_field(text, "Tcp", "CurrEstab");
    if (estab)
      st.tcp_estab = static_cast<int>(*estab);
    else
      std::fprintf(stderr, "ss: get_snmpstat: %s\n", estab.error().message.c_str());
  } else {
    complain("get_snmpstat");
  }
  return st;
}

int write_stdout(std::string_view text) {
  // Through Writer, not stdio, so a full disk or a closed fd is seen:
  // ss -s > /dev/full exits 0 silently, which loses the summary unnoticed.
  Writer out(STDOUT_FILENO);
  out.append(text);
  if (!out.flush() && !out.broken_pipe()) {
    std::fprintf(stderr, "sockwatch: writing stdout: %s\n", std::strerror(out.error()));
    return 1;
  }
  return 0;
}

int print_summaries(const SourcePaths& env, NamespaceWalk* walk) {
  std::string text;
  auto one = [&](const NetnsLabel* ns) {
    if (ns) text += "Netns " + ns->text() + ":\n";
    text += format_summary(load_sockstat(env));
  };
  int status = 0;
  if (walk)
    status = visit_namespaces(*walk, [&](const NetnsLabel& ns) { one(&ns); });
  else
    one(nullptr);
  int wrote = write_stdout(text);
  return status ? status : wrote;
}

void write_summaries_json(JsonWriter& w, const SourcePaths& env, NamespaceWalk* walk) {
  if (!walk) {
    w.key("summary");
    write_summary_json(w, load_sockstat(env));
    return;
  }
  w.key("netns_summaries");
  w.begin_array();
  visit_namespaces(*walk, [&](const NetnsLabel& ns) {
    w.begin_object();
    write_netns(w, ns);
    w.key("summary");
    write_summary_json(w, load_sockstat(env));
    w.end_object();
  });
  w.end_array();
}

void write_summary_lines(std::string& out, const SourcePaths& env, NamespaceWalk* walk) {
  auto line = [&](const NetnsLabel* ns) {
    JsonWriter w(out);
    w.begin_object();
    w.field("schema", kJsonSchema);
    if (ns) write_netns(w, *ns);
    w.key("summary");
    write_summary_json(w, load_sockstat(env));
    w.end_object();
    out.push_back('\n');
  };
  if (walk)
    visit_namespaces(*walk, [&](const NetnsLabel& ns) { line(&ns); });
  else
    line(nullptr);
}

}  // namespace sw
