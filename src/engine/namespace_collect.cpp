#include "engine/namespace_collect.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include "engine/collector.hpp"
#include "engine/namespace_walk.hpp"
#include "netlink/dump_file.hpp"
#include "netlink/source.hpp"

namespace sw {

namespace {

uint64_t own_netns(const std::string& proc_root) {
  struct stat st {};
  return stat((proc_root + "/self/ns/net").c_str(), &st) == 0 ? st.st_ino : 0;
}

// One namespace, from inside it. False when sock_diag could not be opened.
bool collect_here(
    NamespaceSeen ns, const CollectPlan& plan, const NamespaceCollectOptions& opt,
    uint32_t& recorded, Visibility& vis,
    const std::function<void(const NamespaceSeen&, std::vector<SocketRecord>&&)>& each) {
  const SourcePaths& paths = opt.paths;
  LiveSource src;
  if (auto r = src.open(); !r) {
    vis.netlink_errors++;
    vis.notes.push_back(fmt::format("sock_diag (netns {}): {}", ns.inode, r.error().message));
    return false;
  }
  Collector c(src);
  if (opt.record) {
    auto m = namespace_marker(recorded++);
    opt.record(m.data(), m.size());
    src.set_recorder(opt.record);
    c.set_before_dump([&](Table t) {
      auto tm = table_marker(t);
      opt.record(tm.data(), tm.size());
    });
  }
  std::vector<SocketRecord> records;
  auto report = c.collect(plan, paths, [&](SocketRecord&& r) {
    records.push_back(std::move(r));
    return true;
  });
  for (auto& d : report.diagnostics) {
    if (d.kind != Diagnostic::Kind::Warning) vis.netlink_errors++;
    vis.notes.push_back(d.text);
  }
  src.set_recorder({});
  ns.source = &src;
  each(ns, std::move(records));
  return true;
}

}  // namespace

std::string inventory_label(const NetnsLabel& l) {
  if (l.is_self) return {};
  if (!l.name.empty()) return l.name;
  std::string c = l.container.short_label();
  return !c.empty() ? c : std::to_string(l.inode);
}

NamespaceCollector::NamespaceCollector(NamespaceCollectOptions opt) : opt_(std::move(opt)) {}
NamespaceCollector::~NamespaceCollector() = default;

Expected<void> NamespaceCollector::collect(
    const CollectPlan& plan, Visibility& vis,
    const std::function<void(const NamespaceSeen&, std::vector<SocketRecord>&&)>& each) {
  uint32_t recorded = 0;
  if (!opt_.all_netns) {
    NamespaceSeen ns{own_netns(opt_.paths.proc_root), {}, true};
    if (!collect_here(ns, plan, opt_, recorded, vis, each)) return Error{vis.notes.back(), 0};
    return {};
  }
  if (walk_)
    walk_->refresh();
  else
    walk_ = std::make_unique<NamespaceWalk>(opt_.paths.proc_root, opt_.run_netns_dir);
  bool ours_ok = true;
  int st = walk_->visit([&](const NetnsLabel& l) {
    NamespaceSeen ns{l.inode, inventory_label(l), l.is_self};
    bool ok = collect_here(ns, plan, opt_, recorded, vis, each);
    if (l.is_self) ours_ok = ok;
  });
  if (st) return Error{walk_->fatal_error(), 0};
  if (!ours_ok) return Error{vis.notes.back(), 0};
  vis.namespaces_not_entered += walk_->skipped();
  if (auto msg = walk_->report()) vis.notes.push_back(*msg);
  return {};
}

}  // namespace sw
