#include "export/socket_metrics.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "core/tables.hpp"
#include "ir/inventory.hpp"
#include "render/json_rows.hpp"

namespace sw {

namespace {

// Label set -> value; a map so that samples come out sorted and every label
// set once (sockets that share labels add up).
using Series = std::map<Labels, double>;

MetricFamily family(std::string name, std::string help, MetricType type, const Series& series) {
  MetricFamily f{std::move(name), std::move(help), type, {}};
  f.samples.reserve(series.size());
  for (const auto& [labels, value] : series) f.samples.push_back({labels, value});
  return f;
}

// "127.0.0.1:80", "[::]:443": the way ss writes a local address.
std::string endpoint_text(const IpAddr& a, uint16_t port) {
  std::string addr = address_text(a, false);
  if (a.family == AF_INET6) return "[" + addr + "]:" + std::to_string(port);
  return addr + ":" + std::to_string(port);
}

// The keys of `counts` worth a series of their own: the `n` largest (ties by
// key, so the choice is stable between scrapes of the same population).
template <typename Key>
std::set<Key> top_keys(const std::map<Key, uint64_t>& counts, size_t n) {
  std::vector<std::pair<uint64_t, Key>> ranked;
  ranked.reserve(counts.size());
  for (const auto& [k, c] : counts) ranked.emplace_back(c, k);
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::set<Key> keep;
  for (size_t i = 0; i < ranked.size() && i < n; ++i) keep.insert(ranked[i].second);
  return keep;
}

}  // namespace

std::string exe_label(const OwnerInfo* owner) {
  if (!owner) return {};
  if (!owner->exe.empty()) {
    size_t slash = owner->exe.rfind('/');
    std::string base = slash == std::string::npos ? owner->exe : owner->exe.substr(slash + 1);
    if (!base.empty()) return base;
  }
  return owner->comm;
}

std::string state_label(int state) {
  if (state == kEstablished) return "established";
  std::string s(state_name(state));
  for (char& c : s)
    c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<MetricFamily> socket_metrics(const SocketScrape& s, const MetricsLimits& limits,
                                         std::map<std::string, uint64_t>& dropped) {
  auto owner = [&](const SocketRecord& r) -> const OwnerInfo* {
    return s.owner_of && r.inode ? s.owner_of(r.inode) : nullptr;
  };

  // Executables worth a label of their own: those with the most listeners.
  std::map<std::string, uint64_t> exe_listeners;
  for (const auto& ns : s.namespaces)
    for (const auto& r : ns.sockets)
      if (is_listener(r, s.host))
        if (std::string e = exe_label(owner(r)); !e.empty()) exe_listeners[e]++;
  std::set<std::string> kept_exes = top_keys(exe_listeners, limits.top_exes);
  auto folded_exe = [&](const SocketRecord& r) {
    std::string e = exe_label(owner(r));
    return e.empty() || kept_exes.count(e) ? e : std::string("other");
  };

  // The per-socket pass counts under packed integer keys (no label strings,
  // no allocation for each of 100,000 sockets); label sets are built once
  // per distinct key afterwards.
  auto pack = [](size_t ns, unsigned family, unsigned table, unsigned state) {
    return (static_cast<uint64_t>(ns) << 24) | (family << 16) | (table << 8) | state;
  };
  std::unordered_map<uint64_t, uint64_t> socket_counts;
  std::unordered_map<uint64_t, uint64_t> unknown_counts;  // (ns, table) -> sockets without owner
  struct PeerKey {
    size_t ns;
    IpAddr addr;
    bool operator==(const PeerKey&) const = default;
  };
  struct PeerHash {
    size_t operator()(const PeerKey& k) const {
      uint64_t h = k.ns * 0x9E3779B97F4A7C15ull ^ k.addr.family;
      for (uint8_t b : k.addr.bytes) h = (h ^ b) * 0x100000001B3ull;
      return static_cast<size_t>(h);
    }
  };
  std::unordered_map<PeerKey, uint64_t, PeerHash> peer_counts;
  Series listeners;
  struct Queue {
    uint64_t len = 0, limit = 0;
  };
  std::map<Labels, Queue> queues;
  for (size_t ni = 0; ni < s.namespaces.size(); ++ni) {
    const auto& ns = s.namespaces[ni];
    for (const auto& r : ns.sockets) {
      auto table = static_cast<unsigned>(r.table);
      socket_counts[pack(ni, r.family, table, r.state)]++;
      if (s.owner_of && r.inode) {
        // A 0 for every protocol present, so the series exists before it is needed.
        uint64_t& u = unknown_counts[pack(ni, 0, table, 0)];
        if (!s.owner_of(r.inode)) u++;
      }
      if (r.is_inet() && is_listener(r, s.host)) {
        std::string proto(table_netid(r.table));
        std::string exe = folded_exe(r);
        listeners[{{"netns", ns.label},
                   {"protocol", proto},
                   {"exposure", exposure_name(exposure_of(r.local, r.ifindex))},
                   {"exe", exe}}] += 1;
        if (r.table == Table::Tcp && r.state == kListen) {
          // For a listener the kernel reports the accept queue as rqueue and
          // the backlog as wqueue (inet_diag_msg idiag_rqueue/idiag_wqueue).
          // SO_REUSEPORT groups share a label set: their queues add up.
          Queue& q = queues[{{"netns", ns.label},
                             {"protocol", proto},
                             {"local", endpoint_text(r.local, r.lport)},
                             {"exe", exe}}];
          q.len += static_cast<uint64_t>(std::max<int64_t>(r.rqueue, 0));
          q.limit += static_cast<uint64_t>(std::max<int64_t>(r.wqueue, 0));
        }
      }
      if (r.table == Table::Tcp && r.state == kEstablished && r.is_inet())
        peer_counts[{ni, r.peer}]++;
    }
  }
  Series sockets, unknown;
  for (const auto& [key, n] : socket_counts) {
    const auto& ns = s.namespaces[key >> 24];
    auto t = static_cast<Table>((key >> 8) & 0xff);
    sockets[{{"netns", ns.label},
             {"family", std::string(family_name(static_cast<int>((key >> 16) & 0xff)))},
             {"protocol", std::string(table_netid(t))},
             {"state", state_label(static_cast<int>(key & 0xff))}}] += static_cast<double>(n);
  }
  for (const auto& [key, n] : unknown_counts)
    unknown[{{"netns", s.namespaces[key >> 24].label},
             {"protocol", std::string(table_netid(static_cast<Table>((key >> 8) & 0xff)))}}] +=
        static_cast<double>(n);
  std::map<std::pair<std::string, std::string>, uint64_t> peers;  // (netns, peer) -> count
  for (const auto& [key, n] : peer_counts)
    peers[{s.namespaces[key.ns].label, address_text(key.addr, true)}] += n;

  // Accept queues: the fullest listeners first (they are what an alert is
  // for), then by labels; the rest are dropped and counted.
  std::vector<std::pair<const Labels*, Queue>> ranked;
  ranked.reserve(queues.size());
  for (const auto& [labels, q] : queues) ranked.emplace_back(&labels, q);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second.len > b.second.len; });
  Series queue_len, queue_limit;
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (i >= limits.max_listeners) {
      dropped["sockwatch_listener_accept_queue"] += ranked.size() - i;
      break;
    }
    queue_len[*ranked[i].first] = static_cast<double>(ranked[i].second.len);
    queue_limit[*ranked[i].first] = static_cast<double>(ranked[i].second.limit);
  }

  // Peers: the top N (namespace, address) pairs; the rest add up in their
  // namespace's peer="other", which every namespace has.
  auto kept_peers = top_keys(peers, limits.top_peers);
  Series peer_series;
  for (const auto& ns : s.namespaces) peer_series[{{"netns", ns.label}, {"peer", "other"}}] += 0;
  for (const auto& [key, count] : peers) {
    const std::string& peer = kept_peers.count(key) ? key.second : std::string("other");
    peer_series[{{"netns", key.first}, {"peer", peer}}] += static_cast<double>(count);
  }

  std::vector<MetricFamily> out;
  out.push_back(family("sockwatch_sockets",
                       "Sockets by network namespace, address family, protocol and state.",
                       MetricType::Gauge, sockets));
  out.push_back(family("sockwatch_listeners",
                       "Listening sockets by namespace, protocol, exposure class and owner "
                       "executable (top executables by listener count, the rest exe=\"other\").",
                       MetricType::Gauge, listeners));
  out.push_back(family("sockwatch_listener_accept_queue",
                       "Connections waiting in a TCP listener's accept queue.", MetricType::Gauge,
                       queue_len));
  out.push_back(family("sockwatch_listener_accept_queue_limit",
                       "A TCP listener's accept queue limit (its listen backlog).",
                       MetricType::Gauge, queue_limit));
  out.push_back(family("sockwatch_peer_connections",
                       "Established TCP connections per remote address (top peers, the rest "
                       "peer=\"other\").",
                       MetricType::Gauge, peer_series));
  if (s.owner_of)
    out.push_back(family("sockwatch_sockets_owner_unknown",
                         "Sockets with an inode that no process could be found holding.",
                         MetricType::Gauge, unknown));
  return out;
}

MetricFamily findings_metric(const std::vector<Finding>& findings, const RuleSet& rules) {
  Series series;
  for (const auto& r : rules.rules)
    if (r.enabled) series[{{"rule", r.id}, {"severity", severity_name(r.severity)}}] += 0;
  for (const auto& f : findings)
    series[{{"rule", f.rule_id}, {"severity", severity_name(f.severity)}}] += 1;
  return family("sockwatch_findings", "Findings of sockwatch check's rules by rule and severity.",
                MetricType::Gauge, series);
}

std::vector<MetricFamily> self_health_metrics(const SelfHealth& h) {
  auto one = [](std::string name, std::string help, MetricType t, double v) {
    return MetricFamily{std::move(name), std::move(help), t, {{{}, v}}};
  };
  std::vector<MetricFamily> out;
  out.push_back(family("sockwatch_build_info", "sockwatch's version (the value is always 1).",
                       MetricType::Gauge, Series{{{{"version", h.version}}, 1}}));
  out.push_back(one("sockwatch_scrape_duration_seconds",
                    "How long this scrape took (sockets, owners and, when due, findings).",
                    MetricType::Gauge, h.scrape_duration_seconds));
  out.push_back(one("sockwatch_scrapes_total", "Scrapes since sockwatch metrics started.",
                    MetricType::Counter, static_cast<double>(h.scrapes_total)));
  out.push_back(one("sockwatch_scrape_errors_total",
                    "Scrapes whose collection failed (the socket families are then missing).",
                    MetricType::Counter, static_cast<double>(h.scrape_errors_total)));
  out.push_back(one("sockwatch_netlink_errors_total",
                    "sock_diag dumps that failed or could not be opened.", MetricType::Counter,
                    static_cast<double>(h.netlink_errors_total)));
  out.push_back(one("sockwatch_namespaces_skipped",
                    "Network namespaces this scrape could not enter.", MetricType::Gauge,
                    static_cast<double>(h.namespaces_skipped)));
  out.push_back(one("sockwatch_processes_denied",
                    "Processes whose open files this scrape could not read (owners hidden).",
                    MetricType::Gauge, static_cast<double>(h.processes_denied)));
  Series dropped;
  for (const auto& [name, n] : h.series_dropped_total)
    dropped[{{"metric", name}}] = static_cast<double>(n);
  out.push_back(family("sockwatch_series_dropped_total",
                       "Series left out to bound label cardinality, by metric family.",
                       MetricType::Counter, dropped));
  if (h.findings_timestamp_seconds)
    out.push_back(one("sockwatch_findings_timestamp_seconds",
                      "When the findings were last computed (Unix time).", MetricType::Gauge,
                      *h.findings_timestamp_seconds));
  return out;
}

}  // namespace sw
