#include "metrics_mode.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/escape.hpp"
#include "env.hpp"
#include "metrics_http.hpp"
#include "metrics_scrape.hpp"
#include "subcommands.hpp"

namespace sw {

namespace {

struct MetricsArgs {
  std::string textfile;
  int64_t interval_us = 0;  // 0: one write
  bool interval_given = false;
  std::string listen_host;
  int listen_port = 0;
  bool listen = false, listen_any = false;
  bool all_netns = true, netns_given = false;
  MetricsLimits limits;
  bool findings = true;
  int64_t check_interval_us = 60'000'000;
  bool check_interval_given = false;
};

std::string esc(std::string_view s) {
  std::string out;
  append_escaped(out, s);
  return out;
}

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "sockwatch metrics: %s\n(see sockwatch metrics --help)\n", msg.c_str());
  return 2;
}

void say(std::string_view line) {
  // Collector and namespace-walk lines come worded for ss mode.
  if (line.starts_with("sockwatch: ")) line.remove_prefix(11);
  std::fprintf(stderr, "sockwatch metrics: %s\n", esc(line).c_str());
}

bool parse_seconds(const char* text, int64_t& us, bool allow_zero) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text, &end);
  if (errno || end == text || *end || !(v >= 0) || v > 86400 * 7) return false;
  if (v == 0 && !allow_zero) return false;
  if (v > 0 && v < 0.1) return false;  // a scrape is not a busy loop
  us = static_cast<int64_t>(v * 1e6);
  return true;
}

bool parse_count(const char* text, size_t& n) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno || end == text || *end || text[0] == '-' || v > 100000) return false;
  n = static_cast<size_t>(v);
  return true;
}

// ADDR:PORT, [V6ADDR]:PORT or :PORT (127.0.0.1); numeric addresses only, so
// that what is checked for loopback is what gets bound.
std::string parse_listen(const std::string& text, MetricsArgs& a) {
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find("]:");
    if (close == std::string::npos) return "is not [ADDRESS]:PORT";
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.find(':');
    if (colon == std::string::npos) return "is not ADDRESS:PORT or :PORT";
    if (text.find(':', colon + 1) != std::string::npos)
      return "needs brackets around an IPv6 address ([::1]:PORT)";
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) host = "127.0.0.1";
  char* end = nullptr;
  unsigned long p = std::strtoul(port.c_str(), &end, 10);
  if (port.empty() || *end || port[0] == '-' || port[0] == '+' || p == 0 || p > 65535)
    return "has no port from 1 to 65535";
  in_addr v4{};
  in6_addr v6{};
  bool loopback = false;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    loopback = (ntohl(v4.s_addr) >> 24) == 127;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    loopback = IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  } else {
    return "is not a numeric IPv4 or IPv6 address with a port";
  }
  if (!loopback && !a.listen_any) return "!nonloopback";
  a.listen_host = host;
  a.listen_port = static_cast<int>(p);
  return {};
}

int parse_args(const std::vector<std::string>& args, MetricsArgs& a) {
  std::string listen_text;
  auto on = [&](int c, const std::string& name, const char* optarg) -> int {
    if (c == 'h') {
      std::fputs(subcommand_help(*find_subcommand("metrics")).c_str(), stdout);
      return 0;
    }
    if (name == "textfile") {
      if (!*optarg) return usage_error("--textfile needs a directory");
      a.textfile = optarg;
    } else if (name == "interval") {
      if (!parse_seconds(optarg, a.interval_us, false))
        return usage_error(std::string("--interval: '") + esc(optarg) +
                           "' is not a number of seconds from 0.1 to 604800");
      a.interval_given = true;
    } else if (name == "listen") {
      a.listen = true;
      listen_text = optarg;
    } else if (name == "listen-any") {
      a.listen_any = true;
    } else if (name == "all-netns" || name == "this-netns") {
      bool all = name == "all-netns";
      if (a.netns_given && a.all_netns != all)
        return usage_error("--all-netns and --this-netns exclude each other");
      a.all_netns = all;
      a.netns_given = true;
    } else if (name == "top-peers") {
      if (!parse_count(optarg, a.limits.top_peers))
        return usage_error(std::string("--top-peers: '") + esc(optarg) +
                           "' is not a count from 0 to 100000");
    } else if (name == "max-listeners") {
      if (!parse_count(optarg, a.limits.max_listeners))
        return usage_error(std::string("--max-listeners: '") + esc(optarg) +
                           "' is not a count from 0 to 100000");
    } else if (name == "check-interval") {
      if (!parse_seconds(optarg, a.check_interval_us, true))
        return usage_error(std::string("--check-interval: '") + esc(optarg) +
                           "' is not a number of seconds (0 turns findings off)");
      a.check_interval_given = true;
    } else if (name == "no-findings") {
      a.findings = false;
    } else {
      return usage_error("unhandled option (internal)");
    }
    return -1;
  };
  std::vector<std::string> operands;
  std::string err;
  int st = parse_subcommand_args(*find_subcommand("metrics"), args, on, operands, err);
  if (!err.empty()) return usage_error(err);
  if (st >= 0) return st;
  if (!operands.empty()) return usage_error("no operands expected ('" + esc(operands[0]) + "')");
  if (a.listen && !a.textfile.empty())
    return usage_error("--listen and --textfile exclude each other (run two)");
  if (a.interval_given && a.textfile.empty())
    return usage_error("--interval is for --textfile (--listen scrapes when asked)");
  if (a.check_interval_given && !a.listen)
    return usage_error(
        "--check-interval is for --listen (the other modes compute findings on each write; "
        "--no-findings turns them off)");
  if (a.listen_any && !a.listen) return usage_error("--listen-any is for --listen");
  if (a.listen) {
    std::string why = parse_listen(listen_text, a);
    if (why == "!nonloopback")
      return usage_error("--listen " + esc(listen_text) +
                         ": not a loopback address; the exposition names processes, peers and "
                         "listeners, so serving it beyond this host needs --listen-any");
    if (!why.empty()) return usage_error("--listen '" + esc(listen_text) + "' " + why);
  }
  if (a.listen && a.check_interval_us == 0) a.findings = false;
  return -1;
}

Expected<void> write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error{std::strerror(errno), errno};
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// DIR/sockwatch.prom, whole or not at all: a temp file in DIR (a name the
// textfile collector ignores: it reads *.prom only), fsync, rename over the
// old one, fsync the directory. A failure removes the temp file.
Expected<void> write_textfile(const std::string& dir, const std::string& text) {
  std::string tmp = dir + "/.sockwatch.prom.XXXXXX";
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Error{"--textfile " + dir + ": " + std::strerror(errno), errno};
  auto fail = [&](const char* what) -> Expected<void> {
    int e = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return Error{"--textfile " + dir + ": " + what + ": " + std::strerror(e), e};
  };
  if (auto r = write_all(fd, text); !r) {
    errno = r.error().code;
    return fail("write");
  }
  if (fchmod(fd, 0644) != 0) return fail("chmod");
  if (fsync(fd) != 0) return fail("fsync");
  int c = ::close(fd);
  fd = -1;
  if (c != 0) return fail("close");
  if (::rename(tmp.c_str(), (dir + "/sockwatch.prom").c_str()) != 0) return fail("rename");
  if (int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    fsync(d);  // the rename itself on disk; a failure here loses nothing already written
    ::close(d);
  }
  return {};
}

void block_stop_signals(sigset_t& set) {
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  // Blocked in this thread and every thread started after: a signal then
  // waits for the point where stopping is clean (no temp file half written,
  // the server stopped from the main thread).
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string scrape_once(MetricsScraper& scraper, ExpositionFormat f, bool& failed) {
  std::string error;
  std::vector<std::string> notes;
  std::string text = scraper.scrape(f, &error, &notes);
  for (const auto& n : notes) say(n);
  failed = !error.empty();
  if (failed) say(error);
  return text;
}

}  // namespace

int run_metrics(const std::vector<std::string>& args) {
  MetricsArgs a;
  if (int st = parse_args(args, a); st >= 0) return st;

  MetricsScrapeOptions so;
  so.paths = source_paths_from_environment();
  so.all_netns = a.all_netns;
  so.limits = a.limits;
  so.findings = a.findings;
  so.findings_max_age_us = a.listen ? a.check_interval_us : 0;

  if (!a.textfile.empty()) {
    struct stat st {};
    if (stat(a.textfile.c_str(), &st) != 0)
      return say("--textfile " + a.textfile + ": " + std::strerror(errno)), 1;
    if (!S_ISDIR(st.st_mode)) return say("--textfile " + a.textfile + ": not a directory"), 1;
    if (access(a.textfile.c_str(), W_OK | X_OK) != 0)
      return say("--textfile " + a.textfile + ": " + std::strerror(errno)), 1;
  }

  sigset_t stop;
  if (a.listen || !a.textfile.empty()) block_stop_signals(stop);
  MetricsScraper scraper(so);

  if (a.listen) {
    std::string error;
    int st = serve_metrics(
        a.listen_host, a.listen_port,
        [&](const std::string& accept) {
          ExpositionFormat f = format_for_accept(accept);
          bool failed = false;
          std::string body = scrape_once(scraper, f, failed);
          return HttpReply{std::move(body), std::string(content_type(f))};
        },
        error);
    if (st) say("--listen " + error);
    return st;
  }

  if (!a.textfile.empty()) {
    for (;;) {
      bool failed = false;
      std::string text = scrape_once(scraper, ExpositionFormat::Prometheus, failed);
      if (auto r = write_textfile(a.textfile, text); !r) return say(r.error().message), 1;
      if (!a.interval_us) return failed ? 1 : 0;
      timespec wait{static_cast<time_t>(a.interval_us / 1'000'000),
                    static_cast<long>(a.interval_us % 1'000'000) * 1000};
      int sig = sigtimedwait(&stop, nullptr, &wait);
      if (sig > 0) return 0;
    }
  }

  bool failed = false;
  std::string text = scrape_once(scraper, ExpositionFormat::Prometheus, failed);
  if (auto r = write_all(STDOUT_FILENO, text); !r) {
    if (r.error().code == EPIPE) return 0;
    say("writing stdout: " + r.error().message);
    return 1;
  }
  return failed ? 1 : 0;
}

}  // namespace sw
