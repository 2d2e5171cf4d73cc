// -K and -E against the live kernel, in the private namespace netns_main made.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "netns_helpers.hpp"

namespace sw::test {
namespace {

struct Pair {
  int client = -1, server = -1;
};

TEST(Kill, DestroysOnlyTheChosenConnectionAndItsPeerSeesAReset) {
  int lst = tcp_listener(7101);
  ASSERT_GE(lst, 0);
  Pair p[3];
  for (auto& x : p) {
    x.client = tcp_connect(7101);
    x.server = accept_one(lst);
    ASSERT_GE(x.client, 0);
    ASSERT_GE(x.server, 0);
  }
  uint16_t victim = local_port(p[1].client);
  auto r = run_sockwatch({"-tnK", "sport", "=", ":" + std::to_string(victim)});
  ASSERT_EQ(r.status, 0) << r.err;
  // Only the destroyed socket is printed (header + one row).
  EXPECT_NE(r.out.find(":" + std::to_string(victim)), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(saw_reset(p[1].server)) << "peer of the killed socket saw no reset";
  EXPECT_TRUE(still_connected(p[0].client, p[0].server));
  EXPECT_TRUE(still_connected(p[2].client, p[2].server));
  for (auto& x : p) {
    close(x.client);
    close(x.server);
  }
  close(lst);
}

TEST(Kill, UnprivilegedCallerFailsClearly) {
  int lst = tcp_listener(7102);
  int c = tcp_connect(7102);
  int s = accept_one(lst);
  pid_t pid = fork();
  if (pid == 0) {
    // Drop to nobody: no CAP_NET_ADMIN.
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
    auto r = run_sockwatch({"-tnK", "sport", "=", ":" + std::to_string(local_port(c))});
    bool ok = r.status != 0 && r.err.find("CAP_NET_ADMIN") != std::string::npos;
    _exit(ok ? 0 : 1);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  EXPECT_TRUE(still_connected(c, s));
  close(c);
  close(s);
  close(lst);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Events, EveryClosedSocketIsReportedEvenWhenKilledRightAfter) {
  std::string path = "/tmp/sw_events_" + std::to_string(getpid());
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    execl(SW_BINARY, SW_BINARY, "-tnE", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let it join the groups
  int lst = tcp_listener(7103);
  std::vector<uint16_t> ports;
  for (int i = 0; i < 20; ++i) {
    int c = tcp_connect(7103);
    int s = accept_one(lst);
    ports.push_back(local_port(c));
    close(c);
    close(s);
  }
  close(lst);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGKILL);  // no chance to flush at exit: every event must already be written
  waitpid(pid, nullptr, 0);
  std::string out = slurp(path);
  unlink(path.c_str());
  for (uint16_t port : ports)
    EXPECT_NE(out.find(":" + std::to_string(port)), std::string::npos) << "missing " << port;
}

TEST(Events, FilterExpressionAppliesToEvents) {
  std::string path = "/tmp/sw_events_f_" + std::to_string(getpid());
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    execl(SW_BINARY, SW_BINARY, "-tnE", "sport", "=", ":7105", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (uint16_t port : {uint16_t{7104}, uint16_t{7105}}) {
    int lst = tcp_listener(port);
    close(lst);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  std::string out = slurp(path);
  unlink(path.c_str());
  EXPECT_NE(out.find(":7105"), std::string::npos) << out;
  EXPECT_EQ(out.find(":7104"), std::string::npos) << out;
}

TEST(Events, NdjsonGivesOneObjectPerEvent) {
  std::string path = "/tmp/sw_events_j_" + std::to_string(getpid());
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    execl(SW_BINARY, SW_BINARY, "-tnE", "--ndjson", "sport", "=", ":7106",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 3; ++i) close(tcp_listener(7106));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  std::istringstream in(slurp(path));
  unlink(path.c_str());
  int events = 0;
  for (std::string line; std::getline(in, line); ++events) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["schema"], "sockwatch/1");
    EXPECT_EQ(j["local"]["port"], 7106);
  }
  EXPECT_EQ(events, 3);
}

// ss prints the -E header when the first event arrives, even one its filter
// drops, so the header is then sized to itself. Both tools, side by side.
TEST(Events, HeaderAfterAFilteredOutFirstEventMatchesSs) {
  if (access("/usr/bin/ss", X_OK) != 0 || access("/usr/bin/stdbuf", X_OK) != 0)
    GTEST_SKIP() << "needs /usr/bin/ss and stdbuf";
  std::string sw_path = "/tmp/sw_events_h_sw_" + std::to_string(getpid());
  std::string ss_path = "/tmp/sw_events_h_ss_" + std::to_string(getpid());
  auto start = [](const std::string& path, std::vector<const char*> argv) {
    pid_t pid = fork();
    if (pid == 0) {
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      argv.push_back(nullptr);
      execv(argv[0], const_cast<char* const*>(argv.data()));
      _exit(127);
    }
    return pid;
  };
  // ss buffers stdout and loses it when killed: line-buffer it.
  pid_t ss =
      start(ss_path, {"/usr/bin/stdbuf", "-oL", "/usr/bin/ss", "-tnE", "sport", "=", ":7108"});
  pid_t sw = start(sw_path, {SW_BINARY, "-tnE", "sport", "=", ":7108"});
  std::this_thread::sleep_for(std::chrono::milliseconds(800));  // both subscribed (ASan is slow)
  for (uint16_t port : {uint16_t{7107}, uint16_t{7108}, uint16_t{7107}, uint16_t{7108}})
    close(tcp_listener(port));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  for (pid_t p : {ss, sw}) {
    kill(p, SIGTERM);
    waitpid(p, nullptr, 0);
  }
  std::string a = slurp(ss_path), b = slurp(sw_path);
  unlink(ss_path.c_str());
  unlink(sw_path.c_str());
  EXPECT_NE(b.find(":7108"), std::string::npos) << b;
  EXPECT_EQ(b.find(":7107"), std::string::npos) << b;
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace sw::test
