// MetricsScraper: one scrape of `sockwatch metrics` — the socket tables of
// every watched namespace through the engine's NamespaceCollector, owners
// from a long-lived OwnerCache (the first scrape reads every process, later
// ones only what is new), check findings from collect_evidence() and the
// default rules when they are due, rendered by sw_export. It lives as long
// as the command, so the counters (_total) and caches carry over between
// scrapes. Not thread-safe: the HTTP server serialises scrapes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/namespace_collect.hpp"
#include "engine/owner_cache.hpp"
#include "export/exposition.hpp"
#include "export/socket_metrics.hpp"
#include "rules/finding.hpp"
#include "rules/rule_set.hpp"

namespace sw {

struct MetricsScrapeOptions {
  SourcePaths paths;
  bool all_netns = true;
  MetricsLimits limits;
  bool findings = true;
  // Findings are reused for this long (0: computed on every scrape).
  int64_t findings_max_age_us = 0;
};

class MetricsScraper {
 public:
  explicit MetricsScraper(MetricsScrapeOptions opt);
  ~MetricsScraper();

  // The exposition of one scrape. `error` gets the collection's failure
  // ("what: why"; the text still holds the self-health families) and `notes`
  // what could not be seen, the first time each is worth saying.
  std::string scrape(ExpositionFormat f, std::string* error, std::vector<std::string>* notes);

 private:
  void refresh_findings(std::vector<std::string>* notes);

  MetricsScrapeOptions opt_;
  NamespaceCollector namespaces_;
  std::unique_ptr<OwnerCache> owners_;
  std::vector<uint64_t> last_inodes_;  // sorted: the inodes of the last scrape
  RuleSet rules_;
  std::string rules_error_;
  std::vector<Finding> findings_;
  std::optional<int64_t> findings_at_us_;  // wall clock of the last evaluation
  int64_t findings_at_mono_us_ = 0;
  SelfHealth health_;
  std::map<std::string, uint64_t> said_;  // notes already printed (once each)
};

}  // namespace sw
