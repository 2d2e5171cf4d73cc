// src/rules on hand-built Evidence: the rule-file parser (good file, errors
// with their line), each socket-level detector (fires / does not / is
// allowlisted), the evaluator's order and the exit-status mapping.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "rules/check.hpp"

namespace sw {
namespace {

RuleSet parse_ok(const std::string& text) {
  auto r = parse_rules(text, "t.rules");
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : RuleSet{};
}

std::string parse_err(const std::string& text) {
  auto r = parse_rules(text, "t.rules");
  return r ? std::string("(parsed)") : r.error().message;
}

SocketRecord tcp(uint64_t inode, const char* l, uint16_t lp, const char* p, uint16_t pp,
                 uint8_t state) {
  SocketRecord r;
  r.table = Table::Tcp;
  r.family = AF_INET;
  r.state = state;
  r.inode = inode;
  r.local.family = r.peer.family = AF_INET;
  inet_pton(AF_INET, l, r.local.bytes.data());
  inet_pton(AF_INET, p, r.peer.bytes.data());
  r.lport = lp;
  r.rport = pp;
  return r;
}

ProcessEvidence proc(int32_t pid, int32_t ppid, const char* comm, const char* exe) {
  ProcessEvidence p;
  p.pid = pid;
  p.ppid = ppid;
  p.comm = comm;
  p.exe = exe;
  p.uid = 0;
  p.user = "root";
  return p;
}

FdRef sock_fd(int32_t fd, uint64_t inode) { return {FdRef::Kind::Socket, fd, inode, 0, ""}; }
FdRef pipe_fd(int32_t fd, uint64_t inode) { return {FdRef::Kind::Pipe, fd, inode, 0, ""}; }

Evidence base() {
  Evidence ev;
  ev.namespaces.emplace_back();
  ev.namespaces[0].inode = 4026531840;
  ev.processes.push_back(proc(1, 0, "systemd", "/usr/lib/systemd/systemd"));
  return ev;
}

void sort_procs(Evidence& ev) {
  std::sort(ev.processes.begin(), ev.processes.end(),
            [](const auto& a, const auto& b) { return a.pid < b.pid; });
}

CheckResult run(const Evidence& ev, const std::string& rules) {
  return evaluate(ev, parse_ok(rules), CheckContext{});
}

TEST(RulesParse, DefaultSetParses) {
  auto r = parse_rules(default_rules_text(), "default.rules");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GE(r->rules.size(), 12u);
  // --print-rules output parses back to the same rules.
  auto again = parse_rules(format_rules(*r), "printed");
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_EQ(again->rules.size(), r->rules.size());
  for (size_t i = 0; i < r->rules.size(); ++i) {
    EXPECT_EQ(again->rules[i].params, r->rules[i].params);
    EXPECT_EQ(again->rules[i].allow.size(), r->rules[i].allow.size());
    EXPECT_EQ(again->rules[i].severity, r->rules[i].severity);
  }
}

TEST(RulesParse, GoodFile) {
  auto s = parse_ok(
      "# c\n[rule x]\ndetector = remote-port\nseverity = high\n"
      "technique = T1571 Non-Standard Port\nports = 4444, 6666-6669\nexpect-22 = sshd\n"
      "allow = comm:nc cmdline:\"-l 4444\"\n");
  ASSERT_EQ(s.rules.size(), 1u);
  const Rule& r = s.rules[0];
  EXPECT_EQ(r.technique_id, "T1571");
  EXPECT_EQ(r.technique_name, "Non-Standard Port");
  EXPECT_EQ(r.params.at("ports"), (std::vector<std::string>{"4444", "6666-6669"}));
  ASSERT_EQ(r.allow.size(), 1u);
  EXPECT_EQ(r.allow[0].all[1].value, "-l 4444");
  EXPECT_EQ(r.allow[0].line, 8);
}

TEST(RulesParse, ErrorsNameTheLine) {
  EXPECT_EQ(parse_err("detector = raw-socket\n"),
            "t.rules:1: \"detector\" outside a [rule ID] section");
  EXPECT_EQ(parse_err("\n[rule a]\ndetector = nope\n").substr(0, 30),
            "t.rules:3: unknown detector \"n");
  EXPECT_EQ(parse_err("[rule a]\ndetector = raw-socket\nseverity = huge\n").substr(0, 19),
            "t.rules:3: severity");
  EXPECT_EQ(parse_err("[rule a]\n\n\ndetector = raw-socket\nfoo = 1\n").substr(0, 41),
            "t.rules:5: detector raw-socket has no par");
  EXPECT_EQ(parse_err("[rule a]\ndetector = raw-socket\nallow = bogus:1\n").substr(0, 30),
            "t.rules:3: allow: unknown key ");
  EXPECT_EQ(parse_err("[rule a]\ndetector = raw-socket\nallow = port:x\n").substr(0, 17),
            "t.rules:3: allow:");
  EXPECT_EQ(parse_err("[rule a]\nseverity = low\n"),
            "t.rules:1: rule a names no detector (detector = NAME)");
  EXPECT_EQ(parse_err("[rule a]\ndetector = raw-socket\n[rule a]\ndetector = raw-socket\n"),
            "t.rules:3: rule a is defined twice in this file");
  EXPECT_EQ(parse_err("[rule a]\ndetector = remote-port\nports = 1 99999\n").substr(0, 18),
            "t.rules:3: ports: ");
  EXPECT_EQ(parse_err("[rule a]\ndetector = raw-socket\njunk\n"),
            "t.rules:3: expected KEY = VALUE");
  EXPECT_EQ(parse_err("[rule A B]\n"), "t.rules:1: expected a section header [rule ID]");
  EXPECT_EQ(parse_err("[rule a]\ndetector = raw-socket\ntechnique = X1\n").substr(0, 21),
            "t.rules:3: technique ");
}

TEST(RulesDetect, ReverseShellFiresWithParentChain) {
  Evidence ev = base();
  ev.namespaces[0].sockets.push_back(tcp(100, "127.0.0.1", 40000, "127.0.0.1", 4444, kEstablished));
  auto py = proc(10, 1, "python3", "/usr/bin/python3.11");
  auto sh = proc(11, 10, "sh", "/usr/bin/dash");
  sh.stdio = {sock_fd(0, 100), sock_fd(1, 100), FdRef{}};
  sh.sockets = {sock_fd(0, 100), sock_fd(1, 100)};
  ev.processes.push_back(py);
  ev.processes.push_back(sh);
  const std::string rule = "[rule rs]\ndetector = shell-socket\nseverity = critical\n";
  auto r = run(ev, rule);
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.process->pid, 11);
  ASSERT_EQ(f.parents.size(), 2u);
  EXPECT_EQ(f.parents[0].comm, "python3");
  EXPECT_EQ(f.parents[1].pid, 1);
  EXPECT_EQ(f.socket->peer, "127.0.0.1:4444");
  EXPECT_EQ(check_exit_status(r), 7);
  // A unix socket on stdio (journald) is not a shell on the network.
  ev.namespaces[0].sockets[0].family = AF_UNIX;
  ev.namespaces[0].sockets[0].table = Table::UnixStream;
  EXPECT_TRUE(run(ev, rule).findings.empty());
}

TEST(RulesDetect, ShellOverPipe) {
  Evidence ev = base();
  ev.namespaces[0].sockets.push_back(tcp(200, "10.0.0.2", 41000, "10.0.0.9", 443, kEstablished));
  auto nc = proc(20, 1, "nc", "/usr/bin/nc.openbsd");
  nc.sockets = {sock_fd(3, 200)};
  nc.stdio = {FdRef{}, pipe_fd(1, 77), FdRef{}};
  nc.pipes = {pipe_fd(1, 77)};
  auto sh = proc(21, 1, "bash", "/usr/bin/bash");
  sh.stdio = {pipe_fd(0, 77), FdRef{}, FdRef{}};
  sh.pipes = {pipe_fd(0, 77)};
  ev.processes.push_back(nc);
  ev.processes.push_back(sh);
  auto r = run(ev, "[rule p]\ndetector = shell-pipe\nseverity = high\n");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].process->comm, "bash");
  EXPECT_EQ(r.findings[0].peer_process->comm, "nc");
  // Allowlisted by the peer.
  r = run(ev, "[rule p]\ndetector = shell-pipe\nallow = peer-comm:nc\n");
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.allowlisted, 1u);
}

TEST(RulesDetect, PacketSocketWithFilter) {
  Evidence ev = base();
  SocketRecord r;
  r.table = Table::PacketRaw;
  r.family = AF_PACKET;
  r.inode = 300;
  auto& p = r.ensure_packet();
  p.type = SOCK_RAW;
  p.protocol = 0x0003;
  p.has_filter = true;
  p.filter = std::string(6 * 8, '\0');
  packet_diag_mclist mc{};
  mc.pdmc_type = PACKET_MR_PROMISC;
  p.mclist = mc;
  ev.namespaces[0].sockets.push_back(r);
  auto x = proc(30, 1, "kdevtmpfs", "/tmp/.x/kdevtmpfs");
  x.sockets = {sock_fd(3, 300)};
  ev.processes.push_back(x);
  const std::string rules =
      "[rule f]\ndetector = packet-socket\nwith-filter = yes\nseverity = high\n"
      "[rule n]\ndetector = packet-socket\nwith-filter = no\nseverity = medium\n";
  auto res = run(ev, rules);
  ASSERT_EQ(res.findings.size(), 1u);
  EXPECT_EQ(res.findings[0].rule_id, "f");
  auto has = [&](const char* k, const char* v) {
    for (const auto& [a, b] : res.findings[0].details)
      if (a == k && b == v) return true;
    return false;
  };
  EXPECT_TRUE(has("bpf_filter", "6 instructions"));
  EXPECT_TRUE(has("promiscuous", "yes"));
  EXPECT_TRUE(has("protocol", "0x0003"));
  // EAPOL by wpa_supplicant, allowlisted on protocol and comm.
  ev.namespaces[0].sockets[0].packet_ext->protocol = 0x888e;
  ev.processes[1].comm = "wpa_supplicant";
  res = run(ev,
            "[rule f]\ndetector = packet-socket\nwith-filter = yes\n"
            "allow = comm:wpa_supplicant protocol:0x888e\n");
  EXPECT_TRUE(res.findings.empty());
}

TEST(RulesDetect, OwnerExecutable) {
  Evidence ev = base();
  ev.namespaces[0].sockets.push_back(tcp(400, "0.0.0.0", 8080, "0.0.0.0", 0, kListen));
  auto p = proc(40, 1, "x", "/tmp/x");
  p.sockets = {sock_fd(3, 400)};
  ev.processes.push_back(p);
  const std::string rules =
      "[rule tmp]\ndetector = owner-exe\nmatch = directory\nseverity = high\n"
      "[rule del]\ndetector = owner-exe\nmatch = deleted\n"
      "[rule mem]\ndetector = owner-exe\nmatch = memfd\nseverity = critical\n"
      "[rule hid]\ndetector = owner-exe\nmatch = hidden\n";
  auto ids = [&]() {
    std::vector<std::string> v;
    for (const auto& f : run(ev, rules).findings) v.push_back(f.rule_id);
    return v;
  };
  EXPECT_EQ(ids(), (std::vector<std::string>{"tmp"}));
  ev.processes[1].exe = "/usr/sbin/x";
  ev.processes[1].exe_deleted = true;
  EXPECT_EQ(ids(), (std::vector<std::string>{"del"}));
  ev.processes[1].exe = "/memfd:payload";
  EXPECT_EQ(ids(), (std::vector<std::string>{"mem"}));
  ev.processes[1].exe = "/var/lib/.cache/x";
  ev.processes[1].exe_deleted = false;
  EXPECT_EQ(ids(), (std::vector<std::string>{"hid"}));
  ev.processes[1].exe = "/usr/sbin/x";
  EXPECT_TRUE(ids().empty());
  // No socket: not a socket owner, not this check's business.
  ev.processes[1].exe = "/tmp/x";
  ev.processes[1].sockets.clear();
  EXPECT_TRUE(ids().empty());
}

TEST(RulesDetect, RemotePortExpectedOwner) {
  Evidence ev = base();
  auto& s = ev.namespaces[0].sockets;
  s.push_back(tcp(500, "0.0.0.0", 22, "0.0.0.0", 0, kListen));
  s.push_back(tcp(501, "10.0.0.2", 22, "10.0.0.7", 51000, kEstablished));
  s.push_back(tcp(502, "10.0.0.2", 54321, "10.0.0.8", 443, kEstablished));  // ephemeral
  s.push_back(tcp(503, "10.0.0.2", 41000, "10.0.0.8", 4444, kEstablished));
  auto sshd = proc(50, 1, "sshd", "/usr/sbin/sshd");
  sshd.sockets = {sock_fd(3, 500), sock_fd(4, 501)};
  auto cur = proc(51, 1, "curl", "/usr/bin/curl");
  cur.sockets = {sock_fd(3, 502), sock_fd(4, 503)};
  ev.processes.push_back(sshd);
  ev.processes.push_back(cur);
  auto r = run(ev, "[rule c]\ndetector = remote-port\nports = 22 4444 54321\nexpect-22 = sshd\n");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].socket->inode, 503u);
  ev.processes[1].comm = "evil";
  ev.processes[1].exe = "/usr/bin/evil";
  r = run(ev, "[rule c]\ndetector = remote-port\nports = 22\nexpect-22 = sshd\n");
  EXPECT_EQ(r.findings.size(), 2u);  // the listener and the accepted connection
}

TEST(RulesDetect, CrossViewAndKernelOwned) {
  Evidence ev = base();
  auto& ns = ev.namespaces[0];
  ns.sockets.push_back(tcp(600, "0.0.0.0", 31337, "0.0.0.0", 0, kListen));
  ns.sockets.push_back(tcp(601, "0.0.0.0", 2049, "0.0.0.0", 0, kListen));
  const std::string rules =
      "[rule h]\ndetector = cross-view\nseverity = high\n"
      "[rule k]\ndetector = kernel-owned\nseverity = info\n";
  auto r = run(ev, rules);
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.not_run.size(), 1u);  // cross view not done: said, not silent
  EXPECT_EQ(r.not_run[0].rule_id, "h");
  ns.cross_view.done = true;
  ns.cross_view.diag_only = {600};
  ns.cross_view.fd_only = {{1, 9, 999}};
  ns.cross_view.kernel_owned = {601};
  r = run(ev, rules);
  ASSERT_EQ(r.findings.size(), 3u);
  EXPECT_EQ(r.findings[0].rule_id, "h");
  EXPECT_EQ(r.findings[2].rule_id, "k");
  EXPECT_EQ(r.findings[2].severity, Severity::Info);
  EXPECT_TRUE(r.not_run.empty());
  // Info alone does not fail automation.
  r.findings.erase(r.findings.begin(), r.findings.begin() + 2);
  EXPECT_EQ(check_exit_status(r), 0);
}

TEST(RulesDetect, BaselineRulesSayWhyTheyDidNotRun) {
  Evidence ev = base();
  auto r = run(ev, "[rule l]\ndetector = new-listener\n[rule p]\ndetector = new-peer\n");
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.not_run.size(), 2u);
  EXPECT_EQ(r.not_run[0].rule_id, "l");
  EXPECT_EQ(r.not_run[1].rule_id, "p");
}

TEST(RulesEvaluate, OrderMinSeverityAndExitStatus) {
  CheckResult r;
  EXPECT_EQ(check_exit_status(r), 0);
  for (auto [s, code] : {std::pair{Severity::Low, 4},
                         {Severity::Medium, 5},
                         {Severity::High, 6},
                         {Severity::Critical, 7}}) {
    r.findings = {Finding{}};
    r.findings[0].severity = s;
    EXPECT_EQ(check_exit_status(r), code);
  }
  Evidence ev = base();
  ev.namespaces[0].sockets.push_back(tcp(700, "0.0.0.0", 4444, "0.0.0.0", 0, kListen));
  auto p = proc(70, 1, "x", "/tmp/x");
  p.sockets = {sock_fd(3, 700)};
  ev.processes.push_back(p);
  sort_procs(ev);
  auto set = parse_ok(
      "[rule a-low]\ndetector = remote-port\nports = 4444\nseverity = low\n"
      "[rule b-crit]\ndetector = owner-exe\nseverity = critical\n");
  auto res = evaluate(ev, set, CheckContext{});
  ASSERT_EQ(res.findings.size(), 2u);
  EXPECT_EQ(res.findings[0].rule_id, "b-crit");
  CheckContext ctx;
  ctx.min_severity = Severity::Medium;
  res = evaluate(ev, set, ctx);
  EXPECT_EQ(res.findings.size(), 1u);
  EXPECT_EQ(res.below_min, 1u);
}

}  // namespace
}  // namespace sw
