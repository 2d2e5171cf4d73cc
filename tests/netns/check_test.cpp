// `sockwatch check` against the live kernel in this test's private
// namespace, each condition created for real: a reverse shell (a shell whose
// stdio is a loopback TCP socket), the mkfifo | nc pipe and its anonymous
// pipe twin, a packet socket with a classic BPF filter, owners running from
// a deleted file and from /tmp, an allowlisted benign program, an unbound
// socket that the cross-view must not call hidden, a kernel-owned socket
// (VXLAN), and a recording whose replay gives the same findings as live.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "netns_helpers.hpp"

namespace sw::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Child {
  pid_t pid = -1;
};

void stop(Child& c) {
  if (c.pid > 0) {
    kill(c.pid, SIGKILL);
    waitpid(c.pid, nullptr, 0);
    c.pid = -1;
  }
}

// Forks; the child runs `setup` (which arranges its fds) and then execs argv.
// Returns once the child's /proc/PID/exe is the program (the exec happened).
Child spawn(const std::function<void()>& setup, const std::vector<std::string>& argv) {
  pid_t pid = fork();
  if (pid == 0) {
    setup();
    std::vector<char*> a;
    std::vector<std::string> copy = argv;
    for (auto& s : copy) a.push_back(s.data());
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  std::string want = fs::weakly_canonical(argv[0]).string();
  wait_until([&] {
    std::error_code ec;
    auto exe = fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string();
    return exe == want || exe == want + " (deleted)";
  });
  return {pid};
}

// A listener that survives exec (no SOCK_CLOEXEC): the exec'd program owns it.
void inheritable_listener(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa = loopback4(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(fd, 4) != 0) _exit(1);
}

// The classic BPF program "accept every frame" (one instruction).
void attach_filter(int fd) {
  sock_filter code[] = {{BPF_RET | BPF_K, 0, 0, 0xffff}};
  sock_fprog prog{1, code};
  setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

class Check : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sw_check_XXXXXX";
    tmp_ = mkdtemp(tmpl);
    // Not under /tmp and not hidden: where a deleted or renamed program lives.
    char tmpl2[] = "/var/lib/sw_check_XXXXXX";
    char* d = mkdtemp(tmpl2);
    ASSERT_NE(d, nullptr);
    plain_ = d;
  }
  void TearDown() override {
    for (auto& c : children_) stop(c);
    for (int fd : fds_) close(fd);
    fs::remove_all(tmp_);
    fs::remove_all(plain_);
  }
  json check(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"check", "-j", "--this-netns", "--no-baseline"};
    args.insert(args.end(), extra.begin(), extra.end());
    last_ = run_sockwatch(args);
    json j = json::parse(last_.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << last_.out << last_.err;
    return j;
  }
  // The findings of `rule` whose owner is `pid`.
  static std::vector<json> of(const json& j, const std::string& rule, pid_t pid) {
    std::vector<json> out;
    if (!j.contains("findings")) return out;
    for (const auto& f : j["findings"])
      if (f["rule"] == rule && f.contains("process") && f["process"]["pid"] == pid)
        out.push_back(f);
    return out;
  }
  Child keep(Child c) {
    children_.push_back(c);
    return c;
  }
  int hold(int fd) {
    fds_.push_back(fd);
    return fd;
  }
  std::string tmp_, plain_;
  std::vector<Child> children_;
  std::vector<int> fds_;
  RunResult last_;
};

TEST_F(Check, ReverseShellIsCriticalWithItsParentChain) {
  int l = hold(tcp_listener(7301));
  Child sh = keep(spawn(
      [] {
        int s = tcp_connect(7301);
        dup2(s, 0);
        dup2(s, 1);
        dup2(s, 2);
      },
      {"/bin/sh", "-c", "read x; true"}));
  ASSERT_GT(sh.pid, 0);
  hold(accept_one(l));
  json j = check();
  auto f = of(j, "reverse-shell", sh.pid);
  ASSERT_EQ(f.size(), 1u) << last_.out;
  EXPECT_EQ(f[0]["severity"], "critical");
  EXPECT_EQ(f[0]["technique"]["id"], "T1059");
  EXPECT_EQ(f[0]["socket"]["peer_port"], 7301);
  ASSERT_FALSE(f[0]["parents"].empty());
  EXPECT_EQ(f[0]["parents"][0]["pid"], getpid());
  EXPECT_EQ(last_.status, 7) << "critical gates with 7";
  EXPECT_EQ(j["exit_status"], 7);

  auto text = run_sockwatch({"check", "--this-netns", "--no-baseline"});
  EXPECT_EQ(text.status, 7);
  EXPECT_NE(text.out.find("[critical] reverse-shell"), std::string::npos) << text.out;
}

TEST_F(Check, ShellFedByAFifoOrAPipeFromANetworkedProcess) {
  // The test process plays nc: a TCP connection, and the writing end.
  int l = hold(tcp_listener(7302));
  hold(tcp_connect(7302));
  hold(accept_one(l));
  std::string fifo = tmp_ + "/f";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  pid_t reader = fork();
  if (reader == 0) {
    execl("/bin/sh", "/bin/sh", "-c", ("exec <" + fifo + "; read x; true").c_str(), nullptr);
    _exit(127);
  }
  children_.push_back({reader});
  hold(open(fifo.c_str(), O_WRONLY));  // meets the shell's open of the read end
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  Child piped = keep(spawn(
      [&] {
        dup2(p[0], 0);
        close(p[1]);
      },
      {"/bin/sh", "-c", "read x; true"}));
  close(p[0]);
  hold(p[1]);
  json j;
  ASSERT_TRUE(wait_until([&] {
    j = check();
    return !of(j, "shell-over-pipe", reader).empty() &&
           !of(j, "shell-over-pipe", piped.pid).empty();
  })) << last_.out;
  for (pid_t pid : {reader, piped.pid}) {
    auto f = of(j, "shell-over-pipe", pid);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0]["severity"], "high");
    EXPECT_EQ(f[0]["peer_process"]["pid"], getpid()) << f[0].dump();
  }
  EXPECT_EQ(last_.status, 6) << "high gates with 6";
}

TEST_F(Check, PacketSocketWithABpfFilterAndAnAllowlistedDhclient) {
  std::string dhclient = plain_ + "/dhclient";
  fs::copy_file("/bin/sleep", dhclient);
  auto with_filter = [] {
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    attach_filter(fd);
  };
  Child sniffer = keep(spawn(with_filter, {"/bin/sleep", "600"}));
  Child benign = keep(spawn(with_filter, {dhclient, "600"}));
  json j = check();
  auto f = of(j, "bpf-filter-packet-socket", sniffer.pid);
  ASSERT_EQ(f.size(), 1u) << last_.out;
  EXPECT_EQ(f[0]["severity"], "high");
  EXPECT_EQ(f[0]["socket"]["proto"], "packet");
  EXPECT_TRUE(f[0]["details"].contains("bpf_filter")) << f[0].dump();
  EXPECT_TRUE(of(j, "bpf-filter-packet-socket", benign.pid).empty()) << "dhclient is allowlisted";
  EXPECT_TRUE(of(j, "packet-sniffer", benign.pid).empty());
  EXPECT_GE(j["allowlisted"].get<int>(), 1);
}

TEST_F(Check, OwnersRunningFromTmpOrADeletedFile) {
  std::string in_tmp = tmp_ + "/sleep";
  std::string gone = plain_ + "/sleep";
  fs::copy_file("/bin/sleep", in_tmp);
  fs::copy_file("/bin/sleep", gone);
  // The listener fd survives exec: the copied program owns it.
  Child t = keep(spawn([] { inheritable_listener(7303); }, {in_tmp, "600"}));
  Child d = keep(spawn([] { inheritable_listener(7304); }, {gone, "600"}));
  fs::remove(gone);
  json j = check();
  auto f = of(j, "exe-in-temp", t.pid);
  ASSERT_EQ(f.size(), 1u) << last_.out;
  EXPECT_EQ(f[0]["process"]["exe"], in_tmp);
  auto g = of(j, "deleted-exe", d.pid);
  ASSERT_EQ(g.size(), 1u) << last_.out;
  EXPECT_EQ(g[0]["process"]["exe_deleted"], true);
  EXPECT_EQ(g[0]["process"]["exe"], gone);
}

TEST_F(Check, UnboundSocketIsNotHiddenAndKernelSocketsAreKernelOwned) {
  int unbound = hold(socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_GE(unbound, 0);
  hold(socket(AF_INET6, SOCK_DGRAM, 0));
  // A VXLAN device makes the kernel open a UDP socket that no process holds.
  bool vxlan = std::system(
                   "ip link add swchkvx0 type vxlan id 42 dstport 4789 dev lo "
                   ">/dev/null 2>&1 && ip link set swchkvx0 up") == 0;
  json j = check({"--min-severity", "info"});
  for (const auto& f : j["findings"]) EXPECT_NE(f["rule"], "hidden-socket") << f.dump();
  bool kernel_udp = false;
  for (const auto& f : j["findings"])
    if (f["rule"] == "kernel-owned-socket" && f["socket"]["local_port"] == 4789) kernel_udp = true;
  if (vxlan) {
    EXPECT_TRUE(kernel_udp) << last_.out;
    std::system("ip link del swchkvx0 >/dev/null 2>&1");
  }
  bool noted = false;
  for (const auto& n : j["could_not_see"]["notes"])
    if (n.get<std::string>().find("not bound yet") != std::string::npos) noted = true;
  EXPECT_TRUE(noted) << j["could_not_see"].dump();
}

TEST_F(Check, ARecordingGivesTheSameFindingsAsLive) {
  int l = hold(tcp_listener(7305));
  Child sh = keep(spawn(
      [] {
        int s = tcp_connect(7305);
        dup2(s, 0);
        dup2(s, 1);
      },
      {"/bin/sh", "-c", "read x; true"}));
  hold(accept_one(l));
  std::string rec = tmp_ + "/evidence.rec";
  json live = check({"--record", rec});
  ASSERT_EQ(last_.status, 7) << last_.err;
  ASSERT_FALSE(of(live, "reverse-shell", sh.pid).empty());
  auto live_tanp = run_sockwatch({"-tanp"});
  pid_t shell_pid = sh.pid;
  stop(sh);  // the replay must not look at this host
  auto again = run_sockwatch({"check", "-j", "--no-baseline", "--replay", rec});
  EXPECT_EQ(again.status, 7) << again.err;
  json replayed = json::parse(again.out, nullptr, false);
  EXPECT_EQ(replayed["findings"], live["findings"]);
  EXPECT_EQ(replayed["source"], rec);

  // ss mode reads the same recording's sockets, and with -p its owners:
  // what the live -tanp printed, though the shell is gone now.
  auto ss = run_sockwatch({"-tan", "--replay", rec});
  EXPECT_EQ(ss.status, 0) << ss.err;
  EXPECT_NE(ss.out.find("127.0.0.1:7305"), std::string::npos) << ss.out;
  auto tanp = run_sockwatch({"-tanp", "--replay", rec});
  EXPECT_EQ(tanp.status, 0) << tanp.err;
  EXPECT_EQ(tanp.out, live_tanp.out);
  EXPECT_NE(tanp.out.find("(\"sh\",pid=" + std::to_string(shell_pid) + ",fd=0)"), std::string::npos)
      << tanp.out;

  // A recording cut short is refused, naming the file.
  std::string cut = tmp_ + "/cut.rec";
  fs::copy_file(rec, cut);
  fs::resize_file(cut, fs::file_size(cut) / 2);
  auto bad = run_sockwatch({"check", "--replay", cut});
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find(cut), std::string::npos) << bad.err;
  // An ss-mode recording is not evidence.
  std::string plain = tmp_ + "/plain.rec";
  ASSERT_EQ(run_sockwatch({"-tan", "--record", plain}).status, 0);
  auto notev = run_sockwatch({"check", "--replay", plain});
  EXPECT_EQ(notev.status, 1);
  EXPECT_NE(notev.err.find("check --record"), std::string::npos) << notev.err;
  auto plain_p = run_sockwatch({"-tanp", "--replay", plain});
  EXPECT_EQ(plain_p.status, 255);
  EXPECT_NE(plain_p.err.find("check --record"), std::string::npos) << plain_p.err;
}

TEST_F(Check, NewListenersAndPeersAgainstTheBaseline) {
  std::string db = tmp_ + "/sw.db";
  int l = hold(tcp_listener(7307));
  ASSERT_EQ(run_sockwatch({"baseline", "save", "--db", db, "--this-netns"}).status, 0);
  // After the baseline: a listener on every interface, and a new conversation.
  int fd = hold(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_port = htons(7308);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  hold(tcp_connect(7307));
  hold(accept_one(l));
  // Loopback peers are left out by default; this namespace has no other.
  std::string add = tmp_ + "/loopback.rules";
  std::FILE* rf = std::fopen(add.c_str(), "w");
  std::fputs(
      "[rule new-peer]\ndetector = new-peer\ndirection = outbound\nloopback = yes\n"
      "severity = low\nexplain = new peers, loopback too\n",
      rf);
  std::fclose(rf);
  last_ = run_sockwatch({"check", "-j", "--this-netns", "--db", db, "--rules-add", add});
  json j = json::parse(last_.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << last_.out << last_.err;
  bool listener = false, peer = false;
  for (const auto& f : j["findings"]) {
    if (f["rule"] == "new-listener" && f["socket"]["local_port"] == 7308) listener = true;
    if (f["rule"] == "new-peer" && f["socket"]["peer_port"] == 7307) peer = true;
  }
  EXPECT_TRUE(listener) << last_.out;
  EXPECT_TRUE(peer) << last_.out;
  for (const auto& n : j["not_run"]) EXPECT_NE(n["rule"], "new-listener") << n.dump();
  // A baseline that is not there is an error, not a silent pass.
  auto missing = run_sockwatch({"check", "--this-netns", "--db", db, "--baseline", "nosuch"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("no baseline named 'nosuch'"), std::string::npos) << missing.err;
}

TEST_F(Check, UsageErrorsAndRuleFiles) {
  auto bad = run_sockwatch({"check", "--min-severity", "loud"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("'loud' is not a severity"), std::string::npos) << bad.err;
  EXPECT_EQ(run_sockwatch({"check", "-j", "--ecs"}).status, 2);
  EXPECT_EQ(run_sockwatch({"check", "extra"}).status, 2);

  std::string rules = tmp_ + "/my.rules";
  {
    std::FILE* f = std::fopen(rules.c_str(), "w");
    std::fputs("[rule broken]\ndetector = no-such-detector\n", f);
    std::fclose(f);
  }
  auto r = run_sockwatch({"check", "--rules", rules});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(rules + ":"), std::string::npos) << r.err;

  // Only my rule runs: the listener on 7306 fires it, nothing else runs.
  {
    std::FILE* f = std::fopen(rules.c_str(), "w");
    std::fputs(
        "[rule my-port]\ndetector = remote-port\nports = 7306\nseverity = low\n"
        "explain = test\n",
        f);
    std::fclose(f);
  }
  hold(tcp_listener(7306));
  json j = check({"--rules", rules});
  EXPECT_EQ(j["rules_run"], 1);
  ASSERT_EQ(j["findings"].size(), 1u) << last_.out;
  EXPECT_EQ(j["findings"][0]["rule"], "my-port");
  EXPECT_EQ(last_.status, 4);
  auto printed = run_sockwatch({"check", "--rules", rules, "--print-rules"});
  EXPECT_EQ(printed.status, 0);
  EXPECT_NE(printed.out.find("[rule my-port]"), std::string::npos) << printed.out;

  // ECS: one alert per finding and a summary line, each a JSON object.
  auto ecs = run_sockwatch({"check", "--ecs", "--this-netns", "--no-baseline", "--rules", rules});
  EXPECT_EQ(ecs.status, 4);
  std::vector<json> lines;
  size_t start = 0;
  while (start < ecs.out.size()) {
    size_t nl = ecs.out.find('\n', start);
    lines.push_back(json::parse(ecs.out.substr(start, nl - start)));
    start = nl + 1;
  }
  ASSERT_EQ(lines.size(), 2u) << ecs.out;
  EXPECT_EQ(lines[0]["event"]["kind"], "alert");
  EXPECT_EQ(lines[0]["rule"]["id"], "my-port");
  EXPECT_EQ(lines[0]["source"]["port"], 7306);
  EXPECT_TRUE(lines[0]["host"].contains("name"));
  EXPECT_EQ(lines[1]["event"]["action"], "check_completed");
}

}  // namespace
}  // namespace sw::test
