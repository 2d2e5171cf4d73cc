// Hostile text and silent partial results on the live kernel (issue 12):
// process names (prctl PR_SET_NAME) and unix paths holding invalid UTF-8, C1
// controls or ')'; a unix path with a newline in /proc/net/unix; -p on a
// hidepid=1 /proc; --all-netns past the fd limit; write errors and refused
// modes, each against ss where ss has the behaviour.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../differential/diff_common.hpp"
#include "netns_helpers.hpp"
#include "render/json_writer.hpp"  // base64

namespace sw::test {
namespace {

using json = nlohmann::json;
constexpr const char* kSs = "/usr/bin/ss";
// Ports of this suite: 7801..7849.
constexpr uint16_t kBasePort = 7801;

// A child that renames itself, listens on 127.0.0.1:port and waits to be
// killed. The name is set after fork, so it is the process's comm.
struct Holder {
  pid_t pid = -1;
  bool ok = false;
  ~Holder() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

void start_holder(Holder& h, const std::string& comm, uint16_t port) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return;
  h.pid = fork();
  if (h.pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    prctl(PR_SET_NAME, comm.c_str(), 0, 0, 0);
    int fd = tcp_listener(port);
    char c = fd >= 0 ? 'y' : 'n';
    if (write(p[1], &c, 1) != 1) _exit(1);
    for (;;) pause();
  }
  close(p[1]);
  char c = 0;
  h.ok = read(p[0], &c, 1) == 1 && c == 'y';
  close(p[0]);
}

const json* socket_on_port(const json& doc, uint16_t port) {
  for (const auto& s : doc["sockets"])
    if (s.contains("local") && s["local"].contains("port") && s["local"]["port"] == port) return &s;
  return nullptr;
}

int unix_listener(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return -1;
  std::memcpy(a.sun_path, path.data(), path.size());
  unlink(path.c_str());
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) || listen(fd, 4)) return -1;
  return fd;
}

bool have(const char* path) { return access(path, X_OK) == 0; }

// Each name once passed the lenient UTF-8 check: -j wrote it raw (Python's
// json.loads and nlohmann reject the document) and the text went raw to the
// terminal. comm holds at most 15 bytes.
TEST(HostileText, InvalidUtf8AndC1ProcessNamesAreEscapedAndJsonStaysValid) {
  const std::vector<std::string> names = {
      "sw\xed\xa0\x80s",      // encoded surrogate U+D800
      "sw\xc0\xafo",          // overlong '/'
      "sw\xf4\x90\x80\x80x",  // above U+10FFFF
      "sw\xc2\x9b"
      "2Jc1",  // U+009B CSI, validly encoded
  };
  std::vector<Holder> holders(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    start_holder(holders[i], names[i], static_cast<uint16_t>(kBasePort + i));
    ASSERT_TRUE(holders[i].ok) << i;
  }
  auto r = run_sockwatch({"-tlnp", "-j"});
  ASSERT_EQ(r.status, 0) << r.err;
  json doc;
  ASSERT_NO_THROW(doc = json::parse(r.out)) << r.out;
  for (size_t i = 0; i < names.size(); ++i) {
    const json* s = socket_on_port(doc, static_cast<uint16_t>(kBasePort + i));
    ASSERT_TRUE(s) << i;
    ASSERT_EQ((*s)["owners"].size(), 1u) << s->dump();
    const json& o = (*s)["owners"][0];
    if (i < 3) {
      EXPECT_EQ(o["comm_b64"], base64(names[i])) << o.dump();  // the exact bytes
    } else {
      EXPECT_EQ(o["comm"], names[i]);  // valid text: lossless without _b64
      EXPECT_FALSE(o.contains("comm_b64"));
    }
  }
  EXPECT_EQ(r.out.find("\xc2\x9b"), std::string::npos);  // written as \u009b
  // Text: the bytes as \ooo, nothing raw.
  auto t = run_sockwatch({"-tlnp"});
  ASSERT_EQ(t.status, 0) << t.err;
  for (const char* want : {"\"sw\\355\\240\\200s\"", "\"sw\\300\\257o\"",
                           "\"sw\\364\\220\\200\\200x\"", "\"sw\\302\\2332Jc1\""})
    EXPECT_NE(t.out.find(want), std::string::npos) << want << "\n" << t.out;
  for (const auto& n : names) EXPECT_EQ(t.out.find(n), std::string::npos);
}

// The kernel allows ')' in a name: ss 6.1 shows up to the first one, and the
// text must stay byte-identical to ss; JSON carries the whole name.
TEST(HostileText, ParenthesisedCommIsWholeInJsonAndAsSsInText) {
  if (!have(kSs)) GTEST_SKIP() << "no ss";
  constexpr uint16_t kPort = kBasePort + 10;
  Holder h;
  start_holder(h, "a) b) c", kPort);
  ASSERT_TRUE(h.ok);
  auto j = run_sockwatch({"-tlnp", "-j"});
  ASSERT_EQ(j.status, 0) << j.err;
  json doc = json::parse(j.out);
  const json* s = socket_on_port(doc, kPort);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)["owners"][0]["comm"], "a) b) c");
  std::vector<std::string> args = {"-tlnp", "sport", "=", ":" + std::to_string(kPort)};
  auto ours = run_sockwatch(args);
  std::vector<std::string> ss_argv = {kSs};
  ss_argv.insert(ss_argv.end(), args.begin(), args.end());
  auto theirs = diff::run(ss_argv);
  EXPECT_EQ(ours.out, theirs.out);
  EXPECT_NE(ours.out.find("users:((\"a\",pid="), std::string::npos) << ours.out;
}

// Unix paths: invalid UTF-8 goes to path_b64; a newline in a path splits its
// /proc/net/unix line, which must cost that line only (ss lists the others).
TEST(HostileText, UnixPathsWithInvalidUtf8OrANewline) {
  std::string base = "/tmp/sw_hostile_" + std::to_string(getpid());
  std::string bad = base + "_\xed\xa0\x80", nl = base + "_nl\nX", ok = base + "_ok";
  int f1 = unix_listener(bad), f2 = unix_listener(nl), f3 = unix_listener(ok);
  ASSERT_GE(f1, 0);
  ASSERT_GE(f2, 0);
  ASSERT_GE(f3, 0);
  auto j = run_sockwatch({"-xl", "-j"});
  ASSERT_EQ(j.status, 0) << j.err;
  json doc;
  ASSERT_NO_THROW(doc = json::parse(j.out));
  bool saw_bad = false, saw_nl = false;
  for (const auto& s : doc["sockets"]) {
    if (!s.contains("local") || !s["local"].contains("path")) continue;
    if (s["local"].value("path_b64", "") == base64(bad)) saw_bad = true;
    if (s["local"]["path"] == nl) saw_nl = true;
  }
  EXPECT_TRUE(saw_bad);
  EXPECT_TRUE(saw_nl);  // netlink carries the whole path, losslessly
  auto t = run_sockwatch({"-xl"});
  EXPECT_NE(t.out.find(base + "_\\355\\240\\200"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find(base + "_nl\\012X"), std::string::npos) << t.out;

  // The /proc reader (PROC_NET_UNIX set, as ss takes it too).
  auto procfs = diff::run({SW_BINARY, "-xl"}, {"PROC_NET_UNIX=/proc/net/unix"});
  EXPECT_EQ(procfs.status, 0) << procfs.err;
  EXPECT_NE(procfs.out.find(ok), std::string::npos) << procfs.out;
  EXPECT_NE(procfs.err.find("/proc/net/unix: line "), std::string::npos) << procfs.err;
  EXPECT_NE(procfs.err.find("(1 malformed line skipped)"), std::string::npos) << procfs.err;
  if (have(kSs)) {
    auto ss = diff::run({kSs, "-xl"}, {"PROC_NET_UNIX=/proc/net/unix"});
    EXPECT_NE(ss.out.find(ok), std::string::npos) << ss.out;  // ss lists it too
  }
  for (int fd : {f1, f2, f3}) close(fd);
  for (const auto& p : {bad, nl, ok}) unlink(p.c_str());
}

// hidepid=1: other users' /proc/PID cannot be opened (EPERM). Their owners
// are hidden, not gone: JSON says null (unknown) and stderr says why.
TEST(HostileText, HidepidProcMakesOwnersUnknownNotEmpty) {
  if (!have("/usr/bin/setpriv") || !have("/usr/bin/unshare")) GTEST_SKIP() << "no util-linux";
  constexpr uint16_t kPort = kBasePort + 11;
  int l = tcp_listener(kPort);  // owned by root (this process)
  ASSERT_GE(l, 0);
  auto r = diff::run({"/usr/bin/unshare", "-m", "/bin/sh", "-c",
                      "mount -t proc -o hidepid=1 proc /proc || exit 77; exec /usr/bin/setpriv "
                      "--reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \"$0\" -tlnp -j",
                      SW_BINARY},
                     {"SOCKWATCH_HINTS=1"});  // stderr is a pipe: ask for the hint
  close(l);
  if (r.status == 77) GTEST_SKIP() << "cannot mount proc with hidepid: " << r.err;
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("owners hidden for"), std::string::npos) << r.err;
  json doc = json::parse(r.out);
  const json* s = socket_on_port(doc, kPort);
  ASSERT_TRUE(s);
  EXPECT_TRUE((*s)["owners"].is_null()) << s->dump();
  EXPECT_GT(doc["owner_scan"]["denied"].get<int>(), 0);
}

// --all-netns once held one fd per namespace: 80 namespaces under a limit of
// 64 fds failed every one. Both with a soft limit sockwatch may raise and a
// hard one it cannot.
TEST(HostileText, AllNetnsListsMoreNamespacesThanTheFdLimit) {
  constexpr int kSpaces = 80;
  constexpr uint16_t kPort = kBasePort + 12;
  std::vector<Holder> kids(kSpaces);
  std::set<uint64_t> inodes;
  for (auto& k : kids) {
    int p[2];
    ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
    k.pid = fork();
    if (k.pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      // lo is down in a fresh namespace: listen on the wildcard address.
      int fd = -1;
      if (unshare(CLONE_NEWNET) == 0) {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(kPort);
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) || listen(fd, 1)) fd = -1;
      }
      char c = fd >= 0 ? 'y' : 'n';
      if (write(p[1], &c, 1) != 1) _exit(1);
      for (;;) pause();
    }
    close(p[1]);
    char c = 0;
    k.ok = read(p[0], &c, 1) == 1 && c == 'y';
    close(p[0]);
    ASSERT_TRUE(k.ok);
    struct stat st {};
    ASSERT_EQ(stat(("/proc/" + std::to_string(k.pid) + "/ns/net").c_str(), &st), 0);
    inodes.insert(st.st_ino);
  }
  for (const char* limit : {"-Sn", "-n"}) {
    auto r = diff::run({"/bin/sh", "-c",
                        std::string("ulimit ") + limit + " 64 && exec \"$0\" --all-netns -tln -j " +
                            "sport = :" + std::to_string(kPort),
                        SW_BINARY});
    ASSERT_EQ(r.status, 0) << limit << ": " << r.err.substr(0, 2000);
    EXPECT_EQ(r.err.find("cannot enter"), std::string::npos) << limit << ": " << r.err;
    std::set<uint64_t> seen;
    json doc = json::parse(r.out);  // named: a range-for over a temporary's member dangles
    for (const auto& s : doc["sockets"]) seen.insert(s["netns"]["inode"].get<uint64_t>());
    for (uint64_t ino : inodes)
      ASSERT_TRUE(seen.count(ino)) << limit << ": netns " << ino << "\n"
                                   << r.out.substr(0, 3000) << r.err;
  }
  // -E must hold one netlink socket per namespace while it runs: past a hard
  // limit of 48 fds some cannot be followed, which is one line, not one per
  // namespace. (`timeout` ends the run; the line comes before any event.)
  if (access("/usr/bin/timeout", X_OK) == 0) {
    auto e = diff::run({"/usr/bin/timeout", "10", "/bin/sh", "-c",
                        "ulimit -n 48 && exec \"$0\" --all-netns -tE", SW_BINARY});
    // Either entering (the namespace fd) or the listener runs out of fds
    // first; either way the count is said once. --all-netns follows every
    // namespace on the host, where other tests may be churning sockets: a
    // receive buffer that overflows says so on its own line, not counted here.
    size_t lines = 0;
    std::istringstream err_lines(e.err);
    for (std::string l; std::getline(err_lines, l);)
      lines += l.find("the kernel dropped events") == std::string::npos;
    EXPECT_LE(lines, 2u) << e.err.substr(0, 2000);
    bool said = e.err.find("namespaces not shown (cannot enter: Too many open files") !=
                    std::string::npos ||
                e.err.find("namespaces not followed (first: namespace ") != std::string::npos;
    EXPECT_TRUE(said) << e.err;
  }
}

diff::Output to_dev_full(const std::string& bin, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" > /dev/full", bin};
  argv.insert(argv.end(), args.begin(), args.end());
  return diff::run(argv);
}

// Every output path reports a write error (docs/exit-codes.md: status 1,
// naming errno), where ss exits 0 having lost its output unnoticed.
TEST(HostileText, EveryModeReportsAFullDisk) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-s"}, {"-s", "-j"}, {"-s", "--ndjson"}, {"-tan"}, {"-tan", "-j"}, {"-h"}, {"-V"}}) {
    auto r = to_dev_full(SW_BINARY, args);
    EXPECT_EQ(r.status, 1) << args[0] << (args.size() > 1 ? " " + args[1] : "");
    EXPECT_NE(r.err.find("writing stdout: No space left on device"), std::string::npos)
        << args[0] << ": " << r.err;
  }
}

// Modes ss refuses: same status, and where ss is silent sockwatch says why.
TEST(HostileText, RefusedModesMatchSsStatusAndSayWhy) {
  if (!have(kSs)) GTEST_SKIP() << "no ss";
  // No destroy events exist for unix sockets: ss exits 255 without a word.
  auto ours = run_sockwatch({"-xE"});
  auto theirs = diff::run({kSs, "-xE"});
  EXPECT_EQ(ours.status, theirs.status);
  EXPECT_EQ(ours.status, 255);
  EXPECT_NE(ours.err.find("destroy events only for TCP and UDP"), std::string::npos) << ours.err;
  // -N '' names no namespace: ss fails (setns on the directory), so must we,
  // with its message, instead of listing the current namespace.
  ours = run_sockwatch({"-N", "", "-tan"});
  theirs = diff::run({kSs, "-N", "", "-tan"});
  EXPECT_EQ(ours.status, theirs.status);
  EXPECT_EQ(ours.status, 1);
  EXPECT_EQ(ours.err, theirs.err);
  EXPECT_EQ(ours.out, "");
}

}  // namespace
}  // namespace sw::test
