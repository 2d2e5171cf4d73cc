// `sockwatch log` against the live kernel, in the private namespace netns_main.cpp
// entered: every short connection logged once (opened and closed exactly once),
// owners of connections shorter than a poll (eBPF, listener, or a stated reason),
// nothing lost on SIGTERM, whole lines after SIGKILL, real output valid against
// docs/schema, SIGHUP reopen, full disk / closed pipe, --all-netns as namespaces
// come and go, the filter, and usage errors.
//
// Every wait is a condition with a generous bound; polls are counted with health
// events (--health-interval 0.01 makes each tick after the first emit one), never
// timed. Each test uses its own listener ports, so TIME-WAIT remains of one test
// never count in another.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "netns_helpers.hpp"
#include "store/store.hpp"

namespace sw::test {
namespace {

using nlohmann::json;

constexpr int kLong = 300000;  // ms: bound for waits that ASan on a loaded machine may need

std::string temp_dir() {
  char d[] = "/tmp/sw_logt_XXXXXX";
  return mkdtemp(d) ? std::string(d) : std::string();
}

void remove_tree(const std::string& dir) {
  if (dir.empty()) return;
  std::string cmd = "rm -rf '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir.c_str());
}

// Exit code, or 128 + signal, as a shell says it.
int decode_status(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

// Waits (bounded) for child `pid` to end; its status as decode_status, -1 on timeout.
int reap(pid_t pid, int timeout_ms = kLong) {
  int st = 0, got = 0;
  bool ok = wait_until(
      [&] {
        got = waitpid(pid, &st, WNOHANG);
        return got == pid || got < 0;
      },
      timeout_ms);
  if (!ok || got != pid) return -1;
  return decode_status(st);
}

// `sockwatch log ARGS` in the background: stdout to a temp file (or `out_fd`),
// stderr to another. Killed with the test if the test dies.
struct LogProc {
  pid_t pid = -1;
  std::string out, err;
  int status = -1;  // decode_status once it ended
  LogProc() = default;
  LogProc(const LogProc&) = delete;
  LogProc& operator=(const LogProc&) = delete;
  ~LogProc() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (!out.empty()) unlink(out.c_str());
    if (!err.empty()) unlink(err.c_str());
  }
  // Sends `sig`, waits (bounded) for the end; the exit status, -1 if it hung.
  int stop(int sig) {
    if (pid <= 0) return status;
    kill(pid, sig);
    return wait_exit(kLong);
  }
  // Waits for it to end on its own; the status, -1 on timeout.
  int wait_exit(int timeout_ms) {
    if (pid <= 0) return status;
    int st = reap(pid, timeout_ms);
    if (st >= 0) {
      status = st;
      pid = -1;
    }
    return st;
  }
  std::string stderr_text() const { return read_file(err); }
};

std::unique_ptr<LogProc> start_log(const std::vector<std::string>& args, int out_fd = -1) {
  auto p = std::make_unique<LogProc>();
  char err_path[] = "/tmp/sw_logt_err_XXXXXX";
  int err_fd = mkstemp(err_path);
  p->err = err_path;
  int own_out = -1;
  if (out_fd < 0) {
    char out_path[] = "/tmp/sw_logt_out_XXXXXX";
    own_out = mkstemp(out_path);
    p->out = out_path;
    out_fd = own_out;
  }
  p->pid = fork();
  if (p->pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a killed test run
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    std::vector<std::string> copy = {"sockwatch", "log"};
    copy.insert(copy.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(SW_BINARY, argv.data());
    _exit(127);
  }
  close(err_fd);
  if (own_out >= 0) close(own_out);
  return p;
}

// Reads a growing NDJSON file: whole lines only (a line still being written
// waits for the next call). `bad` keeps whole lines that are not JSON.
class EventTail {
 public:
  explicit EventTail(std::string path) : path_(std::move(path)) {}
  const std::vector<json>& poll() {
    int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return events;
    char buf[65536];
    for (;;) {
      ssize_t n = pread(fd, buf, sizeof buf, static_cast<off_t>(offset_));
      if (n <= 0) break;
      offset_ += static_cast<size_t>(n);
      partial_.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    size_t from = 0;
    for (size_t nl; (nl = partial_.find('\n', from)) != std::string::npos; from = nl + 1) {
      std::string line = partial_.substr(from, nl - from);
      json j = json::parse(line, nullptr, false);
      if (j.is_discarded())
        bad.push_back(line);
      else
        events.push_back(std::move(j));
    }
    partial_.erase(0, from);
    return events;
  }
  const std::string& tail() const { return partial_; }
  std::vector<json> events;
  std::vector<std::string> bad;

 private:
  std::string path_;
  size_t offset_ = 0;
  std::string partial_;
};

// Every line of `text` ends with '\n' and is JSON; else a description of the
// first that is not.
std::string all_lines_whole(const std::string& text, std::vector<json>* out = nullptr) {
  size_t from = 0, number = 0;
  for (size_t nl; from < text.size(); from = nl + 1) {
    ++number;
    nl = text.find('\n', from);
    if (nl == std::string::npos)
      return "line " + std::to_string(number) + " has no newline: " + text.substr(from, 300);
    std::string line = text.substr(from, nl - from);
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded())
      return "line " + std::to_string(number) + " is not JSON: " + line.substr(0, 300);
    if (out) out->push_back(std::move(j));
  }
  return {};
}

std::string type_of(const json& e) { return e.value("type", ""); }

int port_of(const json& e, const char* side) {
  auto it = e.find(side);
  if (it == e.end() || !it->is_object()) return -1;
  auto p = it->find("port");
  return p != it->end() && p->is_number_integer() ? p->get<int>() : -1;
}

// The client side of a connection to `port` (its peer is the listener).
bool client_of(const json& e, int port) { return port_of(e, "peer") == port; }
// An accepted socket of the listener on `port` (not the listener itself).
bool server_of(const json& e, int port) {
  return port_of(e, "local") == port && port_of(e, "peer") > 0;
}
bool listener_open(const json& e, int port) {
  return type_of(e) == "open" && port_of(e, "local") == port && e.value("state", "") == "LISTEN";
}

size_t count(const std::vector<json>& evs, const std::function<bool(const json&)>& f) {
  size_t n = 0;
  for (const auto& e : evs) n += f(e) ? 1 : 0;
  return n;
}

bool wait_events(EventTail& t, const std::function<bool(const std::vector<json>&)>& done,
                 int timeout_ms = kLong) {
  return wait_until([&] { return done(t.poll()); }, timeout_ms);
}

// At least `k` more polls than now (each emits a health event with
// --health-interval 0.01).
bool wait_polls(EventTail& t, size_t k) {
  size_t n0 = count(t.poll(), [](const json& e) { return type_of(e) == "health"; });
  return wait_events(t, [&](const std::vector<json>& evs) {
    return count(evs, [](const json& e) { return type_of(e) == "health"; }) >= n0 + k;
  });
}

// Subscribed to the destroy groups and past its first poll (which logs the
// listener on `port` that the test opened before starting it).
::testing::AssertionResult ready(LogProc& p, EventTail& t, int port) {
  if (!wait_subscribed(p.pid, kLong))
    return ::testing::AssertionFailure() << "never subscribed; stderr: " << p.stderr_text();
  if (!wait_events(t, [&](const std::vector<json>& evs) {
        return count(evs, [&](const json& e) { return listener_open(e, port); }) > 0;
      }))
    return ::testing::AssertionFailure()
           << "no open event for the listener on " << port << "; stderr: " << p.stderr_text();
  return ::testing::AssertionSuccess();
}

int listener6(uint16_t port) {
  int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  sockaddr_in6 a = loopback6(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) || listen(fd, 128)) return -1;
  return fd;
}

int connect_to(uint16_t port, bool v6) {
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a4 = loopback4(port);
  sockaddr_in6 a6 = loopback6(port);
  int r = v6 ? connect(fd, reinterpret_cast<sockaddr*>(&a6), sizeof a6)
             : connect(fd, reinterpret_cast<sockaddr*>(&a4), sizeof a4);
  if (r != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A child process making `n` connections to `port` (n < 0: until killed), each:
// connect, send a byte, close, while it also accepts each on `listener`, reads
// the byte and closes. `reset`: close the client with SO_LINGER 0 (RST, no
// TIME-WAIT), so endless churn cannot run out of ephemeral ports.
pid_t spawn_connections(int listener, uint16_t port, int n, bool v6 = false, bool reset = false) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (int i = 0; n < 0 || i < n; ++i) {
    int c = connect_to(port, v6);
    if (c < 0) _exit(3);
    int a = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (a < 0) _exit(4);
    if (send(c, "x", 1, MSG_NOSIGNAL) != 1) _exit(5);
    if (reset) {
      linger l{1, 0};
      setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close(c);
    char b;
    if (recv(a, &b, 1, 0) != 1 && !reset) _exit(6);
    close(a);
  }
  _exit(0);
}

// A listener on 127.0.0.1:port with a backlog that holds a burst.
int listener4(uint16_t port) {
  int fd = tcp_listener(port);
  if (fd >= 0) listen(fd, 128);
  return fd;
}

std::string dump(const std::vector<json>& evs, const std::function<bool(const json&)>& f,
                 size_t max = 20) {
  std::string s;
  for (const auto& e : evs)
    if (f(e) && max-- > 0) s += e.dump() + "\n";
  return s;
}

// --- 1. Burst ---------------------------------------------------------------

TEST(LogBurst, ThousandShortConnectionsEachOpenedAndClosedOnce) {
  constexpr int kN = 1000;
  constexpr uint16_t kPort = 21001;
  int l = listener4(kPort);
  ASSERT_GE(l, 0);
  auto p = start_log({"-t", "--health-interval", "0.01"});
  EventTail t(p->out);
  ASSERT_TRUE(ready(*p, t, kPort));

  pid_t gen = spawn_connections(l, kPort, kN);
  ASSERT_EQ(reap(gen), 0) << "the generator failed";
  auto closes = [&](const std::vector<json>& evs, bool client) {
    return count(evs, [&](const json& e) {
      return type_of(e) == "close" && (client ? client_of(e, kPort) : server_of(e, kPort));
    });
  };
  bool reached = wait_events(t, [&](const std::vector<json>& evs) {
    return closes(evs, true) >= kN && closes(evs, false) >= kN;
  });
  EXPECT_TRUE(reached) << "client closes " << closes(t.events, true) << ", server closes "
                       << closes(t.events, false) << "\noverruns:\n"
                       << dump(t.events, [](const json& e) { return type_of(e) == "overrun"; });
  // Polls after the closes see the clients' TIME-WAIT remains (same cookies):
  // they must not open or close anything again.
  ASSERT_TRUE(wait_polls(t, 3));
  ASSERT_EQ(p->stop(SIGTERM), 0) << p->stderr_text();

  std::vector<json> evs;
  ASSERT_EQ(all_lines_whole(read_file(p->out), &evs), "");
  EXPECT_EQ(closes(evs, true), static_cast<size_t>(kN));
  EXPECT_EQ(closes(evs, false), static_cast<size_t>(kN));
  std::map<std::string, std::pair<int, int>> per_socket;  // socket_id -> opens, closes
  for (const auto& e : evs) {
    if (!client_of(e, kPort) && !server_of(e, kPort)) continue;
    auto& c = per_socket[e.value("socket_id", "")];
    if (type_of(e) == "open") ++c.first;
    if (type_of(e) == "close") ++c.second;
  }
  EXPECT_EQ(per_socket.size(), 2u * kN);
  int wrong = 0;
  for (const auto& [id, c] : per_socket) {
    if (c.first == 1 && c.second == 1) continue;
    if (++wrong <= 10)
      ADD_FAILURE() << id << ": " << c.first << " opens, " << c.second << " closes\n"
                    << dump(evs, [&](const json& e) { return e.value("socket_id", "") == id; });
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(count(evs, [](const json& e) { return type_of(e) == "overrun"; }), 0u);
  close(l);
}

// --- 2. Owners of connections shorter than a poll --------------------------

struct ShortRun {
  json client_close, server_close, health;
  std::string why_not;  // set when the scenario could not be made
};

// A child named "swlt-short" connects to the listener, closes and exits well
// inside one 5 s poll interval; the test process then accepts and closes the
// server side. Retried when a poll happened to see the connection alive (its
// open then comes from the poll, which is not the case under test).
ShortRun short_connection(uint16_t port, bool ebpf, pid_t& child_pid) {
  ShortRun r;
  int l = listener4(port);
  if (l < 0) {
    r.why_not = "listener";
    return r;
  }
  std::vector<std::string> args = {"-t", "--interval", "5"};
  if (!ebpf) args.push_back("--no-ebpf");
  auto p = start_log(args);
  EventTail t(p->out);
  if (auto ok = ready(*p, t, port); !ok) {
    r.why_not = ok.message();
    close(l);
    return r;
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) break;
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      close(l);  // the listener stays the test process's alone
      prctl(PR_SET_NAME, "swlt-short");
      int c = connect_to(port, false);
      if (c < 0) _exit(3);
      uint16_t cport = local_port(c);
      if (write(pfd[1], &cport, sizeof cport) != sizeof cport) _exit(4);
      if (send(c, "x", 1, MSG_NOSIGNAL) != 1) _exit(5);
      close(c);
      _exit(0);
    }
    close(pfd[1]);
    uint16_t cport = 0;
    bool got = read(pfd[0], &cport, sizeof cport) == sizeof cport;
    close(pfd[0]);
    int st = reap(pid);
    int a = accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
    char b;
    if (a >= 0) {
      (void)recv(a, &b, 1, 0);
      close(a);
    }
    if (!got || st != 0 || a < 0) {
      r.why_not = "the short-lived child failed";
      break;
    }
    child_pid = pid;
    auto is_client = [&](const json& e) {
      return port_of(e, "local") == cport && port_of(e, "peer") == port;
    };
    auto is_server = [&](const json& e) {
      return port_of(e, "local") == port && port_of(e, "peer") == cport;
    };
    bool both = wait_events(t, [&](const std::vector<json>& evs) {
      return count(evs, [&](const json& e) { return type_of(e) == "close" && is_client(e); }) &&
             count(evs, [&](const json& e) { return type_of(e) == "close" && is_server(e); });
    });
    if (!both) {
      r.why_not =
          "no close events for the short connection (client port " + std::to_string(cport) + ")";
      break;
    }
    bool polled = false;
    for (const auto& e : t.events) {
      if (type_of(e) == "open" && is_client(e)) polled = e.value("source", "") == "poll";
      if (type_of(e) == "close" && is_client(e)) r.client_close = e;
      if (type_of(e) == "close" && is_server(e)) r.server_close = e;
    }
    if (!polled) break;
    r.client_close = r.server_close = json();  // a poll saw it alive: try again
  }
  if (p->stop(SIGTERM) != 0) r.why_not += " sockwatch status " + std::to_string(p->status);
  std::vector<json> evs;
  if (std::string bad = all_lines_whole(read_file(p->out), &evs); !bad.empty()) r.why_not = bad;
  if (!evs.empty() && type_of(evs.back()) == "health") r.health = evs.back()["health"];
  if (r.client_close.is_null() && r.why_not.empty())
    r.why_not = "each of 3 attempts was seen alive by a poll";
  close(l);
  return r;
}

TEST(LogLive, ShortLivedProcessOwnerFromEbpf) {
  pid_t child = -1;
  ShortRun r = short_connection(21002, true, child);
  ASSERT_EQ(r.why_not, "");
  ASSERT_TRUE(r.health.is_object()) << "the last line was not a health event";
  if (!r.health.value("ebpf_loaded", false)) {
    // No eBPF here: then the engine must say why, and the close says why it
    // has no owner.
    ASSERT_TRUE(r.health["ebpf_reason"].is_string()) << r.health.dump();
    EXPECT_NE(r.health["ebpf_reason"].get<std::string>(), "") << r.health.dump();
    std::printf("eBPF did not load (%s): checked the stated reasons instead\n",
                r.health["ebpf_reason"].get<std::string>().c_str());
    EXPECT_TRUE(r.client_close["owner"].is_null()) << r.client_close.dump();
    EXPECT_NE(r.client_close.value("owner_reason", ""), "") << r.client_close.dump();
    return;
  }
  const json& o = r.client_close["owner"];
  ASSERT_TRUE(o.is_object()) << r.client_close.dump();
  EXPECT_EQ(o.value("pid", -1), child) << r.client_close.dump();
  EXPECT_EQ(o.value("comm", ""), "swlt-short") << r.client_close.dump();
  EXPECT_EQ(o.value("source", ""), "ebpf") << r.client_close.dump();
  EXPECT_EQ(r.client_close.value("direction", ""), "outbound") << r.client_close.dump();
  // The server side was closed by this process (eBPF saw the close, or the
  // listener's owner).
  ASSERT_TRUE(r.server_close["owner"].is_object()) << r.server_close.dump();
  EXPECT_EQ(r.server_close["owner"].value("pid", -1), getpid()) << r.server_close.dump();
  EXPECT_EQ(r.server_close.value("direction", ""), "inbound") << r.server_close.dump();
}

TEST(LogLive, ShortLivedProcessWithoutEbpf) {
  pid_t child = -1;
  ShortRun r = short_connection(21003, false, child);
  ASSERT_EQ(r.why_not, "");
  ASSERT_TRUE(r.health.is_object()) << "the last line was not a health event";
  EXPECT_FALSE(r.health.value("ebpf_loaded", true)) << r.health.dump();
  EXPECT_TRUE(r.health["ebpf_reason"].is_string()) << r.health.dump();
  EXPECT_TRUE(r.client_close["owner"].is_null()) << r.client_close.dump();
  EXPECT_EQ(r.client_close.value("owner_reason", ""), "closed before first poll")
      << r.client_close.dump();
  const json& o = r.server_close["owner"];
  ASSERT_TRUE(o.is_object()) << r.server_close.dump();
  EXPECT_EQ(o.value("pid", -1), getpid()) << r.server_close.dump();
  EXPECT_EQ(o.value("source", ""), "listener") << r.server_close.dump();
  EXPECT_EQ(r.server_close.value("direction", ""), "inbound") << r.server_close.dump();
}

// --- 3. SIGTERM loses nothing ------------------------------------------------

TEST(LogLive, SigtermRightAfterTrafficLosesNoClose) {
  constexpr int kN = 200;
  constexpr uint16_t kPort = 21004;
  int l = listener4(kPort);
  ASSERT_GE(l, 0);
  // 5 s between polls: the closes can only come from the destroy groups.
  auto p = start_log({"-t", "--interval", "5"});
  EventTail t(p->out);
  ASSERT_TRUE(ready(*p, t, kPort));
  pid_t gen = spawn_connections(l, kPort, kN);
  ASSERT_EQ(reap(gen), 0);
  ASSERT_EQ(p->stop(SIGTERM), 0) << p->stderr_text();
  std::vector<json> evs;
  ASSERT_EQ(all_lines_whole(read_file(p->out), &evs), "");
  ASSERT_FALSE(evs.empty());
  EXPECT_EQ(type_of(evs.back()), "health") << evs.back().dump();
  EXPECT_EQ(count(evs, [&](const json& e) { return type_of(e) == "close" && client_of(e, kPort); }),
            static_cast<size_t>(kN));
  EXPECT_EQ(count(evs, [&](const json& e) { return type_of(e) == "close" && server_of(e, kPort); }),
            static_cast<size_t>(kN));
  close(l);
}

// The same with a backlog: sockwatch is stopped (SIGSTOP) while the traffic
// queues up in its destroy socket and eBPF ring, and SIGTERM is already
// pending when it resumes; it must still log every close before it exits.
TEST(LogLive, SigtermWithABacklogLosesNoClose) {
  constexpr int kN = 200;
  constexpr uint16_t kPort = 21019;
  int l = listener4(kPort);
  ASSERT_GE(l, 0);
  auto p = start_log({"-t", "--interval", "5"});
  EventTail t(p->out);
  ASSERT_TRUE(ready(*p, t, kPort));
  ASSERT_EQ(kill(p->pid, SIGSTOP), 0);
  ASSERT_TRUE(wait_until([&] {
    return read_file("/proc/" + std::to_string(p->pid) + "/stat").find(") T ") != std::string::npos;
  }));
  pid_t gen = spawn_connections(l, kPort, kN);
  ASSERT_EQ(reap(gen), 0);
  ASSERT_EQ(kill(p->pid, SIGTERM), 0);
  ASSERT_EQ(kill(p->pid, SIGCONT), 0);
  ASSERT_EQ(p->wait_exit(kLong), 0) << p->stderr_text();
  std::vector<json> evs;
  ASSERT_EQ(all_lines_whole(read_file(p->out), &evs), "");
  ASSERT_FALSE(evs.empty());
  EXPECT_EQ(type_of(evs.back()), "health") << evs.back().dump();
  EXPECT_EQ(count(evs, [&](const json& e) { return type_of(e) == "close" && client_of(e, kPort); }),
            static_cast<size_t>(kN));
  EXPECT_EQ(count(evs, [&](const json& e) { return type_of(e) == "close" && server_of(e, kPort); }),
            static_cast<size_t>(kN));
  close(l);
}

// --- 4. SIGKILL mid-write ------------------------------------------------------

TEST(LogBurst, SigkillUnderChurnLeavesOnlyWholeLines) {
  constexpr uint16_t kPort = 21005;
  int l = listener4(kPort);
  ASSERT_GE(l, 0);
  std::string dir = temp_dir();
  std::string file = dir + "/events.ndjson";
  // Killed three times while it writes as fast as the churn makes events; each
  // run appends to the same file.
  for (int round = 0; round < 3; ++round) {
    struct stat st0 {};
    off_t size0 = stat(file.c_str(), &st0) == 0 ? st0.st_size : 0;
    auto p = start_log({"-t", "--interval", "0.05", "-o", file});
    ASSERT_TRUE(wait_subscribed(p->pid, kLong)) << p->stderr_text();
    pid_t gen = spawn_connections(l, kPort, -1, false, true);
    bool grew = wait_until(
        [&] {
          struct stat st {};
          return stat(file.c_str(), &st) == 0 && st.st_size > size0 + (256 << 10);
        },
        kLong);
    EXPECT_EQ(p->stop(SIGKILL), 128 + SIGKILL);
    kill(gen, SIGKILL);
    reap(gen);
    ASSERT_TRUE(grew) << "the log did not grow; stderr: " << p->stderr_text();
  }
  std::vector<json> evs;
  EXPECT_EQ(all_lines_whole(read_file(file), &evs), "");
  EXPECT_GT(count(evs, [&](const json& e) { return type_of(e) == "close"; }), 0u);
  remove_tree(dir);
  close(l);
}

// --- 5. Schema of real output ------------------------------------------------

// The fields the scenario needs, from a native or an ECS line.
struct Norm {
  std::string type, state, netid, family;
  int lport = -1, rport = -1;
};
Norm norm(const json& e, bool ecs) {
  Norm n;
  if (!ecs) {
    n.type = type_of(e);
    n.state = e.value("state", "");
    n.netid = e.value("netid", "");
    n.family = e.value("family", "");
    n.lport = port_of(e, "local");
    n.rport = port_of(e, "peer");
    return n;
  }
  const json& s = e.contains("sockwatch") ? e["sockwatch"] : json::object();
  n.type = s.value("type", "");
  n.state = s.value("state", "");
  n.netid = s.value("netid", "");
  n.family = s.value("family", "");
  // ECS names the initiator the source: the peer of an accepted socket.
  bool inbound = s.value("direction", "") == "inbound";
  int src = port_of(e, "source"), dst = port_of(e, "destination");
  n.lport = inbound ? dst : src;
  n.rport = inbound ? src : dst;
  return n;
}

int unix_listener(const std::string& path, bool abstract) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  size_t off = abstract ? 1 : 0;
  std::memcpy(a.sun_path + off, path.data(), path.size());
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + off + path.size());
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), len) || listen(fd, 8)) return -1;
  return fd;
}

int unix_connect(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a)) return -1;
  return fd;
}

int udp_socket(bool v6, uint16_t bind_port, uint16_t connect_port) {
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a4 = loopback4(bind_port);
  sockaddr_in6 a6 = loopback6(bind_port);
  if (bind_port && (v6 ? bind(fd, reinterpret_cast<sockaddr*>(&a6), sizeof a6)
                       : bind(fd, reinterpret_cast<sockaddr*>(&a4), sizeof a4)))
    return -1;
  a4 = loopback4(connect_port);
  a6 = loopback6(connect_port);
  if (connect_port && (v6 ? connect(fd, reinterpret_cast<sockaddr*>(&a6), sizeof a6)
                          : connect(fd, reinterpret_cast<sockaddr*>(&a4), sizeof a4)))
    return -1;
  return fd;
}

// Runs the validator on `file`; its output on failure.
::testing::AssertionResult validates(const std::string& schema, const std::string& file) {
  std::string cmd =
      std::string("python3 '") + SW_LOG_VALIDATOR + "' '" + schema + "' '" + file + "' 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return ::testing::AssertionFailure() << "popen failed";
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  int st = pclose(f);
  if (st == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << cmd << " (status " << st << "):\n" << out;
}

TEST(LogLive, RealOutputValidatesAgainstBothSchemas) {
  constexpr uint16_t kPort4 = 21006, kPort6 = 21007, kUdp4 = 21008, kUdp6 = 21009;
  std::string dir = temp_dir();
  std::string upath = dir + "/listener.sock";
  std::string abstract = "swlt-abstract-" + std::to_string(getpid());
  int l4 = listener4(kPort4), l6 = listener6(kPort6);
  int u4 = udp_socket(false, kUdp4, 0), u6 = udp_socket(true, kUdp6, 0);
  int ul = unix_listener(upath, false), ua = unix_listener(abstract, true);
  ASSERT_TRUE(l4 >= 0 && l6 >= 0 && u4 >= 0 && u6 >= 0 && ul >= 0 && ua >= 0);
  std::vector<std::string> args = {"-t",  "-u", "-x", "--interval", "0.2", "--health-interval",
                                   "0.01"};
  auto native = start_log(args);
  args.push_back("--ecs");
  auto ecs = start_log(args);
  EventTail tn(native->out), te(ecs->out);
  // Both past their first poll: each logged the TCP listeners.
  auto wait_both = [&](const std::function<bool(const Norm&)>& f, size_t at_least = 1) {
    return wait_events(tn,
                       [&](const std::vector<json>& evs) {
                         return count(evs, [&](const json& e) { return f(norm(e, false)); }) >=
                                at_least;
                       }) &&
           wait_events(te, [&](const std::vector<json>& evs) {
             return count(evs, [&](const json& e) { return f(norm(e, true)); }) >= at_least;
           });
  };
  ASSERT_TRUE(wait_subscribed(native->pid, kLong) && wait_subscribed(ecs->pid, kLong));
  ASSERT_TRUE(wait_both([&](const Norm& n) {
    return n.type == "open" && n.state == "LISTEN" && n.lport == kPort6;
  })) << native->stderr_text()
      << ecs->stderr_text();

  for (bool v6 : {false, true}) {
    uint16_t port = v6 ? kPort6 : kPort4;
    int c = connect_to(port, v6);
    ASSERT_GE(c, 0);
    int a = accept4(v6 ? l6 : l4, nullptr, nullptr, SOCK_CLOEXEC);
    ASSERT_GE(a, 0);
    int cport = local_port(c);
    if (v6) {
      sockaddr_in6 s{};
      socklen_t len = sizeof s;
      getsockname(c, reinterpret_cast<sockaddr*>(&s), &len);
      cport = ntohs(s.sin6_port);
    }
    ASSERT_TRUE(wait_both(
        [&](const Norm& n) { return n.type == "open" && n.lport == cport && n.rport == port; }));
    // Half-close: FIN-WAIT-2 and CLOSE-WAIT, seen by the next poll.
    shutdown(c, SHUT_WR);
    ASSERT_TRUE(wait_both([&](const Norm& n) { return n.type == "state" && n.lport == cport; }));
    close(c);
    close(a);
    ASSERT_TRUE(wait_both(
        [&](const Norm& n) { return n.type == "close" && n.lport == port && n.rport == cport; }));
    int u = udp_socket(v6, 0, v6 ? kUdp6 : kUdp4);
    ASSERT_GE(u, 0);
    ASSERT_TRUE(wait_both([&](const Norm& n) {
      return n.type == "open" && n.netid == "udp" && n.rport == (v6 ? kUdp6 : kUdp4);
    }));
    close(u);
    ASSERT_TRUE(wait_both([&](const Norm& n) {
      return n.type == "close" && n.netid == "udp" && n.rport == (v6 ? kUdp6 : kUdp4);
    }));
  }
  // Unix: a connection to a named listener and an unbound datagram pair.
  int uc = unix_connect(upath);
  ASSERT_GE(uc, 0);
  int uacc = accept4(ul, nullptr, nullptr, SOCK_CLOEXEC);
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), 0);
  ASSERT_TRUE(wait_both([](const Norm& n) { return n.type == "open" && n.netid == "u_dgr"; }, 2));
  ASSERT_TRUE(wait_both([](const Norm& n) { return n.type == "open" && n.netid == "u_str"; }, 4));
  close(uc);
  close(uacc);
  close(pair[0]);
  close(pair[1]);
  ASSERT_TRUE(wait_both([](const Norm& n) { return n.type == "close" && n.netid == "u_dgr"; }, 2));
  ASSERT_TRUE(wait_both([](const Norm& n) { return n.type == "close" && n.netid == "u_str"; }, 2));
  ASSERT_TRUE(wait_both([](const Norm& n) { return n.type == "health"; }));
  ASSERT_EQ(native->stop(SIGTERM), 0) << native->stderr_text();
  ASSERT_EQ(ecs->stop(SIGTERM), 0) << ecs->stderr_text();

  for (bool is_ecs : {false, true}) {
    const LogProc& p = is_ecs ? *ecs : *native;
    std::vector<json> evs;
    ASSERT_EQ(all_lines_whole(read_file(p.out), &evs), "");
    std::set<std::string> types, families;
    for (const auto& e : evs) {
      Norm n = norm(e, is_ecs);
      types.insert(n.type);
      if (!n.family.empty()) families.insert(n.family);
    }
    EXPECT_EQ(types, (std::set<std::string>{"open", "state", "close", "health"}));
    EXPECT_EQ(families, (std::set<std::string>{"inet", "inet6", "unix"}));
    std::string schema = std::string(SW_SCHEMA_DIR) +
                         (is_ecs ? "/log-event-ecs.schema.json" : "/log-event.schema.json");
    EXPECT_TRUE(validates(schema, p.out));
  }
  for (int fd : {l4, l6, u4, u6, ul, ua}) close(fd);
  remove_tree(dir);
}

// --- 6. SIGHUP reopen ----------------------------------------------------------

TEST(LogLive, SighupReopensTheFileByName) {
  constexpr int kN = 20;
  constexpr uint16_t kBefore = 21010, kAfter = 21011;
  int la = listener4(kBefore), lb = listener4(kAfter);
  ASSERT_TRUE(la >= 0 && lb >= 0);
  std::string dir = temp_dir();
  std::string file = dir + "/events.ndjson", old = file + ".old";
  auto p = start_log({"-t", "--interval", "0.2", "-o", file});
  EventTail t(file);
  ASSERT_TRUE(ready(*p, t, kAfter));
  auto client_closes = [](const std::vector<json>& evs, int port) {
    return count(evs, [&](const json& e) { return type_of(e) == "close" && client_of(e, port); });
  };
  ASSERT_EQ(reap(spawn_connections(la, kBefore, kN)), 0);
  ASSERT_TRUE(wait_events(
      t, [&](const std::vector<json>& evs) { return client_closes(evs, kBefore) >= kN; }));
  ASSERT_EQ(rename(file.c_str(), old.c_str()), 0);
  // Once kill() returns the signal is pending: sockwatch runs the handler
  // before it handles anything that comes after.
  ASSERT_EQ(kill(p->pid, SIGHUP), 0);
  ASSERT_EQ(reap(spawn_connections(lb, kAfter, kN)), 0);
  EventTail fresh(file);
  EXPECT_TRUE(wait_events(
      fresh, [&](const std::vector<json>& evs) { return client_closes(evs, kAfter) >= kN; }))
      << "new file: " << read_file(file).size() << " bytes; stderr: " << p->stderr_text();
  ASSERT_EQ(p->stop(SIGTERM), 0) << p->stderr_text();

  std::vector<json> before, after;
  ASSERT_EQ(all_lines_whole(read_file(old), &before), "");
  ASSERT_EQ(all_lines_whole(read_file(file), &after), "");
  EXPECT_EQ(client_closes(before, kBefore), static_cast<size_t>(kN));
  EXPECT_EQ(client_closes(before, kAfter), 0u);
  EXPECT_EQ(client_closes(after, kAfter), static_cast<size_t>(kN));
  EXPECT_EQ(client_closes(after, kBefore), 0u);
  EXPECT_EQ(count(before, [&](const json& e) { return server_of(e, kAfter); }), 0u);
  EXPECT_FALSE(after.empty() || type_of(after.back()) != "health");
  remove_tree(dir);
  close(la);
  close(lb);
}

// --- 7. Full disk, closed pipe, /dev/full -------------------------------------

TEST(LogLive, FullDiskExitsOneNamingTheFile) {
  constexpr uint16_t kPort = 21012;
  int l = listener4(kPort);
  ASSERT_GE(l, 0);
  std::string dir = temp_dir();
  std::string mnt = dir + "/tiny", file = mnt + "/events.ndjson", copy = dir + "/copy.ndjson";
  std::string err = dir + "/stderr";
  ASSERT_EQ(mkdir(mnt.c_str(), 0700), 0);
  int pfd[2];
  ASSERT_EQ(pipe2(pfd, O_CLOEXEC), 0);
  // A child in a mount namespace of its own mounts a 16 KiB tmpfs (gone with
  // it, whatever happens), runs sockwatch writing there, and copies the file
  // out once sockwatch has ended.
  pid_t holder = fork();
  if (holder == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (unshare(CLONE_NEWNS) || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) ||
        mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=16k,mode=0700"))
      _exit(90);
    int efd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_t sw = fork();
    if (sw == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      dup2(efd, 2);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      std::vector<std::string> a = {"sockwatch", "log", "-t", "--interval", "0.05", "-o", file};
      std::vector<char*> argv;
      for (auto& s : a) argv.push_back(s.data());
      argv.push_back(nullptr);
      execv(SW_BINARY, argv.data());
      _exit(127);
    }
    if (write(pfd[1], &sw, sizeof sw) != sizeof sw) _exit(91);
    int st = 0;
    waitpid(sw, &st, 0);
    std::string text = read_file(file);
    int cfd = open(copy.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (cfd < 0 || write(cfd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      _exit(92);
    close(cfd);
    _exit(decode_status(st));
  }
  close(pfd[1]);
  pid_t sw = -1;
  ASSERT_EQ(read(pfd[0], &sw, sizeof sw), static_cast<ssize_t>(sizeof sw)) << "holder failed";
  close(pfd[0]);
  ASSERT_TRUE(wait_subscribed(sw, kLong)) << read_file(err);
  pid_t gen = spawn_connections(l, kPort, -1, false, true);
  int st = reap(holder);
  kill(gen, SIGKILL);
  reap(gen);
  EXPECT_EQ(st, 1) << read_file(err);
  std::string msg = read_file(err);
  EXPECT_NE(msg.find(file), std::string::npos) << msg;
  EXPECT_NE(msg.find("No space left on device"), std::string::npos) << msg;
  // What fitted is whole lines: a line the disk cut is cut off again.
  std::vector<json> evs;
  EXPECT_EQ(all_lines_whole(read_file(copy), &evs), "");
  EXPECT_GT(evs.size(), 0u);
  remove_tree(dir);
  close(l);
}

TEST(LogLive, ReaderClosingThePipeEndsQuietly) {
  constexpr uint16_t kPort = 21013;
  int l = listener4(kPort);
  ASSERT_GE(l, 0);
  int pfd[2];
  ASSERT_EQ(pipe2(pfd, O_CLOEXEC), 0);
  auto p = start_log({"-t", "--interval", "0.05", "--no-ebpf"}, pfd[1]);
  close(pfd[1]);
  // Read the first line (the listener's open), then go away.
  std::string got;
  bool line = wait_until(
      [&] {
        pollfd pf{pfd[0], POLLIN, 0};
        if (::poll(&pf, 1, 0) == 1) {
          char b[4096];
          ssize_t n = read(pfd[0], b, sizeof b);
          if (n > 0) got.append(b, static_cast<size_t>(n));
          if (n == 0) return true;
        }
        return got.find('\n') != std::string::npos;
      },
      kLong);
  ASSERT_TRUE(line) << p->stderr_text();
  close(pfd[0]);
  pid_t gen = spawn_connections(l, kPort, -1, false, true);
  int st = p->wait_exit(kLong);
  kill(gen, SIGKILL);
  reap(gen);
  EXPECT_EQ(st, 0);
  EXPECT_EQ(p->stderr_text(), "");
  close(l);
}

TEST(LogLive, DevFullExitsOne) {
  constexpr uint16_t kPort = 21014;
  int l = listener4(kPort);  // the first poll's event is the first write
  ASSERT_GE(l, 0);
  auto p = start_log({"-t", "--interval", "0.1", "-o", "/dev/full"});
  EXPECT_EQ(p->wait_exit(kLong), 1);
  std::string msg = p->stderr_text();
  EXPECT_NE(msg.find("/dev/full"), std::string::npos) << msg;
  EXPECT_NE(msg.find("No space left on device"), std::string::npos) << msg;
  close(l);
}

// --- 8. --all-netns as namespaces come and go -----------------------------------

int run_ip(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<std::string> a = {"ip"};
    a.insert(a.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : a) argv.push_back(s.data());
    argv.push_back(nullptr);
    execvp("ip", argv.data());
    _exit(127);
  }
  return reap(pid, 60000);
}

// A named namespace for the test; deleted (after its processes) whatever happens.
struct NamedNetns {
  std::string name;
  pid_t holder = -1;
  bool exists = false;
  explicit NamedNetns(std::string n) : name(std::move(n)) {}
  ~NamedNetns() {
    kill_holder();
    if (exists) run_ip({"netns", "del", name});
  }
  int add() {
    int st = run_ip({"netns", "add", name});
    exists = st == 0;
    return st;
  }
  int del() {
    int st = run_ip({"netns", "del", name});
    if (st == 0) exists = false;
    return st;
  }
  void kill_holder() {
    if (holder > 0) {
      kill(holder, SIGKILL);
      reap(holder, 60000);
      holder = -1;
    }
  }
};

TEST(LogLive, AllNetnsFollowsNamespacesThatComeAndGo) {
  constexpr uint16_t kHome = 21015, kThere = 21016;
  int home = listener4(kHome);
  ASSERT_GE(home, 0);
  auto p = start_log({"--all-netns", "-t", "--interval", "0.2"});
  EventTail t(p->out);
  ASSERT_TRUE(ready(*p, t, kHome));

  NamedNetns ns("swlt" + std::to_string(getpid()));
  ASSERT_EQ(ns.add(), 0);
  ASSERT_EQ(run_ip({"-n", ns.name, "link", "set", "lo", "up"}), 0);
  std::string path = "/run/netns/" + ns.name;
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  auto inode = static_cast<uint64_t>(st.st_ino);
  int pfd[2];
  ASSERT_EQ(pipe2(pfd, O_CLOEXEC), 0);
  ns.holder = fork();
  if (ns.holder == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET)) _exit(2);
    int l = listener4(kThere);
    int c = connect_to(kThere, false);
    int a = accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
    if (l < 0 || c < 0 || a < 0 || write(pfd[1], "r", 1) != 1) _exit(3);
    for (;;) pause();
  }
  close(pfd[1]);
  char r = 0;
  ASSERT_EQ(read(pfd[0], &r, 1), 1) << "the holder could not open its sockets";
  close(pfd[0]);
  auto in_ns = [&](const json& e) { return e.value("netns", uint64_t{0}) == inode; };
  auto opened = [&](const std::vector<json>& evs, const std::function<bool(const json&)>& f) {
    return count(evs, [&](const json& e) { return type_of(e) == "open" && in_ns(e) && f(e); });
  };
  ASSERT_TRUE(
      wait_events(t,
                  [&](const std::vector<json>& evs) {
                    return opened(evs, [&](const json& e) { return listener_open(e, kThere); }) &&
                           opened(evs, [&](const json& e) { return client_of(e, kThere); }) &&
                           opened(evs, [&](const json& e) { return server_of(e, kThere); });
                  }))
      << "events of netns " << inode << ":\n"
      << dump(t.events, in_ns) << "stderr: " << p->stderr_text();
  for (const auto& e : t.events) {
    if (in_ns(e)) {
      EXPECT_EQ(e.value("netns_name", json()), json(ns.name)) << e.dump();
    }
  }

  ns.kill_holder();
  ASSERT_EQ(ns.del(), 0);
  // Every socket seen in that namespace is closed.
  auto unclosed = [&](const std::vector<json>& evs) {
    std::map<std::string, int> open;
    for (const auto& e : evs) {
      if (!in_ns(e)) continue;
      if (type_of(e) == "open") ++open[e.value("socket_id", "")];
      if (type_of(e) == "close") --open[e.value("socket_id", "")];
    }
    std::vector<std::string> ids;
    for (const auto& [id, n] : open)
      if (n != 0) ids.push_back(id);
    return ids;
  };
  EXPECT_TRUE(wait_events(t, [&](const std::vector<json>& evs) { return unclosed(evs).empty(); }))
      << "not closed: " << ::testing::PrintToString(unclosed(t.events)) << "\n"
      << dump(t.events, in_ns);
  // The engine goes on in the namespaces that remain.
  ASSERT_EQ(reap(spawn_connections(home, kHome, 1)), 0);
  EXPECT_TRUE(wait_events(t, [&](const std::vector<json>& evs) {
    return count(evs, [&](const json& e) { return type_of(e) == "close" && client_of(e, kHome); });
  }));
  ASSERT_EQ(p->stop(SIGTERM), 0) << p->stderr_text();
  EXPECT_EQ(all_lines_whole(read_file(p->out)), "");
  close(home);
}

// --- 9. Filter -------------------------------------------------------------------

TEST(LogLive, FilterLogsOnlyMatchingConnections) {
  constexpr int kN = 10;
  constexpr uint16_t kWanted = 21017, kOther = 21018;
  int lw = listener4(kWanted), lo = listener4(kOther);
  ASSERT_TRUE(lw >= 0 && lo >= 0);
  // A connection that lasts the whole run: its open marks the first poll.
  int keep = connect_to(kWanted, false);
  ASSERT_GE(keep, 0);
  int keep_a = accept4(lw, nullptr, nullptr, SOCK_CLOEXEC);
  auto p = start_log({"-t", "--interval", "0.2", "--health-interval", "0.01",
                      "dport = :" + std::to_string(kWanted)});
  EventTail t(p->out);
  ASSERT_TRUE(wait_subscribed(p->pid, kLong)) << p->stderr_text();
  int keep_port = local_port(keep);
  ASSERT_TRUE(wait_events(t, [&](const std::vector<json>& evs) {
    return count(evs, [&](const json& e) {
      return type_of(e) == "open" && port_of(e, "local") == keep_port;
    });
  })) << p->stderr_text();
  ASSERT_EQ(reap(spawn_connections(lo, kOther, kN)), 0);
  ASSERT_EQ(reap(spawn_connections(lw, kWanted, kN)), 0);
  ASSERT_TRUE(wait_events(t, [&](const std::vector<json>& evs) {
    return count(evs, [&](const json& e) {
             return type_of(e) == "close" && client_of(e, kWanted);
           }) >= kN;
  }));
  ASSERT_TRUE(wait_polls(t, 3));  // anything a poll would add for the other port
  ASSERT_EQ(p->stop(SIGTERM), 0) << p->stderr_text();
  std::vector<json> evs;
  ASSERT_EQ(all_lines_whole(read_file(p->out), &evs), "");
  auto socket_event = [](const json& e) {
    std::string ty = type_of(e);
    return ty == "open" || ty == "state" || ty == "close";
  };
  EXPECT_EQ(count(evs, [&](const json& e) { return socket_event(e) && !client_of(e, kWanted); }),
            0u)
      << dump(evs, [&](const json& e) { return socket_event(e) && !client_of(e, kWanted); });
  EXPECT_EQ(
      count(evs, [&](const json& e) { return type_of(e) == "close" && client_of(e, kWanted); }),
      static_cast<size_t>(kN));
  for (int fd : {keep, keep_a, lw, lo}) close(fd);
}

// --- 10. Bad input -----------------------------------------------------------------

// Runs sockwatch log ARGS, which must end by itself (bounded).
RunResult run_log_bounded(const std::vector<std::string>& args) {
  auto p = start_log(args);
  RunResult r;
  r.status = p->wait_exit(60000);
  if (r.status < 0) r.status = p->stop(SIGKILL);
  r.out = read_file(p->out);
  r.err = p->stderr_text();
  return r;
}

TEST(LogLive, UsageErrorsExitTwo) {
  RunResult r = run_log_bounded({"--no-such-option"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown option --no-such-option"), std::string::npos) << r.err;
  for (const char* bad : {"0", "abc", "-1", ""}) {
    r = run_log_bounded({"--interval", bad});
    EXPECT_EQ(r.status, 2) << "--interval '" << bad << "'";
    EXPECT_NE(r.err.find("--interval"), std::string::npos) << r.err;
  }
  r = run_log_bounded({"-t", "sport", "=", ":80", "and", "("});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("sockwatch: filter: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\n  sport = :80 and (\n                   ^\n"), std::string::npos)
      << r.err;
  r = run_log_bounded({"-t", "dport", "=", ":nosuchservice"});
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("^^^"), std::string::npos) << r.err;
  r = run_log_bounded({"--rotate-size", "10M"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--rotate-size needs --output"), std::string::npos) << r.err;
  r = run_log_bounded({"--rotate-size", "10Q", "-o", "/tmp/sw_logt_never"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(access("/tmp/sw_logt_never", F_OK), 0) << "a usage error created the file";
  for (const RunResult* x : {&r}) EXPECT_EQ(x->out, "");
}

// log --db: the events of each tick land in a real SQLite file (the store
// `check` asks "has this program ever talked to this peer"); SIGTERM leaves
// the last of them committed too.
TEST(LogLive, DbHoldsTheEventsAfterSigterm) {
  constexpr uint16_t kPort = 21090;
  std::string dir = temp_dir();
  std::string db = dir + "/events.db";
  int l = listener4(kPort);
  ASSERT_GE(l, 0);
  auto p = start_log({"-t", "--db", db});
  EventTail t(p->out);
  ASSERT_TRUE(ready(*p, t, kPort));
  // A connection this process holds until a poll has seen it with its owner.
  int c = connect_to(kPort, false);
  ASSERT_GE(c, 0);
  int a = accept(l, nullptr, nullptr);
  ASSERT_GE(a, 0);
  ASSERT_TRUE(wait_events(t, [&](const std::vector<json>& evs) {
    return count(evs, [&](const json& e) { return type_of(e) == "open" && client_of(e, kPort); }) >=
           1;
  }));
  close(c);
  close(a);
  ASSERT_TRUE(wait_events(t, [&](const std::vector<json>& evs) {
    return count(evs,
                 [&](const json& e) { return type_of(e) == "close" && client_of(e, kPort); }) >= 1;
  }));
  ASSERT_EQ(p->stop(SIGTERM), 0) << p->stderr_text();
  auto store = Store::open(db);
  ASSERT_TRUE(store) << store.error().message;
  std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  // This binary talked out to the listener's port (and accepted it: inbound too).
  auto talked = (*store)->has_talked(exe, "127.0.0.1", kPort);
  ASSERT_TRUE(talked) << talked.error().message;
  EXPECT_TRUE(*talked);
  auto other = (*store)->has_talked(exe, "127.0.0.1", kPort + 1);
  ASSERT_TRUE(other);
  EXPECT_FALSE(*other);
  close(l);
  remove_tree(dir);
}

// A database that cannot be opened stops log before it starts, naming it.
TEST(LogLive, DbThatIsNotADatabaseExitsOne) {
  std::string dir = temp_dir();
  std::string db = dir + "/notes.db";
  FILE* f = std::fopen(db.c_str(), "w");
  ASSERT_TRUE(f);
  std::fputs("this is not a database\n", f);
  std::fclose(f);
  auto r = run_sockwatch({"log", "--db", db});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(db), std::string::npos) << r.err;
  remove_tree(dir);
}

}  // namespace
}  // namespace sw::test
