#include "render/event_json.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include <ctime>
#include <optional>
#include <utility>
#include <vector>

#include "core/tables.hpp"
#include "render/community_id.hpp"
#include "render/ecs_text.hpp"
#include "render/json_rows.hpp"
#include "render/json_writer.hpp"

namespace sw {

std::string rfc3339_us(int64_t us) {
  // Floor division: a time before the epoch still gets a microsecond part in 0..999999.
  int64_t secs = us / 1'000'000, frac = us % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  if (!gmtime_r(&t, &tm)) return "1970-01-01T00:00:00.000000Z";
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

std::string_view event_type_name(EventType t) {
  switch (t) {
    case EventType::Open:
      return "open";
    case EventType::State:
      return "state";
    case EventType::Close:
      return "close";
    case EventType::Overrun:
      return "overrun";
    case EventType::Health:
      return "health";
  }
  return "unknown";
}

namespace {

bool is_inet(const SocketEvent& ev) { return ev.family == AF_INET || ev.family == AF_INET6; }

std::string numeric_addr(const IpAddr& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(a.family, a.bytes.data(), buf, sizeof buf)) return "";
  return buf;
}

std::string_view owner_source_name(OwnerInfo::Source s) {
  switch (s) {
    case OwnerInfo::Source::Proc:
      return "proc";
    case OwnerInfo::Source::Listener:
      return "listener";
    case OwnerInfo::Source::Ebpf:
      return "ebpf";
  }
  return "proc";
}

std::string_view direction_name(const SocketEvent& ev) {
  if (!ev.direction_known) return "unknown";
  return ev.inbound ? "inbound" : "outbound";
}

bool is_socket_event(const SocketEvent& ev) {
  return ev.type == EventType::Open || ev.type == EventType::State || ev.type == EventType::Close;
}

// Microseconds the socket lived, when the engine knows when it was first seen.
std::optional<int64_t> duration_us(const SocketEvent& ev) {
  if (ev.opened_us <= 0 || ev.ts_us < ev.opened_us) return std::nullopt;
  return ev.ts_us - ev.opened_us;
}

const std::string& container_of(const SocketEvent& ev) {
  if (!ev.container.empty() || !ev.owner) return ev.container;
  return ev.owner->container;
}

// IANA protocol of the transport, for ECS network.transport and Community ID;
// 0 for tables whose protocol has no ports to hash (raw, unix...).
uint8_t iana_proto(Table t) {
  switch (t) {
    case Table::Tcp:
    case Table::Mptcp:  // subflows are TCP on the wire: the flow id Zeek computes
      return kIanaTcp;
    case Table::Udp:
      return kIanaUdp;
    case Table::Sctp:
      return kIanaSctp;
    case Table::Dccp:
      return kIanaDccp;
    default:
      return 0;
  }
}

std::string_view transport_name(uint8_t proto) {
  switch (proto) {
    case kIanaTcp:
      return "tcp";
    case kIanaUdp:
      return "udp";
    case kIanaSctp:
      return "sctp";
    case kIanaDccp:
      return "dccp";
    default:
      return "";
  }
}

// A peer that is a real remote end (not a listener's or unconnected socket's "*:*").
bool peer_known(const SocketEvent& ev) { return !(ev.peer.is_any() && ev.rport == 0); }

// String-or-null for text that may be unknown ("" in the event).
void text_or_null(JsonWriter& w, std::string_view k, std::string_view bytes) {
  if (bytes.empty()) {
    w.key(k);
    w.null();
  } else {
    w.text(k, bytes);
  }
}

void str_or_null(JsonWriter& w, std::string_view k, std::string_view s) {
  w.key(k);
  if (s.empty())
    w.null();
  else
    w.value(s);
}

void write_health_fields(JsonWriter& w, const EngineHealth& h) {
  w.field("ticks", h.ticks);
  w.field("processes_denied", h.processes_denied);
  w.field("processes_vanished", h.processes_vanished);
  w.field("netns_not_entered", h.netns_not_entered);
  w.field("destroy_overruns", h.destroy_overruns);
  w.field("ebpf_drops", h.ebpf_drops);
  w.field("dumps_interrupted", h.dumps_interrupted);
  w.field("sockets", h.sockets);
  w.field("tick_cpu_us", h.tick_cpu_us);
  w.field("owner_scans", h.owner_scans);
  w.field("destroy_events", h.destroy_events);
  w.field("ebpf_loaded", h.ebpf_loaded);
}

void write_counters(JsonWriter& w, const std::optional<SocketCounters>& c) {
  auto num = [&](std::string_view k, auto SocketCounters::*m) {
    w.key(k);
    if (c)
      w.value(static_cast<uint64_t>((*c).*m));
    else
      w.null();
  };
  num("bytes_sent", &SocketCounters::bytes_sent);
  num("bytes_acked", &SocketCounters::bytes_acked);
  num("bytes_received", &SocketCounters::bytes_received);
  num("segs_out", &SocketCounters::segs_out);
  num("segs_in", &SocketCounters::segs_in);
  num("retransmits", &SocketCounters::retrans);
}

// ---- native ----

void native_endpoint(JsonWriter& w, std::string_view k, const SocketEvent& ev, bool local) {
  w.key(k);
  if (is_inet(ev)) {
    w.begin_object();
    w.field("address", std::string_view(numeric_addr(local ? ev.local : ev.peer)));
    w.field("port", static_cast<uint32_t>(local ? ev.lport : ev.rport));
    w.end_object();
  } else if (ev.family == AF_UNIX && local) {
    w.begin_object();
    text_or_null(w, "path", ev.unix_path);
    w.end_object();
  } else {
    w.null();
  }
}

void native_owner(JsonWriter& w, const OwnerInfo& o) {
  w.begin_object();
  w.field("pid", o.pid);
  w.text("comm", o.comm);
  text_or_null(w, "exe", o.exe);
  w.field("exe_deleted", o.exe_deleted);
  text_or_null(w, "cmdline", o.cmdline);
  w.key("uid");
  if (o.uid)
    w.value(*o.uid);
  else
    w.null();
  text_or_null(w, "user", o.user);
  w.key("start_time");
  if (o.start_us > 0)
    w.value(std::string_view(rfc3339_us(o.start_us)));
  else
    w.null();
  str_or_null(w, "entity_id", o.entity_id);
  w.field("source", owner_source_name(o.source));
  w.end_object();
}

void native_socket(JsonWriter& w, const SocketEvent& ev) {
  w.field("socket_id", std::string_view(ev.socket_id));
  w.field("netid", table_netid(ev.table));
  w.field("family", family_name(ev.family));
  w.field("state", state_name(ev.state));
  if (ev.type == EventType::State) w.field("old_state", state_name(ev.old_state));
  if (ev.type == EventType::Open) w.field("preexisting", ev.preexisting);
  native_endpoint(w, "local", ev, true);
  native_endpoint(w, "peer", ev, false);
  w.field("inode", ev.inode);
  w.field("cookie", std::string_view(fmt::format("{:x}", ev.cookie)));
  w.field("netns", ev.netns);
  text_or_null(w, "netns_name", ev.netns_name);
  text_or_null(w, "container", container_of(ev));
  w.key("owner");
  if (ev.owner) {
    native_owner(w, *ev.owner);
  } else {
    w.null();
    w.text("owner_reason", ev.owner_reason.empty() ? std::string_view("unknown")
                                                   : std::string_view(ev.owner_reason));
  }
  w.field("direction", direction_name(ev));
  str_or_null(w, "source", ev.source);
  if (ev.type == EventType::Close) {
    w.key("opened");
    if (ev.opened_us > 0)
      w.value(std::string_view(rfc3339_us(ev.opened_us)));
    else
      w.null();
    w.key("duration_us");
    if (auto d = duration_us(ev))
      w.value(*d);
    else
      w.null();
  }
  // Counters on every close (null when the kernel keeps none: UDP, unix...),
  // and on an open or state event only when the engine had them.
  if (ev.type == EventType::Close || ev.counters) write_counters(w, ev.counters);
}

// ---- ECS ----

void ecs_endpoint(JsonWriter& w, std::string_view k, const IpAddr& a, uint16_t port, bool ports,
                  std::optional<uint64_t> bytes, std::optional<uint64_t> packets) {
  w.key(k);
  w.begin_object();
  w.field("ip", std::string_view(numeric_addr(a)));
  if (ports) w.field("port", static_cast<uint32_t>(port));
  if (bytes) w.field("bytes", *bytes);
  if (packets) w.field("packets", *packets);
  w.end_object();
}

void ecs_event(JsonWriter& w, const SocketEvent& ev) {
  std::string_view kind = "event", category = "network", action, dataset = "sockwatch.socket";
  std::vector<std::string_view> types;
  switch (ev.type) {
    case EventType::Open:
      types = {"connection", "start"};
      action = "socket_opened";
      break;
    case EventType::State:
      types = {"connection", "change"};
      action = "socket_state_changed";
      break;
    case EventType::Close:
      types = {"connection", "end"};
      action = "socket_closed";
      break;
    case EventType::Overrun:
      // Events the kernel dropped: about sockwatch's own view of the host,
      // not about one connection.
      category = "host";
      types = {"info"};
      action = "events_lost";
      dataset = "sockwatch.health";
      break;
    case EventType::Health:
      kind = "metric";
      category = "host";
      types = {"info"};
      action = "engine_health";
      dataset = "sockwatch.health";
      break;
  }
  w.key("event");
  w.begin_object();
  w.field("kind", kind);
  w.key("category");
  w.begin_array();
  w.value(category);
  w.end_array();
  w.key("type");
  w.begin_array();
  for (auto t : types) w.value(t);
  w.end_array();
  w.field("action", action);
  w.field("module", "sockwatch");
  w.field("dataset", dataset);
  if (ev.type == EventType::Close) {
    if (ev.opened_us > 0) w.field("start", std::string_view(rfc3339_us(ev.opened_us)));
    w.field("end", std::string_view(rfc3339_us(ev.ts_us)));
    if (auto d = duration_us(ev)) w.field("duration", *d * 1000);  // ECS: nanoseconds
  }
  w.end_object();
}

void ecs_host(JsonWriter& w, const HostInfo& host) {  // see write_ecs_host
  w.key("host");
  w.begin_object();
  w.field("hostname", std::string_view(host.hostname));
  w.field("name", std::string_view(host.hostname));
  if (!host.machine_id.empty()) w.field("id", std::string_view(host.machine_id));
  if (!host.boot_id.empty()) {
    w.key("boot");
    w.begin_object();
    w.field("id", std::string_view(host.boot_id));
    w.end_object();
  }
  if (!host.os_kernel.empty()) {
    w.key("os");
    w.begin_object();
    w.field("kernel", std::string_view(host.os_kernel));
    w.end_object();
  }
  w.end_object();
}

// source/destination/network for an inet socket. Who is the source: the
// initiator. Outbound and unknown: the local end (a listener's own address is
// its "source" too, documented); inbound: the peer.
void ecs_network(JsonWriter& w, const SocketEvent& ev) {
  if (!is_inet(ev)) return;
  uint8_t proto = iana_proto(ev.table);
  bool ports = ev.table != Table::Raw;  // raw: the "port" is the IP protocol number
  bool local_is_source = !(ev.direction_known && ev.inbound);
  const auto& c = ev.counters;
  std::optional<uint64_t> out_b, in_b, out_p, in_p;
  if (c) {
    out_b = c->bytes_acked;  // payload the peer acknowledged (tcplife's TX), not retransmits
    in_b = c->bytes_received;
    out_p = c->segs_out;
    in_p = c->segs_in;
  }
  bool has_peer = peer_known(ev);
  if (local_is_source) {
    ecs_endpoint(w, "source", ev.local, ev.lport, ports, out_b, out_p);
    if (has_peer) ecs_endpoint(w, "destination", ev.peer, ev.rport, ports, in_b, in_p);
  } else {
    if (has_peer) ecs_endpoint(w, "source", ev.peer, ev.rport, ports, in_b, in_p);
    ecs_endpoint(w, "destination", ev.local, ev.lport, ports, out_b, out_p);
  }
  w.key("network");
  w.begin_object();
  if (proto) w.field("transport", transport_name(proto));
  uint32_t iana = proto ? proto : (ev.table == Table::Raw ? ev.lport : 0u);
  if (iana) w.field("iana_number", std::string_view(fmt::format("{}", iana)));
  w.field("type", ev.family == AF_INET ? "ipv4" : "ipv6");
  // Host-based monitoring: ingress/egress from the host's point of view (ECS 8.x).
  w.field("direction", !ev.direction_known ? "unknown" : ev.inbound ? "ingress" : "egress");
  if (proto && has_peer && ev.lport && ev.rport && ev.local.family == ev.peer.family) {
    std::string cid = community_id_v1(ev.local, ev.lport, ev.peer, ev.rport, proto);
    if (!cid.empty()) w.field("community_id", std::string_view(cid));
  }
  if (c) {
    w.field("bytes", c->bytes_acked + c->bytes_received);
    w.field("packets", c->segs_out + c->segs_in);
  }
  w.end_object();
}

void ecs_owner(JsonWriter& w, const OwnerInfo& o, EcsRawText& raws) {
  w.key("process");
  w.begin_object();
  w.field("pid", o.pid);
  raws.text(w, "name", o.comm, "process_name");
  if (!o.exe.empty()) raws.text(w, "executable", o.exe, "process_executable");
  if (!o.cmdline.empty()) raws.text(w, "command_line", o.cmdline, "process_command_line");
  if (!o.entity_id.empty()) w.field("entity_id", std::string_view(o.entity_id));
  if (o.start_us > 0) w.field("start", std::string_view(rfc3339_us(o.start_us)));
  w.end_object();
  if (o.uid) {
    w.key("user");
    w.begin_object();
    w.field("id", std::string_view(fmt::format("{}", *o.uid)));  // ECS: a keyword
    if (!o.user.empty()) raws.text(w, "name", o.user, "user_name");
    w.end_object();
  }
}

void ecs_sockwatch(JsonWriter& w, const SocketEvent& ev, EcsRawText& raws) {
  w.key("sockwatch");
  w.begin_object();
  w.field("schema", kLogEcsSchema);
  w.field("type", event_type_name(ev.type));
  if (is_socket_event(ev)) {
    w.field("socket_id", std::string_view(ev.socket_id));
    w.field("netid", table_netid(ev.table));
    w.field("family", family_name(ev.family));
    w.field("state", state_name(ev.state));
    if (ev.type == EventType::State) w.field("old_state", state_name(ev.old_state));
    if (ev.type == EventType::Open) w.field("preexisting", ev.preexisting);
    w.field("inode", ev.inode);
    w.field("cookie", std::string_view(fmt::format("{:x}", ev.cookie)));
    w.key("netns");
    w.begin_object();
    w.field("inode", ev.netns);
    if (!ev.netns_name.empty()) raws.text(w, "name", ev.netns_name, "netns_name");
    w.end_object();
    w.field("direction", direction_name(ev));
    if (!ev.source.empty()) w.field("source", std::string_view(ev.source));
    if (ev.family == AF_UNIX && !ev.unix_path.empty())
      raws.text(w, "unix_path", ev.unix_path, "unix_path");
    if (ev.owner) {
      w.field("owner_source", owner_source_name(ev.owner->source));
      w.field("exe_deleted", ev.owner->exe_deleted);
    } else {
      std::string_view reason = ev.owner_reason;  // a view of the event: raws outlive this
      raws.text(w, "owner_reason", reason.empty() ? std::string_view("unknown") : reason,
                "owner_reason");
    }
    if (ev.type == EventType::Close) {
      if (auto d = duration_us(ev)) w.field("duration_us", *d);
    }
    if (ev.counters) {
      w.key("counters");
      w.begin_object();
      write_counters(w, ev.counters);
      w.end_object();
    }
  } else if (ev.type == EventType::Overrun) {
    w.key("overrun");
    w.begin_object();
    w.field("lost", ev.lost);
    w.field("what", std::string_view(ev.what));
    w.end_object();
  } else {
    w.key("health");
    w.begin_object();
    if (ev.health) {
      write_health_fields(w, *ev.health);
      if (!ev.health->ebpf_reason.empty())
        w.field("ebpf_reason", std::string_view(ev.health->ebpf_reason));
    }
    if (!ev.what.empty()) w.field("summary", std::string_view(ev.what));
    w.end_object();
  }
  raws.write_b64(w);
  w.end_object();
}

}  // namespace

std::string format_event_native(const SocketEvent& ev, const HostInfo& host) {
  std::string out;
  out.reserve(512);
  JsonWriter w(out);
  w.begin_object();
  w.field("schema", kLogSchema);
  w.field("timestamp", std::string_view(rfc3339_us(ev.ts_us)));
  w.field("type", event_type_name(ev.type));
  w.key("host");
  w.begin_object();
  w.field("hostname", std::string_view(host.hostname));
  str_or_null(w, "boot_id", host.boot_id);
  w.end_object();
  switch (ev.type) {
    case EventType::Open:
    case EventType::State:
    case EventType::Close:
      native_socket(w, ev);
      break;
    case EventType::Overrun:
      w.field("lost", ev.lost);
      w.field("what", std::string_view(ev.what));
      break;
    case EventType::Health:
      w.key("health");
      if (ev.health) {
        w.begin_object();
        write_health_fields(w, *ev.health);
        str_or_null(w, "ebpf_reason", ev.health->ebpf_reason);
        w.end_object();
      } else {
        w.null();
      }
      str_or_null(w, "summary", ev.what);
      break;
  }
  w.end_object();
  return out;
}

void write_ecs_host(JsonWriter& w, const HostInfo& host) { ecs_host(w, host); }

std::string format_event_ecs(const SocketEvent& ev, const HostInfo& host) {
  std::string out;
  out.reserve(1024);
  JsonWriter w(out);
  EcsRawText raws;
  w.begin_object();
  w.field("@timestamp", std::string_view(rfc3339_us(ev.ts_us)));
  w.key("ecs");
  w.begin_object();
  w.field("version", kEcsVersion);
  w.end_object();
  ecs_event(w, ev);
  ecs_host(w, host);
  if (is_socket_event(ev)) {
    ecs_network(w, ev);
    if (ev.owner) ecs_owner(w, *ev.owner, raws);
    const std::string& cont = container_of(ev);
    if (!cont.empty()) {
      w.key("container");
      w.begin_object();
      raws.text(w, "id", cont, "container_id");
      w.end_object();
    }
  }
  ecs_sockwatch(w, ev, raws);
  w.end_object();
  return out;
}

}  // namespace sw
