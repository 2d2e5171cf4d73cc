// RuleSet: the triage rules as data, read from the line-based rule file
// format documented in docs/rules.md. A rule names a built-in detector
// (detectors.hpp), its severity, an ATT&CK technique, a one-line
// explanation, the detector's parameters and allowlist entries. The shipped
// set (rules/default.rules) is compiled into the binary (default_rules_text)
// and installed to /usr/share/sockwatch/. Parsing is pure: errors are values
// reading "FILE:LINE: what". Nothing here reads files; app/ does.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"
#include "rules/finding.hpp"

namespace sw {

// One allowlist condition: `key:value`. All conditions of an entry must hold
// (AND); a finding matching any entry of its rule is dropped (OR).
struct AllowCondition {
  std::string key;  // exe, comm, user, uid, container, cmdline, port, interface, protocol,
                    // netns, peer-exe, peer-comm, parent-exe, parent-comm, addr
  std::string value;
  bool operator==(const AllowCondition&) const = default;
};
struct AllowEntry {
  std::vector<AllowCondition> all;
  int line = 0;  // where it was written (for --print-rules and errors)
  bool operator==(const AllowEntry&) const = default;
};

struct Rule {
  std::string id;
  std::string detector;
  Severity severity = Severity::Medium;
  std::string technique_id, technique_name;
  std::string explain;
  bool enabled = true;
  // Detector parameters: name -> values (whitespace-separated words of the line).
  std::map<std::string, std::vector<std::string>> params;
  std::vector<AllowEntry> allow;
  std::string file;  // where it came from
  int line = 0;
  bool operator==(const Rule&) const = default;

  // The parameter's words, or `fallback` when the rule does not set it.
  const std::vector<std::string>& param(const std::string& name,
                                        const std::vector<std::string>& fallback) const;
};

struct RuleSet {
  std::vector<Rule> rules;  // file order; a later rule with an id already present replaces it
};

// Parses one rule file. `file` names it in errors ("default.rules:12: ...").
Expected<RuleSet> parse_rules(std::string_view text, std::string_view file);
// Adds (or replaces, by id) the rules of `more`.
void merge_rules(RuleSet& into, RuleSet more);
// The rule set in the file format (what --print-rules prints; parses back to the same set).
std::string format_rules(const RuleSet& set);

// The shipped rules/default.rules, compiled in.
std::string_view default_rules_text();

// Does `cond`'s value match `text`? Glob (fnmatch: * ? [..]) for names and
// paths; cmdline is a substring; port a number or a LOW-HIGH range.
bool allow_value_matches(const AllowCondition& cond, std::string_view text);

}  // namespace sw
