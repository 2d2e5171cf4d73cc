#include "log_mode.hpp"

#include <fcntl.h>
#include <getopt.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "core/files.hpp"
#include "engine/watch.hpp"
#include "env.hpp"
#include "filter/filter.hpp"
#include "output/line_writer.hpp"
#include "plan.hpp"
#include "procfs/host_info.hpp"
#include "render/event_json.hpp"
#include "ss_mode.hpp"
#include "ss_options.hpp"
#include "store/store.hpp"
#include "subcommands.hpp"

namespace sw {

namespace {

// Signals only touch these: a byte on the pipe wakes the engine's epoll to
// stop; SIGHUP sets a flag the writer checks before the next line.
int g_stop_pipe[2] = {-1, -1};
std::atomic<bool> g_reopen{false};

extern "C" void on_stop_signal(int) {
  char c = 1;
  ssize_t n = ::write(g_stop_pipe[1], &c, 1);
  (void)n;
}
extern "C" void on_hup(int) { g_reopen = true; }

void install_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = on_hup;
  sigaction(SIGHUP, &sa, nullptr);
}

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "sockwatch log: %s\n(see sockwatch log --help)\n", msg.c_str());
  return 2;
}

bool parse_seconds(const char* text, int64_t& us, bool allow_zero) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text, &end);
  if (errno || end == text || *end || !(v >= 0) || v > 86400) return false;
  if (v == 0 && !allow_zero) return false;
  if (v > 0 && v < 0.01) return false;  // below 10 ms a poll never finishes in time
  us = static_cast<int64_t>(v * 1e6);
  return true;
}

struct LogArgs {
  std::vector<std::string> ss_args;  // table/family flags for the ss option parser
  std::vector<std::string> filter;
  std::string output;
  std::string db;  // --db: also append every event to this SQLite store
  std::optional<uint64_t> rotate_size;
  unsigned rotate_keep = 5;
  bool ecs = false, all_netns = false, ebpf = true;
  int64_t interval_us = 1'000'000;
  int64_t health_us = 60'000'000;
};

// Returns -1 to go on, else the exit status.
int parse_args(const std::vector<std::string>& args, LogArgs& a) {
  bool table_given = false;
  auto on = [&](int c, const std::string& name, const char* optarg) -> int {
    switch (c) {
      case 't':
      case 'u':
      case 'w':
      case 'x':
        table_given = true;
        a.ss_args.push_back(std::string("-") + static_cast<char>(c));
        return -1;
      case '4':
      case '6':
        a.ss_args.push_back(std::string("-") + static_cast<char>(c));
        return -1;
      case 'A':
        table_given = true;
        a.ss_args.push_back("-A");
        a.ss_args.push_back(optarg);
        return -1;
      case 'o':
        a.output = optarg;
        return -1;
      default:
        break;
    }
    if (name == "all-netns") {
      a.all_netns = true;
    } else if (name == "ecs") {
      a.ecs = true;
    } else if (name == "db") {
      if (!*optarg) return usage_error("--db needs a file name");
      a.db = optarg;
    } else if (name == "no-ebpf") {
      a.ebpf = false;
    } else if (name == "interval") {
      if (!parse_seconds(optarg, a.interval_us, false))
        return usage_error(std::string("--interval: '") + optarg +
                           "' is not a number of seconds between 0.01 and 86400");
    } else if (name == "health-interval") {
      if (!parse_seconds(optarg, a.health_us, true))
        return usage_error(std::string("--health-interval: '") + optarg +
                           "' is not a number of seconds (0 turns health events off)");
    } else if (name == "rotate-size") {
      auto v = parse_size(optarg);
      if (!v) return usage_error("--rotate-size: " + v.error().message);
      a.rotate_size = *v;
    } else if (name == "rotate-keep") {
      char* end = nullptr;
      errno = 0;
      unsigned long v = std::strtoul(optarg, &end, 10);
      if (errno || end == optarg || *end || v > 1000 || optarg[0] == '-')
        return usage_error(std::string("--rotate-keep: '") + optarg +
                           "' is not a count from 0 to 1000");
      a.rotate_keep = static_cast<unsigned>(v);
    } else {
      return usage_error("unhandled option (internal)");
    }
    return -1;
  };
  std::string err;
  int st = parse_subcommand_args(*find_subcommand("log"), args, on, a.filter, err);
  if (!err.empty()) return usage_error(err);
  if (st >= 0) return st;
  if (!table_given) a.ss_args.insert(a.ss_args.begin(), {"-t", "-u"});
  if (a.output.empty() && a.rotate_size) return usage_error("--rotate-size needs --output FILE");
  return -1;
}

}  // namespace

int run_log(const std::vector<std::string>& args) {
  LogArgs a;
  if (int st = parse_args(args, a); st >= 0) return st;

  // Tables, families and the filter mean what they mean to ss: its parser
  // reads them (-a: every state; the log follows sockets through all of them).
  std::vector<std::string> ss = {"sockwatch", "-a", "-n"};
  ss.insert(ss.end(), a.ss_args.begin(), a.ss_args.end());
  ss.insert(ss.end(), a.filter.begin(), a.filter.end());
  std::vector<char*> argv;
  for (auto& s : ss) argv.push_back(s.data());
  auto parsed = parse_ss_command_line(static_cast<int>(argv.size()), argv.data());
  if (!parsed.options) {
    std::fputs(parsed.err.c_str(), stderr);
    return 2;
  }
  SsOptions o = *parsed.options;
  SourcePaths env = source_paths_from_environment();
  std::optional<Filter> filter;
  if (!o.filter_words.empty()) {
    // ss's usage text would describe ss's options, not log's: the caret and
    // a pointer to log's help say what is wrong.
    if (parse_filter_expression(o, env, filter, nullptr) >= 0) {
      std::fputs("(see sockwatch log --help)\n", stderr);
      return 2;
    }
  }
  if (o.dbs == 0 || o.families == 0) {
    std::fputs("sockwatch log: no socket tables to follow with these options\n", stderr);
    return 2;
  }

  std::unique_ptr<LineWriter> out;
  if (!a.output.empty()) {
    auto w = RotatingFileWriter::open(a.output, a.rotate_size.value_or(0), a.rotate_keep);
    if (!w) {
      std::fprintf(stderr, "sockwatch log: %s\n", w.error().message.c_str());
      return 1;
    }
    out = std::move(*w);
  } else {
    out = std::make_unique<FdWriter>(STDOUT_FILENO);
  }

  if (pipe2(g_stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    std::fprintf(stderr, "sockwatch log: pipe: %s\n", std::strerror(errno));
    return 1;
  }
  install_signals();

  HostInfo host = read_host_info();
  WatchOptions wo;
  wo.plan = collect_plan(o, filter ? &*filter : nullptr);
  wo.paths = env;
  wo.all_netns = a.all_netns;
  wo.interval_us = a.interval_us;
  wo.health_interval_us = a.health_us;
  wo.ebpf = a.ebpf;
  wo.owner_cache.boot_id = host.boot_id;

  // --db: one transaction per tick's events (and one for the last of them
  // after the run), so a kill loses at most the tick in progress.
  std::unique_ptr<Store> db;
  if (!a.db.empty()) {
    auto s = Store::open(a.db);
    if (!s) {
      std::fprintf(stderr, "sockwatch log: --db %s\n", s.error().message.c_str());
      return 1;
    }
    db = std::move(*s);
  }
  std::vector<SocketEvent> batch;

  int status = 0;
  Watch* self = nullptr;
  auto flush_db = [&]() {
    if (!db || batch.empty()) return;
    auto r = db->append_events(batch);
    batch.clear();
    if (!r) {
      std::fprintf(stderr, "sockwatch log: --db: %s; stopping\n", r.error().message.c_str());
      db.reset();
      status = 1;
      if (self) self->stop();
    }
  };
  auto sink = [&](SocketEvent&& ev) {
    if (status != 0 || !self) return;
    if (g_reopen.exchange(false)) {
      if (auto r = out->reopen(); !r) {
        std::fprintf(stderr, "sockwatch log: SIGHUP: %s\n", r.error().message.c_str());
        status = 1;
        self->stop();
        return;
      }
    }
    std::string line = a.ecs ? format_event_ecs(ev, host) : format_event_native(ev, host);
    if (auto r = out->write_line(line); !r) {
      if (r.error().code == EPIPE) {
        status = -1;  // the reader is gone: a normal end, exit 0
      } else {
        std::fprintf(stderr, "sockwatch log: %s; stopping (events from here on are not logged)\n",
                     r.error().message.c_str());
        status = 1;
      }
      self->stop();
    }
    if (db) batch.push_back(std::move(ev));
  };
  Watch watch(wo, sink);
  self = &watch;
  watch.set_after_tick(flush_db);
  watch.set_diagnostics([](Diagnostic&& d) { print_diagnostic(d); });
  if (auto r = watch.start(); !r) {
    std::fprintf(stderr, "sockwatch log: %s\n", r.error().message.c_str());
    return 1;
  }
  auto r = watch.run(g_stop_pipe[0]);
  flush_db();  // what the last drain took in
  if (!r) {
    std::fprintf(stderr, "sockwatch log: %s\n", r.error().message.c_str());
    return 1;
  }
  return status < 0 ? 0 : status;
}

}  // namespace sw
