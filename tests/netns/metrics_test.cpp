// `sockwatch metrics` against the live kernel in this test's private
// namespace: a known population (listeners, established loopback
// connections, connections waiting in an accept queue) counted on stdout;
// the exposition passes Debian's `promtool check metrics`; --textfile is
// always whole while it is rewritten and leaves no temp file after SIGTERM;
// --listen is scraped by a real Prometheus server whose PromQL answer matches
// the population; a busy port and --all-netns's namespace labels.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "netns_helpers.hpp"

namespace sw::test {
namespace {

namespace fs = std::filesystem;

constexpr int kListeners = 5;  // on 127.0.0.1:7201..7205
constexpr int kAccepted = 7;   // connections accepted by the first listener
constexpr int kQueued = 3;     // connections left in the second listener's accept queue
constexpr int kBacklog = 16;   // tcp_listener's backlog
constexpr uint16_t kFirstPort = 7201;

std::string self_exe_name() { return fs::read_symlink("/proc/self/exe").filename().string(); }

// Sample line "name{labels} value" -> value, for every sample of the text.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.rfind(' ');
    out[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
  }
  return out;
}

// A program in the background with stdout and stderr in one file (`log`).
struct Proc {
  pid_t pid = -1;
  std::string log;
};

Proc spawn(const std::vector<std::string>& argv, const std::string& log) {
  Proc p;
  p.log = log;
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  p.pid = fork();
  if (p.pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a killed test run
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<std::string> copy = argv;
    std::vector<char*> args;
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  ::close(fd);
  return p;
}

// Sends `sig` and reaps; the exit status (128 + signal when killed).
int stop(Proc& p, int sig) {
  if (p.pid <= 0) return -1;
  kill(p.pid, sig);
  int st = 0;
  waitpid(p.pid, &st, 0);
  p.pid = -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

bool exited(const Proc& p) {
  int st = 0;
  return p.pid <= 0 || waitpid(p.pid, &st, WNOHANG) == p.pid;
}

// One HTTP/1.0 GET on loopback; the body, or "" when it failed.
std::string http_get(uint16_t port, const std::string& path, const std::string& accept = "") {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback4(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return {};
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n";
  if (!accept.empty()) req += "Accept: " + accept + "\r\n";
  req += "\r\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return {};
  }
  std::string resp;
  char buf[65536];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) resp.append(buf, static_cast<size_t>(n));
  close(fd);
  size_t body = resp.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : resp.substr(body + 4);
}

std::string headers_of(uint16_t port, const std::string& path, const std::string& accept) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback4(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return {};
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nAccept: " + accept + "\r\n\r\n";
  ssize_t w = write(fd, req.data(), req.size());
  (void)w;
  std::string resp;
  char buf[65536];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) resp.append(buf, static_cast<size_t>(n));
  close(fd);
  return resp;
}

bool have(const char* path) { return access(path, X_OK) == 0; }

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '_' || c == '-' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}

class MetricsLive : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < kListeners; ++i) {
      int fd = tcp_listener(static_cast<uint16_t>(kFirstPort + i));
      ASSERT_GE(fd, 0);
      listeners_.push_back(fd);
    }
    for (int i = 0; i < kAccepted; ++i) {
      int c = tcp_connect(kFirstPort);
      ASSERT_GE(c, 0);
      int s = accept_one(listeners_[0]);
      ASSERT_GE(s, 0);
      conns_.push_back(c);
      conns_.push_back(s);
    }
    for (int i = 0; i < kQueued; ++i) {
      int c = tcp_connect(kFirstPort + 1);  // never accepted: waits in the queue
      ASSERT_GE(c, 0);
      conns_.push_back(c);
    }
    char tmpl[] = "/tmp/swmet_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    for (int fd : conns_) close(fd);
    for (int fd : listeners_) close(fd);
    fs::remove_all(dir_);
  }

  // The expected value of every series the population decides.
  // `extra`: established sockets of the scrape's own HTTP connection (both ends).
  void expect_population(const std::map<std::string, double>& s, int extra = 0) {
    auto at = [&](const std::string& k) {
      auto it = s.find(k);
      return it == s.end() ? -1.0 : it->second;
    };
    std::string exe = self_exe_name();
    // Both ends of each connection, the queued ones included.
    int established = 2 * (kAccepted + kQueued) + extra;
    EXPECT_EQ(at(R"(sockwatch_sockets{netns="",family="inet",protocol="tcp",state="listen"})"),
              kListeners);
    EXPECT_EQ(at(R"(sockwatch_sockets{netns="",family="inet",protocol="tcp",state="established"})"),
              established);
    EXPECT_EQ(at(R"(sockwatch_listeners{netns="",protocol="tcp",exposure="loopback",exe=")" + exe +
                 "\"}"),
              kListeners);
    std::string l2 = R"({netns="",protocol="tcp",local="127.0.0.1:7202",exe=")" + exe + "\"}";
    EXPECT_EQ(at("sockwatch_listener_accept_queue" + l2), kQueued);
    EXPECT_EQ(at("sockwatch_listener_accept_queue_limit" + l2), kBacklog);
    EXPECT_EQ(at(R"(sockwatch_peer_connections{netns="",peer="127.0.0.1"})"), established);
    EXPECT_EQ(at(R"(sockwatch_peer_connections{netns="",peer="other"})"), 0);
    // Every socket with an inode has its owner here; the queued server ends
    // have no inode until accept() gives them one, so they are not unknown.
    EXPECT_EQ(at(R"(sockwatch_sockets_owner_unknown{netns="",protocol="tcp"})"), 0);
    EXPECT_EQ(at("sockwatch_scrape_errors_total"), 0);
  }

  std::vector<int> listeners_, conns_;
  std::string dir_;
};

TEST_F(MetricsLive, StdoutCountsThePopulation) {
  auto r = run_sockwatch({"metrics", "--this-netns"});
  ASSERT_EQ(r.status, 0) << r.err;
  expect_population(samples(r.out));
  EXPECT_NE(r.out.find("# TYPE sockwatch_findings gauge"), std::string::npos);
  EXPECT_EQ(r.out.find("# EOF"), std::string::npos);
}

TEST_F(MetricsLive, PromtoolAcceptsTheExposition) {
  if (!have("/usr/bin/promtool"))
    GTEST_SKIP() << "promtool or prometheus missing (bash scripts/deps.sh --test installs them)";
  auto r = run_sockwatch({"metrics", "--this-netns"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string file = dir_ + "/out.prom";
  std::ofstream(file) << r.out;
  std::string cmd = "/usr/bin/promtool check metrics < " + file + " > " + dir_ + "/lint 2>&1";
  int st = std::system(cmd.c_str());
  EXPECT_EQ(st, 0) << read_file(dir_ + "/lint") << "\n" << r.out;
}

TEST_F(MetricsLive, TextfileIsAlwaysWholeAndNoTempFileStays) {
  // One shot first.
  auto once = run_sockwatch({"metrics", "--this-netns", "--no-findings", "--textfile", dir_});
  ASSERT_EQ(once.status, 0) << once.err;
  std::string prom = dir_ + "/sockwatch.prom";
  expect_population(samples(read_file(prom)));

  // Rewritten every 0.1 s: every read sees a whole file (it ends with the
  // last family's sample), across many renames.
  Proc p = spawn({SW_BINARY, "metrics", "--this-netns", "--no-findings", "--textfile", dir_,
                  "--interval", "0.1"},
                 dir_ + "/../swmet_textfile.log");
  const std::string last =
      "sockwatch_series_dropped_total{metric=\"sockwatch_listener_accept_queue\"} 0\n";
  std::set<ino_t> versions;
  int reads = 0;
  bool ok = wait_until(
      [&] {
        struct stat st {};
        if (stat(prom.c_str(), &st) == 0) versions.insert(st.st_ino);
        std::string text = read_file(prom);
        ++reads;
        EXPECT_TRUE(text.size() >= last.size() &&
                    text.compare(text.size() - last.size(), last.size(), last) == 0)
            << "a partial file after " << reads << " reads:\n"
            << text;
        EXPECT_EQ(text.rfind("# HELP sockwatch_sockets ", 0), 0u);
        return versions.size() >= 10 || exited(p);
      },
      120000);
  EXPECT_TRUE(ok) << versions.size() << " versions seen";
  EXPECT_EQ(stop(p, SIGTERM), 0) << read_file(p.log);
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir_)) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"sockwatch.prom"});
  fs::remove(p.log);
}

TEST_F(MetricsLive, ListenServesBothFormatsAndStopsOnSigterm) {
  Proc p =
      spawn({SW_BINARY, "metrics", "--this-netns", "--listen", ":19567"}, dir_ + "/listen.log");
  std::string body;
  ASSERT_TRUE(wait_until(
      [&] {
        body = http_get(19567, "/metrics");
        return !body.empty() || exited(p);
      },
      60000));
  ASSERT_FALSE(body.empty()) << read_file(p.log);
  // sockwatch's own listener is one more; this request's connection two more established.
  auto got = samples(body);
  got[R"(sockwatch_sockets{netns="",family="inet",protocol="tcp",state="listen"})"] -= 1;
  expect_population(got, 2);
  std::string om = headers_of(19567, "/metrics", "application/openmetrics-text;version=1.0.0");
  EXPECT_NE(om.find("Content-Type: application/openmetrics-text; version=1.0.0"), std::string::npos)
      << om.substr(0, 300);
  EXPECT_NE(om.find("# TYPE sockwatch_scrapes counter\n"), std::string::npos);
  ASSERT_GE(om.size(), 6u);
  EXPECT_EQ(om.substr(om.size() - 6), "# EOF\n");
  // The counter goes on across scrapes.
  EXPECT_GE(samples(http_get(19567, "/metrics"))["sockwatch_scrapes_total"], 3);
  EXPECT_EQ(stop(p, SIGTERM), 0) << read_file(p.log);
}

TEST_F(MetricsLive, BusyPortExitsOneNamingTheAddress) {
  int busy = tcp_listener(19568);
  ASSERT_GE(busy, 0);
  auto r =
      run_sockwatch({"metrics", "--this-netns", "--no-findings", "--listen", "127.0.0.1:19568"});
  close(busy);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("127.0.0.1:19568: Address already in use"), std::string::npos) << r.err;
}

TEST_F(MetricsLive, ListenWithoutTheHttpModuleExitsOneNamingIt) {
  // The binary alone, without lib/sockwatch/ beside its directory: --listen
  // says what it could not load, and where it looked.
  fs::create_directories(dir_ + "/bin");
  std::string bin = dir_ + "/bin/sockwatch";
  fs::copy_file(SW_BINARY, bin);
  Proc p = spawn({bin, "metrics", "--this-netns", "--listen", "127.0.0.1:19571"},
                 dir_ + "/nomodule.log");
  int st = -1;
  ASSERT_TRUE(wait_until(
      [&] {
        int w = 0;
        if (waitpid(p.pid, &w, WNOHANG) != p.pid) return false;
        st = WIFEXITED(w) ? WEXITSTATUS(w) : 128 + WTERMSIG(w);
        p.pid = -1;
        return true;
      },
      60000))
      << read_file(p.log);
  std::string log = read_file(p.log);
  EXPECT_EQ(st, 1) << log;
  EXPECT_NE(log.find("cannot load the HTTP module (sockwatch-http.so)"), std::string::npos) << log;
  EXPECT_NE(log.find(dir_ + "/bin/../lib/sockwatch/sockwatch-http.so"), std::string::npos) << log;
  EXPECT_EQ(http_get(19571, "/metrics"), "");
  fs::remove_all(dir_ + "/bin");
  fs::remove(p.log);
}

TEST_F(MetricsLive, PrometheusScrapesTheListener) {
  if (!have("/usr/bin/prometheus"))
    GTEST_SKIP() << "promtool or prometheus missing (bash scripts/deps.sh --test installs them)";
  Proc sw = spawn({SW_BINARY, "metrics", "--this-netns", "--listen", "127.0.0.1:19569"},
                  dir_ + "/sockwatch.log");
  std::string cfg = dir_ + "/prometheus.yml";
  std::ofstream(cfg) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                        "scrape_configs:\n  - job_name: sockwatch\n    static_configs:\n"
                        "      - targets: ['127.0.0.1:19569']\n";
  Proc prom =
      spawn({"/usr/bin/prometheus", "--config.file=" + cfg, "--storage.tsdb.path=" + dir_ + "/data",
             "--web.listen-address=127.0.0.1:19570"},
            dir_ + "/prometheus.log");
  auto query = [&](const std::string& promql) -> std::string {
    std::string body = http_get(19570, "/api/v1/query?query=" + url_encode(promql));
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success") return {};
    const auto& res = j["data"]["result"];
    if (!res.is_array() || res.size() != 1) return {};
    return res[0]["value"][1].get<std::string>();
  };
  // The population's own series: Prometheus's and sockwatch's listeners and the
  // scrape connection are there too, under other executables and addresses.
  std::string exe = self_exe_name();
  std::string listen_count, queued;
  bool ok = wait_until(
      [&] {
        if (exited(prom) || exited(sw)) return true;
        listen_count = query(R"(sockwatch_listeners{job="sockwatch",protocol="tcp",exe=")" + exe +
                             R"(",exposure="loopback"})");
        queued =
            query(R"(sockwatch_listener_accept_queue{job="sockwatch",local="127.0.0.1:7202"})");
        return listen_count == std::to_string(kListeners) && queued == std::to_string(kQueued);
      },
      90000);
  EXPECT_TRUE(ok);
  EXPECT_EQ(listen_count, std::to_string(kListeners)) << read_file(prom.log);
  EXPECT_EQ(queued, std::to_string(kQueued));
  EXPECT_EQ(
      query(R"(sockwatch_listener_accept_queue_limit{job="sockwatch",local="127.0.0.1:7202"})"),
      std::to_string(kBacklog));
  EXPECT_EQ(query(R"(up{job="sockwatch"})"), "1");
  stop(prom, SIGTERM);
  EXPECT_EQ(stop(sw, SIGTERM), 0) << read_file(sw.log);
}

// --all-netns labels a named namespace by its name. swmet-PID is created with
// ip netns and a child holds a listener in it.
TEST_F(MetricsLive, AllNetnsLabelsNamedNamespaces) {
  if (!have("/usr/sbin/ip") && !have("/sbin/ip") && !have("/usr/bin/ip"))
    GTEST_SKIP() << "no ip(8)";
  std::string name = "swmet-" + std::to_string(getpid());
  ASSERT_EQ(std::system(("ip netns add " + name).c_str()), 0);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int ns = ::open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) _exit(1);
    if (tcp_listener(7299) < 0) _exit(1);  // no lo up needed to bind 127.0.0.1
    ssize_t w = write(ready[1], "r", 1);
    (void)w;
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  bool up = read(ready[0], &c, 1) == 1;
  close(ready[0]);
  auto r = up ? run_sockwatch({"metrics", "--all-netns", "--no-findings"}) : RunResult{};
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  std::system(("ip netns del " + name).c_str());
  ASSERT_TRUE(up);
  EXPECT_EQ(r.status, 0) << r.err;
  auto s = samples(r.out);
  EXPECT_EQ(s["sockwatch_sockets{netns=\"" + name +
              "\",family=\"inet\",protocol=\"tcp\",state=\"listen\"}"],
            1);
  EXPECT_EQ(s[R"(sockwatch_sockets{netns="",family="inet",protocol="tcp",state="listen"})"],
            kListeners);
}

}  // namespace
}  // namespace sw::test
