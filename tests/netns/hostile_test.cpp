// Hostile input, round two (issue 12), against the real binary and kernel:
// recorded or /proc data is never the target of -K; --record does not
// follow a planted symlink; cut recordings fail naming the file; hostile -F
// files (deep, endless, huge blocklists) end with ss's answer or a clear
// error, never a crash or unbounded memory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "netns_helpers.hpp"

namespace sw::test {
namespace {

struct Dir {
  std::string path;
  Dir() {
    char p[] = "/tmp/sw_hostile_XXXXXX";
    path = mkdtemp(p);
  }
  ~Dir() { std::filesystem::remove_all(path); }
};

struct Env {
  const char* name;
  Env(const char* n, const std::string& v) : name(n) { setenv(n, v.c_str(), 1); }
  ~Env() { unsetenv(name); }
};

// A listener and one accepted connection on `port`.
struct Pair {
  int listener = -1, client = -1, server = -1;
  explicit Pair(uint16_t port) {
    listener = tcp_listener(port);
    client = tcp_connect(port);
    server = accept_one(listener);
  }
  ~Pair() {
    for (int fd : {listener, client, server})
      if (fd >= 0) close(fd);
  }
  bool alive() const { return still_connected(client, server); }
};

RunResult run_ss(const std::string& args_and_env) {
  std::string out = "/tmp/sw_hostile_ss_" + std::to_string(getpid());
  RunResult r;
  int st = std::system((args_and_env + " >" + out + " 2>" + out + ".err").c_str());
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = read_file(out);
  r.err = read_file(out + ".err");
  unlink(out.c_str());
  unlink((out + ".err").c_str());
  return r;
}

bool have_ss() { return access("/usr/bin/ss", X_OK) == 0; }

TEST(Hostile, ReplayedSocketsAreNeverKilled) {
  Dir d;
  Pair p(7301);
  ASSERT_TRUE(p.alive());
  std::string rec = d.path + "/rec";
  auto made = run_sockwatch({"--record", rec, "-tan"});
  ASSERT_EQ(made.status, 0) << made.err;
  auto k = run_sockwatch({"--replay", rec, "-tK"});
  EXPECT_EQ(k.status, 255);
  EXPECT_NE(k.err.find("--replay cannot be combined with -K"), std::string::npos) << k.err;
  EXPECT_TRUE(p.alive());
  // A listener started after the recording is just as safe.
  int later = tcp_listener(7302);
  ASSERT_GE(later, 0);
  EXPECT_EQ(run_sockwatch({"--replay", rec, "-tK", "sport", "=", ":7302"}).status, 255);
  EXPECT_EQ(run_sockwatch({"-tln", "sport", "=", ":7302"}).out.find("7302") != std::string::npos,
            true);
  close(later);
}

TEST(Hostile, TcpdiagFileWithKillShowsAndDestroysNothingAsSs) {
  Dir d;
  Pair p(7303);
  std::string dump = d.path + "/d";
  ASSERT_EQ(run_sockwatch({"-tan", "-D", dump}).status, 0);
  Env e("TCPDIAG_FILE", dump);
  auto k = run_sockwatch({"-tnK", "sport", "=", ":7303"});
  EXPECT_EQ(k.status, 0) << k.err;
  EXPECT_NE(k.out.find(":7303"), std::string::npos) << k.out;
  EXPECT_TRUE(p.alive());
  if (have_ss()) {
    auto s = run_ss("/usr/bin/ss -tnK sport = :7303");
    EXPECT_EQ(s.out, k.out);
    EXPECT_EQ(s.status, k.status);
    EXPECT_TRUE(p.alive());
  }
}

TEST(Hostile, ProcNetRowsAreShownButNeverKilledAsSs) {
  Dir d;
  Pair p(7304);
  std::string copy = d.path + "/tcp";
  std::ofstream(copy) << read_file("/proc/net/tcp");  // procfs sizes are 0: no copy_file
  Env e("PROC_NET_TCP", copy);
  Env e6("PROC_NET_TCP6", d.path + "/none");
  auto k = run_sockwatch({"-4tnK", "sport", "=", ":7304"});
  EXPECT_EQ(k.status, 0) << k.err;
  EXPECT_NE(k.out.find(":7304"), std::string::npos) << k.out;
  EXPECT_TRUE(p.alive());
  if (have_ss()) {
    auto s = run_ss("/usr/bin/ss -4tnK sport = :7304");
    EXPECT_EQ(s.out, k.out);
    EXPECT_TRUE(p.alive());
  }
}

TEST(Hostile, RecordDoesNotFollowAPlantedSymlink) {
  Dir d;
  std::string victim = d.path + "/victim", link = d.path + "/rec";
  std::ofstream(victim) << "precious";
  ASSERT_EQ(symlink(victim.c_str(), link.c_str()), 0);
  auto r = run_sockwatch({"--record", link, "-tan"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(link), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(victim), "precious");
  std::string fifo = d.path + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(run_sockwatch({"--record", fifo, "-tan"}).status, 1);  // and no hang
}

TEST(Hostile, CutRecordingFailsNamingTheFile) {
  Dir d;
  Pair p(7305);
  std::string rec = d.path + "/rec";
  ASSERT_EQ(run_sockwatch({"--record", rec, "-tan"}).status, 0);
  auto whole = run_sockwatch({"--replay", rec, "-tan"});
  ASSERT_EQ(whole.status, 0) << whole.err;
  EXPECT_NE(whole.out.find(":7305"), std::string::npos);
  // Cut at every message boundary: each cut is refused, none passes quietly.
  std::string bytes = read_file(rec);
  size_t off = 0, cuts = 0;
  while (off + 16 <= bytes.size()) {
    uint32_t len;
    std::memcpy(&len, bytes.data() + off, 4);
    size_t next = off + ((len + 3) & ~3u);
    if (next >= bytes.size()) break;
    std::string cut = d.path + "/cut";
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, next);
    auto r = run_sockwatch({"--replay", cut, "-tan"});
    EXPECT_EQ(r.status, 1) << "cut at " << next << ": " << r.out;
    EXPECT_NE(r.err.find(cut), std::string::npos) << r.err;
    ++cuts;
    off = next;
  }
  EXPECT_GT(cuts, 2u);
  std::string empty = d.path + "/empty";
  std::ofstream(empty).flush();
  auto e = run_sockwatch({"--replay", empty, "-tan"});
  EXPECT_EQ(e.status, 1);
  EXPECT_NE(e.err.find("empty recording"), std::string::npos) << e.err;
}

std::string write_lines(const std::string& path, const std::vector<std::string>& tokens) {
  std::ofstream f(path);
  for (size_t i = 0; i < tokens.size(); ++i) f << tokens[i] << (i % 100 == 99 ? "\n" : " ");
  f << "\n";
  return path;
}

TEST(Hostile, DeepFilterIsSsMemoryExhaustedNotACrash) {
  Dir d;
  std::vector<std::string> t(20000, "(");
  t.insert(t.end(), {"dport", "=", "1"});
  t.insert(t.end(), 20000, ")");
  std::string f = write_lines(d.path + "/deep", t);
  auto r = run_sockwatch({"-tan", "-F", f});
  EXPECT_EQ(r.status, 255);
  EXPECT_EQ(
      r.err.rfind("ss: bison bellows (while parsing filter): \"memory exhausted!\" Sorry.\n", 0),
      0u)
      << r.err.substr(0, 200);
  std::vector<std::string> n(30000, "not");
  n.insert(n.end(), {"dport", "=", "1"});
  EXPECT_EQ(run_sockwatch({"-tan", "-F", write_lines(d.path + "/nots", n)}).status, 255);
  if (have_ss()) {
    auto s = run_ss("/usr/bin/ss -tan -F " + f);
    EXPECT_EQ(s.status, 255);
    EXPECT_EQ(s.err.substr(0, s.err.find('\n')), r.err.substr(0, r.err.find('\n')));
  }
}

TEST(Hostile, FortyThousandTermBlocklistSelectsTheRightSockets) {
  Dir d;
  Pair p(7306);
  std::vector<std::string> t;
  for (int i = 0; i < 40000; ++i) {
    t.insert(t.end(), {"dst",
                       "10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) +
                           "." + std::to_string(i & 255),
                       "or"});
  }
  t.insert(t.end(), {"dport", "=", ":7306"});
  std::string f = write_lines(d.path + "/block", t);
  auto r = run_sockwatch({"-tnH", "-F", f});
  EXPECT_EQ(r.status, 0) << r.err.substr(0, 300);
  EXPECT_NE(r.out.find("127.0.0.1:7306\n"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;  // the client side only
}

TEST(Hostile, EndlessOrEmptyFilterInputsEndWithAnError) {
  auto zero = run_sockwatch({"-tan", "-F", "/dev/zero"});
  EXPECT_EQ(zero.status, 255);
  EXPECT_EQ(zero.err, "Invalid line\n");  // ss 6.1's words
  EXPECT_TRUE(zero.out.empty());          // no listing with no filter
  auto dir = run_sockwatch({"-tan", "-F", "/tmp"});
  EXPECT_EQ(dir.status, 255);
  EXPECT_EQ(dir.err, "-F /tmp: Is a directory\n");
  std::string out = "/tmp/sw_hostile_yes_" + std::to_string(getpid());
  int st =
      std::system(("yes | " + std::string(SW_BINARY) + " -tan -F - >" + out + " 2>&1").c_str());
  EXPECT_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 255);
  EXPECT_NE(read_file(out).find("-F -: larger than 16 MiB"), std::string::npos) << read_file(out);
  unlink(out.c_str());
  Env e("PROC_NET_TCP", "/dev/zero");
  auto pz = run_sockwatch({"-4tan"});
  EXPECT_NE(pz.err.find("/dev/zero: larger than 256 MiB"), std::string::npos) << pz.err;
  auto rz = run_sockwatch({"--replay", "/dev/urandom", "-tan"});
  EXPECT_EQ(rz.status, 255);  // PROC_NET_TCP is set: refused before reading
}

TEST(Hostile, RandomRecordingFailsAtItsFirstHeader) {
  auto r = run_sockwatch({"--replay", "/dev/urandom", "-tan"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("/dev/urandom"), std::string::npos) << r.err;
  Env e("TCPDIAG_FILE", "/dev/zero");
  auto t = run_sockwatch({"-tan"});
  EXPECT_EQ(t.status, 1);
  EXPECT_NE(t.err.find("/dev/zero: corrupt message length 0 at offset 0"), std::string::npos)
      << t.err;
}

}  // namespace
}  // namespace sw::test
