// ProcessDetails and the targeted / parallel owner scan on fake /proc trees:
// deleted and world-writable executables, command lines, users, a pid in
// another pid namespace, container cgroups, processes that vanish.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

#include "fake_proc.hpp"
#include "procfs/owner_index.hpp"
#include "procfs/process_info.hpp"

namespace sw {
namespace {

namespace fs = std::filesystem;

const std::string kId = "3f2a9c1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

// A process with every file ProcessDetails reads; `root` is its "/" (the
// directory world-writability is checked through).
void full_process(FakeProc& p, int pid, const std::string& exe, const std::string& root) {
  p.process(pid, "srv");
  // stat after the comm: state ppid pgrp session tty tpgid flags ... field 22 = starttime.
  std::string stat = std::to_string(pid) + " (srv) S 77 1 1 0 -1 4194560";
  for (int f = 10; f <= 21; ++f) stat += " 0";
  stat += " 123456 0 0\n";
  p.file(pid, "stat", stat);
  p.file(pid, "status",
         "Name:\tsrv\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t" + std::to_string(pid) +
             "\nPPid:\t77\nUid:\t1000\t0\t0\t0\nGid:\t1000\t0\t0\t0\nNSpid:\t" +
             std::to_string(pid) + "\t7\n");
  p.link(pid, "exe", exe);
  p.link(pid, "root", root);
  p.file(pid, "cmdline",
         std::string("/opt/srv\0--port\0"
                     "8080\0",
                     21));
  p.file(pid, "cgroup", "0::/system.slice/docker-" + kId + ".scope\n");
}

class DetailsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(p.root() + "/fsroot/opt");
    fs::create_directories(p.root() + "/fsroot/tmp");
    chmod((p.root() + "/fsroot/opt").c_str(), 0755);
    chmod((p.root() + "/fsroot/tmp").c_str(), 01777);
  }
  OwnerIndex scan(bool details = true) {
    OwnerScanOptions o;
    o.proc_root = p.root();
    o.details = details;
    return OwnerIndex::scan(o);
  }
  const ProcessDetails* details_of(const OwnerIndex& idx, uint64_t ino) {
    const ProcessDetails* d = nullptr;
    idx.for_each_owner(ino, [&](const OwnerIndex::OwnerView& v) { d = v.details; });
    return d;
  }
  FakeProc p;
};

TEST_F(DetailsTest, EveryFieldOfAnOwner) {
  full_process(p, 300, "/opt/srv", p.root() + "/fsroot");
  p.fd(300, 4, "socket:[900]");
  auto idx = scan();
  const ProcessDetails* d = details_of(idx, 900);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->ppid, 77);
  EXPECT_EQ(d->ns_pid, 7);  // the pid inside its own pid namespace
  EXPECT_EQ(d->uid, 1000u);
  EXPECT_EQ(d->euid, 0u);  // a setuid program: real and effective differ
  EXPECT_EQ(d->start_ticks, 123456u);
  EXPECT_EQ(d->exe, "/opt/srv");
  EXPECT_FALSE(d->exe_deleted);
  EXPECT_FALSE(d->exe_world_writable);
  EXPECT_EQ(d->cmdline, std::string("/opt/srv\0--port\0"
                                    "8080",
                                    20));
  EXPECT_EQ(d->cgroup, "/system.slice/docker-" + kId + ".scope");
}

TEST_F(DetailsTest, DeletedExecutableInAWorldWritableDirectory) {
  full_process(p, 301, "/tmp/.x/payload (deleted)", p.root() + "/fsroot");
  fs::create_directories(p.root() + "/fsroot/tmp/.x");
  chmod((p.root() + "/fsroot/tmp/.x").c_str(), 0777);
  p.fd(301, 3, "socket:[901]");
  auto idx = scan();
  const ProcessDetails* d = details_of(idx, 901);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->exe, "/tmp/.x/payload");
  EXPECT_TRUE(d->exe_deleted);
  EXPECT_TRUE(d->exe_world_writable);
}

TEST_F(DetailsTest, WorldWritablePlaceIsJudgedByNameWhenTheDirectoryIsGone) {
  full_process(p, 302, "/dev/shm/gone/x", p.root() + "/fsroot");
  p.fd(302, 3, "socket:[902]");
  auto idx = scan();
  ASSERT_NE(details_of(idx, 902), nullptr);
  EXPECT_TRUE(details_of(idx, 902)->exe_world_writable);
  EXPECT_TRUE(in_world_writable_place("/var/tmp/a"));
  EXPECT_FALSE(in_world_writable_place("/usr/bin/tmp"));
}

TEST_F(DetailsTest, AFileReallyNamedDeletedIsNotDeleted) {
  std::string real = p.root() + "/fsroot/opt/x (deleted)";
  std::ofstream(real) << "#!/bin/sh\n";
  full_process(p, 303, real, p.root() + "/fsroot");
  p.fd(303, 3, "socket:[903]");
  auto idx = scan();
  ASSERT_NE(details_of(idx, 903), nullptr);
  EXPECT_FALSE(details_of(idx, 903)->exe_deleted);
  EXPECT_EQ(details_of(idx, 903)->exe, real);
}

TEST_F(DetailsTest, KernelThreadOrUnreadablePartsStayEmpty) {
  p.process(304, "kworker");  // stat only: no exe, cmdline, status, cgroup
  p.fd(304, 3, "socket:[904]");
  auto idx = scan();
  const ProcessDetails* d = details_of(idx, 904);
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->exe);
  EXPECT_FALSE(d->cmdline);
  EXPECT_FALSE(d->uid);
  EXPECT_FALSE(d->cgroup);
  EXPECT_EQ(d->ppid, 1);
}

TEST_F(DetailsTest, NoDetailsUnlessAsked) {
  full_process(p, 305, "/opt/srv", p.root() + "/fsroot");
  p.fd(305, 3, "socket:[905]");
  auto idx = scan(false);
  EXPECT_EQ(details_of(idx, 905), nullptr);
}

TEST_F(DetailsTest, StatWithParenthesesInCommKeepsFieldsAligned) {
  full_process(p, 306, "/opt/srv", p.root() + "/fsroot");
  std::string stat = "306 (a) S 1 (b) S 55 1 1 0 -1 4194560";
  for (int f = 10; f <= 21; ++f) stat += " 0";
  stat += " 42 0\n";
  p.file(306, "stat", stat);
  p.fd(306, 3, "socket:[906]");
  auto idx = scan();
  ASSERT_NE(details_of(idx, 906), nullptr);
  EXPECT_EQ(details_of(idx, 906)->ppid, 55);  // fields counted after the LAST ')'
  EXPECT_EQ(details_of(idx, 906)->start_ticks, 42u);
}

TEST(StartTime, FormatsUtcFromBootTimeAndTicks) {
  EXPECT_EQ(format_start_time(1700000000, 12345, 100), "2023-11-14T22:15:23.45Z");
  EXPECT_EQ(format_start_time(0, 0, 100), "1970-01-01T00:00:00.00Z");
}

TEST(StartTime, BootTimeFromProcStat) {
  FakeProc p;
  std::ofstream(p.root() + "/stat") << "cpu  1 2 3\nintr 5\nbtime 1763900000\nprocesses 9\n";
  EXPECT_EQ(boot_time_seconds(p.root()), 1763900000u);
  EXPECT_EQ(boot_time_seconds(p.root() + "/nonexistent"), 0u);
}

// A population of processes with shared, dup'ed and private sockets.
void population(FakeProc& p, int procs, std::mt19937& rng) {
  for (int pid = 100; pid < 100 + procs; ++pid) {
    p.process(pid, "p" + std::to_string(pid));
    int fds = static_cast<int>(rng() % 12);
    for (int fd = 3; fd < 3 + fds; ++fd) {
      if (rng() % 5 == 0) {
        p.fd(pid, fd, "/dev/null");
      } else {
        p.fd(pid, fd, "socket:[" + std::to_string(1000 + rng() % 300) + "]");
      }
    }
  }
}

std::string all_users(const OwnerIndex& idx) {
  std::string s;
  for (uint64_t ino = 1000; ino < 1300; ++ino) {
    s += std::to_string(ino);
    idx.append_users(ino, s);
    s += '\n';
  }
  return s;
}

TEST(OwnerScan, ParallelWorkersGiveTheSameIndexAsOne) {
  FakeProc p;
  std::mt19937 rng(7);
  population(p, 120, rng);
  OwnerScanOptions o;
  o.proc_root = p.root();
  o.max_workers = 1;
  auto one = OwnerIndex::scan(o);
  EXPECT_EQ(one.stats().workers, 1u);
  for (unsigned w : {2u, 3u, 8u}) {
    o.max_workers = w;
    auto many = OwnerIndex::scan(o);
    EXPECT_EQ(many.stats().workers, w);
    EXPECT_EQ(all_users(many), all_users(one)) << w << " workers";
    EXPECT_EQ(many.stats().sockets, one.stats().sockets);
    EXPECT_TRUE(many.stats().complete);
  }
}

TEST(OwnerScan, TargetedScanRecordsOnlyTargetsButWalksEveryProcess) {
  FakeProc p;
  for (int pid = 100; pid < 200; ++pid) {
    p.process(pid, "w");
    p.fd(pid, 3, "socket:[" + std::to_string(5000 + pid) + "]");
  }
  std::vector<uint64_t> targets = {5105, 5110};  // held by pids 105 and 110
  OwnerScanOptions o;
  o.proc_root = p.root();
  o.targets = &targets;
  o.max_workers = 1;
  auto idx = OwnerIndex::scan(o);
  std::string s;
  EXPECT_TRUE(idx.append_users(5105, s));
  EXPECT_TRUE(idx.append_users(5110, s));
  EXPECT_FALSE(idx.append_users(5120, s));  // not a target: not recorded
  EXPECT_EQ(idx.stats().sockets, 2u);
  EXPECT_TRUE(idx.stats().complete);
  EXPECT_EQ(idx.stats().scanned, 100u);
}

// A pre-fork server: the master (pid 100) and its workers share the listener
// fd 3; one worker dup'd it to fd 9; an unrelated process (pid 300) received it
// over a unix socket as fd 12. ss lists every holder, highest pid first and
// within a pid highest fd first; the targeted scan must agree with the full
// scan, for any worker count, even when the first holder is found at once.
TEST(OwnerScan, SharedSocketListsEveryHolderInSsOrder) {
  FakeProc p;
  constexpr const char* kListener = "socket:[7000]";
  p.process(100, "master");
  p.fd(100, 3, kListener);
  p.fd(100, 4, "socket:[7001]");
  for (int pid = 101; pid <= 104; ++pid) {
    p.process(pid, "worker");
    p.fd(pid, 3, kListener);
  }
  p.fd(103, 9, kListener);
  for (int pid = 150; pid < 300; ++pid) {  // bystanders, so the holders are far apart
    p.process(pid, "idle");
    p.fd(pid, 0, "/dev/null");
  }
  p.process(300, "receiver");
  p.fd(300, 12, kListener);
  const std::string want =
      " users:((\"receiver\",pid=300,fd=12),(\"worker\",pid=104,fd=3),"
      "(\"worker\",pid=103,fd=9),(\"worker\",pid=103,fd=3),(\"worker\",pid=102,fd=3),"
      "(\"worker\",pid=101,fd=3),(\"master\",pid=100,fd=3))";
  std::vector<uint64_t> targets = {7000};
  for (unsigned w : {1u, 2u, 4u}) {
    for (bool targeted : {false, true}) {
      OwnerScanOptions o;
      o.proc_root = p.root();
      o.max_workers = w;
      if (targeted) o.targets = &targets;
      auto idx = OwnerIndex::scan(o);
      std::string s;
      ASSERT_TRUE(idx.append_users(7000, s)) << w << " workers, targeted " << targeted;
      EXPECT_EQ(s, want) << w << " workers, targeted " << targeted;
      std::vector<int32_t> pids;
      idx.for_each_owner(7000, [&](const OwnerIndex::OwnerView& v) { pids.push_back(v.pid); });
      EXPECT_EQ(pids, (std::vector<int32_t>{300, 104, 103, 103, 102, 101, 100}));
    }
  }
}

TEST(OwnerScan, TargetedScanAgreesWithFullScanForTheTargets) {
  FakeProc p;
  std::mt19937 rng(11);
  population(p, 80, rng);
  OwnerScanOptions o;
  o.proc_root = p.root();
  auto full = OwnerIndex::scan(o);
  for (unsigned w : {1u, 2u}) {
    std::vector<uint64_t> targets = {1003, 1150, 1299};
    o.targets = &targets;
    o.max_workers = w;
    auto part = OwnerIndex::scan(o);
    for (uint64_t ino : targets) {
      std::string a, b;
      bool found_full = full.append_users(ino, a);
      bool found_part = part.append_users(ino, b);
      EXPECT_EQ(found_full, found_part) << ino;
      EXPECT_TRUE(part.stats().complete);
      EXPECT_EQ(a, b) << ino;
    }
  }
}

TEST(OwnerScan, VanishedProcessIsSkippedAndCounted) {
  FakeProc p;
  p.process(100, "a");
  p.fd(100, 3, "socket:[1]");
  fs::create_directories(p.root() + "/101");  // no fd dir: exited between listing and reading
  p.process(102, "b");
  p.fd(102, 3, "socket:[2]");
  OwnerScanOptions o;
  o.proc_root = p.root();
  auto idx = OwnerIndex::scan(o);
  EXPECT_EQ(idx.stats().vanished, 1u);
  EXPECT_TRUE(idx.owners_known());
  std::string s;
  EXPECT_TRUE(idx.append_users(1, s));
  EXPECT_TRUE(idx.append_users(2, s));
}

}  // namespace
}  // namespace sw
