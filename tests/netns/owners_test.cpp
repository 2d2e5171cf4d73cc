// Owners across namespaces, checked through the JSON output: a process in
// this test's namespace running from a deleted binary in a world-writable
// directory, and one in a second, named namespace that is also pid 1 of its
// own pid namespace. --all-netns must find both, labelled, with their details.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "netns_helpers.hpp"

namespace sw::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Waits for the holder's "ready" line on `fd`.
bool wait_ready(int fd) {
  char buf[16] = {};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  return n > 0 && std::string(buf).find("ready") != std::string::npos;
}

class OwnersAcrossNamespaces : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v ip >/dev/null 2>&1") != 0) GTEST_SKIP() << "no ip(8)";
    char tmpl[] = "/tmp/sw_owners_XXXXXX";
    dir_ = mkdtemp(tmpl);
    chmod(dir_.c_str(), 0777);  // world-writable, like /tmp itself
    exe_ = dir_ + "/holder";
    fs::copy_file("/proc/self/exe", exe_);
    chmod(exe_.c_str(), 0755);
    ns_ = "swown" + std::to_string(getpid());
    ASSERT_EQ(std::system(("ip netns add " + ns_ + " && ip -n " + ns_ + " link set lo up").c_str()),
              0);

    // Holder 1: here, from the copy, which is deleted once it runs.
    int p1[2];
    ASSERT_EQ(pipe(p1), 0);
    pid1_ = fork();
    if (pid1_ == 0) {
      dup2(p1[1], 1);
      execl(exe_.c_str(), exe_.c_str(), "--sw-hold-listener", std::to_string(kPort1).c_str(),
            nullptr);
      _exit(127);
    }
    close(p1[1]);
    ASSERT_TRUE(wait_ready(p1[0]));
    close(p1[0]);
    ASSERT_EQ(unlink(exe_.c_str()), 0);

    // Holder 2: in the named namespace and a new pid namespace (its pid 1).
    int p2[2];
    ASSERT_EQ(pipe(p2), 0);
    mid_ = fork();
    if (mid_ == 0) {
      int nsfd = open(("/run/netns/" + ns_).c_str(), O_RDONLY | O_CLOEXEC);
      if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0 || unshare(CLONE_NEWPID) != 0) _exit(126);
      pid_t g = fork();
      if (g == 0) {
        dup2(p2[1], 1);
        execl("/proc/self/exe", "holder2", "--sw-hold-listener", std::to_string(kPort2).c_str(),
              nullptr);
        _exit(127);
      }
      // Tell the test the grandchild's pid as the host sees it.
      std::string line = std::to_string(g) + "\n";
      if (write(p2[1], line.data(), line.size()) < 0) _exit(125);
      int st;
      waitpid(g, &st, 0);
      _exit(0);
    }
    close(p2[1]);
    char buf[64] = {};
    std::string got;
    while (got.find("ready") == std::string::npos) {
      ssize_t n = read(p2[0], buf, sizeof buf - 1);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    close(p2[0]);
    ASSERT_NE(got.find("ready"), std::string::npos) << got;
    pid2_ = std::atoi(got.c_str());
    ASSERT_GT(pid2_, 0);
  }

  void TearDown() override {
    if (pid1_ > 0) kill(pid1_, SIGKILL), waitpid(pid1_, nullptr, 0);
    if (pid2_ > 0) kill(pid2_, SIGKILL);
    if (mid_ > 0) waitpid(mid_, nullptr, 0);
    if (!ns_.empty()) std::system(("ip netns del " + ns_ + " 2>/dev/null").c_str());
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  static const json* find_socket(const json& doc, int port) {
    for (const auto& s : doc["sockets"])
      if (s["local"]["port"] == port) return &s;
    return nullptr;
  }

  static constexpr int kPort1 = 24101;
  static constexpr int kPort2 = 24102;
  std::string dir_, exe_, ns_;
  pid_t pid1_ = -1, pid2_ = -1, mid_ = -1;
};

TEST_F(OwnersAcrossNamespaces, JsonCarriesNamespaceAndOwnerDetails) {
  auto r = run_sockwatch({"--all-netns", "-tlnp", "-j"});
  ASSERT_EQ(r.status, 0) << r.err;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["schema"], "sockwatch/1");

  const json* s1 = find_socket(doc, kPort1);
  ASSERT_NE(s1, nullptr) << r.out;
  EXPECT_EQ((*s1)["netns"]["current"], true);
  EXPECT_TRUE((*s1)["netns"]["name"].is_null());
  ASSERT_EQ((*s1)["owners"].size(), 1u);
  const json& o1 = (*s1)["owners"][0];
  EXPECT_EQ(o1["pid"], pid1_);
  EXPECT_EQ(o1["ns_pid"], pid1_);  // same pid namespace as ours
  EXPECT_EQ(o1["comm"], "holder");
  EXPECT_EQ(o1["exe"], exe_);
  EXPECT_EQ(o1["exe_deleted"], true);
  EXPECT_EQ(o1["exe_world_writable"], true);
  EXPECT_EQ(o1["cmdline"], json::array({exe_, "--sw-hold-listener", std::to_string(kPort1)}));
  EXPECT_EQ(o1["ppid"], getpid());
  EXPECT_EQ(o1["uid"], 0);
  EXPECT_EQ(o1["user"], "root");
  EXPECT_TRUE(std::regex_match(o1["start_time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\dZ)")));
  EXPECT_TRUE(o1["start_ticks"].is_number_unsigned());
  EXPECT_TRUE(o1["cgroup"].is_string());
  EXPECT_TRUE(o1.contains("container"));

  const json* s2 = find_socket(doc, kPort2);
  ASSERT_NE(s2, nullptr) << r.out;
  EXPECT_EQ((*s2)["netns"]["name"], ns_);
  EXPECT_EQ((*s2)["netns"]["current"], false);
  EXPECT_NE((*s2)["netns"]["inode"], (*s1)["netns"]["inode"]);
  ASSERT_EQ((*s2)["owners"].size(), 1u);
  const json& o2 = (*s2)["owners"][0];
  EXPECT_EQ(o2["pid"], pid2_);
  EXPECT_EQ(o2["ns_pid"], 1);  // pid 1 of its own pid namespace
  EXPECT_EQ(o2["exe_deleted"], false);
  EXPECT_EQ(o2["cmdline"][0], "holder2");

  EXPECT_EQ(doc["owner_scan"]["complete"], true);
  EXPECT_GE(doc["owner_scan"]["socket_fds"].get<int>(), 2);
}

TEST_F(OwnersAcrossNamespaces, TextHasALeadingNetnsColumn) {
  auto r = run_sockwatch({"--all-netns", "-tlnp"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("Netns ", 0), 0u) << r.out;
  // comm is "exe": holder 2 was started through /proc/self/exe.
  std::regex row2("(^|\n)" + ns_ + " +LISTEN .*127\\.0\\.0\\.1:" + std::to_string(kPort2) +
                  " .*users:\\(\\(\"exe\",pid=" + std::to_string(pid2_) + ",fd=[0-9]+\\)\\)");
  EXPECT_TRUE(std::regex_search(r.out, row2)) << r.out;
  // Without --all-netns only our namespace shows.
  auto here = run_sockwatch({"-tlnp"});
  EXPECT_NE(here.out.find(":" + std::to_string(kPort1)), std::string::npos);
  EXPECT_EQ(here.out.find(":" + std::to_string(kPort2)), std::string::npos);
}

TEST_F(OwnersAcrossNamespaces, SelectiveScanFindsTheOwnerAndNdjsonLabelsEachLine) {
  auto r = run_sockwatch({"--all-netns", "-tlnp", "--ndjson", "sport", "=", ":24102"});
  ASSERT_EQ(r.status, 0) << r.err;
  size_t lines = 0;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line); ++lines) {
    json j = json::parse(line);
    EXPECT_EQ(j["schema"], "sockwatch/1");
    EXPECT_EQ(j["netns"]["name"], ns_);
    EXPECT_EQ(j["owners"][0]["pid"], pid2_);
  }
  EXPECT_EQ(lines, 1u);
  // Without --all-netns the targeted scan (few sockets) still finds the owner.
  auto t = run_sockwatch({"-tlnp", "-j", "sport", "=", ":24101"});
  json doc = json::parse(t.out);
  ASSERT_EQ(doc["sockets"].size(), 1u);
  EXPECT_EQ(doc["sockets"][0]["owners"][0]["pid"], pid1_);
  EXPECT_FALSE(doc["sockets"][0].contains("netns"));  // absent: not requested
}

TEST_F(OwnersAcrossNamespaces, SummaryPerNamespace) {
  auto text = run_sockwatch({"-s", "--all-netns"});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("Netns " + ns_ + ":\nTotal: "), std::string::npos) << text.out;
  auto j = run_sockwatch({"-s", "-j", "--all-netns"});
  ASSERT_EQ(j.status, 0) << j.err;
  json doc = json::parse(j.out);
  EXPECT_FALSE(doc.contains("summary"));
  bool found = false;
  for (const auto& s : doc["netns_summaries"]) {
    EXPECT_TRUE(s["summary"]["tcp"]["total"].is_number_integer());
    if (s["netns"]["name"] == ns_) {
      found = true;
      // Holder 2's listener is the only TCP socket in that namespace.
      EXPECT_EQ(s["summary"]["transport"]["tcp"]["total"], 1);
    }
  }
  EXPECT_TRUE(found) << j.out;
}

TEST_F(OwnersAcrossNamespaces, EventsFromEveryNamespaceAreLabelled) {
  Background ev = start_background({SW_BINARY, "-tE", "--all-netns", "--ndjson"});
  // Opens and closes a listener on `port`, in the named namespace or here.
  auto blip = [&](uint16_t port, bool there) {
    if (!there) return close(tcp_listener(port)) == 0;
    pid_t child = fork();
    if (child == 0) {
      int nsfd = open(("/run/netns/" + ns_).c_str(), O_RDONLY | O_CLOEXEC);
      if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) _exit(1);
      close(tcp_listener(port));
      _exit(0);
    }
    int st = 0;
    waitpid(child, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
  };
  // -E subscribes in each namespace in turn: probe each until its event shows,
  // so the events below cannot be missed however slow the start is.
  for (bool there : {true, false}) {
    uint16_t probe = there ? 24105 : 24106;
    std::string needle = "\"port\":" + std::to_string(probe);
    ASSERT_TRUE(wait_until([&] {
      if (!blip(probe, there)) return false;
      return wait_output(ev, {needle}, 200).find(needle) != std::string::npos;
    })) << "no event from "
        << (there ? ns_ : "this namespace");
  }
  // A listener opened and closed in the named namespace, another here.
  ASSERT_TRUE(blip(24103, true));
  ASSERT_TRUE(blip(24104, false));
  wait_output(ev, {"\"port\":24103", "\"port\":24104"});
  std::string text = stop_background(ev, SIGTERM).out;
  bool there = false, here = false;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line);
    if (j["local"]["port"] == 24103) there = j["netns"]["name"] == ns_;
    if (j["local"]["port"] == 24104) here = j["netns"]["current"] == true;
  }
  EXPECT_TRUE(there) << text;
  EXPECT_TRUE(here) << text;
}

}  // namespace
}  // namespace sw::test
