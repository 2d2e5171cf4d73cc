// The triage evaluator: runs every enabled rule's detector over one Evidence,
// drops what the rule's allowlist matches, and returns the findings sorted
// (severity descending, then rule, then pid), the rules that could not run
// and why, and what the evidence could not see. The baseline and the log
// store reach it as values and callbacks in CheckContext (so this library
// needs neither SQLite nor the engine). Pure: no I/O, no printing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "ir/evidence.hpp"
#include "ir/inventory.hpp"
#include "rules/finding.hpp"
#include "rules/rule_set.hpp"

namespace sw {

struct CheckContext {
  // The baseline to compare with (new-listener, new-peer); nullopt: none given.
  std::optional<Inventory> baseline;
  std::string baseline_name;
  std::string baseline_missing_why;  // why there is none ("no --baseline given", ...)
  // "Has `exe` ever talked to `peer` on service port `port`?" from the log
  // store (Store::has_talked); empty: no store.
  std::function<Expected<bool>(const std::string& exe, const std::string& peer, uint16_t port)>
      has_talked;
  std::string store_missing_why;
  // Interface name of an index in a namespace ("" unknown); empty: indexes only.
  std::function<std::string(uint64_t netns, uint32_t ifindex)> ifname;
  Severity min_severity = Severity::Info;  // findings below it are left out
};

struct RuleNotRun {
  std::string rule_id;
  std::string why;
  bool operator==(const RuleNotRun&) const = default;
};

struct CheckResult {
  std::vector<Finding> findings;
  std::vector<RuleNotRun> not_run;  // also rules that ran only in part (one entry per reason)
  Visibility visibility;
  HostInfo host;
  std::string source;  // "live" or the recording
  uint64_t rules_run = 0;
  uint64_t allowlisted = 0;  // findings an allowlist dropped
  uint64_t below_min = 0;    // findings under min_severity
};

CheckResult evaluate(const Evidence& ev, const RuleSet& rules, const CheckContext& ctx);

// The exit status for automation (docs/exit-codes.md): 0 when nothing at low
// or above was found, 4 low, 5 medium, 6 high, 7 critical.
int check_exit_status(const CheckResult& r);

// Does the allowlist entry match this finding? (exposed for tests)
bool allow_matches(const AllowEntry& entry, const Finding& f);

}  // namespace sw
