#include "check_mode.hpp"

#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <optional>

#include "check_output.hpp"
#include "core/escape.hpp"
#include "core/files.hpp"
#include "db_path.hpp"
#include "evidence_cli.hpp"
#include "rules/check.hpp"
#include "rules/rule_set.hpp"
#include "store/store.hpp"
#include "subcommands.hpp"

namespace sw {

namespace {

constexpr uint64_t kMaxRulesBytes = 4 << 20;

struct CheckArgs {
  std::string rules;                   // --rules: replaces the shipped set
  std::vector<std::string> rules_add;  // --rules-add: merged in, in order
  bool print_rules = false;
  std::optional<std::string> baseline;  // --baseline NAME
  bool no_baseline = false;
  std::string db;
  Severity min_severity = Severity::Info;
  bool json = false, ecs = false;
  LookOptions look;
};

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "sockwatch check: %s\n(see sockwatch check --help)\n", msg.c_str());
  return 2;
}

// Trouble that is not about the command line: exit 1 (docs/exit-codes.md).
int failure(const std::string& msg) {
  std::string shown;
  append_escaped(shown, msg);
  std::fprintf(stderr, "sockwatch check: %s\n", shown.c_str());
  return 1;
}

int parse_args(const std::vector<std::string>& args, CheckArgs& a) {
  auto on = [&](int c, const std::string& name, const char* optarg) -> int {
    if (c == 'j') {
      a.json = true;
    } else if (name == "rules") {
      a.rules = optarg;
    } else if (name == "rules-add") {
      a.rules_add.emplace_back(optarg);
    } else if (name == "print-rules") {
      a.print_rules = true;
    } else if (name == "baseline") {
      a.baseline = optarg;
    } else if (name == "no-baseline") {
      a.no_baseline = true;
    } else if (name == "db") {
      a.db = optarg;
    } else if (name == "this-netns") {
      a.look.this_netns = true;
    } else if (name == "min-severity") {
      auto s = parse_severity(optarg);
      if (!s)
        return usage_error(std::string("--min-severity: '") + optarg +
                           "' is not a severity (info, low, medium, high, critical)");
      a.min_severity = *s;
    } else if (name == "ecs") {
      a.ecs = true;
    } else if (name == "record") {
      a.look.record = optarg;
    } else if (name == "replay") {
      a.look.replay = optarg;
    } else {
      return usage_error("unhandled option (internal)");
    }
    return -1;
  };
  std::vector<std::string> operands;
  std::string err;
  int st = parse_subcommand_args(*find_subcommand("check"), args, on, operands, err);
  if (!err.empty()) return usage_error(err);
  if (st >= 0) return st;
  if (!operands.empty()) {
    std::string shown;
    append_escaped(shown, operands[0]);
    return usage_error("unexpected operand '" + shown + "' (check takes options only)");
  }
  if (a.json && a.ecs) return usage_error("-j and --ecs are two output forms: choose one");
  if (!a.look.record.empty() && !a.look.replay.empty())
    return usage_error("--record writes what this host shows; --replay reads a recording");
  if (!a.look.replay.empty() && a.look.this_netns)
    return usage_error("--this-netns looks at this host; --replay reads a recording");
  if (a.baseline && a.no_baseline) return usage_error("--baseline and --no-baseline contradict");
  return -1;
}

// The rules that run: the shipped set or --rules FILE, then each --rules-add.
// A file that does not parse is a configuration error: exit 2, FILE:LINE.
int load_rules(const CheckArgs& a, RuleSet& out) {
  auto parse_file = [](const std::string& path) -> Expected<RuleSet> {
    auto text = read_file_bounded(path, kMaxRulesBytes);
    if (!text) return text.error();
    return parse_rules(*text, path);
  };
  if (a.rules.empty()) {
    auto r = parse_rules(default_rules_text(), "default.rules");
    if (!r) {
      failure("the shipped rules do not parse (internal): " + r.error().message);
      return 3;
    }
    out = std::move(*r);
  } else {
    auto r = parse_file(a.rules);
    if (!r) return usage_error("--rules: " + r.error().message);
    out = std::move(*r);
  }
  for (const auto& path : a.rules_add) {
    auto r = parse_file(path);
    if (!r) return usage_error("--rules-add: " + r.error().message);
    merge_rules(out, std::move(*r));
  }
  return -1;
}

// The store for the baseline and the log's history. Only a database that is
// there is opened unless one was named: a check never creates one.
int open_store(const CheckArgs& a, std::unique_ptr<Store>& store, std::string& why) {
  std::string path = a.db.empty() ? default_db_path() : a.db;
  if (a.db.empty() && !a.baseline && ::access(path.c_str(), F_OK) != 0) {
    why = "no database at " + path + " (sockwatch baseline save, log --db)";
    return -1;
  }
  auto s = Store::open(path);
  if (!s) return failure(s.error().message);
  store = std::move(*s);
  return -1;
}

}  // namespace

int run_check(const std::vector<std::string>& args) {
  CheckArgs a;
  if (int st = parse_args(args, a); st >= 0) return st;
  RuleSet rules;
  if (int st = load_rules(a, rules); st >= 0) return st;
  if (a.print_rules) {
    std::string text = format_rules(rules);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }

  CheckContext ctx;
  ctx.min_severity = a.min_severity;
  std::unique_ptr<Store> store;
  std::string store_why;
  if (int st = open_store(a, store, store_why); st >= 0) return st;
  if (a.no_baseline) {
    ctx.baseline_missing_why = "--no-baseline";
  } else if (!store) {
    ctx.baseline_missing_why = store_why;
  } else {
    std::string name = a.baseline.value_or("default");
    auto b = store->load_baseline(name);
    if (!b) return failure(b.error().message);
    if (*b) {
      ctx.baseline = std::move((**b).inventory);
      ctx.baseline_name = name;
    } else if (a.baseline) {
      return failure("no baseline named '" + name + "' in " + store->path() +
                     " (sockwatch baseline save " + name + " makes one)");
    } else {
      ctx.baseline_missing_why =
          "no baseline 'default' in " + store->path() + " (sockwatch baseline save makes one)";
    }
  }
  if (store) {
    Store* s = store.get();
    ctx.has_talked = [s](const std::string& exe, const std::string& peer, uint16_t port) {
      return s->has_talked(exe, peer, port);
    };
  } else {
    ctx.store_missing_why = store_why;
  }

  auto ev = look_at_host(a.look);
  if (!ev) return failure(ev.error().message);
  std::map<uint64_t, std::map<uint32_t, std::string>> ifnames;
  for (const auto& ns : ev->namespaces)
    for (const auto& [idx, name] : ns.interfaces) ifnames[ns.inode][idx] = name;
  ctx.ifname = [&ifnames](uint64_t netns, uint32_t idx) -> std::string {
    auto n = ifnames.find(netns);
    if (n == ifnames.end()) return {};
    auto i = n->second.find(idx);
    return i == n->second.end() ? std::string() : i->second;
  };

  CheckResult res = evaluate(*ev, rules, ctx);
  int status = check_exit_status(res);
  std::string out = a.json  ? check_json(res, status)
                    : a.ecs ? check_ecs(res, status)
                            : check_text(res, status);
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return failure("writing the result: standard output failed");
  return status;
}

}  // namespace sw
