// The evidence payload of check --record: a lossless round trip (raw bytes
// that are not UTF-8 included), a stable encoding (the committed sample is
// what this encoder writes, so older recordings stay readable), and corrupt,
// hostile or foreign payloads refused with a message, never a crash.
#include "ir/evidence_codec.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

namespace sw {
namespace {

Evidence sample() {
  Evidence ev;
  ev.host.hostname = "web1";
  ev.host.boot_id = "1590181d-cd49-4cad-a41d-0143b7fbd9d8";
  ev.host.machine_id = "3d1219c7c4c5404aaa1f6d2a48adfda4";
  ev.host.os_kernel = "6.1.0-18-amd64";
  ev.host.taken_us = 1764662400123456;
  ev.host.ephemeral_low = 32768;
  ev.host.ephemeral_high = 60999;
  NamespaceEvidence ns;
  ns.inode = 4026531840;
  ns.cross_view.done = true;
  ns.cross_view.diag_only = {7001};
  ns.cross_view.proc_net_only = {7002, 7003};
  ns.cross_view.fd_only = {{42, 5, 7004}};
  ns.cross_view.kernel_owned = {7005};
  ns.interfaces = {{1, "lo"}, {2, "eth0"}};
  ev.namespaces.push_back(ns);
  NamespaceEvidence other;
  other.inode = 4026532200;
  other.name = "blue";
  other.cross_view.not_done_why = "/proc/net: permission denied";
  ev.namespaces.push_back(other);
  ProcessEvidence p;
  p.pid = 42;
  p.ppid = 1;
  p.comm = std::string("sh\xff\xfe", 4);  // not UTF-8: must come back as these bytes
  p.exe = "/tmp/.x/backdoor";
  p.exe_deleted = true;
  p.cmdline = "sh -i";
  p.uid = 33;
  p.euid = 0;
  p.user = "www-data";
  p.start_ticks = 123456;
  p.start_us = 1764662000000000;
  p.cgroup = "/system.slice/php-fpm.service";
  p.container = "";
  p.netns = 4026531840;
  p.stdio[0] = {FdRef::Kind::Socket, 0, 7004, 0, ""};
  p.stdio[1] = {FdRef::Kind::Fifo, 1, 99, 2049, "/tmp/f"};
  p.stdio[2] = {FdRef::Kind::Tty, 2, 0, 0, "/dev/pts/3"};
  p.sockets = {p.stdio[0]};
  p.pipes = {p.stdio[1], {FdRef::Kind::Pipe, 7, 555, 0, ""}};
  ev.processes.push_back(p);
  ProcessEvidence q;
  q.pid = 43;
  q.fds_denied = true;
  ev.processes.push_back(q);
  ev.visibility.fd_dirs_denied = 1;
  ev.visibility.namespaces_not_entered = 2;
  ev.visibility.notes = {"owners: the fds of 1 processes could not be read"};
  return ev;
}

std::string fixture_path() { return std::string(SW_FIXTURES_DIR) + "/evidence/sample.cbor"; }

TEST(EvidenceCodec, RoundTripIsLossless) {
  Evidence ev = sample();
  ev.namespaces[0].sockets.resize(3);  // only counted: the dumps carry the sockets
  std::string bytes = encode_evidence_payload(ev);
  Evidence back;
  std::vector<uint64_t> records;
  ASSERT_TRUE(decode_evidence_payload(bytes, back, records));
  EXPECT_EQ(records, (std::vector<uint64_t>{3, 0}));
  ASSERT_EQ(back.processes.size(), 2u);
  const auto& p = back.processes[0];
  EXPECT_EQ(p.comm, std::string("sh\xff\xfe", 4));
  EXPECT_EQ(p.exe, "/tmp/.x/backdoor");
  EXPECT_TRUE(p.exe_deleted);
  EXPECT_EQ(p.uid, 33u);
  EXPECT_EQ(p.euid, 0u);
  EXPECT_EQ(p.stdio[1].kind, FdRef::Kind::Fifo);
  EXPECT_EQ(p.stdio[1].dev, 2049u);
  EXPECT_EQ(p.stdio[1].path, "/tmp/f");
  EXPECT_EQ(p.pipes.size(), 2u);
  EXPECT_FALSE(back.processes[1].uid.has_value());
  EXPECT_TRUE(back.processes[1].fds_denied);
  ASSERT_EQ(back.namespaces.size(), 2u);
  EXPECT_EQ(back.namespaces[0].cross_view.proc_net_only, (std::vector<uint64_t>{7002, 7003}));
  EXPECT_EQ(back.namespaces[0].cross_view.fd_only[0].inode, 7004u);
  EXPECT_EQ(back.namespaces[0].cross_view.kernel_owned, (std::vector<uint64_t>{7005}));
  EXPECT_EQ(back.namespaces[0].interfaces[1].second, "eth0");
  EXPECT_EQ(back.namespaces[1].name, "blue");
  EXPECT_FALSE(back.namespaces[1].cross_view.done);
  EXPECT_EQ(back.host.machine_id, ev.host.machine_id);
  EXPECT_EQ(back.host.taken_us, ev.host.taken_us);
  EXPECT_EQ(back.visibility.namespaces_not_entered, 2u);
  EXPECT_EQ(encode_evidence_payload(back), encode_evidence_payload(sample()));
}

TEST(EvidenceCodec, TheCommittedSampleIsWhatTheEncoderWrites) {
  std::string want = encode_evidence_payload(sample());
  // SW_UPDATE_FIXTURES=1 rewrites it (after a deliberate format change, with
  // kEvidencePayloadVersion raised).
  if (std::getenv("SW_UPDATE_FIXTURES")) std::ofstream(fixture_path(), std::ios::binary) << want;
  std::ifstream in(fixture_path(), std::ios::binary);
  std::string have((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(have, want) << "run with SW_UPDATE_FIXTURES=1";
  Evidence ev;
  std::vector<uint64_t> records;
  EXPECT_TRUE(decode_evidence_payload(have, ev, records));
}

std::string error_of(std::string_view bytes) {
  Evidence ev;
  std::vector<uint64_t> records;
  auto r = decode_evidence_payload(bytes, ev, records);
  return r ? std::string() : r.error().message;
}

TEST(EvidenceCodec, CorruptPayloadsAreRefusedWithAReason) {
  std::string good = encode_evidence_payload(sample());
  EXPECT_NE(error_of(good.substr(0, good.size() / 2)), "");
  EXPECT_NE(error_of(""), "");
  EXPECT_NE(error_of("not cbor at all"), "");

  using nlohmann::json;
  auto cbor = [](const json& j) {
    auto v = json::to_cbor(j);
    return std::string(v.begin(), v.end());
  };
  json j = json::from_cbor(good);
  json newer = j;
  newer["version"] = 99;
  EXPECT_NE(error_of(cbor(newer)).find("version 99"), std::string::npos);
  json wrong = j;
  wrong["processes"][0]["pid"] = "forty-two";
  EXPECT_NE(error_of(cbor(wrong)).find("'pid' is not an integer"), std::string::npos);
  json neg = j;
  neg["processes"][0]["uid"] = -1;
  EXPECT_NE(error_of(cbor(neg)).find("'uid' is negative"), std::string::npos);
  json kind = j;
  kind["processes"][0]["stdio"][0][0] = 200;
  EXPECT_NE(error_of(cbor(kind)).find("unknown kind"), std::string::npos);
  json missing = j;
  missing.erase("host");
  EXPECT_NE(error_of(cbor(missing)).find("'host' is missing"), std::string::npos);
  json unsorted = j;
  std::swap(unsorted["processes"][0], unsorted["processes"][1]);
  EXPECT_NE(error_of(cbor(unsorted)).find("sorted"), std::string::npos);
}

TEST(EvidenceCodec, DeepNestingStopsBeforeTheStackDoes) {
  // 100,000 nested one-element arrays: a recursive reader without a limit
  // would overflow the stack.
  std::string deep(100000, '\x81');
  deep += '\x00';
  EXPECT_NE(error_of(deep).find("deeper"), std::string::npos);
}

}  // namespace
}  // namespace sw
