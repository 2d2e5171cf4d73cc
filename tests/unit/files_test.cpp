// core/files: bounds checked while reading, directories named, and output
// files created without following symlinks or clobbering special files.
#include "core/files.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace sw {
namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char p[] = "/tmp/sw_files_XXXXXX";
    path = mkdtemp(p);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name, const std::string& content) const {
    std::string p = path + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(BoundedRead, ExactlyTheBoundIsReadOneByteMoreIsRefusedNamingTheFile) {
  TempDir d;
  std::string f = d.file("f", std::string(1024, 'x'));
  auto ok = read_file_bounded(f, 1024);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->size(), 1024u);
  auto big = read_file_bounded(f, 1023);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().message, f + ": larger than 1023 bytes, the bound for this input");
}

TEST(BoundedRead, EndlessDeviceStopsAtTheBound) {
  auto z = read_file_bounded("/dev/zero", 1 << 20);
  ASSERT_FALSE(z);
  EXPECT_EQ(z.error().message, "/dev/zero: larger than 1 MiB, the bound for this input");
}

TEST(BoundedRead, DirectoryIsNamed) {
  TempDir d;
  auto r = read_file_bounded(d.path, 100);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, d.path + ": Is a directory");
  EXPECT_EQ(r.error().code, EISDIR);
}

TEST(SafeCreate, NewFileAndRegularFileAreWritten) {
  TempDir d;
  auto fd = create_file_safely(d.path + "/new");
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_EQ(write(*fd, "ab", 2), 2);
  close(*fd);
  std::string old = d.file("old", "previous content");
  auto fd2 = create_file_safely(old);
  ASSERT_TRUE(fd2) << fd2.error().message;
  EXPECT_EQ(write(*fd2, "z", 1), 1);
  close(*fd2);
  EXPECT_EQ(slurp(old), "z");  // truncated, then written
}

TEST(SafeCreate, PlantedSymlinkIsNotFollowed) {
  TempDir d;
  std::string target = d.file("victim", "keep me");
  std::string link = d.path + "/rec";
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  auto fd = create_file_safely(link);
  ASSERT_FALSE(fd);
  EXPECT_NE(fd.error().message.find("symbolic link"), std::string::npos);
  EXPECT_EQ(slurp(target), "keep me");
  std::string dangling = d.path + "/dangling";
  ASSERT_EQ(symlink((d.path + "/nowhere").c_str(), dangling.c_str()), 0);
  EXPECT_FALSE(create_file_safely(dangling));
  EXPECT_FALSE(std::filesystem::exists(d.path + "/nowhere"));
}

TEST(SafeCreate, FifoDeviceAndHardLinkAreRefused) {
  TempDir d;
  std::string fifo = d.path + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto f = create_file_safely(fifo);  // must not hang waiting for a reader
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("not a regular file"), std::string::npos);
  EXPECT_FALSE(create_file_safely("/dev/null"));
  std::string a = d.file("a", "shared");
  ASSERT_EQ(link(a.c_str(), (d.path + "/b").c_str()), 0);
  auto h = create_file_safely(d.path + "/b");
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().message.find("hard links"), std::string::npos);
  EXPECT_EQ(slurp(a), "shared");
}

}  // namespace
}  // namespace sw
