// -K and -E against the live kernel, in the private namespace netns_main made.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
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
  // Loopback delivers the RST at once, but a loaded machine may take a moment.
  EXPECT_TRUE(wait_until([&] { return saw_reset(p[1].server); }, 30000))
      << "peer of the killed socket saw no reset";
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

TEST(Events, EveryClosedSocketIsReportedEvenWhenKilledRightAfter) {
  Background ev = start_background({SW_BINARY, "-tnE"});
  ASSERT_TRUE(wait_subscribed(ev.pid)) << "-E never joined the destroy groups";
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
  std::vector<std::string> want;
  for (uint16_t port : ports) want.push_back(":" + std::to_string(port));
  wait_output(ev, want);
  // SIGKILL: no chance to flush at exit, every event must already be written.
  std::string out = stop_background(ev, SIGKILL).out;
  for (uint16_t port : ports)
    EXPECT_NE(out.find(":" + std::to_string(port)), std::string::npos) << "missing " << port;
}

TEST(Events, FilterExpressionAppliesToEvents) {
  Background ev = start_background({SW_BINARY, "-tnE", "sport", "=", ":7105"});
  ASSERT_TRUE(wait_subscribed(ev.pid)) << "-E never joined the destroy groups";
  for (uint16_t port : {uint16_t{7104}, uint16_t{7105}}) {
    int lst = tcp_listener(port);
    close(lst);
  }
  // Events arrive in order: once 7105's is there, 7104's would have been too.
  wait_output(ev, {":7105"});
  std::string out = stop_background(ev, SIGKILL).out;
  EXPECT_NE(out.find(":7105"), std::string::npos) << out;
  EXPECT_EQ(out.find(":7104"), std::string::npos) << out;
}

TEST(Events, NdjsonGivesOneObjectPerEvent) {
  Background ev = start_background({SW_BINARY, "-tnE", "--ndjson", "sport", "=", ":7106"});
  ASSERT_TRUE(wait_subscribed(ev.pid)) << "-E never joined the destroy groups";
  for (int i = 0; i < 3; ++i) close(tcp_listener(7106));
  wait_until([&] {
    std::string o = read_file(ev.path);
    return std::count(o.begin(), o.end(), '\n') >= 3;
  });
  std::istringstream in(stop_background(ev, SIGKILL).out);
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
  // ss buffers stdout and loses it when killed: line-buffer it.
  Background ss =
      start_background({"/usr/bin/stdbuf", "-oL", "/usr/bin/ss", "-tnE", "sport", "=", ":7108"});
  Background sw = start_background({SW_BINARY, "-tnE", "sport", "=", ":7108"});
  ASSERT_TRUE(wait_subscribed(ss.pid)) << "ss -E never joined the destroy groups";
  ASSERT_TRUE(wait_subscribed(sw.pid)) << "-E never joined the destroy groups";
  for (uint16_t port : {uint16_t{7107}, uint16_t{7108}, uint16_t{7107}, uint16_t{7108}})
    close(tcp_listener(port));
  // Both saw the second 7108 event: count its lines in each output.
  auto two = [](const Background& b) {
    return [&b] {
      std::string o = read_file(b.path);
      size_t n = 0;
      for (size_t at = o.find(":7108"); at != std::string::npos; at = o.find(":7108", at + 1)) ++n;
      return n >= 2;
    };
  };
  wait_until(two(ss));
  wait_until(two(sw));
  std::string a = stop_background(ss, SIGTERM).out, b = stop_background(sw, SIGTERM).out;
  EXPECT_NE(b.find(":7108"), std::string::npos) << b;
  EXPECT_EQ(b.find(":7107"), std::string::npos) << b;
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace sw::test
