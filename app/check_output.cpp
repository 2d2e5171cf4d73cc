#include "check_output.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/escape.hpp"
#include "evidence_cli.hpp"
#include "render/community_id.hpp"
#include "render/ecs_text.hpp"
#include "render/event_json.hpp"
#include "render/json_writer.hpp"

namespace sw {

namespace {

// A command line longer than this is cut in the text form (JSON has it whole).
constexpr size_t kTextCmdlineMax = 160;

std::string esc(std::string_view s) {
  std::string out;
  append_escaped(out, s);
  return out;
}

std::string short_cmdline(std::string_view c) {
  if (c.size() <= kTextCmdlineMax) return esc(c);
  size_t cut = kTextCmdlineMax;
  while (cut > 0 && (static_cast<unsigned char>(c[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8
  return esc(c.substr(0, cut)) + fmt::format("... ({} bytes)", c.size());
}

std::string process_line(const ProcessSummary& p) {
  std::string out = fmt::format("{} (pid {}", esc(p.comm), p.pid);
  if (p.uid) out += fmt::format(", uid {}", *p.uid);
  if (!p.user.empty()) out += " " + esc(p.user);
  out += ")";
  if (!p.exe.empty()) out += " " + esc(p.exe) + (p.exe_deleted ? " (deleted)" : "");
  if (!p.container.empty()) out += " in " + esc(p.container);
  return out;
}

std::string socket_line(const SocketSummary& s) {
  std::string out = s.proto;
  if (!s.local.empty()) out += " " + esc(s.local);
  if (!s.peer.empty() && s.peer != "*:*" && s.peer != "*") out += " -> " + esc(s.peer);
  if (!s.state.empty()) out += " " + s.state;
  if (!s.interface.empty()) out += " dev " + esc(s.interface);
  if (s.inode) out += fmt::format(" ino {}", s.inode);
  if (!s.netns_name.empty()) out += " netns " + esc(s.netns_name);
  return out;
}

std::string counts_text(const CheckResult& r) {
  std::array<uint64_t, 5> n{};
  for (const auto& f : r.findings) n[static_cast<size_t>(f.severity)]++;
  std::string out;
  for (int s = 4; s >= 0; --s) {
    if (!n[static_cast<size_t>(s)]) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", n[static_cast<size_t>(s)], severity_name(static_cast<Severity>(s)));
  }
  return out;
}

const char* max_severity(const CheckResult& r) {
  if (r.findings.empty()) return nullptr;
  Severity m = Severity::Info;
  for (const auto& f : r.findings) m = std::max(m, f.severity);
  return severity_name(m);
}

// ---- JSON ------------------------------------------------------------------

void json_process(JsonWriter& w, const ProcessSummary& p) {
  w.begin_object();
  w.field("pid", p.pid);
  w.field("ppid", p.ppid);
  w.text("comm", p.comm);
  w.text("exe", p.exe);
  w.field("exe_deleted", p.exe_deleted);
  w.text("cmdline", p.cmdline);
  if (p.uid) w.field("uid", *p.uid);
  if (!p.user.empty()) w.text("user", p.user);
  if (!p.container.empty()) w.text("container", p.container);
  w.end_object();
}

void json_socket(JsonWriter& w, const SocketSummary& s) {
  w.begin_object();
  w.field("proto", s.proto);
  w.text("local", s.local);
  w.text("peer", s.peer);
  if (!s.local_addr.empty()) w.field("local_addr", s.local_addr);
  if (!s.peer_addr.empty()) w.field("peer_addr", s.peer_addr);
  w.field("local_port", static_cast<uint32_t>(s.local_port));
  w.field("peer_port", static_cast<uint32_t>(s.peer_port));
  w.field("state", s.state);
  w.field("inode", s.inode);
  w.field("netns", s.netns);
  if (!s.netns_name.empty()) w.text("netns_name", s.netns_name);
  if (!s.interface.empty()) w.text("interface", s.interface);
  w.end_object();
}

void json_finding(JsonWriter& w, const Finding& f) {
  w.begin_object();
  w.field("rule", f.rule_id);
  w.field("detector", f.detector);
  w.field("severity", severity_name(f.severity));
  w.text("explanation", f.explanation);
  w.text("description", f.rule_description);
  if (!f.technique_id.empty()) {
    w.key("technique");
    w.begin_object();
    w.field("id", f.technique_id);
    w.field("name", f.technique_name);
    w.end_object();
  }
  if (f.socket) {
    w.key("socket");
    json_socket(w, *f.socket);
  }
  if (f.process) {
    w.key("process");
    json_process(w, *f.process);
  }
  w.key("parents");
  w.begin_array();
  for (const auto& p : f.parents) json_process(w, p);
  w.end_array();
  if (f.peer_process) {
    w.key("peer_process");
    json_process(w, *f.peer_process);
  }
  w.key("details");
  w.begin_object();
  for (const auto& [k, v] : f.details) w.text(k, v);
  w.end_object();
  w.end_object();
}

void json_not_run(JsonWriter& w, const CheckResult& r) {
  w.key("not_run");
  w.begin_array();
  for (const auto& n : r.not_run) {
    w.begin_object();
    w.field("rule", n.rule_id);
    w.text("why", n.why);
    w.end_object();
  }
  w.end_array();
}

// ---- ECS -------------------------------------------------------------------

std::optional<IpAddr> parse_ip(const std::string& s, uint8_t family) {
  IpAddr a;
  a.family = family;
  if (s.empty() || inet_pton(family, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  return a;
}

// ECS event.severity: a number; sockwatch's 0..4 scale (docs/rules.md).
int ecs_severity(Severity s) { return static_cast<int>(s); }

void ecs_process(JsonWriter& w, const ProcessSummary& p, const std::vector<ProcessSummary>& parents,
                 EcsRawText& raws) {
  w.key("process");
  w.begin_object();
  w.field("pid", p.pid);
  raws.text(w, "name", p.comm, "process_name");
  if (!p.exe.empty()) raws.text(w, "executable", p.exe, "process_executable");
  if (!p.cmdline.empty()) raws.text(w, "command_line", p.cmdline, "process_command_line");
  if (!parents.empty() || p.ppid) {
    w.key("parent");
    w.begin_object();
    w.field("pid", parents.empty() ? p.ppid : parents.front().pid);
    if (!parents.empty()) {
      raws.text(w, "name", parents.front().comm, "process_parent_name");
      if (!parents.front().exe.empty())
        raws.text(w, "executable", parents.front().exe, "process_parent_executable");
    }
    w.end_object();
  }
  w.end_object();
  if (p.uid || !p.user.empty()) {
    w.key("user");
    w.begin_object();
    if (p.uid) w.field("id", std::string_view(std::to_string(*p.uid)));
    if (!p.user.empty()) raws.text(w, "name", p.user, "user_name");
    w.end_object();
  }
  if (!p.container.empty()) {
    w.key("container");
    w.begin_object();
    raws.text(w, "id", p.container, "container_id");
    w.end_object();
  }
}

void ecs_network(JsonWriter& w, const SocketSummary& s) {
  bool inet = s.family == AF_INET || s.family == AF_INET6;
  if (!inet) return;
  auto local = parse_ip(s.local_addr, s.family);
  auto peer = parse_ip(s.peer_addr, s.family);
  if (local) {
    w.key("source");
    w.begin_object();
    w.field("ip", s.local_addr);
    w.field("port", static_cast<uint32_t>(s.local_port));
    w.end_object();
  }
  bool has_peer = peer && !peer->is_any() && s.peer_port;
  if (has_peer) {
    w.key("destination");
    w.begin_object();
    w.field("ip", s.peer_addr);
    w.field("port", static_cast<uint32_t>(s.peer_port));
    w.end_object();
  }
  w.key("network");
  w.begin_object();
  w.field("type", s.family == AF_INET6 ? "ipv6" : "ipv4");
  uint8_t iana = s.proto == "tcp" ? kIanaTcp : s.proto == "udp" ? kIanaUdp : 0;
  if (iana) w.field("transport", s.proto);
  if (iana && local && has_peer)
    w.field("community_id",
            std::string_view(community_id_v1(*local, s.local_port, *peer, s.peer_port, iana)));
  w.end_object();
}

void ecs_head(JsonWriter& w, const CheckResult& r) {
  w.field("@timestamp", std::string_view(rfc3339_us(r.host.taken_us)));
  w.key("ecs");
  w.begin_object();
  w.field("version", kEcsVersion);
  w.end_object();
}

std::string ecs_finding(const CheckResult& r, const Finding& f) {
  std::string out;
  JsonWriter w(out);
  EcsRawText raws;
  w.begin_object();
  ecs_head(w, r);
  raws.text(w, "message", f.explanation, "message");
  w.key("event");
  w.begin_object();
  w.field("kind", "alert");
  w.key("category");
  w.begin_array();
  w.value("intrusion_detection");
  if (f.socket) w.value("network");
  if (f.process) w.value("process");
  w.end_array();
  // ECS's expected type for intrusion_detection alerts that block nothing.
  w.key("type");
  w.begin_array();
  w.value("info");
  w.end_array();
  w.field("action", "check_finding");
  w.field("module", "sockwatch");
  w.field("dataset", "sockwatch.check");
  w.field("severity", ecs_severity(f.severity));
  w.end_object();
  w.key("rule");
  w.begin_object();
  w.field("id", f.rule_id);
  w.field("name", f.rule_id);
  w.field("description", f.rule_description);
  w.field("ruleset", "sockwatch");
  w.end_object();
  if (!f.technique_id.empty()) {
    w.key("threat");
    w.begin_object();
    w.field("framework", "MITRE ATT&CK");
    w.key("technique");
    w.begin_object();
    w.key("id");
    w.begin_array();
    w.value(f.technique_id);
    w.end_array();
    w.key("name");
    w.begin_array();
    w.value(f.technique_name);
    w.end_array();
    w.end_object();
    w.end_object();
  }
  write_ecs_host(w, r.host);
  if (f.process) ecs_process(w, *f.process, f.parents, raws);
  if (f.socket) ecs_network(w, *f.socket);
  w.key("sockwatch");
  w.begin_object();
  w.field("severity", severity_name(f.severity));
  w.field("detector", f.detector);
  w.text("source", r.source);
  if (f.socket) {
    w.key("socket");
    json_socket(w, *f.socket);
  }
  if (!f.parents.empty()) {
    w.key("parents");
    w.begin_array();
    for (const auto& p : f.parents) json_process(w, p);
    w.end_array();
  }
  if (f.peer_process) {
    w.key("peer_process");
    json_process(w, *f.peer_process);
  }
  if (!f.details.empty()) {
    w.key("details");
    w.begin_object();
    for (const auto& [k, v] : f.details) w.text(k, v);
    w.end_object();
  }
  raws.write_b64(w);
  w.end_object();
  w.end_object();
  out += '\n';
  return out;
}

}  // namespace

std::string check_text(const CheckResult& r, int exit_status) {
  std::string out;
  for (const auto& f : r.findings) {
    out += fmt::format("[{}] {}", severity_name(f.severity), f.rule_id);
    if (!f.technique_id.empty()) out += fmt::format("  {} {}", f.technique_id, f.technique_name);
    out += "\n  " + esc(f.explanation) + "\n";
    if (f.socket) out += "  socket:  " + socket_line(*f.socket) + "\n";
    if (f.process) {
      out += "  owner:   " + process_line(*f.process) + "\n";
      if (!f.process->cmdline.empty())
        out += "  cmdline: " + short_cmdline(f.process->cmdline) + "\n";
    }
    if (!f.parents.empty()) {
      out += "  parents:";
      for (const auto& p : f.parents) out += fmt::format(" <- {} ({})", esc(p.comm), p.pid);
      out += "\n";
    }
    if (f.peer_process) out += "  other end: " + process_line(*f.peer_process) + "\n";
    for (const auto& [k, v] : f.details) out += "  " + esc(k) + ": " + esc(v) + "\n";
    out += "\n";
  }
  out += fmt::format("sockwatch check: {} finding{}", r.findings.size(),
                     r.findings.size() == 1 ? "" : "s");
  if (!r.findings.empty()) out += " (" + counts_text(r) + ")";
  out += fmt::format(" from {} rules on {}", r.rules_run, esc(r.host.hostname));
  if (r.source != "live") out += " (recording " + esc(r.source) + ")";
  if (r.allowlisted) out += fmt::format("; {} allowlisted", r.allowlisted);
  if (r.below_min) out += fmt::format("; {} below --min-severity", r.below_min);
  out += fmt::format("; exit {}\n", exit_status);
  for (const auto& n : r.not_run) out += "not run: " + n.rule_id + ": " + esc(n.why) + "\n";
  for (const auto& n : r.visibility.notes) {
    std::string_view line = n;
    if (line.starts_with("sockwatch: ")) line.remove_prefix(11);
    out += "could not see: " + esc(line) + "\n";
  }
  return out;
}

std::string check_json(const CheckResult& r, int exit_status) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("schema", kCheckSchema);
  w.text("source", r.source);
  w.field("taken", std::string_view(rfc3339_us(r.host.taken_us)));
  json_host(w, r.host);
  w.field("rules_run", r.rules_run);
  w.field("allowlisted", r.allowlisted);
  w.field("below_min_severity", r.below_min);
  w.key("max_severity");
  if (const char* m = max_severity(r))
    w.value(m);
  else
    w.null();
  w.field("exit_status", exit_status);
  w.key("findings");
  w.begin_array();
  for (const auto& f : r.findings) json_finding(w, f);
  w.end_array();
  json_not_run(w, r);
  json_visibility(w, r.visibility);
  w.end_object();
  out += '\n';
  return out;
}

std::string check_ecs(const CheckResult& r, int exit_status) {
  std::string out;
  for (const auto& f : r.findings) out += ecs_finding(r, f);
  // One summary event per run: a SIEM sees that the check ran (and what it
  // could not see) even when it found nothing.
  JsonWriter w(out);
  w.begin_object();
  ecs_head(w, r);
  w.field("message", std::string_view(fmt::format("sockwatch check: {} findings, exit {}",
                                                  r.findings.size(), exit_status)));
  w.key("event");
  w.begin_object();
  w.field("kind", "event");
  w.key("category");
  w.begin_array();
  w.value("host");
  w.end_array();
  w.key("type");
  w.begin_array();
  w.value("info");
  w.end_array();
  w.field("action", "check_completed");
  w.field("module", "sockwatch");
  w.field("dataset", "sockwatch.check");
  w.field("outcome", "success");
  w.end_object();
  write_ecs_host(w, r.host);
  w.key("sockwatch");
  w.begin_object();
  w.text("source", r.source);
  w.field("findings", static_cast<uint64_t>(r.findings.size()));
  w.field("rules_run", r.rules_run);
  w.field("allowlisted", r.allowlisted);
  w.field("exit_status", exit_status);
  json_not_run(w, r);
  json_visibility(w, r.visibility);
  w.end_object();
  w.end_object();
  out += '\n';
  return out;
}

}  // namespace sw
