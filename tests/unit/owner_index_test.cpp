// OwnerIndex on fake /proc trees built in a temp dir: socket links, dup'ed and
// shared fds, non-socket fds, vanished and unreadable processes, -T tasks.
#include "procfs/owner_index.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sw {
namespace {

namespace fs = std::filesystem;

class FakeProc {
 public:
  FakeProc() {
    char tmpl[] = "/tmp/sw_fakeproc_XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  ~FakeProc() { fs::remove_all(root_); }
  const std::string& root() const { return root_; }

  void process(int pid, const std::string& comm, std::string dir = "") {
    if (dir.empty()) dir = root_ + "/" + std::to_string(pid);
    fs::create_directories(dir + "/fd");
    std::ofstream(dir + "/stat") << pid << " (" << comm << ") S 1 1 1 0 -1 4194560\n";
  }
  void fd(int pid, int fd, const std::string& target, std::string dir = "") {
    if (dir.empty()) dir = root_ + "/" + std::to_string(pid);
    fs::create_symlink(target, dir + "/fd/" + std::to_string(fd));
  }
  void thread(int pid, int tid, const std::string& comm) {
    std::string dir = root_ + "/" + std::to_string(pid) + "/task/" + std::to_string(tid);
    process(tid, comm, dir);
  }

 private:
  std::string root_;
};

std::string users(const OwnerIndex& idx, uint64_t ino) {
  std::string s;
  idx.append_users(ino, s);
  return s;
}

TEST(OwnerIndex, SsOrderIsHigherPidFirstThenHigherFdFirst) {
  FakeProc p;
  p.process(100, "nginx");
  p.fd(100, 3, "socket:[555]");
  p.fd(100, 7, "socket:[555]");
  p.fd(100, 4, "/dev/null");
  p.process(200, "nginx");
  p.fd(200, 3, "socket:[555]");
  p.fd(200, 5, "socket:[777]");
  OwnerScanOptions o;
  o.proc_root = p.root();
  auto idx = OwnerIndex::scan(o);
  EXPECT_EQ(users(idx, 555),
            " users:((\"nginx\",pid=200,fd=3),(\"nginx\",pid=100,fd=7),(\"nginx\",pid=100,fd=3))");
  EXPECT_EQ(users(idx, 777), " users:((\"nginx\",pid=200,fd=5))");
  EXPECT_EQ(users(idx, 999), "");
  EXPECT_EQ(users(idx, 0), "");  // TIME-WAIT sockets have inode 0
  EXPECT_EQ(idx.stats().sockets, 4u);
  EXPECT_EQ(idx.stats().processes, 2u);
}

TEST(OwnerIndex, CommStopsAtFirstParenAndIsEscaped) {
  FakeProc p;
  p.process(10, "a)b");
  p.fd(10, 1, "socket:[1]");
  p.process(11, "evil\x1b[2J");
  p.fd(11, 1, "socket:[2]");
  OwnerScanOptions o;
  o.proc_root = p.root();
  auto idx = OwnerIndex::scan(o);
  EXPECT_EQ(users(idx, 1), " users:((\"a\",pid=10,fd=1))");  // ss's %[^)]
  EXPECT_EQ(users(idx, 2), " users:((\"evil\\033[2J\",pid=11,fd=1))");
  std::string raw;
  idx.for_each_owner(2, [&](const OwnerIndex::OwnerView& v) { raw = std::string(v.comm); });
  EXPECT_EQ(raw, "evil\x1b[2J");  // typed output keeps the bytes
}

TEST(OwnerIndex, MissingFdDirAndNonNumericEntriesAreSkipped) {
  FakeProc p;
  fs::create_directories(p.root() + "/300");  // process vanished: no fd dir
  fs::create_directories(p.root() + "/self");
  fs::create_directories(p.root() + "/sys");
  p.process(400, "sshd");
  p.fd(400, 3, "socket:[9]");
  p.fd(400, 4, "socket:[bogus]");
  p.fd(400, 5, "anon_inode:[eventfd]");
  OwnerScanOptions o;
  o.proc_root = p.root();
  auto idx = OwnerIndex::scan(o);
  EXPECT_EQ(users(idx, 9), " users:((\"sshd\",pid=400,fd=3))");
  EXPECT_EQ(idx.stats().vanished, 1u);
  EXPECT_EQ(idx.stats().sockets, 1u);
}

TEST(OwnerIndex, UnreadableFdDirIsCountedAsDenied) {
  if (geteuid() == 0) {
    // Root bypasses mode bits; run the check as nobody in a child.
    pid_t pid = fork();
    if (pid == 0) {
      if (setgid(65534) || setuid(65534)) _exit(2);
      FakeProc p;
      p.process(500, "x");
      chmod((p.root() + "/500/fd").c_str(), 0);
      OwnerScanOptions o;
      o.proc_root = p.root();
      auto idx = OwnerIndex::scan(o);
      _exit(idx.stats().denied == 1 ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return;
  }
  FakeProc p;
  p.process(500, "x");
  chmod((p.root() + "/500/fd").c_str(), 0);
  OwnerScanOptions o;
  o.proc_root = p.root();
  EXPECT_EQ(OwnerIndex::scan(o).stats().denied, 1u);
}

TEST(OwnerIndex, ThreadsUseEachTaskNameAndTid) {
  FakeProc p;
  p.process(600, "python3");
  p.thread(600, 600, "python3");
  p.thread(600, 601, "worker");
  p.fd(600, 3, "socket:[42]", p.root() + "/600/task/600");
  p.fd(600, 3, "socket:[42]", p.root() + "/600/task/601");
  OwnerScanOptions o;
  o.proc_root = p.root();
  o.threads = true;
  auto idx = OwnerIndex::scan(o);
  EXPECT_EQ(users(idx, 42),
            " users:((\"worker\",pid=600,tid=601,fd=3),(\"python3\",pid=600,tid=600,fd=3))");
}

}  // namespace
}  // namespace sw
