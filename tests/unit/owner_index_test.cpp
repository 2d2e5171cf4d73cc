// OwnerIndex on fake /proc trees built in a temp dir: socket links, dup'ed and
// shared fds, non-socket fds, vanished and unreadable processes, -T tasks.
#include "procfs/owner_index.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "fake_proc.hpp"

namespace sw {
namespace {

namespace fs = std::filesystem;

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
      bool ok = OwnerIndex::scan(o).stats().denied == 1;
      chmod((p.root() + "/500/fd").c_str(), 0700);
      fs::remove_all(p.root());  // _exit skips the destructor
      _exit(ok ? 0 : 1);
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
  chmod((p.root() + "/500/fd").c_str(), 0700);
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

TEST(OwnerIndex, ScanOrderIsNumericNotDirectoryOrder) {
  // On a real /proc readdir yields pids and fds ascending; a fake tree on
  // ext4/tmpfs does not. Created out of order (and "10" < "9" as text), the
  // output must still be ss's: reverse numeric scan order.
  FakeProc p;
  p.process(20, "b");
  p.process(3, "a");
  for (int fd : {10, 9, 2}) p.fd(20, fd, "socket:[1]");
  p.fd(3, 11, "socket:[1]");
  p.fd(3, 4, "socket:[1]");
  OwnerScanOptions o;
  o.proc_root = p.root();
  auto idx = OwnerIndex::scan(o);
  EXPECT_EQ(users(idx, 1),
            " users:((\"b\",pid=20,fd=10),(\"b\",pid=20,fd=9),(\"b\",pid=20,fd=2),"
            "(\"a\",pid=3,fd=11),(\"a\",pid=3,fd=4))");
  std::vector<int> pids;
  idx.for_each_owner(1,
                     [&](const OwnerIndex::OwnerView& v) { pids.push_back(v.pid * 100 + v.fd); });
  EXPECT_EQ(pids, (std::vector<int>{2010, 2009, 2002, 311, 304}));
}

TEST(OwnerIndex, ThreadsScanTasksOnlyAsSs61) {
  // ss 6.1 -T walks PID/task/TID/fd and not PID/fd itself.
  FakeProc p;
  p.process(700, "main");
  p.fd(700, 5, "socket:[70]");  // only in PID/fd
  p.thread(700, 700, "main");
  p.fd(700, 6, "socket:[71]", p.root() + "/700/task/700");
  OwnerScanOptions o;
  o.proc_root = p.root();
  o.threads = true;
  auto t = OwnerIndex::scan(o);
  EXPECT_EQ(users(t, 70), "");
  EXPECT_EQ(users(t, 71), " users:((\"main\",pid=700,tid=700,fd=6))");
  o.threads = false;
  auto n = OwnerIndex::scan(o);
  EXPECT_EQ(users(n, 70), " users:((\"main\",pid=700,fd=5))");
  EXPECT_EQ(users(n, 71), "");
}

TEST(OwnerIndex, OddStatFilesAndFdEntries) {
  FakeProc p;
  p.process(800, "x");
  fs::remove(p.root() + "/800/stat");  // exited between the fd scan and the stat read
  p.fd(800, 3, "socket:[80]");
  p.process(801, "y");
  std::ofstream(p.root() + "/801/stat") << "801 (no closing paren";
  p.fd(801, 3, "socket:[81]");
  p.process(802, "z");
  std::ofstream(p.root() + "/802/fd/3") << "a regular file, not a link";  // readlink: EINVAL
  p.fd(802, 4, "socket:[82]");
  p.fd(802, 5, "socket:[]");
  p.fd(802, 6, "socket:[18446744073709551616]");  // overflows 64 bits
  p.fd(802, 7, "pipe:[83]");
  OwnerScanOptions o;
  o.proc_root = p.root();
  auto idx = OwnerIndex::scan(o);
  EXPECT_EQ(users(idx, 80), " users:((\"\",pid=800,fd=3))");  // ss prints an empty name too
  EXPECT_EQ(users(idx, 81), " users:((\"no closing paren\",pid=801,fd=3))");
  EXPECT_EQ(users(idx, 82), " users:((\"z\",pid=802,fd=4))");
  EXPECT_EQ(users(idx, 83), "");
  EXPECT_EQ(idx.stats().sockets, 3u);
  EXPECT_EQ(idx.stats().vanished, 0u);
  EXPECT_EQ(idx.stats().denied, 0u);
}

TEST(OwnerIndex, MissingProcRootIsEmptyNotAnError) {
  OwnerScanOptions o;
  o.proc_root = "/nonexistent/sw_proc_root";
  auto idx = OwnerIndex::scan(o);
  EXPECT_EQ(idx.stats().processes, 0u);
  EXPECT_EQ(users(idx, 1), "");
}

TEST(OwnerIndex, ManySharedSocketsMatchABruteForceReference) {
  // 40 processes x 60 fds over 500 inodes: many inodes are shared and the
  // open-addressing table sees long probe runs. Every chain must equal the
  // reference built by brute force in ss's order.
  FakeProc p;
  struct Own {
    int pid, fd;
  };
  std::map<uint64_t, std::vector<Own>> ref;  // scan order
  uint64_t seed = 12345;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return seed >> 33;
  };
  for (int pid = 1000; pid < 1040; ++pid) {
    p.process(pid, "p" + std::to_string(pid));
    for (int fd = 0; fd < 60; ++fd) {
      uint64_t ino = 100000 + next() % 500;
      p.fd(pid, fd, "socket:[" + std::to_string(ino) + "]");
      ref[ino].push_back({pid, fd});
    }
  }
  OwnerScanOptions o;
  o.proc_root = p.root();
  auto idx = OwnerIndex::scan(o);
  EXPECT_EQ(idx.stats().sockets, 40u * 60u);
  for (const auto& [ino, owners] : ref) {
    std::string expect = " users:(";
    for (auto it = owners.rbegin(); it != owners.rend(); ++it) {
      if (it != owners.rbegin()) expect += ',';
      expect += "(\"p" + std::to_string(it->pid) + "\",pid=" + std::to_string(it->pid) +
                ",fd=" + std::to_string(it->fd) + ")";
    }
    expect += ')';
    ASSERT_EQ(users(idx, ino), expect) << ino;
  }
  for (uint64_t ino : {1ull, 99999ull, 100500ull, 1ull << 40}) EXPECT_EQ(users(idx, ino), "");
}

}  // namespace
}  // namespace sw
