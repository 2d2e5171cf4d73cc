#include "rules/check.hpp"

#include <algorithm>
#include <tuple>

#include "rules/detectors.hpp"

namespace sw {

namespace {

// The text an allowlist key is compared with; nullopt: the finding has no such field.
std::vector<std::string> field_values(const std::string& key, const Finding& f) {
  std::vector<std::string> v;
  auto proc = [&](const std::optional<ProcessSummary>& p, const std::string& k) {
    if (!p) return;
    if (k == "exe" && !p->exe.empty()) v.push_back(p->exe);
    if (k == "comm") v.push_back(p->comm);
    if (k == "user" && !p->user.empty()) v.push_back(p->user);
    if (k == "uid" && p->uid) v.push_back(std::to_string(*p->uid));
    if (k == "container") v.push_back(p->container);
    if (k == "cmdline") v.push_back(p->cmdline);
  };
  if (key == "exe" || key == "comm" || key == "user" || key == "uid" || key == "container" ||
      key == "cmdline") {
    proc(f.process, key);
  } else if (key == "peer-exe" || key == "peer-comm") {
    proc(f.peer_process, key.substr(5));
  } else if (key == "parent-exe" || key == "parent-comm") {
    for (const auto& p : f.parents) proc(p, key.substr(7));
  } else if (f.socket) {
    const SocketSummary& s = *f.socket;
    if (key == "port" || key == "local-port")
      if (s.local_port) v.push_back(std::to_string(s.local_port));
    if (key == "port" || key == "peer-port")
      if (s.peer_port) v.push_back(std::to_string(s.peer_port));
    if (key == "interface" && !s.interface.empty()) v.push_back(s.interface);
    if (key == "netns") v.push_back(s.netns_name.empty() ? std::to_string(s.netns) : s.netns_name);
    if (key == "peer-addr" && !s.peer_addr.empty()) v.push_back(s.peer_addr);
  }
  if (key == "protocol")
    for (const auto& [k, val] : f.details)
      if (k == "protocol") v.push_back(val);
  return v;
}

}  // namespace

bool allow_matches(const AllowEntry& entry, const Finding& f) {
  for (const auto& c : entry.all) {
    auto values = field_values(c.key, f);
    if (std::none_of(values.begin(), values.end(),
                     [&](const std::string& t) { return allow_value_matches(c, t); }))
      return false;
  }
  return !entry.all.empty();
}

CheckResult evaluate(const Evidence& ev, const RuleSet& rules, const CheckContext& ctx) {
  CheckResult res;
  res.visibility = ev.visibility;
  res.host = ev.host;
  res.source = ev.source;
  EvidenceIndex idx(ev);
  for (const auto& rule : rules.rules) {
    if (!rule.enabled) continue;
    const DetectorInfo* d = find_detector(rule.detector);
    if (!d) {  // parse_rules refuses these; a hand-built set might not
      res.not_run.push_back({rule.id, "unknown detector " + rule.detector});
      continue;
    }
    DetectorOutput out;
    d->run(ev, idx, rule, ctx, out);
    ++res.rules_run;
    for (auto& why : out.not_run) res.not_run.push_back({rule.id, std::move(why)});
    for (auto& f : out.findings) {
      if (std::any_of(rule.allow.begin(), rule.allow.end(),
                      [&](const AllowEntry& a) { return allow_matches(a, f); })) {
        ++res.allowlisted;
        continue;
      }
      if (f.severity < ctx.min_severity) {
        ++res.below_min;
        continue;
      }
      res.findings.push_back(std::move(f));
    }
  }
  auto key = [](const Finding& f) {
    return std::make_tuple(-static_cast<int>(f.severity), std::cref(f.rule_id),
                           f.process ? f.process->pid : 0, f.socket ? f.socket->inode : 0);
  };
  std::stable_sort(res.findings.begin(), res.findings.end(),
                   [&](const Finding& a, const Finding& b) { return key(a) < key(b); });
  return res;
}

int check_exit_status(const CheckResult& r) {
  Severity top = Severity::Info;
  for (const auto& f : r.findings) top = std::max(top, f.severity);
  switch (top) {
    case Severity::Info:
      return 0;
    case Severity::Low:
      return 4;
    case Severity::Medium:
      return 5;
    case Severity::High:
      return 6;
    case Severity::Critical:
      return 7;
  }
  return 0;
}

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Info:
      return "info";
    case Severity::Low:
      return "low";
    case Severity::Medium:
      return "medium";
    case Severity::High:
      return "high";
    case Severity::Critical:
      return "critical";
  }
  return "info";
}

std::optional<Severity> parse_severity(std::string_view name) {
  for (auto s :
       {Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical})
    if (name == severity_name(s)) return s;
  return std::nullopt;
}

}  // namespace sw
