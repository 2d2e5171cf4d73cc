// `sockwatch top`: the live engine (Watch) feeding TopApp (src/tui), drawn on
// a curses terminal or printed as batch frames. This file is the glue: the
// command line, the terminal's lifetime on every exit path, the signals, and
// the requests TopApp hands back (close a socket, signal a process, export,
// inspect, collect something else).
#include "top_mode.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <getopt.h>
#include <malloc.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/files.hpp"
#include "engine/watch.hpp"
#include "enrich/cgroup_names.hpp"
#include "enrich/names.hpp"
#include "enrich/services.hpp"
#include "env.hpp"
#include "filter_errors.hpp"
#include "output/line_writer.hpp"
#include "plan.hpp"
#include "procfs/pid_sockets.hpp"
#include "procfs/process_info.hpp"
#include "ss_mode.hpp"
#include "ss_options.hpp"
#include "subcommands.hpp"
#include "top_details.hpp"
#include "tui/terminal.hpp"
#include "tui/top_app.hpp"
#include "tui/top_json.hpp"

namespace sw {

namespace {

using tui::Request;

int g_stop_pipe[2] = {-1, -1};
int g_wake_pipe[2] = {-1, -1};
struct sigaction g_old_winch {};

extern "C" void top_on_stop(int) {
  char c = 1;
  ssize_t n = ::write(g_stop_pipe[1], &c, 1);
  (void)n;
}

// ncurses learns of a resize from its own SIGWINCH handler; ours chains to
// it and wakes the loop, which then reads the KEY_RESIZE ncurses queued.
extern "C" void top_on_winch(int sig) {
  if (g_old_winch.sa_handler != SIG_DFL && g_old_winch.sa_handler != SIG_IGN &&
      g_old_winch.sa_handler)
    g_old_winch.sa_handler(sig);
  char c = 1;
  ssize_t n = ::write(g_wake_pipe[1], &c, 1);
  (void)n;
}

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "sockwatch top: %s\n(see sockwatch top --help)\n", msg.c_str());
  return 2;
}

bool parse_seconds(const char* text, int64_t& us, double lo, double hi) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text, &end);
  if (errno || end == text || *end || !(v >= lo) || v > hi) return false;
  us = static_cast<int64_t>(v * 1e6);
  return true;
}

struct TopArgs {
  tui::CollectChoice collect;
  bool table_given = false;
  int family = 0;  // 4 or 6: -4 / -6
  std::vector<std::string> filter;
  std::string search;
  int64_t interval_us = 1'000'000;
  int64_t linger_us = 5'000'000;
  bool batch = false, json = false, mono = false, mouse = true, ebpf = true;
  long iterations = -1;
  int width = 0;
  std::optional<tui::ViewKind> view;
  std::optional<tui::Col> sort;
  bool reverse = false;
};

std::optional<tui::Col> column_named(std::string_view n) {
  for (int i = 0; i < static_cast<int>(tui::Col::Count); ++i) {
    std::string t = tui::col_title(static_cast<tui::Col>(i));
    std::string a, b(n);
    for (char c : t) a += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (char& c : b) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (a == b) return static_cast<tui::Col>(i);
  }
  return std::nullopt;
}

int parse_args(const std::vector<std::string>& args, TopArgs& a) {
  auto on = [&](int c, const std::string& name, const char* optarg) -> int {
    auto table = [&](bool tui::CollectChoice::*f) {
      if (!a.table_given) a.collect = {false, false, false, false, a.collect.all_netns};
      a.table_given = true;
      a.collect.*f = true;
    };
    switch (c) {
      case 't':
        table(&tui::CollectChoice::tcp);
        break;
      case 'u':
        table(&tui::CollectChoice::udp);
        break;
      case 'w':
        table(&tui::CollectChoice::raw);
        break;
      case 'x':
        table(&tui::CollectChoice::unix_sockets);
        break;
      case '4':
        a.family = 4;
        break;
      case '6':
        a.family = 6;
        break;
      case 'b':
        a.batch = true;
        break;
      case 'j':
        a.json = true;
        break;
      case 'd':
        if (!parse_seconds(optarg, a.interval_us, 0.05, 3600))
          return usage_error(std::string("-d: '") + optarg +
                             "' is not a number of seconds between 0.05 and 3600");
        break;
      case 'n': {
        char* end = nullptr;
        errno = 0;
        long v = std::strtol(optarg, &end, 10);
        if (errno || end == optarg || *end || v < 1 || v > 100'000'000)
          return usage_error(std::string("-n: '") + optarg +
                             "' is not a count of frames (1 or more)");
        a.iterations = v;
        break;
      }
      default:
        if (name == "all-netns") {
          a.collect.all_netns = true;
        } else if (name == "linger") {
          if (!parse_seconds(optarg, a.linger_us, 0, 86400))
            return usage_error(std::string("--linger: '") + optarg +
                               "' is not a number of seconds (0 to 86400)");
        } else if (name == "mono") {
          a.mono = true;
        } else if (name == "no-mouse") {
          a.mouse = false;
        } else if (name == "no-ebpf") {
          a.ebpf = false;
        } else if (name == "search") {
          a.search = optarg;
        } else if (name == "width") {
          char* end = nullptr;
          long v = std::strtol(optarg, &end, 10);
          if (end == optarg || *end || v < 40 || v > 10000)
            return usage_error(std::string("--width: '") + optarg +
                               "' is not a width from 40 to 10000");
          a.width = static_cast<int>(v);
        } else if (name == "view") {
          std::string v = optarg;
          if (v == "connections")
            a.view = tui::ViewKind::Connections;
          else if (v == "listeners")
            a.view = tui::ViewKind::Listeners;
          else if (v == "processes")
            a.view = tui::ViewKind::Processes;
          else if (v == "remotes")
            a.view = tui::ViewKind::Remotes;
          else
            return usage_error("--view: '" + v +
                               "' is not one of connections, listeners, processes, remotes");
        } else if (name == "sort") {
          std::string v = optarg;
          if (!v.empty() && v[0] == '-') {
            a.reverse = true;
            v.erase(0, 1);
          }
          a.sort = column_named(v);
          if (!a.sort)
            return usage_error(
                "--sort: '" + v +
                "' is not a column title (rx/s, tx/s, local, remote, process, age...)");
        } else {
          return usage_error("unhandled option (internal)");
        }
    }
    return -1;
  };
  std::string err;
  int st = parse_subcommand_args(*find_subcommand("top"), args, on, a.filter, err);
  if (!err.empty()) return usage_error(err);
  if (st >= 0) return st;
  if (!a.batch && (a.iterations > 0 || a.json))
    return usage_error(a.json ? "-j prints frames as NDJSON and needs -b"
                              : "-n counts batch frames and needs -b");
  if (!a.collect.tcp && !a.collect.udp && !a.collect.raw && !a.collect.unix_sockets)
    return usage_error("no socket tables to watch");
  return -1;
}

// Service and host names for the layout: never blocking (hosts resolve on
// a worker thread and show up on a later frame).
class TopNames : public tui::Names {
 public:
  explicit TopNames(PortRange eph) : services_(eph) {}
  std::string host(const IpAddr& a) override {
    auto ans = hosts_.lookup(a);
    return ans.state == AsyncHostNames::State::kResolved ? ans.name : std::string();
  }
  std::string service(uint16_t port, Table t) override {
    return services_.lookup(port, t == Table::Udp ? "udp" : "tcp");
  }

 private:
  AsyncHostNames hosts_;
  ServiceNames services_;
};

// The export file: created without following a symlink at the name, written
// whole and synced; a failure (full disk) says so and leaves no half file.
Expected<void> write_export(const std::string& path, const std::string& doc) {
  auto fd = create_file_safely(path, 0600);
  if (!fd) return fd.error();
  size_t off = 0;
  while (off < doc.size()) {
    ssize_t n = ::write(*fd, doc.data() + off, doc.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(*fd);
      ::unlink(path.c_str());
      return Error{path + ": " + std::strerror(e), e};
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(*fd) != 0 || ::close(*fd) != 0) {
    int e = errno;
    ::unlink(path.c_str());
    return Error{path + ": " + std::strerror(e), e};
  }
  return {};
}

class TopSession {
 public:
  TopSession(TopArgs a, SourcePaths env)
      : a_(std::move(a)),
        env_(std::move(env)),
        ephemeral_(read_port_range(
            env_.proc_path("PROC_IP_LOCAL_PORT_RANGE", "sys/net/ipv4/ip_local_port_range"))),
        names_(ephemeral_) {}
  int run();

 private:
  std::optional<WatchOptions> watch_options(std::string& err);
  void on_tick(Watch& w);
  void carry_out(const Request& r, Watch& w);
  void redraw();
  void print_batch_frame();
  void note(const Diagnostic& d);
  std::vector<std::string> limitations(const Watch& w) const;

  TopArgs a_;
  SourcePaths env_;
  PortRange ephemeral_;
  Watch* watch_ptr_ = nullptr;
  std::unique_ptr<tui::TopApp> app_;
  std::unique_ptr<tui::Terminal> term_;
  TopNames names_;
  std::set<std::string> notes_;  // diagnostics, once each
  std::vector<std::string> note_lines_;
  long frames_ = 0;
  bool quit_ = false, recollect_ = false;
  int status_ = 0;
};

std::optional<WatchOptions> TopSession::watch_options(std::string& err) {
  // Tables and families mean what they mean to ss: its parser builds the plan.
  const tui::CollectChoice& c = app_->collect();
  std::vector<std::string> ss = {"sockwatch", "-a", "-n"};
  if (c.tcp) ss.push_back("-t");
  if (c.udp) ss.push_back("-u");
  if (c.raw) ss.push_back("-w");
  if (c.unix_sockets) ss.push_back("-x");
  if (a_.family == 4) ss.push_back("-4");
  if (a_.family == 6) ss.push_back("-6");
  if (ss.size() == 3) {
    err = "no socket tables to watch (t, u, w, x turn them on)";
    return std::nullopt;
  }
  std::vector<char*> argv;
  for (auto& s : ss) argv.push_back(s.data());
  auto parsed = parse_ss_command_line(static_cast<int>(argv.size()), argv.data());
  if (!parsed.options) {
    err = parsed.err;
    return std::nullopt;
  }
  WatchOptions wo;
  wo.plan = collect_plan(*parsed.options, nullptr);
  wo.paths = env_;
  wo.all_netns = c.all_netns;
  wo.interval_us = a_.interval_us;
  wo.health_interval_us = 0;
  wo.ebpf = a_.ebpf;
  wo.who = "top";
  return wo;
}

void TopSession::note(const Diagnostic& d) {
  if (!notes_.insert(d.text).second) return;
  if (a_.batch) {
    print_diagnostic(d);
    return;
  }
  // The status line is short: the program's name is already on screen.
  std::string t = d.text;
  for (const char* p : {"sockwatch: top: ", "sockwatch: "})
    if (t.rfind(p, 0) == 0) t.erase(0, std::strlen(p));
  note_lines_.push_back(t);
}

std::vector<std::string> TopSession::limitations(const Watch& w) const {
  std::vector<std::string> out;
  EngineHealth h = w.health();
  if (geteuid() != 0 && h.processes_denied)
    out.push_back("not root: owners of other users' processes are hidden");
  else if (h.processes_denied)
    out.push_back("fds of " + std::to_string(h.processes_denied) +
                  " processes unreadable: the owners of their sockets are hidden");
  if (!h.ebpf_loaded && a_.ebpf)
    out.push_back("eBPF unavailable (" + h.ebpf_reason +
                  "): owners of very short connections may be unknown");
  if (!h.destroy_events)
    out.push_back("no destroy events: connections shorter than a refresh are missed");
  if (h.netns_not_entered)
    out.push_back(std::to_string(h.netns_not_entered) + " namespaces not entered");
  return out;
}

void TopSession::on_tick(Watch& w) {
  const Reconciler& rec = w.reconciler();
  app_->model().on_tick(rec.shared_current(), rec.current().taken_us(), [&](size_t i) {
    Reconciler::Known k = rec.known_at(i);
    tui::TopModel::Known t;
    t.owner = std::move(k.owner);
    t.reason = k.reason;
    t.opened_us = k.opened_us;
    t.closed = k.closed;
    t.preexisting = k.preexisting;
    t.inbound = k.inbound;
    t.direction_known = k.direction_known;
    return t;
  });
  std::unordered_map<uint64_t, std::string> labels;
  for (auto& [ino, label] : w.namespace_labels()) labels[ino] = label;
  app_->set_netns_labels(std::move(labels));
  app_->refresh();
  // The tick freed the previous snapshot after the engine trimmed the heap:
  // hand those pages back too, so resident memory is what is live.
  malloc_trim(0);
  std::vector<std::string> lim = limitations(w);
  for (const auto& l : note_lines_) lim.push_back(l);
  app_->set_limitations(std::move(lim));
  if (a_.batch) {
    print_batch_frame();
    if (a_.iterations > 0 && ++frames_ >= a_.iterations) {
      quit_ = true;
      w.stop();
    }
    return;
  }
  if (app_->details_open()) {
    if (auto d = app_->selected_row(); d && !d->closed) {
      Request r;
      r.kind = Request::Kind::Inspect;
      r.entry = *d->e;
      carry_out(r, w);
    }
  }
  redraw();
}

void TopSession::print_batch_frame() {
  // A reader that went away (| head) is a normal end; a full disk is not.
  auto write_out = [&](std::string_view text) {
    size_t off = 0;
    while (off < text.size()) {
      ssize_t n = ::write(STDOUT_FILENO, text.data() + off, text.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (errno != EPIPE) {
          std::fprintf(stderr, "sockwatch top: stdout: %s\n", std::strerror(errno));
          status_ = 1;
        }
        return false;
      }
      off += static_cast<size_t>(n);
    }
    return true;
  };
  bool ok;
  if (a_.json) {
    ok = write_out(tui::frame_json(*app_, app_->model().now_us()) + "\n");
  } else {
    int width = a_.width;
    if (!width) {
      winsize ws{};
      width = isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col
                  ? ws.ws_col
                  : 160;
    }
    ok = app_->write_batch(width, write_out) && write_out("\n");
  }
  if (!ok) {
    quit_ = true;
    if (watch_ptr_) watch_ptr_->stop();
  }
}

void TopSession::redraw() {
  if (!term_) return;
  term_->draw(app_->render(term_->width(), term_->height()));
}

void TopSession::carry_out(const Request& r, Watch& w) {
  switch (r.kind) {
    case Request::Kind::None:
      return;
    case Request::Kind::Quit:
      quit_ = true;
      w.stop();
      return;
    case Request::Kind::Interval:
      a_.interval_us = r.interval_us;
      w.set_interval(r.interval_us);
      app_->notify(
          fmt::format("refreshing every {:g} s", static_cast<double>(r.interval_us) / 1e6));
      return;
    case Request::Kind::Collect:
      recollect_ = true;
      w.stop();
      return;
    case Request::Kind::Destroy: {
      auto res = w.destroy(r.entry);
      if (res)
        app_->notify("closed: the kernel reset the connection (SOCK_DESTROY)");
      else
        app_->notify("close failed: " + res.error().message, true);
      w.tick_soon();
      return;
    }
    case Request::Kind::Signal: {
      // The pid must still be the process the row showed (same start time).
      int proc_fd = ::open(env_.proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      std::string comm;
      ProcessDetails det;
      bool alive = proc_fd >= 0 && read_pid_facts(proc_fd, r.pid, comm, det);
      if (proc_fd >= 0) ::close(proc_fd);
      if (!alive || (r.start_ticks && det.start_ticks && *det.start_ticks != r.start_ticks)) {
        app_->notify("process " + std::to_string(r.pid) + " has exited: nothing signalled", true);
        return;
      }
      if (::kill(r.pid, r.signal) != 0) {
        app_->notify("kill " + std::to_string(r.pid) + ": " + std::strerror(errno), true);
        return;
      }
      app_->notify(std::string("sent ") + sigabbrev_np(r.signal) + " to pid " +
                   std::to_string(r.pid));
      return;
    }
    case Request::Kind::Export: {
      std::string doc = tui::export_json(*app_, app_->model().now_us());
      auto res = write_export(r.path, doc);
      if (res)
        app_->notify("exported " + std::to_string(app_->view().size()) + " rows to " + r.path);
      else
        app_->notify("export failed: " + res.error().message, true);
      return;
    }
    case Request::Kind::Inspect: {
      auto rec = w.inspect(r.entry);
      auto d = app_->selected_row();
      const OwnerInfo* owner = d ? d->st->owner.get() : nullptr;
      if (!rec) {
        app_->set_details(top_process_details(owner, env_.proc_root, app_->model().now_us()),
                          rec.error().message);
        return;
      }
      app_->set_details(top_details(*rec, r.entry, owner, env_.proc_root, app_->model().now_us()));
      return;
    }
  }
}

int TopSession::run() {
  tui::TopAppOptions ao;
  ao.model.linger_us = a_.linger_us;
  ao.collect = a_.collect;
  ao.interval_us = a_.interval_us;
  ao.filter_ctx.ephemeral = ephemeral_;
  ao.filter_ctx.ifindex_of = [](const std::string& n) { return if_nametoindex(n.c_str()); };
  ao.filter_ctx.cgroup_id_of = [](const std::string& path) { return cgroup_id_of_path(path); };
  if (geteuid() != 0) {
    ao.can_destroy = false;
    ao.cannot_destroy = "needs CAP_NET_ADMIN (run as root)";
  }
  // NO_COLOR (no-color.org): any value turns colour off.
  const char* nc = std::getenv("NO_COLOR");
  ao.color = !a_.mono && !(nc && *nc);
  app_ = std::make_unique<tui::TopApp>(std::move(ao));
  app_->set_names(&names_);
  if (a_.view) app_->set_view(*a_.view);
  if (a_.sort) app_->set_sort(*a_.sort, a_.reverse);
  if (!a_.search.empty()) app_->set_text(a_.search);
  if (!a_.filter.empty()) {
    std::string expr;
    for (const auto& w : a_.filter) expr += (expr.empty() ? "" : " ") + w;
    if (!app_->set_filter(expr)) {
      const FilterError& e = *app_->filter_error();
      std::fprintf(stderr, "sockwatch top: filter: %s\n%s\n",
                   escape_for_terminal(e.ss_message).c_str(),
                   caret_lines(e.expression, e.caret_at, e.caret_len).c_str());
      return 2;
    }
  }

  if (pipe2(g_stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0 ||
      pipe2(g_wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    std::fprintf(stderr, "sockwatch top: pipe: %s\n", std::strerror(errno));
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = top_on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);  // the terminal closed
  signal(SIGPIPE, SIG_IGN);

  if (!a_.batch) {
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
      std::fputs("sockwatch top: needs a terminal on stdin and stdout (use -b for batch frames)\n",
                 stderr);
      return 1;
    }
    std::setlocale(LC_ALL, "");
    tui::TerminalOptions to;
    to.color = !a_.mono && !(nc && *nc);
    to.mouse = a_.mouse;
    auto t = tui::open_curses_terminal(to);
    if (!t) {
      std::fprintf(stderr, "sockwatch top: %s\n", t.error().message.c_str());
      return 1;
    }
    term_ = std::move(*t);
    struct sigaction wa {};
    wa.sa_handler = top_on_winch;
    sigemptyset(&wa.sa_mask);
    wa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &wa, &g_old_winch);
    redraw();
  }

  // The engine is rebuilt when what it collects changes (t/u/w/x, a); the
  // model and the view stay, so rates and selection carry over.
  for (;;) {
    std::string err;
    auto wo = watch_options(err);
    if (!wo) {
      if (term_) term_->restore();
      std::fprintf(stderr, "sockwatch top: %s\n", err.c_str());
      return 2;
    }
    recollect_ = false;
    Watch watch(*wo, [&](SocketEvent&& ev) {
      if (ev.type != EventType::Close) return;
      // Polled: the engine had it in a snapshot (else it opened and closed
      // between two ticks: a short-lived connection).
      bool polled = watch_ptr_ && watch_ptr_->reconciler().current().find(ev.key) != nullptr;
      app_->model().on_close(ev, polled);
    });
    watch_ptr_ = &watch;
    watch.set_diagnostics([&](Diagnostic&& d) { note(d); });
    if (auto r = watch.start(); !r) {
      if (term_) term_->restore();
      std::fprintf(stderr, "sockwatch top: %s\n", r.error().message.c_str());
      return 1;
    }
    watch.set_after_tick([&] { on_tick(watch); });
    watch.add_fd(g_wake_pipe[0], [&] {
      char buf[64];
      while (::read(g_wake_pipe[0], buf, sizeof buf) > 0) {
      }
      if (!term_) return;
      while (auto k = term_->read_key()) carry_out(app_->handle_key(*k), watch);
      redraw();
    });
    if (term_) {
      watch.add_fd(term_->input_fd(), [&] {
        while (auto k = term_->read_key()) {
          // EOF on the terminal (it closed): quit as q does.
          if (k->is(0x04)) {
            Request q;
            q.kind = Request::Kind::Quit;
            carry_out(q, watch);
            break;
          }
          carry_out(app_->handle_key(*k), watch);
          if (quit_ || recollect_) break;
        }
        redraw();
      });
    }
    auto r = watch.run(g_stop_pipe[0]);
    watch_ptr_ = nullptr;
    if (!r) {
      if (term_) term_->restore();
      std::fprintf(stderr, "sockwatch top: the collector failed: %s\n", r.error().message.c_str());
      return 1;
    }
    if (!recollect_ || quit_) break;
  }
  if (term_) term_->restore();
  return status_;
}

}  // namespace

int run_top(const std::vector<std::string>& args) {
  TopArgs a;
  if (int st = parse_args(args, a); st >= 0) return st;
  TopSession s(std::move(a), source_paths_from_environment());
  return s.run();
}

std::string top_help_epilog() {
  std::string out = "\nKeys (also on the help screen, ? or h):\n";
  for (const auto& b : tui::bindings()) {
    std::string k = b.keys;
    out += "   " + k;
    out += std::string(k.size() < 33 ? 33 - k.size() : 1, ' ');
    out += b.what;
    out += '\n';
  }
  return out;
}

}  // namespace sw
