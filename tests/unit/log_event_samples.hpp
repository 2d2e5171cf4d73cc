// One SocketEvent of every shape `sockwatch log` writes: the event_json unit
// tests assert on them and tests/log_schema validates both formats of each
// against docs/schema/. A new shape of event goes here so both see it.
#pragma once

#include <arpa/inet.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/socket_event.hpp"
#include "render/event_json.hpp"

namespace sw::test {

inline IpAddr ip(const char* text) {
  IpAddr a;
  a.family = std::string_view(text).find(':') != std::string_view::npos ? AF_INET6 : AF_INET;
  inet_pton(a.family, text, a.bytes.data());
  return a;
}

inline HostInfo sample_host() {
  return {"web-1", "6f0b1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e", "0123456789abcdef0123456789abcdef",
          "6.1.0-18-amd64"};
}

// 2026-12-02T10:11:12.123456Z
inline constexpr int64_t kSampleTs = 1796206272123456;

inline std::shared_ptr<const OwnerInfo> sample_owner() {
  auto o = std::make_shared<OwnerInfo>();
  o->pid = 4242;
  o->comm = "curl";
  o->exe = "/usr/bin/curl";
  o->cmdline = "curl -s https://example.org/";
  o->uid = 1000;
  o->user = "alice";
  o->start_ticks = 123456;
  o->start_us = kSampleTs - 5'000'000;
  o->entity_id = "b3JpZ2luYWw";
  o->source = OwnerInfo::Source::Proc;
  return o;
}

inline SocketEvent inet_event(EventType t) {
  SocketEvent e;
  e.type = t;
  e.ts_us = kSampleTs;
  e.socket_id = "f0000098-2a";
  e.table = Table::Tcp;
  e.family = AF_INET;
  e.state = kEstablished;
  e.local = ip("192.168.1.52");
  e.lport = 54585;
  e.peer = ip("93.184.216.34");
  e.rport = 443;
  e.inode = 81234;
  e.cookie = 0x2a;
  e.netns = 4026531992;
  e.source = "poll";
  e.direction_known = true;
  e.inbound = false;
  return e;
}

// (name, event) pairs; names say what each covers.
inline std::vector<std::pair<std::string, SocketEvent>> sample_events() {
  std::vector<std::pair<std::string, SocketEvent>> v;

  auto open = inet_event(EventType::Open);
  open.owner = sample_owner();
  v.emplace_back("open_owner", open);

  auto open_null = inet_event(EventType::Open);
  open_null.owner_reason = "closed before first poll";
  open_null.direction_known = false;
  v.emplace_back("open_owner_null", open_null);

  auto listen = inet_event(EventType::Open);
  listen.preexisting = true;  // listening before sockwatch started
  listen.state = kListen;
  listen.local = ip("0.0.0.0");
  listen.lport = 22;
  listen.peer = ip("0.0.0.0");
  listen.rport = 0;
  listen.direction_known = false;
  auto sshd = std::make_shared<OwnerInfo>(*sample_owner());
  sshd->pid = 700;
  sshd->comm = "sshd";
  sshd->exe = "/usr/sbin/sshd";
  sshd->cmdline = "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups";
  sshd->uid = 0;
  sshd->user = "root";
  listen.owner = sshd;
  v.emplace_back("open_listener", listen);

  auto state = inet_event(EventType::State);
  state.old_state = kEstablished;
  state.state = kFinWait1;
  state.owner = sample_owner();
  state.source = "ebpf";
  v.emplace_back("state", state);

  auto close = inet_event(EventType::Close);
  close.state = kTimeWait;
  close.owner = sample_owner();
  close.opened_us = kSampleTs - 2'500'000;
  close.counters = SocketCounters{5120, 5000, 180000, 40, 150, 2};
  v.emplace_back("close_counters", close);

  auto destroy = inet_event(EventType::Close);
  destroy.state = kClose;
  destroy.source = "destroy";
  destroy.inode = 0;
  destroy.owner_reason = "closed before first poll";
  destroy.direction_known = true;
  destroy.inbound = true;
  destroy.local = ip("10.0.0.5");
  destroy.lport = 8080;
  destroy.peer = ip("10.0.0.9");
  destroy.rport = 51000;
  v.emplace_back("close_destroy_no_owner", destroy);

  auto v6 = inet_event(EventType::Open);
  v6.family = AF_INET6;
  v6.local = ip("2001:470:e5bf:dead:4957:2174:e82c:4887");
  v6.lport = 63943;
  v6.peer = ip("2607:f8b0:400c:c03::1a");
  v6.rport = 25;
  v6.netns_name = "blue";
  v6.container = "docker:3f4e5d6c7b8a";
  v6.owner = sample_owner();
  v6.direction_known = true;
  v6.inbound = true;
  v.emplace_back("open_v6_inbound", v6);

  auto udp = inet_event(EventType::Close);
  udp.table = Table::Udp;
  udp.state = kClose;
  udp.local = ip("192.168.1.52");
  udp.lport = 54585;
  udp.peer = ip("8.8.8.8");
  udp.rport = 53;
  udp.owner = sample_owner();
  udp.opened_us = kSampleTs - 1000;
  v.emplace_back("close_udp_no_counters", udp);

  SocketEvent ux;
  ux.type = EventType::Open;
  ux.ts_us = kSampleTs;
  ux.socket_id = "f0000098-77";
  ux.table = Table::UnixStream;
  ux.family = AF_UNIX;
  ux.state = kListen;
  ux.unix_path = "/run/docker.sock";
  ux.inode = 5555;
  ux.cookie = 0x77;
  ux.netns = 4026531992;
  ux.source = "poll";
  ux.owner = sample_owner();
  v.emplace_back("open_unix", ux);

  auto ux_abstract = ux;
  ux_abstract.type = EventType::Close;
  ux_abstract.unix_path = "@/tmp/.X11-unix/X0";
  ux_abstract.owner = nullptr;
  ux_abstract.owner_reason = "no permission";
  v.emplace_back("close_unix_abstract", ux_abstract);

  auto hostile = inet_event(EventType::Open);
  auto evil = std::make_shared<OwnerInfo>(*sample_owner());
  evil->comm = std::string("x\x1b[2J\x07\xff\xfe", 8);
  evil->exe = std::string("/tmp/\xc0\xafsh (deleted)");
  evil->exe_deleted = true;
  // C1 CSI (valid UTF-8), CR LF TAB, a UTF-16 surrogate (invalid), RLO, NUL.
  evil->cmdline =
      std::string("sh -c \"\xc2\x9b\x31m\" \\ \r\n\t\xed\xa0\x80 \xe2\x80\xae\0end", 29);
  evil->user = std::string("u\xf5ser");
  evil->source = OwnerInfo::Source::Listener;
  hostile.owner = evil;
  hostile.container = std::string("ctr\x01\xff");
  v.emplace_back("open_hostile_text", hostile);

  auto hostile_unix = ux;
  hostile_unix.unix_path = std::string("@\0evil\xff\n", 8);
  hostile_unix.owner = nullptr;
  hostile_unix.owner_reason = "kernel thread";
  v.emplace_back("open_unix_hostile_path", hostile_unix);

  SocketEvent overrun;
  overrun.type = EventType::Overrun;
  overrun.ts_us = kSampleTs;
  overrun.lost = 17;
  overrun.what = "destroy";
  v.emplace_back("overrun", overrun);

  SocketEvent health;
  health.type = EventType::Health;
  health.ts_us = kSampleTs;
  EngineHealth hh;
  hh.ticks = 600;
  hh.processes_denied = 3;
  hh.processes_vanished = 12;
  hh.netns_not_entered = 1;
  hh.sockets = 1500;
  hh.tick_cpu_us = 2300;
  hh.owner_scans = 410;
  hh.destroy_events = true;
  hh.ebpf_loaded = false;
  hh.ebpf_reason = "CAP_BPF missing";
  health.health = hh;
  health.what = "3 processes denied; eBPF off (CAP_BPF missing)";
  v.emplace_back("health", health);

  SocketEvent health_ok;
  health_ok.type = EventType::Health;
  health_ok.ts_us = kSampleTs;
  EngineHealth ok;
  ok.ticks = 60;
  ok.ebpf_loaded = true;
  health_ok.health = ok;
  v.emplace_back("health_ebpf", health_ok);

  return v;
}

}  // namespace sw::test
