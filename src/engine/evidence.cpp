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
#include "engine/namespace_collect.hpp"
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

// The inet tables again, for the cross-view's second look (not recorded).
CollectPlan inet_plan() {
  CollectPlan p;
  p.tables = table_bit(Table::Tcp) | table_bit(Table::Udp) | table_bit(Table::Raw);
  p.families = (uint64_t{1} << AF_INET) | (uint64_t{1} << AF_INET6);
  p.states = kAllStates;
  return p;
}

// The evidence payload after the dumps, so a recording is whole only with it.
void finish_recording(const Evidence& ev, const EvidenceOptions& opt) {
  if (!opt.record) return;
  auto chunks = evidence_chunks(encode_evidence_payload(ev));
  opt.record(chunks.data(), chunks.size());
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

  NamespaceCollectOptions nopt;
  nopt.paths = opt.paths;
  nopt.all_netns = opt.all_netns;
  nopt.run_netns_dir = opt.run_netns_dir;
  nopt.record = opt.record;  // namespace and table markers, raw dumps
  NamespaceCollector namespaces(std::move(nopt));
  auto r = namespaces.collect(evidence_plan(), ev.visibility,
                              [&](const NamespaceSeen& seen, std::vector<SocketRecord>&& records) {
                                NamespaceEvidence ns;
                                ns.inode = seen.inode;
                                ns.name = seen.label;
                                ns.sockets = std::move(records);
                                // Still inside the namespace: its interfaces and its /proc/net.
                                ns.interfaces = interfaces_here();
                                Collector again(*seen.source);
                                CollectPlan inet = inet_plan();
                                compare_inet_views(ns, opt.paths.proc_root + "/thread-self/net",
                                                   [&]() -> Expected<InodeSet> {
                                                     InodeSet out;
                                                     auto rep = again.collect(
                                                         inet, opt.paths, [&](SocketRecord&& rec) {
                                                           if (rec.inode) out.insert(rec.inode);
                                                           return true;
                                                         });
                                                     for (const auto& d : rep.diagnostics)
                                                       if (d.kind != Diagnostic::Kind::Warning)
                                                         return Error{d.text, 0};
                                                     return out;
                                                   });
                                ev.namespaces.push_back(std::move(ns));
                              });
  if (!r) return r.error();
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
