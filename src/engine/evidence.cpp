#include "engine/evidence.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "engine/collector.hpp"
#include "engine/cross_view.hpp"
#include "engine/namespace_walk.hpp"
#include "ir/evidence_codec.hpp"
#include "netlink/dump_file.hpp"
#include "netlink/source.hpp"
#include "procfs/host_info.hpp"
#include "procfs/owner_enrichment.hpp"
#include "procfs/process_fds.hpp"

namespace sw {

namespace {

// Every table a triage or an inventory may look at, in every state. No
// extensions: owners, addresses and states are what the inventory and the
// detectors read (packet rows carry their info and filter anyway).
CollectPlan evidence_plan() {
  CollectPlan p;
  for (Table t : {Table::Tcp, Table::Udp, Table::Raw, Table::PacketRaw, Table::PacketDgram,
                  Table::UnixDgram, Table::UnixStream, Table::UnixSeq, Table::Netlink})
    p.tables |= table_bit(t);
  for (int af : {AF_INET, AF_INET6, AF_UNIX, AF_PACKET, AF_NETLINK})
    p.families |= uint64_t{1} << af;
  p.states = kAllStates;
  return p;
}

std::vector<std::pair<uint32_t, std::string>> interfaces_here() {
  std::vector<std::pair<uint32_t, std::string>> out;
  // if_nameindex asks through a socket of the thread's namespace: this one.
  if (struct if_nameindex* ni = if_nameindex()) {
    for (auto* p = ni; p->if_index != 0; ++p) out.emplace_back(p->if_index, p->if_name);
    if_freenameindex(ni);
  }
  return out;
}

// One namespace, from inside it. False when sock_diag could not be opened.
// With a recorder, the namespace's marker and raw dumps go to it.
bool look_here(NamespaceEvidence& ns, const CollectPlan& plan, const EvidenceOptions& opt,
               size_t index, Visibility& vis) {
  LiveSource src;
  if (auto r = src.open(); !r) {
    vis.netlink_errors++;
    vis.notes.push_back(fmt::format("sock_diag (netns {}): {}", ns.inode, r.error().message));
    return false;
  }
  Collector c(src);
  if (opt.record) {
    auto m = namespace_marker(static_cast<uint32_t>(index));
    opt.record(m.data(), m.size());
    src.set_recorder(opt.record);
    c.set_before_dump([&](Table t) {
      auto tm = table_marker(t);
      opt.record(tm.data(), tm.size());
    });
  }
  auto report = c.collect(plan, opt.paths, [&](SocketRecord&& r) {
    ns.sockets.push_back(std::move(r));
    return true;
  });
  for (auto& d : report.diagnostics) {
    if (d.kind != Diagnostic::Kind::Warning) vis.netlink_errors++;
    vis.notes.push_back(d.text);
  }
  ns.interfaces = interfaces_here();
  // The second look of the cross-view is not part of the recording.
  src.set_recorder({});
  Collector again(src);
  CollectPlan inet;
  inet.tables = table_bit(Table::Tcp) | table_bit(Table::Udp) | table_bit(Table::Raw);
  inet.families = (uint64_t{1} << AF_INET) | (uint64_t{1} << AF_INET6);
  inet.states = kAllStates;
  compare_inet_views(ns, opt.paths.proc_root + "/thread-self/net", [&]() -> Expected<InodeSet> {
    InodeSet out;
    auto rep = again.collect(inet, opt.paths, [&](SocketRecord&& r) {
      if (r.inode) out.insert(r.inode);
      return true;
    });
    for (const auto& d : rep.diagnostics)
      if (d.kind != Diagnostic::Kind::Warning) return Error{d.text, 0};
    return out;
  });
  return true;
}

// The evidence payload after the dumps, so a recording is whole only with it.
void finish_recording(const Evidence& ev, const EvidenceOptions& opt) {
  if (!opt.record) return;
  auto chunks = evidence_chunks(encode_evidence_payload(ev));
  opt.record(chunks.data(), chunks.size());
}

uint64_t own_netns(const std::string& proc_root) {
  struct stat st {};
  return stat((proc_root + "/self/ns/net").c_str(), &st) == 0 ? st.st_ino : 0;
}

}  // namespace

Expected<Evidence> collect_evidence(const EvidenceOptions& opt) {
  Evidence ev;
  ev.source = "live";
  ev.host = read_host_info(opt.paths.proc_root, opt.machine_id_path);
  ev.host.taken_us = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();

  // Processes first: a socket opened after this pass has no owner in the
  // evidence, which is what an unknown owner means anyway.
  int proc_fd = ::open(opt.paths.proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd < 0)
    return Error{fmt::format("{}: {}", opt.paths.proc_root, std::strerror(errno)), errno};
  OwnerEnricher enricher(opt.paths.proc_root);
  for (int32_t pid : list_pids(proc_fd)) {
    ProcessEvidence p;
    ProcessDetails d;
    auto st = read_process_evidence(proc_fd, pid, p, &d);
    if (st == PidScanStatus::Vanished) {
      ev.visibility.pids_vanished++;
      continue;
    }
    if (st == PidScanStatus::Denied) ev.visibility.fd_dirs_denied++;
    enricher.enrich(d);
    if (d.enriched.user) p.user = *d.enriched.user;
    if (d.enriched.start_time_us) p.start_us = *d.enriched.start_time_us;
    p.container = d.enriched.container.short_label();
    ev.processes.push_back(std::move(p));
  }
  ::close(proc_fd);
  std::sort(ev.processes.begin(), ev.processes.end(),
            [](const ProcessEvidence& a, const ProcessEvidence& b) { return a.pid < b.pid; });
  if (ev.visibility.fd_dirs_denied)
    ev.visibility.notes.push_back(
        fmt::format("owners: the fds of {} processes could not be read (permission denied)",
                    ev.visibility.fd_dirs_denied));

  CollectPlan plan = evidence_plan();
  if (!opt.all_netns) {
    NamespaceEvidence ns;
    ns.inode = own_netns(opt.paths.proc_root);
    if (!look_here(ns, plan, opt, 0, ev.visibility)) return Error{ev.visibility.notes.back(), 0};
    ev.namespaces.push_back(std::move(ns));
    compare_holders(ev, opt.paths.proc_root);
    finish_recording(ev, opt);
    return ev;
  }
  NamespaceWalk walk(opt.paths.proc_root, opt.run_netns_dir);
  bool ours_ok = true;
  int st = walk.visit([&](const NetnsLabel& l) {
    NamespaceEvidence ns;
    ns.inode = l.inode;
    // Labels identify a namespace across reboots only by name or container;
    // an anonymous one is known by its inode for this boot.
    ns.name = l.is_self ? std::string()
                        : (!l.name.empty()
                               ? l.name
                               : (!l.container.short_label().empty() ? l.container.short_label()
                                                                     : std::to_string(l.inode)));
    bool ok = look_here(ns, plan, opt, ev.namespaces.size(), ev.visibility);
    if (l.is_self) ours_ok = ok;
    if (ok) ev.namespaces.push_back(std::move(ns));
  });
  if (st) return Error{walk.fatal_error(), 0};
  if (!ours_ok) return Error{ev.visibility.notes.back(), 0};
  ev.visibility.namespaces_not_entered = walk.skipped();
  if (auto msg = walk.report()) ev.visibility.notes.push_back(*msg);
  compare_holders(ev, opt.paths.proc_root);
  finish_recording(ev, opt);
  return ev;
}

Expected<Evidence> load_evidence(const std::string& path) {
  auto src = ReplaySource::open(path);
  if (!src) return src.error();
  if (!src->has_evidence())
    return Error{path +
                     ": holds socket dumps only (sockwatch --record); evidence recordings are "
                     "made by sockwatch check --record",
                 0};
  Evidence ev;
  std::vector<uint64_t> records;
  if (auto r = decode_evidence_payload(src->evidence_payload(), ev, records); !r)
    return Error{fmt::format("{}: offset {}: {}", path, src->evidence_offset(), r.error().message),
                 0};
  if (records.size() != src->namespaces())
    return Error{fmt::format("{}: the evidence names {} namespaces, the dumps hold {}", path,
                             records.size(), src->namespaces()),
                 0};
  ev.source = path;
  SourcePaths none;  // a replay reads nothing of this machine
  CollectPlan plan = evidence_plan();
  for (size_t i = 0; i < ev.namespaces.size(); ++i) {
    src->select_namespace(i);
    Collector c(*src);
    auto& ns = ev.namespaces[i];
    auto report = c.collect(plan, none, [&](SocketRecord&& r) {
      ns.sockets.push_back(std::move(r));
      return true;
    });
    for (const auto& d : report.diagnostics)
      if (d.kind != Diagnostic::Kind::Warning) return Error{path + ": " + d.text, 0};
    // Tables the recorder read from /proc/net (no sock_diag handler) are
    // not in its dumps: say so rather than pretend the counts agree.
    if (ns.sockets.size() != records[i])
      ev.visibility.notes.push_back(fmt::format(
          "{}: namespace {} has {} sockets in its dumps, {} when recorded (tables read from "
          "/proc/net are not recorded)",
          path, i, ns.sockets.size(), records[i]));
  }
  return ev;
}

}  // namespace sw
