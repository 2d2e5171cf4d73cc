// A process's fds as incident-response evidence, on a fake /proc: the kind
// of each link, stdio, sockets and pipes by fd, a FIFO told from a file by
// stat'ing it, and a process whose fd directory cannot be read.
#include "procfs/process_fds.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_proc.hpp"

namespace sw {
namespace {

TEST(ProcessFds, ClassifiesLinkTexts) {
  EXPECT_EQ(classify_fd_link(3, "socket:[12345]").kind, FdRef::Kind::Socket);
  EXPECT_EQ(classify_fd_link(3, "socket:[12345]").inode, 12345u);
  EXPECT_EQ(classify_fd_link(0, "pipe:[77]").kind, FdRef::Kind::Pipe);
  EXPECT_EQ(classify_fd_link(0, "pipe:[77]").inode, 77u);
  EXPECT_EQ(classify_fd_link(1, "/dev/pts/3").kind, FdRef::Kind::Tty);
  EXPECT_EQ(classify_fd_link(4, "anon_inode:[eventfd]").kind, FdRef::Kind::Anon);
  EXPECT_EQ(classify_fd_link(5, "/var/log/syslog").kind, FdRef::Kind::File);
  EXPECT_EQ(classify_fd_link(6, "socket:[x]").kind, FdRef::Kind::Other);
}

TEST(ProcessFds, StdioSocketsPipesAndAFifo) {
  FakeProc proc;
  proc.process(42, "sh");
  // A reverse shell's shape: stdin and stdout a socket, stderr a pipe.
  proc.fd(42, 0, "socket:[9001]");
  proc.fd(42, 1, "socket:[9001]");
  proc.fd(42, 2, "pipe:[500]");
  std::string fifo = proc.root() + "/f";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  proc.fd(42, 7, fifo);
  proc.fd(42, 5, "socket:[9002]");
  proc.fd(42, 9, proc.root() + "/42/stat");  // a plain file
  int dir = ::open((proc.root() + "/42").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dir, 0);
  ProcessFds f = read_process_fds(dir);
  ::close(dir);
  EXPECT_EQ(f.status, PidScanStatus::Ok);
  EXPECT_EQ(f.stdio[0].kind, FdRef::Kind::Socket);
  EXPECT_EQ(f.stdio[1].inode, 9001u);
  EXPECT_EQ(f.stdio[2].kind, FdRef::Kind::Pipe);
  ASSERT_EQ(f.sockets.size(), 3u);  // fds 0, 1, 5 in fd order
  EXPECT_EQ(f.sockets[0].fd, 0);
  EXPECT_EQ(f.sockets[2].fd, 5);
  EXPECT_EQ(f.sockets[2].inode, 9002u);
  ASSERT_EQ(f.pipes.size(), 2u);  // the pipe on fd 2 and the FIFO on fd 7
  EXPECT_EQ(f.pipes[1].fd, 7);
  EXPECT_EQ(f.pipes[1].kind, FdRef::Kind::Fifo);
  struct stat st {};
  ASSERT_EQ(stat(fifo.c_str(), &st), 0);
  EXPECT_EQ(f.pipes[1].inode, st.st_ino);
}

TEST(ProcessFds, UnreadableFdDirectoryIsDenied) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any directory";
  FakeProc proc;
  proc.process(43, "secret");
  chmod((proc.root() + "/43/fd").c_str(), 0);
  int dir = ::open((proc.root() + "/43").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dir, 0);
  EXPECT_EQ(read_process_fds(dir).status, PidScanStatus::Denied);
  ::close(dir);
  chmod((proc.root() + "/43/fd").c_str(), 0700);
}

}  // namespace
}  // namespace sw
