// OwnerCache on a fake /proc: the first tick scans everything, later ones
// only what is new; a reused pid is a new process; shared sockets belong to
// the lowest pid; owners outlive the processes that held them.
#include "engine/owner_cache.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "fake_proc.hpp"

namespace sw {
namespace {

// A stat line with the start time (field 22) set.
std::string stat_line(int pid, const std::string& comm, uint64_t start) {
  std::string s = std::to_string(pid) + " (" + comm + ") S 1 1 1 0 -1 4194560";
  for (int f = 10; f < 22; ++f) s += " 0";
  return s + " " + std::to_string(start) + " 0 0\n";
}

class OwnerCacheTest : public ::testing::Test {
 protected:
  void proc(int pid, const std::string& comm, uint64_t start) {
    p.process(pid, comm);
    p.file(pid, "stat", stat_line(pid, comm, start));
    p.file(pid, "status", "Uid:\t0\t0\t0\t0\n");
  }
  void sock(int pid, int fd, uint64_t inode) {
    p.fd(pid, fd, "socket:[" + std::to_string(inode) + "]");
  }
  OwnerCache make() {
    OwnerCacheOptions o;
    o.proc_root = p.root();
    o.boot_id = "b00t";
    o.boot_time_s = 1'000'000;
    o.ticks_per_second = 100;
    return OwnerCache(o);
  }
  FakeProc p;
};

TEST_F(OwnerCacheTest, FullScanThenOnlyNewProcessesAreRead) {
  proc(100, "sshd", 500);
  sock(100, 3, 1001);
  proc(200, "nginx", 600);
  sock(200, 5, 2001);
  OwnerCache c = make();
  c.full_scan();
  auto o = c.owner_of(2001);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->pid, 200);
  EXPECT_EQ(o->comm, "nginx");
  EXPECT_EQ(o->start_ticks, 600u);
  EXPECT_EQ(o->start_us, 1'000'000LL * 1'000'000 + 6'000'000);
  EXPECT_EQ(o->entity_id, "b00t-200-600");
  EXPECT_EQ(o->uid, 0u);
  uint64_t scans = c.stats().pid_scans;
  EXPECT_EQ(scans, 2u);

  // Known inodes cost nothing.
  c.resolve({1001, 2001});
  EXPECT_EQ(c.stats().pid_scans, scans);

  // A new process with a new socket: found by reading that process first.
  proc(300, "curl", 700);
  sock(300, 4, 3001);
  c.resolve({3001});
  ASSERT_TRUE(c.owner_of(3001));
  EXPECT_EQ(c.owner_of(3001)->comm, "curl");
  EXPECT_EQ(c.stats().pid_scans, scans + 1);
}

TEST_F(OwnerCacheTest, ASocketNewInAKnownProcessIsFoundByItsFdCountOrRoundRobin) {
  proc(100, "app", 1);
  sock(100, 3, 11);
  proc(101, "idle", 2);
  OwnerCache c = make();
  c.full_scan();
  sock(100, 4, 12);  // an fd more
  c.resolve({12});
  ASSERT_TRUE(c.owner_of(12));
  EXPECT_EQ(c.owner_of(12)->pid, 100);
  // An inode nobody holds: every process is looked at, within the budget,
  // and it stays unknown.
  c.resolve({999});
  EXPECT_FALSE(c.owner_of(999));
}

TEST_F(OwnerCacheTest, AReusedPidIsANewProcessAndTheOldOwnerLivesOn) {
  proc(100, "old", 10);
  sock(100, 3, 51);
  OwnerCache c = make();
  c.full_scan();
  auto old_owner = c.owner_of(51);
  ASSERT_TRUE(old_owner);
  c.forget(51);  // the old process's socket closed with it

  // pid 100 exits and is reused by another program with another socket.
  std::filesystem::remove_all(p.root() + "/100");
  proc(100, "new", 99);
  sock(100, 3, 52);
  c.resolve({52});
  auto new_owner = c.owner_of(52);
  ASSERT_TRUE(new_owner);
  EXPECT_EQ(new_owner->comm, "new");
  EXPECT_EQ(new_owner->start_ticks, 99u);
  EXPECT_NE(new_owner->entity_id, old_owner->entity_id);
  EXPECT_EQ(old_owner->comm, "old");  // still whole for the events that hold it
  // eBPF named pid 100 with the old comm: that process is gone.
  EXPECT_FALSE(c.process(100, "old"));
  ASSERT_TRUE(c.process(100, "new"));
  EXPECT_EQ(c.process(100, "new")->start_ticks, 99u);
}

TEST_F(OwnerCacheTest, ASharedSocketBelongsToTheLowestPid) {
  proc(300, "worker", 3);
  sock(300, 7, 77);
  proc(200, "master", 2);
  sock(200, 3, 77);
  OwnerCache c = make();
  c.full_scan();
  ASSERT_TRUE(c.owner_of(77));
  EXPECT_EQ(c.owner_of(77)->pid, 200);
}

TEST_F(OwnerCacheTest, AProcessNamedByEbpfIsReadOnce) {
  proc(400, "short", 4);
  OwnerCache c = make();
  auto a = c.process(400, "short");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->pid, 400);
  EXPECT_EQ(c.process(400, "short"), a);  // cached
  EXPECT_FALSE(c.process(401, "nobody"));
}

}  // namespace
}  // namespace sw
