// Hostile input and output conditions against the real binary: a process name
// and a unix socket path carrying terminal escapes and invalid UTF-8 (escaped in
// text, lossless in JSON), a reader that closes the pipe early, a full disk.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "netns_helpers.hpp"

namespace sw::test {
namespace {

// A child that names itself `name`, holds a TCP listener and waits.
pid_t named_listener(const char* name, uint16_t port, int ready_fd) {
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_NAME, name, 0, 0, 0);
    int fd = tcp_listener(port);
    char c = fd >= 0 ? 'y' : 'n';
    if (write(ready_fd, &c, 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  return pid;
}

TEST(Hardening, EscapeSequencesInProcessNamesAreEscapedInTextAndLosslessInJson) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  const char kName[] = "ev\x1b[31mil";
  pid_t child = named_listener(kName, 7201, p[1]);
  char c;
  ASSERT_EQ(read(p[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto text = run_sockwatch({"-tlnp", "sport", "=", ":7201"});
  EXPECT_EQ(text.status, 0) << text.err;
  EXPECT_EQ(text.out.find('\x1b'), std::string::npos) << "raw ESC reached the terminal";
  EXPECT_NE(text.out.find("ev\\033[31mil"), std::string::npos) << text.out;
  auto json = run_sockwatch({"-tlnpj", "sport", "=", ":7201"});
  ASSERT_EQ(json.status, 0) << json.err;
  auto doc = nlohmann::json::parse(json.out);
  ASSERT_EQ(doc["sockets"].size(), 1u);
  EXPECT_EQ(doc["sockets"][0]["owners"][0]["comm"], std::string(kName));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
}

TEST(Hardening, UnixPathWithControlAndInvalidUtf8Bytes) {
  std::string dir = "/tmp/sw_hard_" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::string path = dir + "/a\x01\xff" + "b.sock";
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  auto text = run_sockwatch({"-xl", "src", "unix:" + dir + "/*"});
  EXPECT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("a\\001\\377b.sock"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find('\x01'), std::string::npos);
  auto json = run_sockwatch({"-xlj", "src", "unix:" + dir + "/*"});
  auto doc = nlohmann::json::parse(json.out);  // must be valid JSON despite the bytes
  ASSERT_EQ(doc["sockets"].size(), 1u);
  const auto& local = doc["sockets"][0]["local"];
  ASSERT_TRUE(local.contains("path_b64"));
  // Decode and compare the exact bytes.
  std::string b64 = local["path_b64"], raw;
  auto val = [](char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : -1;
  };
  int bits = 0, acc = 0;
  for (char ch : b64) {
    int v = val(ch);
    if (v < 0) break;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      raw.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  EXPECT_EQ(raw, path);
  close(fd);
  std::filesystem::remove_all(dir);
}

TEST(Hardening, ClosedPipeEndsQuietlyWithStatusZero) {
  std::vector<int> keep;
  for (int i = 0; i < 1500; ++i) {  // ~120 KB of -x output: more than a pipe holds
    int sp[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    keep.push_back(sp[0]);
    keep.push_back(sp[1]);
  }
  int out[2], err[2];
  ASSERT_EQ(pipe(out), 0);
  ASSERT_EQ(pipe(err), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]);
    close(err[0]);
    signal(SIGPIPE, SIG_DFL);  // as from a shell: sockwatch must handle it itself
    execl(SW_BINARY, SW_BINARY, "-x", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  char buf[64];
  ASSERT_GT(read(out[0], buf, sizeof buf), 0);  // like `| head -c 64`
  close(out[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  std::string errtext;
  ssize_t n;
  while ((n = read(err[0], buf, sizeof buf)) > 0) errtext.append(buf, static_cast<size_t>(n));
  close(err[0]);
  EXPECT_TRUE(WIFEXITED(st)) << "killed by signal " << (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  EXPECT_EQ(WEXITSTATUS(st), 0);
  EXPECT_EQ(errtext, "");
  for (int fd : keep) close(fd);
}

TEST(Hardening, FullDiskWhileWritingADumpNamesThePathAndError) {
  std::string mnt = "/tmp/sw_full_" + std::to_string(getpid());
  std::filesystem::create_directories(mnt);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=8k") != 0) GTEST_SKIP() << "no tmpfs mount";
  int lst = tcp_listener(7202);
  std::vector<int> keep;
  for (int i = 0; i < 300; ++i) {  // ~60 KB of TCP dump, more than 8 KiB
    keep.push_back(tcp_connect(7202));
    keep.push_back(accept_one(lst));
  }
  std::string file = mnt + "/dump";
  auto r = run_sockwatch({"-ta", "-D", file});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  umount2(mnt.c_str(), MNT_DETACH);
  std::filesystem::remove_all(mnt);
  for (int fd : keep) close(fd);
  close(lst);
}

}  // namespace
}  // namespace sw::test
