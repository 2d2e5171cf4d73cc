// `sockwatch log` event formatting: the native and ECS objects for every
// sample event parse as JSON and carry what docs/log.md promises. The schema
// check of every field is tests/log_schema (python3-jsonschema).
#include "render/event_json.hpp"

#include <gtest/gtest.h>
#include <nettle/base64.h>

#include <nlohmann/json.hpp>
#include <random>

#include "core/utf8.hpp"
#include "log_event_samples.hpp"
#include "render/json_writer.hpp"

namespace sw {
namespace {

using nlohmann::json;
using test::sample_events;
using test::sample_host;

const SocketEvent& sample(const std::string& name) {
  static const auto all = sample_events();
  for (const auto& [n, e] : all)
    if (n == name) return e;
  throw std::runtime_error("no sample " + name);
}

json native(const std::string& name) {
  return json::parse(format_event_native(sample(name), sample_host()));
}
json ecs(const std::string& name) {
  return json::parse(format_event_ecs(sample(name), sample_host()));
}

TEST(EventJson, Rfc3339Microseconds) {
  EXPECT_EQ(rfc3339_us(test::kSampleTs), "2026-12-02T10:11:12.123456Z");
  EXPECT_EQ(rfc3339_us(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(rfc3339_us(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(EventJson, EveryLineIsOneJsonObjectWithoutNewline) {
  for (const auto& [name, ev] : sample_events()) {
    for (const std::string& line :
         {format_event_native(ev, sample_host()), format_event_ecs(ev, sample_host())}) {
      EXPECT_EQ(line.find('\n'), std::string::npos) << name;
      // No raw control byte anywhere: what a terminal tailing the log would act on.
      for (unsigned char c : line) EXPECT_GE(c, 0x20) << name;
      json j;
      ASSERT_NO_THROW(j = json::parse(line)) << name << ": " << line;
      EXPECT_TRUE(j.is_object()) << name;
    }
  }
}

TEST(EventJson, NativeOpenWithOwner) {
  json j = native("open_owner");
  EXPECT_EQ(j["schema"], "sockwatch-log/1");
  EXPECT_EQ(j["timestamp"], "2026-12-02T10:11:12.123456Z");
  EXPECT_EQ(j["type"], "open");
  EXPECT_EQ(j["netid"], "tcp");
  EXPECT_EQ(j["family"], "inet");
  EXPECT_EQ(j["state"], "ESTAB");
  EXPECT_EQ(j["local"], (json{{"address", "192.168.1.52"}, {"port", 54585}}));
  EXPECT_EQ(j["peer"], (json{{"address", "93.184.216.34"}, {"port", 443}}));
  EXPECT_EQ(j["cookie"], "2a");
  EXPECT_EQ(j["netns"], 4026531992u);
  EXPECT_TRUE(j["netns_name"].is_null());
  EXPECT_EQ(j["direction"], "outbound");
  EXPECT_EQ(j["owner"]["pid"], 4242);
  EXPECT_EQ(j["owner"]["comm"], "curl");
  EXPECT_EQ(j["owner"]["uid"], 1000);
  EXPECT_EQ(j["owner"]["start_time"], "2026-12-02T10:11:07.123456Z");
  EXPECT_EQ(j["owner"]["source"], "proc");
  EXPECT_FALSE(j.contains("owner_reason"));
  EXPECT_FALSE(j.contains("old_state"));
  EXPECT_EQ(j["preexisting"], false);
  EXPECT_TRUE(native("open_listener")["preexisting"].get<bool>());
  EXPECT_TRUE(ecs("open_listener")["sockwatch"]["preexisting"].get<bool>());
  EXPECT_FALSE(native("state").contains("preexisting"));  // opens only
  EXPECT_FALSE(j.contains("bytes_sent"));                 // no counters on an open without them
}

TEST(EventJson, NativeOwnerNullHasReason) {
  json j = native("open_owner_null");
  EXPECT_TRUE(j["owner"].is_null());
  EXPECT_EQ(j["owner_reason"], "closed before first poll");
  EXPECT_EQ(j["direction"], "unknown");
}

TEST(EventJson, NativeStateAndClose) {
  json s = native("state");
  EXPECT_EQ(s["old_state"], "ESTAB");
  EXPECT_EQ(s["state"], "FIN-WAIT-1");
  EXPECT_EQ(s["source"], "ebpf");

  json c = native("close_counters");
  EXPECT_EQ(c["state"], "TIME-WAIT");
  EXPECT_EQ(c["duration_us"], 2'500'000);
  EXPECT_EQ(c["opened"], "2026-12-02T10:11:09.623456Z");
  EXPECT_EQ(c["bytes_sent"], 5120);
  EXPECT_EQ(c["bytes_acked"], 5000);
  EXPECT_EQ(c["bytes_received"], 180000);
  EXPECT_EQ(c["segs_out"], 40);
  EXPECT_EQ(c["segs_in"], 150);
  EXPECT_EQ(c["retransmits"], 2);

  json u = native("close_udp_no_counters");
  EXPECT_TRUE(u["bytes_sent"].is_null());
  EXPECT_EQ(u["state"], "UNCONN");

  json d = native("close_destroy_no_owner");
  EXPECT_EQ(d["source"], "destroy");
  EXPECT_TRUE(d["owner"].is_null());
  EXPECT_TRUE(d["duration_us"].is_null());  // never seen open: no duration invented
  EXPECT_TRUE(d["opened"].is_null());
}

TEST(EventJson, NativeUnixAndOthers) {
  json u = native("open_unix");
  EXPECT_EQ(u["netid"], "u_str");
  EXPECT_EQ(u["family"], "unix");
  EXPECT_EQ(u["state"], "LISTEN");
  EXPECT_EQ(u["local"], (json{{"path", "/run/docker.sock"}}));
  EXPECT_TRUE(u["peer"].is_null());

  json o = native("overrun");
  EXPECT_EQ(o["type"], "overrun");
  EXPECT_EQ(o["lost"], 17);
  EXPECT_EQ(o["what"], "destroy");
  EXPECT_FALSE(o.contains("socket_id"));

  json h = native("health");
  EXPECT_EQ(h["health"]["processes_denied"], 3);
  EXPECT_EQ(h["health"]["ebpf_loaded"], false);
  EXPECT_EQ(h["health"]["ebpf_reason"], "CAP_BPF missing");
  EXPECT_EQ(h["health"]["sockets"], 1500);
  EXPECT_EQ(h["health"]["tick_cpu_us"], 2300);
  EXPECT_EQ(h["health"]["owner_scans"], 410);
  EXPECT_EQ(h["health"]["destroy_events"], true);
  EXPECT_EQ(h["summary"], "3 processes denied; eBPF off (CAP_BPF missing)");
}

TEST(EventJson, HostileTextIsLossless) {
  const SocketEvent& ev = sample("open_hostile_text");
  json j = native("open_hostile_text");
  const auto& o = *ev.owner;
  // Invalid UTF-8: the _b64 sibling holds the exact bytes.
  EXPECT_EQ(j["owner"]["comm_b64"], base64(o.comm));
  EXPECT_EQ(j["owner"]["exe_b64"], base64(o.exe));
  EXPECT_EQ(j["owner"]["cmdline_b64"], base64(o.cmdline));
  EXPECT_EQ(j["owner"]["user_b64"], base64(o.user));
  EXPECT_EQ(j["container_b64"], base64(ev.container));
  EXPECT_EQ(j["owner"]["exe_deleted"], true);
  EXPECT_EQ(j["owner"]["source"], "listener");
  // The escapes keep control characters out of the text itself.
  std::string comm = j["owner"]["comm"];
  EXPECT_EQ(comm, "x\x1b[2J\x07\xEF\xBF\xBD\xEF\xBF\xBD");
  std::string line = format_event_native(ev, sample_host());
  EXPECT_NE(line.find("\\u001b[2J\\u0007"), std::string::npos);
  EXPECT_NE(line.find("\\u009b"), std::string::npos);  // C1 CSI escaped, not raw
  EXPECT_NE(line.find("\\u0000end"), std::string::npos);

  json e = ecs("open_hostile_text");
  EXPECT_EQ(e["sockwatch"]["b64"]["process_name"], base64(o.comm));
  EXPECT_EQ(e["sockwatch"]["b64"]["process_executable"], base64(o.exe));
  EXPECT_EQ(e["sockwatch"]["b64"]["process_command_line"], base64(o.cmdline));
  EXPECT_EQ(e["sockwatch"]["b64"]["user_name"], base64(o.user));
  EXPECT_EQ(e["sockwatch"]["b64"]["container_id"], base64(ev.container));
  EXPECT_FALSE(e["process"].contains("name_b64"));

  json u = native("open_unix_hostile_path");
  EXPECT_EQ(u["local"]["path_b64"], base64(sample("open_unix_hostile_path").unix_path));
  json ue = ecs("open_unix_hostile_path");
  EXPECT_EQ(ue["sockwatch"]["b64"]["unix_path"],
            base64(sample("open_unix_hostile_path").unix_path));
  // Valid text gets no _b64 sibling.
  EXPECT_FALSE(native("open_owner")["owner"].contains("comm_b64"));
  EXPECT_FALSE(ecs("open_owner")["sockwatch"].contains("b64"));
}

TEST(EventJson, EcsOutboundOpen) {
  json j = ecs("open_owner");
  EXPECT_EQ(j["@timestamp"], "2026-12-02T10:11:12.123456Z");
  EXPECT_EQ(j["event"]["kind"], "event");
  EXPECT_EQ(j["event"]["category"], json::array({"network"}));
  EXPECT_EQ(j["event"]["type"], json::array({"connection", "start"}));
  EXPECT_EQ(j["event"]["action"], "socket_opened");
  EXPECT_EQ(j["source"]["ip"], "192.168.1.52");
  EXPECT_EQ(j["source"]["port"], 54585);
  EXPECT_EQ(j["destination"]["ip"], "93.184.216.34");
  EXPECT_EQ(j["destination"]["port"], 443);
  EXPECT_EQ(j["network"]["transport"], "tcp");
  EXPECT_EQ(j["network"]["iana_number"], "6");
  EXPECT_EQ(j["network"]["type"], "ipv4");
  EXPECT_EQ(j["network"]["direction"], "egress");
  EXPECT_EQ(j["network"]["community_id"].get<std::string>().rfind("1:", 0), 0u);
  EXPECT_EQ(j["process"]["pid"], 4242);
  EXPECT_EQ(j["process"]["name"], "curl");
  EXPECT_EQ(j["process"]["executable"], "/usr/bin/curl");
  EXPECT_EQ(j["process"]["command_line"], "curl -s https://example.org/");
  EXPECT_EQ(j["process"]["start"], "2026-12-02T10:11:07.123456Z");
  EXPECT_EQ(j["user"]["id"], "1000");
  EXPECT_EQ(j["user"]["name"], "alice");
  EXPECT_EQ(j["host"]["hostname"], "web-1");
  EXPECT_EQ(j["host"]["boot"]["id"], sample_host().boot_id);
  EXPECT_EQ(j["host"]["id"], sample_host().machine_id);
  EXPECT_EQ(j["host"]["os"]["kernel"], "6.1.0-18-amd64");
  EXPECT_EQ(j["sockwatch"]["socket_id"], "f0000098-2a");
  EXPECT_EQ(j["sockwatch"]["state"], "ESTAB");
  EXPECT_EQ(j["sockwatch"]["netns"]["inode"], 4026531992u);
}

TEST(EventJson, EcsInboundSwapsSourceAndDestination) {
  json j = ecs("close_destroy_no_owner");  // inbound: the peer initiated
  EXPECT_EQ(j["source"]["ip"], "10.0.0.9");
  EXPECT_EQ(j["source"]["port"], 51000);
  EXPECT_EQ(j["destination"]["ip"], "10.0.0.5");
  EXPECT_EQ(j["destination"]["port"], 8080);
  EXPECT_EQ(j["network"]["direction"], "ingress");
  EXPECT_FALSE(j.contains("process"));
  EXPECT_EQ(j["sockwatch"]["owner_reason"], "closed before first poll");
  // The flow id does not depend on which end is called source.
  SocketEvent flipped = sample("close_destroy_no_owner");
  flipped.inbound = false;
  EXPECT_EQ(json::parse(format_event_ecs(flipped, sample_host()))["network"]["community_id"],
            j["network"]["community_id"]);
}

TEST(EventJson, EcsCloseBytesAndDuration) {
  json j = ecs("close_counters");
  EXPECT_EQ(j["event"]["type"], json::array({"connection", "end"}));
  EXPECT_EQ(j["event"]["duration"], 2'500'000'000LL);  // nanoseconds
  EXPECT_EQ(j["event"]["start"], "2026-12-02T10:11:09.623456Z");
  EXPECT_EQ(j["event"]["end"], "2026-12-02T10:11:12.123456Z");
  EXPECT_EQ(j["source"]["bytes"], 5000);  // outbound: local sent, acked by the peer
  EXPECT_EQ(j["destination"]["bytes"], 180000);
  EXPECT_EQ(j["source"]["packets"], 40);
  EXPECT_EQ(j["destination"]["packets"], 150);
  EXPECT_EQ(j["network"]["bytes"], 185000);
  EXPECT_EQ(j["sockwatch"]["counters"]["retransmits"], 2);
  EXPECT_EQ(j["sockwatch"]["duration_us"], 2'500'000);
}

TEST(EventJson, EcsCommunityIdMatchesSpecVector) {
  // The spec's v6 TCP baseline flow, as an inbound socket on this host.
  json j = ecs("open_v6_inbound");
  EXPECT_EQ(j["network"]["community_id"], "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
  EXPECT_EQ(j["network"]["type"], "ipv6");
  EXPECT_EQ(j["container"]["id"], "docker:3f4e5d6c7b8a");
  EXPECT_EQ(j["sockwatch"]["netns"]["name"], "blue");
  // UDP spec vector.
  EXPECT_EQ(ecs("close_udp_no_counters")["network"]["community_id"],
            "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
}

TEST(EventJson, EcsListenerHasNoDestinationOrFlow) {
  json j = ecs("open_listener");
  EXPECT_EQ(j["source"]["ip"], "0.0.0.0");
  EXPECT_EQ(j["source"]["port"], 22);
  EXPECT_FALSE(j.contains("destination"));
  EXPECT_FALSE(j["network"].contains("community_id"));
  EXPECT_EQ(j["network"]["direction"], "unknown");
  EXPECT_EQ(j["user"]["id"], "0");
}

TEST(EventJson, EcsUnixOverrunHealth) {
  json u = ecs("open_unix");
  EXPECT_FALSE(u.contains("source"));
  EXPECT_FALSE(u.contains("network"));
  EXPECT_EQ(u["sockwatch"]["unix_path"], "/run/docker.sock");
  EXPECT_EQ(u["sockwatch"]["netid"], "u_str");

  json o = ecs("overrun");
  EXPECT_EQ(o["event"]["action"], "events_lost");
  EXPECT_EQ(o["sockwatch"]["overrun"]["lost"], 17);

  json h = ecs("health");
  EXPECT_EQ(h["event"]["kind"], "metric");
  EXPECT_EQ(h["sockwatch"]["health"]["processes_vanished"], 12);
  EXPECT_EQ(h["sockwatch"]["health"]["ebpf_reason"], "CAP_BPF missing");
}

std::string unbase64(const std::string& b64) {
  base64_decode_ctx ctx;
  base64_decode_init(&ctx);
  std::string out(BASE64_DECODE_LENGTH(b64.size()), '\0');
  size_t n = out.size();
  bool ok = base64_decode_update(&ctx, &n, reinterpret_cast<uint8_t*>(out.data()), b64.size(),
                                 b64.data()) &&
            base64_decode_final(&ctx);
  EXPECT_TRUE(ok) << b64;
  out.resize(n);
  return out;
}

// Any bytes at all in the untrusted fields: the line is strict JSON
// (nlohmann rejects invalid UTF-8), and the exact bytes come back, from the
// text itself when it was valid UTF-8, else from the base64 sibling.
TEST(EventJson, ArbitraryBytesRoundTrip) {
  std::mt19937 rng(20261202);
  auto random_bytes = [&] {
    std::string s(static_cast<size_t>(rng() % 24), '\0');
    for (auto& c : s) {
      // Mostly the interesting range: controls, ASCII, lead and continuation bytes.
      auto r = static_cast<uint32_t>(rng());
      c = static_cast<char>(r % 4 == 0 ? 0x80 + (r >> 8) % 0x80 : (r >> 8) % 0x100);
    }
    return s;
  };
  auto back = [](const json& obj, const std::string& k) {
    if (obj.contains(k + "_b64")) return unbase64(obj[k + "_b64"]);
    return obj[k].get<std::string>();
  };
  for (int i = 0; i < 2000; ++i) {
    SocketEvent ev = sample(i % 2 ? "open_owner" : "open_unix");
    auto o = std::make_shared<OwnerInfo>(*ev.owner);
    o->comm = random_bytes();
    o->exe = "/" + random_bytes();
    o->cmdline = "x" + random_bytes();
    ev.owner = o;
    ev.unix_path = "@" + random_bytes();
    std::string line = format_event_native(ev, sample_host());
    json j;
    ASSERT_NO_THROW(j = json::parse(line)) << line;
    EXPECT_EQ(back(j["owner"], "comm"), o->comm);
    EXPECT_EQ(back(j["owner"], "exe"), o->exe);
    EXPECT_EQ(back(j["owner"], "cmdline"), o->cmdline);
    EXPECT_EQ(j["owner"].contains("comm_b64"), !valid_utf8(o->comm));
    if (ev.family == AF_UNIX) {
      EXPECT_EQ(back(j["local"], "path"), ev.unix_path);
    }

    json e;
    std::string ecs_line = format_event_ecs(ev, sample_host());
    ASSERT_NO_THROW(e = json::parse(ecs_line)) << ecs_line;
    const json& raw = e["sockwatch"].value("b64", json::object());
    EXPECT_EQ(raw.contains("process_name") ? unbase64(raw["process_name"])
                                           : e["process"]["name"].get<std::string>(),
              o->comm);
    EXPECT_EQ(raw.contains("process_command_line")
                  ? unbase64(raw["process_command_line"])
                  : e["process"]["command_line"].get<std::string>(),
              o->cmdline);
  }
}

}  // namespace
}  // namespace sw
