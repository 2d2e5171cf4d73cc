// CgroupNames on a stand-in "cgroup2 mount": a temporary directory tree named
// in a fake mounts file. On ext4 (and cgroupfs) a directory's file handle is
// 8 bytes, the form ss's get_cgroup2_id reads; on other file systems these
// tests skip. The open-by-handle fallback needs CAP_DAC_READ_SEARCH (root).
#include "enrich/cgroup_names.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sw {
namespace {

namespace fs = std::filesystem;

class CgroupNamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sw_cgroup_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    root_ = base_ + "/mnt point";  // a blank, escaped as \040 in mounts files
    fs::create_directories(root_ + "/system.slice/ssh.service");
    fs::create_directories(root_ + "/user.slice/a b");
    fs::create_directories(root_ + "/empty");
    if (cgroup_dir_id(root_) == 0) GTEST_SKIP() << "no 8-byte file handles on " << base_;
    mounts_ = base_ + "/mounts";
    write_mounts(
        "sysfs /sys sysfs rw,nosuid 0 0\n"
        "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n"
        "cgroup2 " +
        base_ +
        "/mnt\\040point cgroup2 rw,relatime 0 0\n"
        "cgroup2 /elsewhere cgroup2 rw 0 0\n");
  }
  void TearDown() override {
    if (!base_.empty()) fs::remove_all(base_);
  }
  void write_mounts(const std::string& text) { std::ofstream(mounts_) << text; }
  std::string base_, root_, mounts_;
};

TEST_F(CgroupNamesTest, FirstCgroup2MountWithEscapesDecoded) {
  EXPECT_EQ(find_cgroup2_mount(mounts_), root_);
  write_mounts("cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\n");
  EXPECT_EQ(find_cgroup2_mount(mounts_), "");
  EXPECT_EQ(find_cgroup2_mount(base_ + "/does-not-exist"), "");
}

TEST_F(CgroupNamesTest, WalkMapsEveryDirectoryRelativeToTheMount) {
  CgroupNames names(mounts_);
  EXPECT_EQ(names.path_of(cgroup_dir_id(root_)), "/");
  EXPECT_EQ(names.path_of(cgroup_dir_id(root_ + "/system.slice")), "/system.slice");
  EXPECT_EQ(names.path_of(cgroup_dir_id(root_ + "/system.slice/ssh.service")),
            "/system.slice/ssh.service");
  EXPECT_EQ(names.path_of(cgroup_dir_id(root_ + "/user.slice/a b")), "/user.slice/a b");
  EXPECT_EQ(names.path_of(cgroup_dir_id(root_ + "/empty")), "/empty");
  EXPECT_FALSE(names.mount_missing());
  EXPECT_EQ(names.mount_point(), root_);
}

TEST_F(CgroupNamesTest, UnknownIdIsUnreachableInHex) {
  CgroupNames names(mounts_);
  // An id no directory has (and that open_by_handle_at cannot resolve).
  EXPECT_EQ(names.path_of(0xdeadbeefcafeULL), "unreachable:deadbeefcafe");
  EXPECT_EQ(names.path_of(0), "unreachable:0");
  // Cached: the same reference comes back.
  EXPECT_EQ(&names.path_of(0xdeadbeefcafeULL), &names.path_of(0xdeadbeefcafeULL));
}

TEST_F(CgroupNamesTest, NoMountMeansEverythingUnreachable) {
  write_mounts("proc /proc proc rw 0 0\n");
  CgroupNames names(mounts_);
  EXPECT_EQ(names.path_of(cgroup_dir_id(root_)),
            fmt::format("unreachable:{:x}", cgroup_dir_id(root_)));
  EXPECT_TRUE(names.mount_missing());
}

TEST_F(CgroupNamesTest, LoadsOnlyWhenFirstAsked) {
  std::string later = base_ + "/mounts-later";
  CgroupNames names(later);  // the file does not exist yet: nothing is read here
  std::ofstream(later) << "cgroup2 " << base_ << "/mnt\\040point cgroup2 rw 0 0\n";
  EXPECT_EQ(names.path_of(cgroup_dir_id(root_ + "/empty")), "/empty");
}

TEST_F(CgroupNamesTest, DirectoryCreatedAfterTheWalkResolvesByHandle) {
  if (geteuid() != 0) GTEST_SKIP() << "open_by_handle_at needs CAP_DAC_READ_SEARCH";
  CgroupNames names(mounts_);
  EXPECT_EQ(names.path_of(cgroup_dir_id(root_)), "/");  // walk done
  fs::create_directories(root_ + "/late/child");
  EXPECT_EQ(names.path_of(cgroup_dir_id(root_ + "/late/child")), "/late/child");
}

TEST_F(CgroupNamesTest, IdOfPathAbsoluteRelativeAndErrors) {
  uint64_t ssh = cgroup_dir_id(root_ + "/system.slice/ssh.service");
  ASSERT_NE(ssh, 0u);
  auto abs = cgroup_id_of_path(root_ + "/system.slice/ssh.service", mounts_);
  ASSERT_TRUE(abs);
  EXPECT_EQ(*abs, ssh);
  auto rel = cgroup_id_of_path("system.slice/ssh.service", mounts_);
  ASSERT_TRUE(rel);
  EXPECT_EQ(*rel, ssh);
  // "/system.slice" is not a file system path here, so it is taken relative to the mount.
  auto rooted = cgroup_id_of_path("/system.slice", mounts_);
  ASSERT_TRUE(rooted);
  EXPECT_EQ(*rooted, cgroup_dir_id(root_ + "/system.slice"));
  auto missing = cgroup_id_of_path("no/such/group", mounts_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "Failed to get cgroup2 ID: No such file or directory");
  write_mounts("proc /proc proc rw 0 0\n");
  auto nomount = cgroup_id_of_path("system.slice", mounts_);
  ASSERT_FALSE(nomount);
  EXPECT_EQ(nomount.error().message, "Failed to find cgroup2 mount");
}

}  // namespace
}  // namespace sw
