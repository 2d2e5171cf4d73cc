#include "tui/details.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string_view>

#include "core/escape.hpp"
#include "core/tables.hpp"
#include "enrich/container.hpp"
#include "procfs/process_info.hpp"
#include "procfs/process_tree.hpp"
#include "render/inet_ext.hpp"
#include "render/render_options.hpp"
#include "render/skmem.hpp"

namespace sw {

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string esc(std::string_view s) {
  std::string out;
  append_escaped(out, s);
  return out;
}

std::string addr_text(const IpAddr& a, uint8_t family) {
  char buf[INET6_ADDRSTRLEN] = {};
  int af = family == AF_INET6 ? AF_INET6 : AF_INET;
  if (!inet_ntop(af, a.bytes.data(), buf, sizeof buf)) return "?";
  return af == AF_INET6 ? fmt::format("[{}]", buf) : std::string(buf);
}

std::string family_text(uint8_t family) {
  switch (family) {
    case AF_INET:
      return "IPv4";
    case AF_INET6:
      return "IPv6";
    case AF_UNIX:
      return "unix";
    default:
      return fmt::format("family {}", family);
  }
}

std::string_view strip_parens(std::string_view v) {
  if (v.size() >= 2 && v.front() == '(' && v.back() == ')') return v.substr(1, v.size() - 2);
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    auto at = s.find(sep);
    if (at) out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

// ss's "skmem:(r0,rb131072,...)" (or the old "mem:(r0,w0,f0,t0)") as one
// field per counter, keyed by ss's letter and what it counts.
void memory_fields(Fields& out, std::string_view key, std::string_view value) {
  static constexpr std::pair<std::string_view, std::string_view> kSkmem[] = {
      {"r", "rmem_alloc"}, {"rb", "rcvbuf"},   {"t", "wmem_alloc"},
      {"tb", "sndbuf"},    {"f", "fwd_alloc"}, {"w", "wmem_queued"},
      {"o", "optmem"},     {"bl", "backlog"},  {"d", "drops"}};
  static constexpr std::pair<std::string_view, std::string_view> kOld[] = {
      {"r", "rmem"}, {"w", "wmem"}, {"f", "fmem"}, {"t", "tmem"}};
  for (std::string_view item : split(strip_parens(value), ',')) {
    size_t n = 0;
    while (n < item.size() && item[n] >= 'a' && item[n] <= 'z') ++n;
    std::string_view letter = item.substr(0, n), count = item.substr(n);
    std::string label(letter);
    auto name = [&](const auto& table) {
      for (const auto& [l, what] : table)
        if (l == letter) label = fmt::format("{} ({})", letter, what);
    };
    if (key == "skmem")
      name(kSkmem);
    else
      name(kOld);
    out.emplace_back(std::move(label), std::string(count));
  }
}

// ss's "timer:(keepalive,119min,0)": what runs, when it fires, retransmits.
void timer_fields(Fields& out, std::string_view value) {
  auto parts = split(strip_parens(value), ',');
  out.emplace_back("timer", parts.empty() ? std::string() : std::string(parts[0]));
  std::string expires = parts.size() > 1 ? std::string(parts[1]) : std::string();
  out.emplace_back("expires in", expires.empty() ? "0ms" : expires);
  if (parts.size() > 2) out.emplace_back("retransmits", std::string(parts[2]));
}

// The kernel's extensions as ss -o -i -m --tos prints them on one line, cut
// into sections. ss's text is a run of space-separated items: "key:value",
// "key: value" (TLS), "key value" (send, pacing_rate, delivery_rate) and bare
// words (ts, sack, the congestion control's name, app_limited, tcp-ulp-X).
void extension_sections(const SocketRecord& r, Fields& socket, Fields& timers, Fields& info,
                        Fields& memory) {
  RenderOptions opt;
  opt.show_options = true;
  opt.show_tcpinfo = true;
  opt.show_mem = true;
  opt.show_tos = true;
  opt.oneline = true;  // no "\n\t" before skmem / tcp_info
  std::string text;
  append_inet_ext(text, r, opt, nullptr);
  auto words = split(text, ' ');
  std::string cong = r.ext ? r.ext->cong.substr(0, 15) : std::string();
  std::string flags;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string_view w = words[i], key, value;
    bool spaced = w == "send" || w == "pacing_rate" || w == "delivery_rate";
    if (spaced && i + 1 < words.size()) {
      key = w;
      value = words[++i];
    } else if (w.size() > 1 && w.back() == ':' && i + 1 < words.size()) {
      key = w.substr(0, w.size() - 1);
      value = words[++i];
    } else if (auto colon = w.find(':'); colon != std::string_view::npos && colon > 0) {
      key = w.substr(0, colon);
      value = w.substr(colon + 1);
    } else if (!cong.empty() && w == cong) {
      info.emplace_back("congestion", std::string(w));
      continue;
    } else if (w.substr(0, 8) == "tcp-ulp-") {
      info.emplace_back("ulp", std::string(w.substr(8)));
      continue;
    } else {
      if (!flags.empty()) flags += ' ';
      flags += w;
      continue;
    }
    if (key == "timer")
      timer_fields(timers, value);
    else if (key == "skmem" || key == "mem")
      memory_fields(memory, key, value);
    else if (key == "tos" || key == "tclass" || key == "class_id")
      socket.emplace_back(std::string(key), std::string(value));
    else
      info.emplace_back(std::string(key), std::string(value));
  }
  if (!flags.empty()) info.insert(info.begin(), {"flags", flags});
  if (timers.empty() && r.is_inet()) timers.emplace_back("timer", "none");
}

std::string info_title(const SocketRecord& r) {
  switch (r.table) {
    case Table::Tcp:
      return "TCP info";
    case Table::Mptcp:
      return "MPTCP info";
    case Table::Sctp:
      return "SCTP info";
    default:
      return fmt::format("{} info", table_netid(r.table));
  }
}

// "3d4h", "2h5m", "4m10s", "12s".
std::string age_text(int64_t us) {
  int64_t s = us / 1000000;
  if (s >= 86400) return fmt::format("{}d{}h", s / 86400, s % 86400 / 3600);
  if (s >= 3600) return fmt::format("{}h{}m", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{}m{}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

std::string cmdline_text(std::string raw) {
  std::replace(raw.begin(), raw.end(), '\0', ' ');
  return esc(raw);
}

std::string user_text(uint32_t uid, const OwnerInfo& o) {
  if (o.uid && *o.uid == uid && !o.user.empty()) return fmt::format("{} ({})", esc(o.user), uid);
  return std::to_string(uid);
}

}  // namespace

std::vector<DetailsSection> socket_sections(const SocketRecord& r, const SnapEntry& e) {
  DetailsSection sock{"Socket", {}}, timers{"Timers", {}}, info{info_title(r), {}},
      memory{"Memory", {}};
  auto& f = sock.fields;
  f.emplace_back("cookie", fmt::format("{:x}", r.cookie ? r.cookie : e.key.cookie));
  f.emplace_back("inode", std::to_string(r.inode ? r.inode : e.inode));
  f.emplace_back("netns", std::to_string(e.key.netns));
  f.emplace_back("protocol", fmt::format("{} ({})", table_netid(r.table), family_text(r.family)));
  f.emplace_back("state", std::string(state_name(r.state)));
  if (r.is_inet()) {
    f.emplace_back("local", fmt::format("{}:{}", addr_text(r.local, r.family), r.lport));
    f.emplace_back("peer", fmt::format("{}:{}", addr_text(r.peer, r.family), r.rport));
    f.emplace_back("device index", r.ifindex ? std::to_string(r.ifindex) : "0 (any)");
  } else if (r.unix_ext) {
    const UnixExt& u = *r.unix_ext;
    f.emplace_back("path", u.has_name ? esc(u.path) : "(unnamed)");
    if (u.has_peer) f.emplace_back("peer inode", std::to_string(u.peer_inode));
  }
  f.emplace_back("uid", std::to_string(r.uid));
  f.emplace_back("recv-q", std::to_string(r.rqueue));
  f.emplace_back("send-q", std::to_string(r.wqueue));
  if (r.mark && *r.mark) f.emplace_back("fwmark", fmt::format("0x{:x}", *r.mark));
  if (r.family == AF_INET6 && r.v6only) f.emplace_back("v6only", *r.v6only ? "yes" : "no");
  if (r.shutdown && *r.shutdown) {
    bool rd = *r.shutdown & 1, wr = *r.shutdown & 2;
    f.emplace_back("shutdown", rd && wr ? "read and write" : rd ? "read" : "write");
  }
  if (r.is_inet()) {
    extension_sections(r, sock.fields, timers.fields, info.fields, memory.fields);
  } else if (r.unix_ext) {
    std::string text;
    append_skmem(text, r.unix_ext->skmem);
    for (std::string_view w : split(text, ' '))
      if (auto colon = w.find(':'); colon != std::string_view::npos)
        memory_fields(memory.fields, w.substr(0, colon), w.substr(colon + 1));
  }
  std::vector<DetailsSection> out;
  out.push_back(std::move(sock));
  for (auto* s : {&timers, &info, &memory})
    if (!s->fields.empty()) out.push_back(std::move(*s));
  return out;
}

DetailsSection process_section(const OwnerInfo* owner, const std::string& proc_root,
                               int64_t now_wall_us) {
  DetailsSection sec{"Process", {}};
  auto& f = sec.fields;
  if (!owner || owner->pid <= 0) {
    f.emplace_back("owner", "unknown");
    return sec;
  }
  const OwnerInfo& o = *owner;
  f.emplace_back("pid", std::to_string(o.pid));
  if (o.source == OwnerInfo::Source::Listener)
    f.emplace_back("attributed", "from its listening socket");
  else if (o.source == OwnerInfo::Source::Ebpf)
    f.emplace_back("attributed", "by eBPF");
  auto now = read_process_now(proc_root, o.pid);
  // A pid that runs again with another start time is a newer process.
  if (now && o.start_ticks && now->details.start_ticks &&
      *now->details.start_ticks != o.start_ticks)
    now.reset();
  if (!now) f.emplace_back("status", "process exited");
  const ProcessDetails* d = now ? &now->details : nullptr;

  f.emplace_back("comm", esc(now && !now->comm.empty() ? now->comm : o.comm));
  std::optional<uint32_t> uid = d && d->uid ? d->uid : o.uid;
  if (uid) f.emplace_back("user", user_text(*uid, o));
  if (d && d->euid && uid && *d->euid != *uid)
    f.emplace_back("effective uid", user_text(*d->euid, o));
  std::string exe = d && d->exe ? *d->exe : o.exe;
  bool deleted = d && d->exe ? d->exe_deleted : o.exe_deleted;
  if (!exe.empty()) {
    f.emplace_back("exe", esc(exe));
    f.emplace_back("exe deleted", deleted ? "yes" : "no");
  }
  std::string cmd = d && d->cmdline ? *d->cmdline : o.cmdline;
  if (!cmd.empty()) f.emplace_back("command line", cmdline_text(std::move(cmd)));

  int64_t start_us = o.start_us;
  if (!start_us && d && d->start_ticks) {
    if (auto us =
            start_time_us(boot_time_seconds(proc_root), *d->start_ticks, sysconf(_SC_CLK_TCK)))
      start_us = *us;
  }
  if (start_us) {
    std::string text = format_wall_time_us(start_us);
    if (now_wall_us > start_us) text += fmt::format(" ({} ago)", age_text(now_wall_us - start_us));
    f.emplace_back("started", std::move(text));
  }

  if (d && d->cgroup && !d->cgroup->empty()) {
    f.emplace_back("cgroup", esc(*d->cgroup));
    ContainerRef c = classify_cgroup(*d->cgroup);
    if (!c.unit.empty()) f.emplace_back("systemd unit", esc(c.unit));
    if (c.is_container()) f.emplace_back("container", esc(c.runtime + " " + c.id));
    if (!c.pod.empty()) f.emplace_back("pod", esc(c.pod));
  } else if (!o.container.empty()) {
    f.emplace_back("container", esc(o.container));
  }
  if (now)
    for (const ProcessLink& p : parent_chain(proc_root, o.pid))
      f.emplace_back("parent", fmt::format("{} {}", p.pid, esc(p.comm)));
  return sec;
}

std::vector<DetailsSection> socket_details(const SocketRecord& inspected, const SnapEntry& e,
                                           const OwnerInfo* owner, const std::string& proc_root,
                                           int64_t now_wall_us) {
  auto out = socket_sections(inspected, e);
  out.push_back(process_section(owner, proc_root, now_wall_us));
  return out;
}

const std::string* find_detail(const std::vector<DetailsSection>& sections, std::string_view title,
                               std::string_view key) {
  for (const auto& s : sections)
    if (s.title == title)
      for (const auto& [k, v] : s.fields)
        if (k == key) return &v;
  return nullptr;
}

}  // namespace sw
