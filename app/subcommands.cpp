#include "subcommands.hpp"

#include <algorithm>
#include <cstdio>

#include "baseline_mode.hpp"
#include "check_mode.hpp"
#include "core/escape.hpp"
#include "filter/filter.hpp"
#include "log_mode.hpp"
#include "metrics_mode.hpp"
#include "ss_options.hpp"
#include "top_mode.hpp"

namespace sw {

namespace {

// `sockwatch log` (docs/log.md, man/sockwatch-log.8.scd). The tables and
// families select what is watched as in ss mode (none given: TCP and UDP).
const OptionDoc kLogOptions[] = {
    {'t', "tcp", "", "TCP sockets", 0},
    {'u', "udp", "", "UDP sockets", 0},
    {'w', "raw", "", "RAW sockets", 0},
    {'x', "unix", "", "Unix domain sockets", 0},
    {'4', "ipv4", "", "only IPv4 sockets", 0},
    {'6', "ipv6", "", "only IPv6 sockets", 0},
    {'A', "query", "QUERY", "socket tables, as ss -A: all,inet,tcp,udp,raw,unix,...", 0},
    {0, "all-netns", "", "every network namespace on the host", 1},
    {'o', "output", "FILE", "append events to FILE instead of stdout", 2},
    {0, "rotate-size", "SIZE", "rotate FILE before it passes SIZE bytes (K, M, G; 0 = never)", 2},
    {0, "rotate-keep", "N", "rotated files to keep: FILE.1 .. FILE.N (default 5)", 2},
    {0, "ecs", "", "Elastic Common Schema fields instead of sockwatch's own", 2},
    {0, "db", "PATH", "also append every event to this SQLite database (one transaction a tick)",
     2},
    {0, "interval", "SECONDS", "seconds between socket polls (default 1)", 3},
    {0, "health-interval", "SECONDS", "seconds between health events (default 60, 0 = off)", 3},
    {0, "no-ebpf", "", "do not load the eBPF state-change source", 3},
    {'h', "help", "", "this text", 4},
};

// `sockwatch top` (docs/top.md, man/sockwatch-top.8.scd). Filter operands are
// the view's initial filter (the `/` prompt edits it), not a collection limit.
const OptionDoc kTopOptions[] = {
    {'t', "tcp", "", "TCP sockets (the default is TCP and UDP)", 0},
    {'u', "udp", "", "UDP sockets", 0},
    {'w', "raw", "", "RAW sockets", 0},
    {'x', "unix", "", "Unix domain sockets", 0},
    {'4', "ipv4", "", "only IPv4 sockets", 0},
    {'6', "ipv6", "", "only IPv6 sockets", 0},
    {0, "all-netns", "", "every network namespace on the host (containers)", 0},
    {'d', "delay", "SECONDS", "seconds between refreshes (default 1; fractions allowed)", 1},
    {0, "linger", "SECONDS", "how long closed connections stay on screen (default 5)", 1},
    {0, "view", "VIEW", "start in: connections, listeners, processes, remotes", 1},
    {0, "sort", "COLUMN", "sort by a column title (rx/s, local, age...; -COLUMN reverses)", 1},
    {0, "search", "TEXT", "start with this free-text search", 1},
    {0, "mono", "", "no colours (NO_COLOR in the environment does the same)", 2},
    {0, "no-mouse", "", "leave the mouse to the terminal (select text)", 2},
    {0, "no-ebpf", "", "do not load the eBPF state-change source", 2},
    {'b', "batch", "", "print frames as text to stdout, no terminal (like top -b)", 3},
    {'n', "iterations", "COUNT", "with -b: stop after COUNT frames", 3},
    {'j', "json", "", "with -b: each frame as one NDJSON line (schema sockwatch-top/1)", 3},
    {0, "width", "COLUMNS", "with -b: the frame width (default: the terminal's, else 160)", 3},
    {'h', "help", "", "this text and the key bindings", 4},
};

// `sockwatch baseline` (docs/baseline.md, man/sockwatch-baseline.8.scd).
const OptionDoc kBaselineOptions[] = {
    {0, "db", "PATH", "the database (default /var/lib/sockwatch/sockwatch.db as root)", 0},
    {0, "this-netns", "", "only this network namespace (default: every namespace)", 0},
    {0, "replay", "FILE", "save, diff, accept: a recording (check --record), not this host", 0},
    {'j', "json", "", "JSON output (schema sockwatch-baseline/1, sockwatch-baseline-diff/1)", 1},
    {0, "inbound-peers", "", "diff, accept: each client of a server is a peer of its own", 2},
    {0, "gone-talkers", "", "diff, accept: report conversations not going on now", 2},
    {0, "id", "ID", "accept: only this difference (repeatable; ids are in diff's output)", 2},
    {'h', "help", "", "this text", 3},
};

// `sockwatch check` (docs/rules.md, docs/exit-codes.md, man/sockwatch-check.8.scd).
const OptionDoc kCheckOptions[] = {
    {0, "rules", "FILE", "run these rules instead of the shipped set (docs/rules.md)", 0},
    {0, "rules-add", "FILE", "add these rules (or replace shipped ones by id); repeatable", 0},
    {0, "print-rules", "", "print the rules that would run, in the rule file format, and exit", 0},
    {0, "min-severity", "LEVEL", "leave out findings below info, low, medium, high or critical", 0},
    {0, "baseline", "NAME", "compare with this baseline (default: 'default', when saved)", 1},
    {0, "no-baseline", "", "no baseline: the rules that need one say they did not run", 1},
    {0, "db", "PATH", "the database of baselines and log history (see sockwatch baseline)", 1},
    {0, "this-netns", "", "only this network namespace (default: every namespace)", 2},
    {0, "record", "FILE", "also save the evidence (raw dumps and owners) to FILE", 2},
    {0, "replay", "FILE", "check a recording made with --record, not this host", 2},
    {'j', "json", "", "one JSON document (schema sockwatch-check/1)", 3},
    {0, "ecs", "", "Elastic Common Schema NDJSON: an alert per finding, then a summary", 3},
    {'h', "help", "", "this text and the exit statuses", 4},
};

std::string check_help_epilog() {
  return "\n"
         "Exit status: 0 nothing at low or above, 4 low, 5 medium, 6 high, 7 critical\n"
         "(the highest severity found); 1 could not look (or read the recording, or the\n"
         "database); 2 usage or rule file error; 3 internal error.\n";
}

// `sockwatch metrics` (docs/metrics.md, man/sockwatch-metrics.8.scd). With
// neither --textfile nor --listen the exposition goes to stdout once.
const OptionDoc kMetricsOptions[] = {
    {0, "textfile", "DIR", "write DIR/sockwatch.prom atomically (node_exporter textfile collector)",
     0},
    {0, "interval", "SECONDS", "with --textfile: write it again every SECONDS until SIGTERM", 0},
    {0, "listen", "ADDR:PORT", "serve /metrics over HTTP (:PORT alone: 127.0.0.1)", 1},
    {0, "listen-any", "", "let --listen use an address that is not loopback", 1},
    {0, "check-interval", "SECONDS",
     "with --listen: findings at most this often (default 60, 0 = none)", 1},
    {0, "all-netns", "", "every network namespace on the host (the default)", 2},
    {0, "this-netns", "", "only this network namespace", 2},
    {0, "top-peers", "N", "remote addresses with a series of their own (default 20)", 3},
    {0, "max-listeners", "N", "accept-queue series at most (default 200; the rest are counted)", 3},
    {0, "no-findings", "", "leave out sockwatch check's findings (no /proc evidence walk)", 3},
    {'h', "help", "", "this text", 4},
};

// Planned subcommands (DESIGN.md) have no options table until they exist: the
// docs describe only what this version does. Each issue that implements one
// fills in `options` (a kNameOptions array, which the drift test in
// tests/packaging reads) and `run`, and adds man/sockwatch-NAME.8.scd and its
// completion entries (the drift test insists once the table exists).
const Subcommand kSubcommands[] = {
    {"log", "headless event stream: every connection opened, changed, closed",
     "[ OPTIONS ] [ FILTER ]", kLogOptions, run_log},
    {"top", "live table of connections with rates, sort, filter and kill", "[ OPTIONS ] [ FILTER ]",
     kTopOptions, run_top, top_help_epilog},
    {"baseline", "record what listens and talks; diff later, with an exit code for cron",
     "{ save | diff | accept | list | show | delete } [ NAME ] [ OPTIONS ]", kBaselineOptions,
     run_baseline},
    {"check", "triage findings: sniffers, reverse shells, deleted binaries, hidden sockets",
     "[ OPTIONS ]", kCheckOptions, run_check, check_help_epilog},
    {"metrics", "Prometheus exposition of socket aggregates", "[ OPTIONS ]", kMetricsOptions,
     run_metrics},
};

const OptionDoc kSsModeExtensions[] = {
    {'j', "json", "", "one JSON document (schema sockwatch/1)", 0},
    {0, "ndjson", "", "one JSON object per socket (or -E event) per line", 0},
    {0, "all-netns", "", "every network namespace on the host, with a Netns column", 0},
    {0, "replay", "FILE", "read sockets from a recording (ss -D or --record), not the kernel", 0},
    {0, "record", "FILE", "write the raw dumps of every requested table to FILE", 0},
    {'v', "", "", "same as -V (ss accepts it too, without listing it)", 1},
};

// Optimal string alignment distance (Levenshtein plus adjacent transposition,
// so "tpo" is one edit from "top").
size_t osa_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// One row in ss's usage layout: three blanks, the option padded to 20, the help.
void append_option(std::string& out, const OptionDoc& o) {
  std::string left = o.short_name ? std::string("-") + o.short_name : std::string();
  if (!o.long_name.empty()) {
    left += o.short_name ? ", " : "    ";
    left += "--";
    left += o.long_name;
    if (!o.arg.empty()) left += "=" + std::string(o.arg);
  } else if (!o.arg.empty()) {
    left += " " + std::string(o.arg);
  }
  out += "   " + left;
  out += left.size() < 20 ? std::string(20 - left.size(), ' ') : std::string(" ");
  out += o.help;
  out += '\n';
}

void append_options(std::string& out, std::span<const OptionDoc> opts) {
  for (size_t i = 0; i < opts.size(); ++i) {
    if (i > 0 && opts[i].group != opts[i - 1].group) out += '\n';
    append_option(out, opts[i]);
  }
}

}  // namespace

std::span<const Subcommand> subcommands() { return kSubcommands; }

const Subcommand* find_subcommand(std::string_view name) {
  for (const auto& s : kSubcommands)
    if (s.name == name) return &s;
  return nullptr;
}

std::span<const OptionDoc> ss_mode_extensions() { return kSsModeExtensions; }

std::optional<std::string_view> suggest_subcommand(std::string_view word) {
  std::optional<std::string_view> best;
  size_t best_d = 0;
  for (const auto& s : kSubcommands) {
    size_t limit = s.name.size() <= 4 ? 1 : 2;
    size_t d = osa_distance(word, s.name);
    if (d == 0 || d > limit) continue;
    if (!best || d < best_d) {
      best = s.name;
      best_d = d;
    }
  }
  return best;
}

std::string help_appendix() {
  std::string out =
      "\n"
      "sockwatch: options that ss does not have\n";
  append_options(out, kSsModeExtensions);
  // Implemented subcommands first; planned ones are listed apart so that no
  // line promises what this version cannot do.
  for (bool implemented : {true, false}) {
    bool any = false;
    for (const auto& s : kSubcommands) {
      if ((s.run != nullptr) != implemented) continue;
      if (!any) {
        out += implemented ? "\nsockwatch: subcommands (sockwatch SUBCOMMAND --help)\n"
                           : "\nsockwatch: planned subcommands, not in this version\n";
        any = true;
      }
      std::string name(s.name);
      out += "   " + name + std::string(name.size() < 10 ? 10 - name.size() : 1, ' ');
      out += s.summary;
      out += '\n';
    }
  }
  out += "\nSee sockwatch(8) for the filter language, environment and exit codes.\n";
  return out;
}

std::string subcommand_help(const Subcommand& sub) {
  std::string out = "Usage: sockwatch " + std::string(sub.name) + " " + std::string(sub.usage) +
                    "\n   " + std::string(sub.summary) + "\n";
  if (!sub.options.empty()) {
    out += '\n';
    append_options(out, sub.options);
  }
  if (sub.help_epilog) out += sub.help_epilog();
  return out;
}

GetoptSpec getopt_spec(std::span<const OptionDoc> opts) {
  GetoptSpec g;
  g.names.reserve(opts.size());  // stable c_str() for the option rows
  for (size_t i = 0; i < opts.size(); ++i) {
    const OptionDoc& o = opts[i];
    int has_arg = o.arg.empty() ? no_argument : required_argument;
    if (o.short_name) {
      g.short_opts += o.short_name;
      if (has_arg) g.short_opts += ':';
    }
    if (!o.long_name.empty()) {
      g.names.emplace_back(o.long_name);
      int val = o.short_name ? o.short_name : 256 + static_cast<int>(i);
      g.longs.push_back({g.names.back().c_str(), has_arg, nullptr, val});
    }
  }
  g.longs.push_back({nullptr, 0, nullptr, 0});
  return g;
}

int parse_subcommand_args(const Subcommand& sub, const std::vector<std::string>& args,
                          const std::function<int(int, const std::string&, const char*)>& on,
                          std::vector<std::string>& operands, std::string& error) {
  GetoptSpec spec = getopt_spec(sub.options);
  std::vector<std::string> storage = {"sockwatch " + std::string(sub.name)};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  optind = 0;  // a full reset (GNU): this may not be the first getopt run
  opterr = 0;
  int argc = static_cast<int>(argv.size() - 1);
  for (;;) {
    int idx = -1;
    // A leading ":" makes a missing argument ':' (not '?'): its own message.
    std::string shorts = ":" + spec.short_opts;
    int c = getopt_long(argc, argv.data(), shorts.c_str(), spec.longs.data(), &idx);
    if (c == -1) break;
    if (c == '?' || c == ':') {
      std::string bad = optopt ? std::string("-") + static_cast<char>(optopt)
                               : std::string(argv[static_cast<size_t>(optind) - 1]);
      error = c == ':' ? "option " + bad + " needs an argument" : "unknown option " + bad;
      return 2;
    }
    std::string name =
        c >= 256 ? std::string(sub.options[static_cast<size_t>(c - 256)].long_name) : std::string();
    if (int st = on(c, name, optarg); st >= 0) return st;
  }
  for (int i = optind; i < argc; ++i) operands.emplace_back(argv[static_cast<size_t>(i)]);
  return -1;
}

int find_subcommand_word(int argc, char** argv) {
  int i = first_operand_index(argc, argv);
  return i >= 0 && find_subcommand(argv[i]) ? i : -1;
}

int run_subcommand(int argc, char** argv, int word) {
  const Subcommand* sub = find_subcommand(argv[word]);
  if (!sub) return 3;  // the caller found the word first; not reachable
  if (!sub->run) {
    std::fprintf(stderr, "sockwatch: %s: not implemented in this version\n", argv[word]);
    return 2;
  }
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i)
    if (i != word) args.emplace_back(argv[i]);
  bool short_h_free = std::none_of(sub->options.begin(), sub->options.end(),
                                   [](const OptionDoc& o) { return o.short_name == 'h'; });
  for (const auto& a : args) {
    if (a == "--") break;
    if (a == "--help" || (a == "-h" && short_h_free)) {
      std::fputs(subcommand_help(*sub).c_str(), stdout);
      return 0;
    }
  }
  return sub->run(args);
}

std::optional<std::string> typo_hint(int argc, char** argv, bool resolve_names) {
  int i = first_operand_index(argc, argv);
  if (i < 0) return std::nullopt;
  std::string word = argv[i];
  auto near = suggest_subcommand(word);
  if (!near) return std::nullopt;
  // A table name (`sockwatch tcp`, one edit from top) was meant as -A tcp, not top.
  {
    std::string opt = "-A", prog = "sockwatch";
    char* a[] = {prog.data(), opt.data(), word.data(), nullptr};
    if (parse_ss_command_line(3, a).options) return std::nullopt;
  }
  // Only when ss would reject the word itself (status 1: not a host, not an
  // address); a resolvable host or a keyword keeps its ss meaning.
  FilterContext ctx;
  ctx.resolve_names = resolve_names;
  ctx.ifindex_of = [](const std::string&) { return 0u; };
  ctx.cgroup_id_of = [](const std::string&) -> Expected<uint64_t> { return Error{"", 0}; };
  auto r = parse_filter({word}, {}, ctx);
  if (!r.error || r.error->status != 1 || r.error->caret_at != 0) return std::nullopt;
  std::string shown;
  append_escaped(shown, word);
  return "sockwatch: \"" + shown + "\" is neither a subcommand nor a host; did you mean " +
         std::string(*near) + "?\n";
}

}  // namespace sw
