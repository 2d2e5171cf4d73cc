// Churn: thousands of connections opened and closed, and short-lived
// processes started and killed, while sockwatch dumps, scans owners (also
// with --all-netns and a selective filter) and follows -E. Every run must
// exit 0 with valid output, and no socket may be attributed to a process that
// never held it: each churning process only ever uses its own port range.
// The work is bounded by counts (rounds of runs, connections closed,
// processes spawned), never by a time window, so a slow machine only makes
// the test take longer; the time bounds are generous limits against hangs.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "netns_helpers.hpp"

namespace sw::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kBase = 30000;   // process k uses ports [kBase + 100k, kBase + 100k + 99]
constexpr int kWorkers = 4;    // long-lived, churning connections
constexpr int kSpawnSlot = 9;  // short-lived children use slot 9 + (n % 20)

constexpr int kRounds = 4;            // each runs every invocation once
constexpr long kMinCloses = 4000;     // connections the workers close, at least
constexpr int kMinSpawned = 100;      // short-lived processes, at least
constexpr int kLimitMs = 600 * 1000;  // against hangs only (CTest's TIMEOUT is above it)

uint16_t port_of(int slot, int i) { return static_cast<uint16_t>(kBase + 100 * slot + i % 100); }

// Connections closed by all workers, in memory shared across fork.
std::atomic<long>* g_closes = nullptr;

// Opens and closes connections on its own ports until killed.
[[noreturn]] void churn_worker(int slot) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a killed test run
  prctl(PR_SET_NAME, ("churn" + std::to_string(slot)).c_str());
  int listener = -1;
  for (int i = 0; listener < 0 && i < 100; ++i) listener = tcp_listener(port_of(slot, i));
  if (listener < 0) _exit(2);
  uint16_t lport = local_port(listener);
  for (int round = 0;; ++round) {
    int c = tcp_connect(lport);
    int a = c >= 0 ? accept_one(listener) : -1;
    if (round % 3 == 0 && a >= 0) (void)!write(a, "x", 1);
    // Most clients reset instead of closing, so TIME-WAIT does not pile up
    // into a dump of hundreds of thousands of sockets.
    if (c >= 0 && round % 4 != 0) {
      linger lg{1, 0};
      setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    if (c >= 0) close(c);
    if (a >= 0) close(a);
    if (c >= 0) g_closes->fetch_add(1, std::memory_order_relaxed);
    usleep(1000);  // ~500 connections a second per worker
    // Now and then a UDP socket on our range too.
    if (round % 50 == 0) {
      int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in addr = loopback4(port_of(slot, 50 + round / 50 % 50));
      bind(u, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      close(u);
    }
  }
}

// A process that lives a few milliseconds holding a listener on its slot.
[[noreturn]] void short_lived(int slot, int n) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_NAME, ("churn" + std::to_string(slot)).c_str());
  int fd = tcp_listener(port_of(slot, n));
  (void)fd;
  usleep(static_cast<useconds_t>(2000 + (n % 7) * 1000));
  _exit(0);
}

class Churn : public ::testing::Test {
 protected:
  void TearDown() override {
    stop_ = true;
    if (spawner_.joinable()) spawner_.join();
    for (pid_t p : workers_) kill(p, SIGKILL);
    for (pid_t p : workers_) waitpid(p, nullptr, 0);
    stop_background(events_, SIGKILL);  // if a failed assertion left it running
  }

  void start() {
    void* shared = mmap(nullptr, sizeof(std::atomic<long>), PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(shared, MAP_FAILED);
    g_closes = new (shared) std::atomic<long>(0);
    for (int k = 0; k < kWorkers; ++k) {
      pid_t p = fork();
      if (p == 0) churn_worker(k);
      workers_.push_back(p);
      remember(p, k);
    }
    spawner_ = std::thread([this] {
      for (int n = 0; !stop_; ++n) {
        int slot = kSpawnSlot + n % 20;
        pid_t p = fork();
        if (p == 0) short_lived(slot, n);
        remember(p, slot);
        ++spawned_;
        if (n % 3 == 0) kill(p, SIGKILL);  // some die mid-life
        while (waitpid(-1, nullptr, WNOHANG) > 0) {
        }
        usleep(1000);
      }
    });
  }

  void remember(pid_t p, int slot) {
    std::lock_guard<std::mutex> g(mu_);
    // A reused pid changes slot; the owner check accepts either, so it can
    // only be stricter than needed if the kernel recycled pids mid-test.
    slots_[p].push_back(slot);
  }

  // Every owner that is one of our processes holds a socket on its own ports.
  void check_attribution(const json& doc, const std::string& what) {
    std::lock_guard<std::mutex> g(mu_);
    for (const auto& s : doc["sockets"]) {
      if (!s.contains("owners") || s["owners"].is_null()) continue;
      int lport = s["local"]["port"], rport = s["peer"]["port"];
      for (const auto& o : s["owners"]) {
        auto it = slots_.find(o["pid"].get<pid_t>());
        if (it == slots_.end()) continue;  // not ours (the test itself, the system)
        bool ok = false;
        for (int slot : it->second) {
          auto in = [&](int port) {
            return port >= kBase + 100 * slot && port < kBase + 100 * slot + 100;
          };
          // A worker's accepted socket has its listener's port locally; its
          // client socket has it as the peer.
          ok = ok || in(lport) || in(rport);
        }
        EXPECT_TRUE(ok) << what << ": pid " << o["pid"] << " (" << o["comm"] << ") shown owning "
                        << s["local"] << " -> " << s["peer"];
        ++checked_;
      }
    }
  }

  Background events_;  // the background -E
  std::atomic<bool> stop_{false};
  std::atomic<int> spawned_{0};
  std::vector<pid_t> workers_;
  std::thread spawner_;
  std::mutex mu_;
  std::map<pid_t, std::vector<int>> slots_;
  int checked_ = 0;
};

TEST_F(Churn, DumpsOwnerScansAndEventsStayCorrectUnderChurn) {
  // -E in the background for the whole run, as NDJSON into a file.
  events_ = start_background({SW_BINARY, "-tE", "--ndjson"});
  ASSERT_TRUE(wait_subscribed(events_.pid)) << "-E never joined the destroy groups";
  start();

  auto deadline = Clock::now() + std::chrono::milliseconds(kLimitMs);
  int runs = 0;
  const std::vector<std::vector<std::string>> invocations = {
      {"-tanp", "-j"},
      {"--all-netns", "-tuanp", "-j"},
      {"-tnp", "-j", "sport", ">=", ":30900"},  // selective: the targeted owner scan
      {"-tan"},
      {"-tuanp"},
  };
  // Rounds of runs, then (if the machine was so fast that the churn is not yet
  // big enough) more rounds until the workers have closed enough connections
  // and enough processes have come and gone.
  for (int round = 0;; ++round) {
    bool enough =
        round >= kRounds && g_closes->load() >= kMinCloses && spawned_.load() >= kMinSpawned;
    if (enough) break;
    ASSERT_LT(Clock::now(), deadline)
        << "churn not done after " << kLimitMs / 1000 << " s: " << runs << " runs, "
        << g_closes->load() << " closes, " << spawned_.load() << " processes";
    for (const auto& args : invocations) {
      auto r = run_sockwatch(args);
      std::string what;
      for (const auto& a : args) what += a + " ";
      ASSERT_EQ(r.status, 0) << what << r.err;
      // The only stderr allowed is an interrupted-dump notice or the
      // --all-netns hint (stderr is a pipe: no -p hint).
      std::istringstream err(r.err);
      for (std::string line; std::getline(err, line);)
        EXPECT_TRUE(line.find("interrupted by concurrent changes") != std::string::npos ||
                    line.rfind("sockwatch: --all-netns:", 0) == 0)
            << what << ": " << line;
      if (std::find(args.begin(), args.end(), "-j") != args.end()) {
        json doc;
        ASSERT_NO_THROW(doc = json::parse(r.out)) << what;
        check_attribution(doc, what);
      } else {
        EXPECT_NE(r.out.find("State"), std::string::npos) << what;
      }
      ++runs;
    }
  }
  stop_ = true;
  spawner_.join();
  long closes = g_closes->load();
  for (pid_t p : workers_) kill(p, SIGKILL);
  // The last closes reach -E: wait until its output has not grown for a second.
  size_t last = 0;
  auto changed = Clock::now();
  wait_until(
      [&] {
        size_t now = read_file(events_.path).size();
        if (now != last) last = now, changed = Clock::now();
        return Clock::now() - changed > std::chrono::seconds(1);
      },
      120000);
  Stopped ev = stop_background(events_, SIGTERM);
  int st = ev.wait_status;
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) << "-E ended early, status " << st;

  // Every -E line is a whole JSON object.
  const std::string& text = ev.out;
  size_t events = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line); ++events)
    ASSERT_TRUE(json::accept(line)) << "event line " << events << ": " << line;
  // Each closed connection destroys two sockets (more with TIME-WAIT); under a
  // multicast overrun some are lost, but never most of them.
  EXPECT_GE(events, static_cast<size_t>(closes) / 2)
      << closes << " connections closed, " << events << " -E events";
  // Each JSON run with -p sees the four workers' long-lived listeners.
  EXPECT_GE(checked_, kRounds * kWorkers) << "too few owners of churning processes were checked";
  std::printf(
      "churn: %d sockwatch runs, %ld closes, %d short-lived processes, %zu -E events, %d owners "
      "checked\n",
      runs, closes, spawned_.load(), events, checked_);
}

}  // namespace
}  // namespace sw::test
