// `sockwatch baseline` against the live kernel in this test's private
// namespace: listeners held by child processes, saved, then changed for real
// (a new listener, an exposure widened, services restarted with new pids),
// diffed with diff(1)'s exit status, accepted, listed, deleted — on a real
// SQLite file.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "netns_helpers.hpp"

namespace sw::test {
namespace {

namespace fs = std::filesystem;

// A child process holding one TCP listener on addr:port until killed.
struct Holder {
  pid_t pid = -1;
};

Holder hold_listener(const char* addr, uint16_t port) {
  int ready[2];
  if (pipe(ready) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, addr, &sa.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(fd, 16) != 0) _exit(1);
    ssize_t n = write(ready[1], "r", 1);
    (void)n;
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  bool ok = read(ready[0], &c, 1) == 1;
  close(ready[0]);
  if (!ok) {
    waitpid(pid, nullptr, 0);
    return {};
  }
  return {pid};
}

void stop(Holder& h) {
  if (h.pid > 0) {
    kill(h.pid, SIGKILL);
    waitpid(h.pid, nullptr, 0);
    h.pid = -1;
  }
}

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }

class Baseline : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sw_baseline_XXXXXX";
    dir_ = mkdtemp(tmpl);
    db_ = dir_ + "/sw.db";
    web_ = hold_listener("0.0.0.0", 7102);
    db_listener_ = hold_listener("127.0.0.1", 7101);
    ASSERT_GT(web_.pid, 0);
    ASSERT_GT(db_listener_.pid, 0);
  }
  void TearDown() override {
    stop(web_);
    stop(db_listener_);
    stop(extra_);
    fs::remove_all(dir_);
  }
  RunResult baseline(std::vector<std::string> args) {
    args.insert(args.begin(), "baseline");
    args.insert(args.end(), {"--db", db_, "--this-netns"});
    if (args[1] == "list" || args[1] == "show" || args[1] == "delete") args.pop_back();
    return run_sockwatch(args);
  }
  std::string dir_, db_;
  Holder web_, db_listener_, extra_;
};

TEST_F(Baseline, RestartWithNewPidsIsEqualAndANewListenerIsADifference) {
  auto saved = baseline({"save"});
  ASSERT_EQ(saved.status, 0) << saved.err;
  EXPECT_NE(saved.out.find("saved baseline 'default'"), std::string::npos) << saved.out;

  auto same = baseline({"diff"});
  EXPECT_EQ(same.status, 0) << same.out << same.err;
  EXPECT_EQ(same.out, "");

  // The same services again, with new pids.
  stop(web_);
  stop(db_listener_);
  web_ = hold_listener("0.0.0.0", 7102);
  db_listener_ = hold_listener("127.0.0.1", 7101);
  ASSERT_GT(web_.pid, 0);
  auto restarted = baseline({"diff"});
  EXPECT_EQ(restarted.status, 0) << restarted.out << restarted.err;

  // A new listener on every interface.
  extra_ = hold_listener("0.0.0.0", 31337);
  ASSERT_GT(extra_.pid, 0);
  auto changed = baseline({"diff"});
  EXPECT_EQ(changed.status, 1) << changed.err;
  std::string want =
      "+ listen tcp 0.0.0.0:31337 by " + self_exe() + " (uid 0) — new, exposed on all interfaces";
  EXPECT_NE(changed.out.find(want), std::string::npos) << changed.out;
  EXPECT_EQ(std::count(changed.out.begin(), changed.out.end(), '\n'), 1) << changed.out;

  // The same in JSON.
  auto j = baseline({"diff", "-j"});
  EXPECT_EQ(j.status, 1);
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["schema"], "sockwatch-baseline-diff/1");
  EXPECT_FALSE(doc["equal"].get<bool>());
  ASSERT_EQ(doc["changes"].size(), 1u);
  EXPECT_EQ(doc["changes"][0]["kind"], "new-listener");
  EXPECT_EQ(doc["changes"][0]["now"]["port"], 31337);
  EXPECT_EQ(doc["changes"][0]["now"]["exposure"], "wildcard");

  // Accepted, it is part of the baseline.
  auto acc = baseline({"accept"});
  EXPECT_EQ(acc.status, 0) << acc.err;
  EXPECT_NE(acc.out.find("accepted: + listen tcp 0.0.0.0:31337"), std::string::npos) << acc.out;
  EXPECT_EQ(baseline({"diff"}).status, 0);

  // And gone again: a vanished listener.
  stop(extra_);
  auto gone = baseline({"diff"});
  EXPECT_EQ(gone.status, 1);
  EXPECT_NE(gone.out.find("- listen tcp 0.0.0.0:31337"), std::string::npos) << gone.out;
}

TEST_F(Baseline, LoopbackToWildcardIsAnExposureChange) {
  ASSERT_EQ(baseline({"save", "web"}).status, 0);
  stop(db_listener_);
  db_listener_ = hold_listener("0.0.0.0", 7101);
  ASSERT_GT(db_listener_.pid, 0);
  auto d = baseline({"diff", "web"});
  EXPECT_EQ(d.status, 1) << d.err;
  EXPECT_NE(d.out.find("~ listen tcp 0.0.0.0:7101 by " + self_exe() +
                       " (uid 0) — exposure changed from loopback (127.0.0.1:7101) to wildcard"),
            std::string::npos)
      << d.out;
  // Accepting one difference by its id.
  auto doc = nlohmann::json::parse(baseline({"diff", "web", "-j"}).out);
  std::string id = doc["changes"][0]["id"];
  EXPECT_EQ(baseline({"accept", "web", "--id", "ffffffff"}).status, 1);  // not a difference now
  auto acc = baseline({"accept", "web", "--id", id});
  EXPECT_EQ(acc.status, 0) << acc.err;
  EXPECT_EQ(baseline({"diff", "web"}).status, 0);
}

TEST_F(Baseline, ListShowDeleteAndTrouble) {
  ASSERT_EQ(baseline({"save", "one"}).status, 0);
  ASSERT_EQ(baseline({"save", "two"}).status, 0);
  auto list = baseline({"list"});
  EXPECT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("one"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("two"), std::string::npos) << list.out;
  auto show = baseline({"show", "one"});
  EXPECT_EQ(show.status, 0) << show.err;
  EXPECT_NE(show.out.find("listen tcp 127.0.0.1:7101 by " + self_exe()), std::string::npos)
      << show.out;
  EXPECT_EQ(baseline({"delete", "two"}).status, 0);
  auto missing = baseline({"delete", "two"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("no baseline named 'two'"), std::string::npos) << missing.err;
  // diff(1)'s 2 for trouble: no such baseline, a file that is not a database.
  EXPECT_EQ(baseline({"diff", "nosuch"}).status, 2);
  std::ofstream(dir_ + "/text.db") << "this is not a database\n";
  auto bad = run_sockwatch({"baseline", "diff", "--db", dir_ + "/text.db"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find(dir_ + "/text.db"), std::string::npos) << bad.err;
  // Usage errors.
  EXPECT_EQ(run_sockwatch({"baseline"}).status, 2);
  EXPECT_EQ(run_sockwatch({"baseline", "frobnicate"}).status, 2);
  EXPECT_EQ(run_sockwatch({"baseline", "show"}).status, 2);
  EXPECT_EQ(run_sockwatch({"baseline", "save", "bad/name"}).status, 2);
}

TEST_F(Baseline, DiffOnARecordingAnswersAsLive) {
  ASSERT_EQ(baseline({"save"}).status, 0);
  std::string rec = dir_ + "/host.rec";
  auto recorded = run_sockwatch({"check", "--this-netns", "--no-baseline", "--record", rec});
  ASSERT_LT(recorded.status, 8) << recorded.err;
  ASSERT_TRUE(fs::exists(rec));
  auto same = run_sockwatch({"baseline", "diff", "--db", db_, "--replay", rec});
  EXPECT_EQ(same.status, 0) << same.out << same.err;

  extra_ = hold_listener("0.0.0.0", 31338);
  ASSERT_GT(extra_.pid, 0);
  std::string rec2 = dir_ + "/host2.rec";
  ASSERT_LT(run_sockwatch({"check", "--this-netns", "--no-baseline", "--record", rec2}).status, 8);
  auto live = baseline({"diff"});
  stop(extra_);  // the replay must not look at this host
  auto replayed = run_sockwatch({"baseline", "diff", "--db", db_, "--replay", rec2});
  EXPECT_EQ(replayed.status, 1) << replayed.err;
  EXPECT_EQ(replayed.out, live.out);
  EXPECT_NE(replayed.out.find("+ listen tcp 0.0.0.0:31338"), std::string::npos) << replayed.out;

  // Trouble with the recording is diff(1)'s 2, naming the file.
  auto missing = run_sockwatch({"baseline", "diff", "--db", db_, "--replay", dir_ + "/none"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find(dir_ + "/none"), std::string::npos) << missing.err;
  EXPECT_EQ(run_sockwatch({"baseline", "list", "--replay", rec}).status, 2);
}

}  // namespace
}  // namespace sw::test
