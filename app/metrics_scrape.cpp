#include "metrics_scrape.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "engine/evidence.hpp"
#include "procfs/host_info.hpp"
#include "procfs/process_info.hpp"
#include "rules/check.hpp"

namespace sw {

namespace {

int64_t mono_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The inet tables an operator alerts on, every state, no extensions: the
// accept queue and backlog of a listener are in the base message
// (idiag_rqueue / idiag_wqueue), so a scrape costs what `-tuwan` costs.
CollectPlan scrape_plan() {
  CollectPlan p;
  for (Table t : {Table::Tcp, Table::Udp, Table::Raw}) p.tables |= table_bit(t);
  for (int af : {AF_INET, AF_INET6}) p.families |= uint64_t{1} << af;
  p.states = kAllStates;
  return p;
}

NamespaceCollectOptions collect_options(const MetricsScrapeOptions& o) {
  NamespaceCollectOptions n;
  n.paths = o.paths;
  n.all_netns = o.all_netns;
  return n;
}

}  // namespace

MetricsScraper::MetricsScraper(MetricsScrapeOptions opt)
    : opt_(std::move(opt)), namespaces_(collect_options(opt_)) {
  health_.version = SOCKWATCH_VERSION;
  // A 0 series from the start: a rate() over it needs one before the first drop.
  health_.series_dropped_total["sockwatch_listener_accept_queue"] = 0;
  if (opt_.findings) {
    auto rules = parse_rules(default_rules_text(), "default.rules");
    if (rules)
      rules_ = std::move(*rules);
    else
      rules_error_ = rules.error().message;
  }
}

MetricsScraper::~MetricsScraper() = default;

void MetricsScraper::refresh_findings(std::vector<std::string>* notes) {
  if (!rules_error_.empty()) {
    if (notes && !said_["rules"]++) notes->push_back("findings: " + rules_error_);
    return;
  }
  int64_t now = mono_us();
  if (findings_at_us_ && opt_.findings_max_age_us > 0 &&
      now - findings_at_mono_us_ < opt_.findings_max_age_us)
    return;
  EvidenceOptions eo;
  eo.paths = opt_.paths;
  eo.all_netns = opt_.all_netns;
  auto ev = collect_evidence(eo);
  if (!ev) {
    if (notes && !said_["evidence"]++) notes->push_back("findings: " + ev.error().message);
    return;
  }
  CheckContext ctx;
  ctx.baseline_missing_why = "metrics compares with no baseline";
  ctx.store_missing_why = "metrics reads no log store";
  ctx.ifname = [&ev](uint64_t netns, uint32_t ifindex) -> std::string {
    for (const auto& ns : ev->namespaces)
      if (ns.inode == netns)
        for (const auto& [idx, name] : ns.interfaces)
          if (idx == ifindex) return name;
    return {};
  };
  CheckResult r = evaluate(*ev, rules_, ctx);
  findings_ = std::move(r.findings);
  findings_at_us_ = wall_us();
  findings_at_mono_us_ = now;
}

std::string MetricsScraper::scrape(ExpositionFormat f, std::string* error,
                                   std::vector<std::string>* notes) {
  int64_t start = mono_us();
  health_.scrapes_total++;
  SocketScrape s;
  s.host = read_host_info(opt_.paths.proc_root);
  Visibility vis;
  auto r = namespaces_.collect(scrape_plan(), vis,
                               [&](const NamespaceSeen& seen, std::vector<SocketRecord>&& recs) {
                                 s.namespaces.push_back({seen.label, std::move(recs)});
                               });
  health_.netlink_errors_total += vis.netlink_errors;
  health_.namespaces_skipped = vis.namespaces_not_entered;
  if (notes)
    for (const auto& n : vis.notes)
      if (!said_[n]++) notes->push_back(n);

  std::vector<MetricFamily> families;
  if (!r) {
    health_.scrape_errors_total++;
    if (error) *error = r.error().message;
  } else {
    // Owners: the first scrape reads every process; later ones ask only for
    // inodes not seen before, and forget the ones that went away.
    std::vector<uint64_t> inodes;
    for (const auto& ns : s.namespaces)
      for (const auto& rec : ns.sockets)
        if (rec.inode) inodes.push_back(rec.inode);
    std::sort(inodes.begin(), inodes.end());
    inodes.erase(std::unique(inodes.begin(), inodes.end()), inodes.end());
    if (!owners_) {
      OwnerCacheOptions oc;
      oc.proc_root = opt_.paths.proc_root;
      oc.boot_time_s = boot_time_seconds(oc.proc_root);
      oc.ticks_per_second = sysconf(_SC_CLK_TCK);
      owners_ = std::make_unique<OwnerCache>(oc);
      owners_->full_scan();
    } else {
      std::vector<uint64_t> gone;
      std::set_difference(last_inodes_.begin(), last_inodes_.end(), inodes.begin(), inodes.end(),
                          std::back_inserter(gone));
      for (uint64_t ino : gone) owners_->forget(ino);
      // Our own sockets change every scrape (--listen: one connection closed,
      // the next accepted) without moving our fd count.
      owners_->rescan(getpid());
      owners_->resolve(inodes);
    }
    last_inodes_ = std::move(inodes);
    health_.processes_denied = owners_->stats().denied;
    // The cache holds every OwnerInfo until forget(), so a raw pointer
    // stays valid for this scrape.
    s.owner_of = [&](uint64_t inode) { return owners_->owner_of(inode).get(); };
    std::map<std::string, uint64_t> dropped;
    families = socket_metrics(s, opt_.limits, dropped);
    for (const auto& [name, n] : dropped) health_.series_dropped_total[name] += n;
  }
  if (opt_.findings) {
    refresh_findings(notes);
    if (findings_at_us_) {
      families.push_back(findings_metric(findings_, rules_));
      health_.findings_timestamp_seconds = static_cast<double>(*findings_at_us_) / 1e6;
    }
  }
  health_.scrape_duration_seconds = static_cast<double>(mono_us() - start) / 1e6;
  for (auto& fam : self_health_metrics(health_)) families.push_back(std::move(fam));
  return render_exposition(families, f);
}

}  // namespace sw
