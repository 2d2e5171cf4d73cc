#include "evidence_cli.hpp"

#include <cstdio>

#include "core/escape.hpp"
#include "engine/evidence.hpp"
#include "env.hpp"
#include "recording.hpp"

namespace sw {

Expected<Evidence> look_at_host(const LookOptions& o) {
  if (!o.replay.empty()) {
    auto ev = load_evidence(o.replay);
    if (!ev) return Error{"--replay: " + ev.error().message, ev.error().code};
    return ev;
  }
  EvidenceOptions opt;
  opt.paths = source_paths_from_environment();
  opt.all_netns = !o.this_netns;
  Recording rec;
  if (!o.record.empty()) {
    if (!rec.open(o.record)) return Error{"--record: cannot write " + o.record, 0};
    opt.record = [&rec](const uint8_t* p, size_t n) { rec.write(p, n); };
  }
  auto ev = collect_evidence(opt);
  // A look that failed leaves a recording without its end marker, which
  // --replay refuses as cut short: never a file that reads as complete.
  if (!o.record.empty() && ev && !rec.close())
    return Error{"--record: " + o.record + " could not be completed", 0};
  return ev;
}

void report_visibility(const Evidence& ev, const char* sub) {
  for (const auto& n : ev.visibility.notes) {
    // Collector and namespace-walk lines come worded for ss mode.
    std::string_view line = n;
    if (line.starts_with("sockwatch: ")) line.remove_prefix(11);
    std::string shown;
    append_escaped(shown, line);
    std::fprintf(stderr, "sockwatch %s: %s\n", sub, shown.c_str());
  }
}

void json_host(JsonWriter& w, const HostInfo& h) {
  w.key("host");
  w.begin_object();
  w.text("name", h.hostname);
  w.text("id", h.machine_id);
  w.text("boot_id", h.boot_id);
  w.end_object();
}

void json_visibility(JsonWriter& w, const Visibility& v) {
  w.key("could_not_see");
  w.begin_object();
  w.field("fd_dirs_denied", v.fd_dirs_denied);
  w.field("pids_vanished", v.pids_vanished);
  w.field("namespaces_not_entered", v.namespaces_not_entered);
  w.field("netlink_errors", v.netlink_errors);
  w.key("notes");
  w.begin_array();
  for (const auto& n : v.notes) w.value(n);
  w.end_array();
  w.end_object();
}

}  // namespace sw
