// The socket-level detectors: packet and raw sockets, shells on sockets and
// pipes, suspicious owner executables, remote-access / C2 ports, and the
// hidden-socket cross-view. The inventory-based ones (new listeners, new
// peers) are in detectors_inventory.cpp.
#include "rules/detectors.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fnmatch.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>

namespace sw {

void run_new_listener(const Evidence&, const EvidenceIndex&, const Rule&, const CheckContext&,
                      DetectorOutput&);
void run_new_peer(const Evidence&, const EvidenceIndex&, const Rule&, const CheckContext&,
                  DetectorOutput&);

namespace {

bool is_packet(const SocketRecord& r) {
  return r.table == Table::PacketRaw || r.table == Table::PacketDgram;
}
bool is_network(const SocketRecord& r) { return r.is_inet() || is_packet(r); }

std::string basename_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string hex16(uint32_t v) { return fmt::format("0x{:04x}", v); }

std::string ethertype_name(uint16_t p) {
  switch (p) {
    case 0x0003:
      return "all";
    case 0x0800:
      return "ipv4";
    case 0x0806:
      return "arp";
    case 0x86dd:
      return "ipv6";
    case 0x888e:
      return "eapol";
    case 0x88cc:
      return "lldp";
    default:
      return "";
  }
}

std::string ip_proto_name(uint16_t p) {
  switch (p) {
    case 1:
      return "icmp";
    case 2:
      return "igmp";
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 47:
      return "gre";
    case 58:
      return "icmpv6";
    case 89:
      return "ospf";
    case 112:
      return "vrrp";
    case 255:
      return "raw";
    default:
      return "";
  }
}

std::string iface(const NamespaceEvidence& ns, uint32_t idx, const CheckContext& ctx) {
  if (idx == 0) return "";
  std::string name = ctx.ifname ? ctx.ifname(ns.inode, idx) : std::string();
  return name.empty() ? std::to_string(idx) : name;
}

// The first holder of a socket, as the owner the finding names.
const ProcessEvidence* first_holder(const Evidence& ev, uint64_t inode) {
  auto h = ev.holders(inode);
  return h.empty() ? nullptr : h.front().process;
}

std::string owner_text(const ProcessEvidence* p) {
  if (!p) return "no process (owner unknown)";
  std::string exe = p->exe.empty() ? p->comm : p->exe;
  return fmt::format("{} (pid {}{})", exe, p->pid, p->exe_deleted ? ", deleted" : "");
}

const std::vector<std::string> kNone;

// ---- packet-socket --------------------------------------------------------

void run_packet(const Evidence& ev, const EvidenceIndex&, const Rule& rule, const CheckContext& ctx,
                DetectorOutput& out) {
  static const std::vector<std::string> kAny = {"any"};
  const std::string with_filter = rule.param("with-filter", kAny).front();
  const std::string promisc_only = rule.param("promiscuous", kAny).front();
  for (const auto& ns : ev.namespaces) {
    for (const auto& r : ns.sockets) {
      if (!is_packet(r) || !r.packet_ext) continue;
      const PacketExt& p = *r.packet_ext;
      bool filtered = p.has_filter;
      bool promisc = p.mclist && p.mclist->pdmc_type == PACKET_MR_PROMISC;
      if (with_filter == "yes" && !filtered) continue;
      if (with_filter == "no" && filtered) continue;
      if (promisc_only == "yes" && !promisc) continue;
      const ProcessEvidence* owner = first_holder(ev, r.inode);
      Finding f = make_finding(rule, ev, owner, &r, &ns, ctx);
      std::string en = ethertype_name(p.protocol);
      f.details.emplace_back("protocol", hex16(p.protocol));
      if (!en.empty()) f.details.emplace_back("protocol_name", en);
      f.details.emplace_back("type", p.type == SOCK_RAW ? "raw" : "dgram");
      std::string ifn = p.info ? iface(ns, p.info->pdi_index, ctx) : "";
      f.details.emplace_back("interface", p.info ? (ifn.empty() ? "any" : ifn) : "unknown");
      f.details.emplace_back("promiscuous", promisc ? "yes" : "no");
      std::string filt = "none";
      if (filtered)
        filt = p.filter.empty() ? "attached (contents need CAP_NET_ADMIN)"
                                : fmt::format("{} instructions", p.filter.size() / 8);
      f.details.emplace_back("bpf_filter", filt);
      if (f.explanation.empty())
        f.explanation = fmt::format(
            "packet socket ({} on {}{}) held by {}{}", en.empty() ? hex16(p.protocol) : en,
            ifn.empty() ? "every interface" : ifn, promisc ? ", promiscuous" : "",
            owner_text(owner),
            filtered ? fmt::format(" with a classic BPF filter ({}): a sniffer, or an implant "
                                   "waiting for a magic packet",
                                   filt)
                     : ": it sees raw frames");
      out.findings.push_back(std::move(f));
    }
  }
}

// ---- raw-socket -----------------------------------------------------------

void run_raw(const Evidence& ev, const EvidenceIndex&, const Rule& rule, const CheckContext& ctx,
             DetectorOutput& out) {
  for (const auto& ns : ev.namespaces) {
    for (const auto& r : ns.sockets) {
      if (r.table != Table::Raw) continue;
      const ProcessEvidence* owner = first_holder(ev, r.inode);
      Finding f = make_finding(rule, ev, owner, &r, &ns, ctx);
      std::string pn = ip_proto_name(r.lport);
      f.details.emplace_back("protocol", std::to_string(r.lport));
      if (!pn.empty()) f.details.emplace_back("protocol_name", pn);
      if (f.explanation.empty())
        f.explanation = fmt::format(
            "raw IP socket (protocol {}{}) held by {}: it sees every packet of "
            "that protocol",
            pn.empty() ? std::to_string(r.lport) : pn,
            f.socket && !f.socket->interface.empty() ? " on " + f.socket->interface : "",
            owner_text(owner));
      out.findings.push_back(std::move(f));
    }
  }
}

// ---- shell-socket / shell-pipe --------------------------------------------

const std::vector<std::string> kShells = {
    "sh",      "bash",    "dash",   "zsh",  "ksh",   "mksh", "csh",  "tcsh",   "fish", "ash",
    "busybox", "python*", "perl*",  "php*", "ruby*", "lua*", "node", "nc",     "nc.*", "ncat",
    "netcat",  "socat",   "telnet", "awk",  "gawk",  "mawk", "nawk", "tclsh*", "pwsh"};

const char* stdio_name(size_t i) { return i == 0 ? "stdin" : i == 1 ? "stdout" : "stderr"; }

void run_shell_socket(const Evidence& ev, const EvidenceIndex& idx, const Rule& rule,
                      const CheckContext& ctx, DetectorOutput& out) {
  const auto& programs = rule.param("programs", kShells);
  for (const auto& p : ev.processes) {
    if (!program_matches(p, programs)) continue;
    std::vector<std::string> which;
    const EvidenceIndex::Where* sock = nullptr;
    for (size_t i = 0; i < 3; ++i) {
      const FdRef& fd = p.stdio[i];
      if (fd.kind != FdRef::Kind::Socket) continue;
      const auto* w = idx.find(fd.inode);
      if (!w || !w->rec->is_inet()) continue;  // unix stdio (journald) is ordinary
      which.push_back(stdio_name(i));
      if (!sock) sock = w;
    }
    if (!sock) continue;
    Finding f = make_finding(rule, ev, &p, sock->rec, sock->ns, ctx);
    f.details.emplace_back("stdio", fmt::format("{}", fmt::join(which, ",")));
    if (f.explanation.empty())
      f.explanation =
          fmt::format("{} has its {} on a {} socket {} -> {}: a reverse or bind shell", p.comm,
                      fmt::join(which, ", "), f.socket->proto, f.socket->local, f.socket->peer);
    out.findings.push_back(std::move(f));
  }
}

bool same_pipe(const FdRef& a, const FdRef& b) {
  if (a.kind != b.kind || a.inode == 0 || a.inode != b.inode) return false;
  return a.kind == FdRef::Kind::Pipe || (a.kind == FdRef::Kind::Fifo && a.dev == b.dev);
}

bool holds_pipe(const ProcessEvidence& p, const FdRef& pipe) {
  for (const auto& f : p.pipes)
    if (same_pipe(f, pipe)) return true;
  for (const auto& f : p.stdio)
    if (same_pipe(f, pipe)) return true;
  return false;
}

// The process's most telling network socket: connected or listening inet.
const EvidenceIndex::Where* network_socket(const ProcessEvidence& p, const EvidenceIndex& idx) {
  const EvidenceIndex::Where* any = nullptr;
  for (const auto& s : p.sockets) {
    const auto* w = idx.find(s.inode);
    if (!w || !w->rec->is_inet() || w->rec->state == kTimeWait) continue;
    if (w->rec->state == kEstablished || w->rec->state == kListen) return w;
    if (!any) any = w;
  }
  return any;
}

void run_shell_pipe(const Evidence& ev, const EvidenceIndex& idx, const Rule& rule,
                    const CheckContext& ctx, DetectorOutput& out) {
  const auto& programs = rule.param("programs", kShells);
  for (const auto& p : ev.processes) {
    if (!program_matches(p, programs)) continue;
    std::vector<int32_t> peers_done;
    for (size_t i = 0; i < 3; ++i) {
      const FdRef& fd = p.stdio[i];
      if (fd.kind != FdRef::Kind::Pipe && fd.kind != FdRef::Kind::Fifo) continue;
      for (const auto& q : ev.processes) {
        if (q.pid == p.pid || !holds_pipe(q, fd)) continue;
        if (std::find(peers_done.begin(), peers_done.end(), q.pid) != peers_done.end()) continue;
        const auto* w = network_socket(q, idx);
        if (!w) continue;
        peers_done.push_back(q.pid);
        Finding f = make_finding(rule, ev, &p, w->rec, w->ns, ctx);
        f.peer_process = summarize(q);
        f.details.emplace_back("stdio", stdio_name(i));
        f.details.emplace_back(
            "pipe", fmt::format("{}:[{}]{}", fd.kind == FdRef::Kind::Fifo ? "fifo" : "pipe",
                                fd.inode, fd.path.empty() ? "" : " " + fd.path));
        if (f.explanation.empty())
          f.explanation = fmt::format(
              "{} has its {} on a {} shared with {} (pid {}), which holds a {} socket {} -> {}: "
              "a shell relayed to the network (mkfifo | nc)",
              p.comm, stdio_name(i), fd.kind == FdRef::Kind::Fifo ? "FIFO" : "pipe", q.comm, q.pid,
              f.socket->proto, f.socket->local, f.socket->peer);
        out.findings.push_back(std::move(f));
      }
    }
  }
}

// ---- owner-exe --------------------------------------------------------------

bool hidden_component(const std::string& path) {
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    // Only directories: a hidden file name alone is common enough (.x is rare,
    // but the brief's signal is the hidden directory).
    if (j < path.size() && j > i && path[i] == '.') return true;
    i = j + 1;
  }
  return false;
}

void run_owner_exe(const Evidence& ev, const EvidenceIndex& idx, const Rule& rule,
                   const CheckContext& ctx, DetectorOutput& out) {
  static const std::vector<std::string> kMatch = {"memfd", "deleted", "directory", "hidden"};
  static const std::vector<std::string> kDirs = {"/tmp", "/var/tmp", "/dev/shm"};
  static const std::vector<std::string> kNetwork = {"network"};
  const auto& match = rule.param("match", kMatch);
  const auto& dirs = rule.param("directories", kDirs);
  bool any_socket = rule.param("sockets", kNetwork).front() == "any";
  for (const auto& p : ev.processes) {
    if (p.exe.empty()) continue;
    const EvidenceIndex::Where* sock = nullptr;
    for (const auto& s : p.sockets) {
      const auto* w = idx.find(s.inode);
      if (!w || (!any_socket && !is_network(*w->rec))) continue;
      if (!sock || (sock->rec->state != kListen && sock->rec->state != kEstablished)) sock = w;
    }
    if (!sock) continue;
    bool memfd = p.exe.rfind("/memfd:", 0) == 0;
    std::string why, what;
    for (const auto& m : match) {
      if (m == "memfd" && memfd) {
        what = "memfd";
        why = "runs from an anonymous memory file (fileless)";
      } else if (m == "deleted" && p.exe_deleted && !memfd) {
        what = "deleted";
        why = "runs from a deleted file (or one replaced since it started, e.g. by an upgrade)";
      } else if (m == "directory") {
        for (const auto& d : dirs) {
          std::string pre = d.back() == '/' ? d : d + "/";
          if (p.exe.rfind(pre, 0) == 0) {
            what = "directory";
            why = fmt::format("runs from {}", d);
            break;
          }
        }
      } else if (m == "hidden" && !memfd && hidden_component(p.exe)) {
        what = "hidden";
        why = "runs from a hidden directory";
      }
      if (!what.empty()) break;
    }
    if (what.empty()) continue;
    Finding f = make_finding(rule, ev, &p, sock->rec, sock->ns, ctx);
    f.details.emplace_back("exe_condition", what);
    if (f.explanation.empty())
      f.explanation =
          fmt::format("{} (pid {}) holds a {} socket and {}", p.exe, p.pid, f.socket->proto, why);
    out.findings.push_back(std::move(f));
  }
}

// ---- remote-port ------------------------------------------------------------

bool port_in(uint16_t port, const std::vector<std::string>& specs) {
  for (const auto& s : specs) {
    uint32_t lo = 0, hi = 0;
    auto dash = s.find('-');
    std::string a = s.substr(0, dash), b = dash == std::string::npos ? a : s.substr(dash + 1);
    std::from_chars(a.data(), a.data() + a.size(), lo);
    std::from_chars(b.data(), b.data() + b.size(), hi);
    if (port >= lo && port <= hi) return true;
  }
  return false;
}

void run_remote_port(const Evidence& ev, const EvidenceIndex& idx, const Rule& rule,
                     const CheckContext& ctx, DetectorOutput& out) {
  const auto& ports = rule.param("ports", kNone);
  for (const auto& ns : ev.namespaces) {
    for (const auto& r : ns.sockets) {
      if (!r.is_inet() || r.table == Table::Raw || r.inode == 0 || r.state == kTimeWait) continue;
      bool listen = r.state == kListen || (r.table == Table::Udp && r.rport == 0);
      bool inbound = listen || idx.is_listening(ns.inode, r.table, r.lport);
      uint16_t service = inbound ? r.lport : r.rport;
      if (service == 0 || !port_in(service, ports)) continue;
      auto holders = ev.holders(r.inode);
      const auto& expect = rule.param(fmt::format("expect-{}", service), kNone);
      bool expected = false;
      for (const auto& h : holders) expected = expected || program_matches(*h.process, expect);
      if (expected) continue;
      const ProcessEvidence* owner = holders.empty() ? nullptr : holders.front().process;
      Finding f = make_finding(rule, ev, owner, &r, &ns, ctx);
      f.details.emplace_back("service_port", std::to_string(service));
      f.details.emplace_back("direction", listen ? "listen" : inbound ? "inbound" : "outbound");
      if (!expect.empty())
        f.details.emplace_back("expected", fmt::format("{}", fmt::join(expect, " ")));
      if (f.explanation.empty())
        f.explanation = fmt::format(
            "{} {} port {} ({}) by {}{}", f.socket->proto,
            listen    ? "listening on"
            : inbound ? "connection in on"
                      : "connection out to",
            service, listen ? f.socket->local : f.socket->peer, owner_text(owner),
            expect.empty() ? ": a port associated with remote access or C2"
                           : fmt::format(", not the expected {}", fmt::join(expect, "/")));
      out.findings.push_back(std::move(f));
    }
  }
}

// ---- cross-view / kernel-owned ---------------------------------------------

void run_cross_view(const Evidence& ev, const EvidenceIndex& idx, const Rule& rule,
                    const CheckContext& ctx, DetectorOutput& out) {
  static const std::vector<std::string> kViews = {"diag-only", "proc-net-only", "fd-only"};
  const auto& views = rule.param("views", kViews);
  auto want = [&](const char* v) {
    return std::find(views.begin(), views.end(), v) != views.end();
  };
  for (const auto& ns : ev.namespaces) {
    std::string label = ns.name.empty() ? fmt::format("netns {}", ns.inode) : ns.name;
    if (!ns.cross_view.done) {
      out.not_run.push_back(fmt::format(
          "{}: cross-view not compared: {}", label,
          ns.cross_view.not_done_why.empty() ? "no reason recorded" : ns.cross_view.not_done_why));
      continue;
    }
    auto add = [&](uint64_t inode, const ProcessEvidence* owner, const char* view,
                   const std::string& why) {
      const auto* w = idx.find(inode);
      Finding f = make_finding(rule, ev, owner ? owner : first_holder(ev, inode),
                               w ? w->rec : nullptr, w ? w->ns : &ns, ctx);
      if (!f.socket) {
        f.socket = SocketSummary{};
        f.socket->inode = inode;
        f.socket->netns = ns.inode;
        f.socket->netns_name = ns.name;
      }
      f.details.emplace_back("view", view);
      if (f.explanation.empty())
        f.explanation = fmt::format(
            "socket {} in {} {} (confirmed by a second look): hidden "
            "from one view, as rootkits do",
            inode, label, why);
      out.findings.push_back(std::move(f));
    };
    if (want("diag-only"))
      for (auto i : ns.cross_view.diag_only)
        add(i, nullptr, "diag-only", "is in sock_diag but not in /proc/net");
    if (want("proc-net-only"))
      for (auto i : ns.cross_view.proc_net_only)
        add(i, nullptr, "proc-net-only", "is in /proc/net but not in sock_diag");
    if (want("fd-only"))
      for (const auto& o : ns.cross_view.fd_only)
        add(o.inode, ev.process(o.pid), "fd-only",
            fmt::format("is held by pid {} fd {} but listed by no view", o.pid, o.fd));
  }
}

void run_kernel_owned(const Evidence& ev, const EvidenceIndex& idx, const Rule& rule,
                      const CheckContext& ctx, DetectorOutput& out) {
  for (const auto& ns : ev.namespaces) {
    for (auto inode : ns.cross_view.kernel_owned) {
      const auto* w = idx.find(inode);
      Finding f = make_finding(rule, ev, nullptr, w ? w->rec : nullptr, w ? w->ns : &ns, ctx);
      if (!f.socket) {
        f.socket = SocketSummary{};
        f.socket->inode = inode;
        f.socket->netns = ns.inode;
      }
      if (f.explanation.empty())
        f.explanation = fmt::format(
            "{} socket {} {} is held by no process: kernel-owned "
            "(nfsd, wireguard, tunnels), usually benign",
            f.socket->proto, f.socket->local, f.socket->state);
      // A hardened pid 1 (or any process whose fds are unreadable) may hold it.
      if (ev.visibility.fd_dirs_denied)
        f.details.emplace_back(
            "unsure", fmt::format("the fds of {} processes could not be read; one of them may "
                                  "hold this socket",
                                  ev.visibility.fd_dirs_denied));
      out.findings.push_back(std::move(f));
    }
  }
}

constexpr std::string_view kPacketParams[] = {"with-filter", "promiscuous"};
constexpr std::string_view kShellParams[] = {"programs"};
constexpr std::string_view kOwnerParams[] = {"match", "directories", "sockets"};
constexpr std::string_view kPortParams[] = {"ports", "expect-*"};
constexpr std::string_view kCrossParams[] = {"views"};
constexpr std::string_view kListenerParams[] = {"exposure"};
constexpr std::string_view kPeerParams[] = {"direction", "loopback"};

const DetectorInfo kDetectors[] = {
    {"packet-socket",
     "AF_PACKET sockets (sniffers), with interface, protocol, promiscuous "
     "flag and attached BPF filter",
     kPacketParams, run_packet},
    {"raw-socket", "raw IP sockets", {}, run_raw},
    {"shell-socket", "shells and interpreters whose stdin/stdout/stderr is a network socket",
     kShellParams, run_shell_socket},
    {"shell-pipe",
     "shells and interpreters whose stdio is a pipe or FIFO shared with a process "
     "holding a network socket",
     kShellParams, run_shell_pipe},
    {"owner-exe",
     "socket owners running from a deleted file, a memfd, a temporary or hidden "
     "directory",
     kOwnerParams, run_owner_exe},
    {"remote-port",
     "connections and listeners on remote-access or C2 ports, not by the "
     "expected program",
     kPortParams, run_remote_port},
    {"new-listener", "listeners not in the baseline (needs --baseline)", kListenerParams,
     run_new_listener},
    {"new-peer", "programs talking to peers they never talked to (baseline or log store)",
     kPeerParams, run_new_peer},
    {"cross-view", "sockets hidden from sock_diag, /proc/net or the fd tables", kCrossParams,
     run_cross_view},
    {"kernel-owned", "sockets no process holds (kernel-owned)", {}, run_kernel_owned},
};

}  // namespace

EvidenceIndex::EvidenceIndex(const Evidence& ev) {
  for (const auto& ns : ev.namespaces) {
    for (const auto& r : ns.sockets) {
      if (r.inode) by_inode.emplace(r.inode, Where{&ns, &r});
      if (r.is_inet() && (r.state == kListen || (r.table == Table::Udp && r.rport == 0)))
        listening.emplace(ns.inode, static_cast<uint8_t>(r.table), r.lport);
    }
  }
}

const EvidenceIndex::Where* EvidenceIndex::find(uint64_t inode) const {
  auto it = by_inode.find(inode);
  return it == by_inode.end() ? nullptr : &it->second;
}

bool EvidenceIndex::is_listening(uint64_t netns, Table t, uint16_t port) const {
  return listening.count({netns, static_cast<uint8_t>(t), port}) > 0;
}

std::span<const DetectorInfo> detectors() { return kDetectors; }

const DetectorInfo* find_detector(std::string_view name) {
  for (const auto& d : kDetectors)
    if (d.name == name) return &d;
  return nullptr;
}

std::string ip_text(const IpAddr& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  int af = a.family == AF_INET6 ? AF_INET6 : AF_INET;
  if (!inet_ntop(af, a.bytes.data(), buf, sizeof buf)) return "?";
  return buf;
}

bool program_matches(const ProcessEvidence& p, const std::vector<std::string>& names) {
  std::string base = basename_of(p.exe);
  for (const auto& n : names) {
    if (n.find('/') != std::string::npos) {
      if (fnmatch(n.c_str(), p.exe.c_str(), 0) == 0) return true;
      continue;
    }
    if (fnmatch(n.c_str(), p.comm.c_str(), 0) == 0) return true;
    if (!base.empty() && fnmatch(n.c_str(), base.c_str(), 0) == 0) return true;
  }
  return false;
}

ProcessSummary summarize(const ProcessEvidence& p) {
  ProcessSummary s;
  s.pid = p.pid;
  s.ppid = p.ppid;
  s.comm = p.comm;
  s.exe = p.exe;
  s.exe_deleted = p.exe_deleted;
  s.cmdline = p.cmdline;
  s.uid = p.uid;
  s.user = p.user;
  s.container = p.container;
  return s;
}

SocketSummary summarize(const SocketRecord& r, const NamespaceEvidence& ns,
                        const CheckContext& ctx) {
  SocketSummary s;
  s.family = r.family;
  s.proto = is_packet(r) ? "packet" : std::string(table_netid(r.table));
  s.inode = r.inode;
  s.netns = ns.inode;
  s.netns_name = ns.name;
  s.state = std::string(state_name(r.state));
  if (r.is_inet()) {
    s.local_addr = ip_text(r.local);
    s.peer_addr = ip_text(r.peer);
    s.local_port = r.lport;
    s.peer_port = r.rport;
    auto join = [&](const std::string& a, uint16_t port) {
      std::string p = port || r.table == Table::Raw ? std::to_string(port) : "*";
      return r.family == AF_INET6 ? fmt::format("[{}]:{}", a, p) : fmt::format("{}:{}", a, p);
    };
    s.local = join(s.local_addr, r.lport);
    s.peer = join(s.peer_addr, r.rport);
    s.interface = iface(ns, r.ifindex, ctx);
  } else if (is_packet(r) && r.packet_ext) {
    uint32_t idx = r.packet_ext->info ? r.packet_ext->info->pdi_index : 0;
    s.interface = iface(ns, idx, ctx);
    s.local = fmt::format("{}:{}", hex16(r.packet_ext->protocol),
                          s.interface.empty() ? "*" : s.interface);
    s.peer = "*";
  } else if (r.unix_ext) {
    s.local = r.unix_ext->path.empty() ? "*" : r.unix_ext->path;
    s.peer = "*";
  }
  return s;
}

std::vector<ProcessSummary> parent_chain(const Evidence& ev, const ProcessEvidence& p) {
  std::vector<ProcessSummary> out;
  int32_t ppid = p.ppid;
  // Bounded: a recording could hold a cycle.
  for (int depth = 0; ppid > 0 && depth < 64; ++depth) {
    const ProcessEvidence* q = ev.process(ppid);
    if (!q) break;
    out.push_back(summarize(*q));
    if (q->pid == q->ppid) break;
    ppid = q->ppid;
  }
  return out;
}

Finding make_finding(const Rule& rule, const Evidence& ev, const ProcessEvidence* owner,
                     const SocketRecord* sock, const NamespaceEvidence* ns,
                     const CheckContext& ctx) {
  Finding f;
  f.rule_id = rule.id;
  f.detector = rule.detector;
  f.severity = rule.severity;
  f.technique_id = rule.technique_id;
  f.technique_name = rule.technique_name;
  f.rule_description = rule.explain;
  if (sock && ns) f.socket = summarize(*sock, *ns, ctx);
  if (owner) {
    f.process = summarize(*owner);
    f.parents = parent_chain(ev, *owner);
  }
  return f;
}

}  // namespace sw
