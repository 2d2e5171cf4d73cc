// Line sinks of `sockwatch log`: rotation keeps every line whole, in exactly
// one file, in order; reopen after logrotate's rename; errors carry errno.
#include "output/line_writer.hpp"

#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace sw {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "sw-linewriter-XXXXXX").string();
    char* d = mkdtemp(tmpl.data());
    if (d) path_ = d;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> read_lines(const std::string& path, bool* ends_with_newline = nullptr) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  if (ends_with_newline) *ends_with_newline = all.empty() || all.back() == '\n';
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i] == '\n') {
      lines.push_back(all.substr(start, i - start));
      start = i + 1;
    }
  }
  if (start < all.size()) lines.push_back(all.substr(start));
  return lines;
}

std::string numbered(int i) {
  // Lines of varying length, so rotation points fall at every offset.
  return "{\"n\":" + std::to_string(i) + ",\"pad\":\"" +
         std::string(static_cast<size_t>(i % 37), 'x') + "\"}";
}

TEST(ParseSize, Suffixes) {
  EXPECT_EQ(*parse_size("0"), 0u);
  EXPECT_EQ(*parse_size("100"), 100u);
  EXPECT_EQ(*parse_size("64K"), 64u * 1024);
  EXPECT_EQ(*parse_size("10M"), 10u * 1024 * 1024);
  EXPECT_EQ(*parse_size("2g"), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(*parse_size("18446744073709551615"), UINT64_MAX);
}

TEST(ParseSize, Rejects) {
  for (const char* bad : {"", "M", "-1", "10MB", "1.5M", "10 M", "10T", " 10"}) {
    auto r = parse_size(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, EINVAL) << bad;
    EXPECT_NE(r.error().message.find("size"), std::string::npos);
  }
  auto big = parse_size("18446744073709551616");
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ERANGE);
  auto bigg = parse_size("17179869184G");
  ASSERT_FALSE(bigg);
  EXPECT_EQ(bigg.error().code, ERANGE);
}

TEST(RotatingFileWriter, KeepThreeEveryLineInExactlyOneFileInOrder) {
  TempDir dir;
  std::string path = dir.file("events.ndjson");
  auto w = RotatingFileWriter::open(path, 1000, 3);
  ASSERT_TRUE(w) << w.error().message;
  const int kLines = 400;
  for (int i = 0; i < kLines; ++i) ASSERT_TRUE((*w)->write_line(numbered(i)));
  EXPECT_GT((*w)->rotations(), 3u);  // enough rotations that the oldest were dropped
  EXPECT_FALSE(fs::exists(path + ".4"));

  // Oldest file first: path.3, path.2, path.1, path.
  std::vector<std::string> all;
  for (const std::string& f : {path + ".3", path + ".2", path + ".1", path}) {
    ASSERT_TRUE(fs::exists(f)) << f;
    EXPECT_LE(fs::file_size(f), 1000u) << f;
    bool nl = false;
    auto lines = read_lines(f, &nl);
    EXPECT_TRUE(nl) << f << " ends in a partial line";
    EXPECT_FALSE(lines.empty()) << f;
    for (auto& l : lines) all.push_back(l);
  }
  // The kept files hold a contiguous, ordered tail of what was written, each
  // line whole: no line lost between files, none duplicated, none split.
  ASSERT_FALSE(all.empty());
  int first = kLines - static_cast<int>(all.size());
  ASSERT_GE(first, 0);
  for (size_t k = 0; k < all.size(); ++k) EXPECT_EQ(all[k], numbered(first + static_cast<int>(k)));
  // And the current file is exactly what the writer counted.
  EXPECT_EQ((*w)->size(), fs::file_size(path));
}

TEST(RotatingFileWriter, LineLongerThanLimitGoesWholeIntoItsOwnFile) {
  TempDir dir;
  std::string path = dir.file("big.ndjson");
  auto w = RotatingFileWriter::open(path, 16, 2);
  ASSERT_TRUE(w);
  std::string big(100, 'b');
  ASSERT_TRUE((*w)->write_line("small"));
  ASSERT_TRUE((*w)->write_line(big));
  ASSERT_TRUE((*w)->write_line("tail"));
  EXPECT_EQ(read_lines(path + ".2"), std::vector<std::string>{"small"});
  EXPECT_EQ(read_lines(path + ".1"), std::vector<std::string>{big});
  EXPECT_EQ(read_lines(path), std::vector<std::string>{"tail"});
}

TEST(RotatingFileWriter, KeepZeroTruncatesAndRestarts) {
  TempDir dir;
  std::string path = dir.file("ring.ndjson");
  auto w = RotatingFileWriter::open(path, 40, 0);
  ASSERT_TRUE(w);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*w)->write_line(numbered(i)));
  EXPECT_FALSE(fs::exists(path + ".1"));
  auto lines = read_lines(path);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), numbered(19));
  EXPECT_LE(fs::file_size(path), 40u);
}

TEST(RotatingFileWriter, NeverRotatesWithSizeZero) {
  TempDir dir;
  std::string path = dir.file("all.ndjson");
  auto w = RotatingFileWriter::open(path, 0, 3);
  ASSERT_TRUE(w);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE((*w)->write_line(numbered(i)));
  EXPECT_EQ(read_lines(path).size(), 200u);
  EXPECT_FALSE(fs::exists(path + ".1"));
  EXPECT_EQ((*w)->rotations(), 0u);
}

TEST(RotatingFileWriter, AppendsToExistingFileAndCountsItsSize) {
  TempDir dir;
  std::string path = dir.file("old.ndjson");
  { std::ofstream(path) << "{\"old\":1}\n{\"old\":2}\n"; }
  auto w = RotatingFileWriter::open(path, 30, 1);
  ASSERT_TRUE(w);
  EXPECT_EQ((*w)->size(), 20u);
  ASSERT_TRUE((*w)->write_line("{\"new\":1}"));  // 30 bytes: fits exactly
  EXPECT_EQ(read_lines(path),
            (std::vector<std::string>{"{\"old\":1}", "{\"old\":2}", "{\"new\":1}"}));
  ASSERT_TRUE((*w)->write_line("{\"new\":2}"));  // would pass 30: rotates
  EXPECT_EQ(read_lines(path + ".1").size(), 3u);
  EXPECT_EQ(read_lines(path), std::vector<std::string>{"{\"new\":2}"});
}

TEST(RotatingFileWriter, EndsAPartialLineLeftByAKilledRun) {
  TempDir dir;
  std::string path = dir.file("cut.ndjson");
  { std::ofstream(path) << "{\"whole\":1}\n{\"cut"; }
  auto w = RotatingFileWriter::open(path, 0, 0);
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write_line("{\"next\":1}"));
  EXPECT_EQ(read_lines(path),
            (std::vector<std::string>{"{\"whole\":1}", "{\"cut", "{\"next\":1}"}));
  EXPECT_EQ((*w)->size(), fs::file_size(path));
}

TEST(RotatingFileWriter, CreatesWithMode0640) {
  TempDir dir;
  std::string path = dir.file("mode.ndjson");
  mode_t old = umask(022);
  auto w = RotatingFileWriter::open(path, 0, 0);
  umask(old);
  ASSERT_TRUE(w);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(RotatingFileWriter, ReopenAfterExternalRename) {
  TempDir dir;
  std::string path = dir.file("events.ndjson");
  auto w = RotatingFileWriter::open(path, 0, 0);
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write_line("before"));
  // logrotate: move the file away, then SIGHUP.
  ASSERT_EQ(::rename(path.c_str(), (path + ".moved").c_str()), 0);
  ASSERT_TRUE((*w)->write_line("still-old"));  // the old fd follows the moved file
  ASSERT_TRUE((*w)->reopen());
  EXPECT_EQ((*w)->size(), 0u);
  ASSERT_TRUE((*w)->write_line("after"));
  EXPECT_EQ(read_lines(path + ".moved"), (std::vector<std::string>{"before", "still-old"}));
  EXPECT_EQ(read_lines(path), std::vector<std::string>{"after"});
}

TEST(RotatingFileWriter, ClearErrors) {
  TempDir dir;
  auto d = RotatingFileWriter::open(dir.path(), 0, 0);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, EISDIR);
  EXPECT_EQ(d.error().message.rfind(dir.path() + ": ", 0), 0u) << d.error().message;

  auto missing = RotatingFileWriter::open(dir.file("nodir/events.ndjson"), 0, 0);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ENOENT);
  EXPECT_NE(missing.error().message.find("does the directory " + dir.file("nodir") + " exist"),
            std::string::npos)
      << missing.error().message;

  std::string link = dir.file("link.ndjson");
  ASSERT_EQ(::symlink(dir.file("target").c_str(), link.c_str()), 0);
  auto sym = RotatingFileWriter::open(link, 0, 0);
  ASSERT_FALSE(sym);
  EXPECT_EQ(sym.error().code, ELOOP);
  EXPECT_NE(sym.error().message.find("symbolic link"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.file("target")));

  auto dev = RotatingFileWriter::open("/dev/null", 100, 1);
  ASSERT_FALSE(dev);
  EXPECT_NE(dev.error().message.find("not a regular file"), std::string::npos);
  auto dev_ok = RotatingFileWriter::open("/dev/null", 0, 0);
  ASSERT_TRUE(dev_ok);
  EXPECT_TRUE((*dev_ok)->write_line("x"));
}

TEST(RotatingFileWriter, PermissionDenied) {
  if (geteuid() == 0) GTEST_SKIP() << "root bypasses file permissions";
  TempDir dir;
  std::string ro = dir.file("ro");
  ASSERT_EQ(mkdir(ro.c_str(), 0500), 0);
  auto w = RotatingFileWriter::open(ro + "/events.ndjson", 0, 0);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, EACCES);
}

// No user-space buffer: a writer killed with SIGKILL while rotating leaves
// every line it had written whole, in order, none lost between files. Only
// the line in flight at the kill may be cut short (the kernel may stop a
// write(2) between pages for a fatal signal), and only at the very end.
TEST(RotatingFileWriter, SigkillLeavesWrittenLinesWhole) {
  TempDir dir;
  std::string path = dir.file("killed.ndjson");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    auto w = RotatingFileWriter::open(path, 4096, 3);
    if (!w) _exit(1);
    for (int i = 0; i < 50'000'000; ++i)
      if (!(*w)->write_line(numbered(i))) _exit(1);
    _exit(0);
  }
  // Wait (generously bounded) until it has rotated twice, then kill it mid-stream.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(path + ".2") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer exited " << status << " before the kill";
  // Killed between two renames of a rotation, a name may be missing (path.2
  // already moved to path.3, path.1 not yet to path.2), never a line.
  ASSERT_TRUE(fs::exists(path + ".1") || fs::exists(path + ".2") || fs::exists(path + ".3"));

  std::vector<std::string> all;
  for (const std::string& f : {path + ".3", path + ".2", path + ".1", path}) {
    if (!fs::exists(f)) continue;
    bool nl = false;
    auto lines = read_lines(f, &nl);
    // A rotated file is closed: every line in it is whole.
    if (f != path) {
      EXPECT_TRUE(nl) << f;
    }
    for (auto& l : lines) all.push_back(l);
  }
  ASSERT_FALSE(all.empty());
  // The first kept line tells where the kept tail starts.
  std::string first = all.front();
  int start = std::stoi(first.substr(5));
  for (size_t k = 0; k + 1 < all.size(); ++k)
    EXPECT_EQ(all[k], numbered(start + static_cast<int>(k))) << k;
  std::string last = numbered(start + static_cast<int>(all.size()) - 1);
  EXPECT_EQ(last.rfind(all.back(), 0), 0u) << "last line is not a prefix of what was written";
}

TEST(FdWriter, DevFullIsEnospc) {
  int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) GTEST_SKIP() << "no /dev/full";
  FdWriter w(fd, "stdout");
  auto r = w.write_line("{\"a\":1}");
  ::close(fd);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOSPC);
  EXPECT_EQ(r.error().message.rfind("stdout: ", 0), 0u) << r.error().message;
}

TEST(FdWriter, ClosedPipeIsEpipe) {
  struct sigaction ign {
  }, old{};
  ign.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGPIPE, &ign, &old), 0);
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  ::close(p[0]);
  FdWriter w(p[1]);
  auto r = w.write_line("{\"a\":1}");
  ::close(p[1]);
  sigaction(SIGPIPE, &old, nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EPIPE);
}

TEST(FdWriter, WholeLinesThroughAPipe) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  FdWriter w(p[1]);
  ASSERT_TRUE(w.write_line("one"));
  ASSERT_TRUE(w.write_line("{\"two\":2}"));
  ASSERT_TRUE(w.reopen());  // nothing to reopen: a no-op
  ::close(p[1]);
  std::string got;
  char buf[64];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  ::close(p[0]);
  EXPECT_EQ(got, "one\n{\"two\":2}\n");
}

}  // namespace
}  // namespace sw
