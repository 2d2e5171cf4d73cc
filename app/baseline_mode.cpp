#include "baseline_mode.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>

#include "core/escape.hpp"
#include "db_path.hpp"
#include "evidence_cli.hpp"
#include "ir/baseline_diff.hpp"
#include "ir/inventory.hpp"
#include "render/event_json.hpp"
#include "render/json_writer.hpp"
#include "store/store.hpp"
#include "subcommands.hpp"

namespace sw {

namespace {

constexpr const char kDiffSchema[] = "sockwatch-baseline-diff/1";
constexpr const char kBaselineSchema[] = "sockwatch-baseline/1";

struct BaselineArgs {
  std::string action;
  std::string name = "default";
  bool name_given = false;
  std::string db;
  bool this_netns = false;
  std::string replay;
  bool json = false;
  DiffOptions diff;
  std::vector<std::string> ids;
};

// diff(1) says 2 for trouble of any kind; the other actions say 2 for usage only.
int g_trouble = 1;

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "sockwatch baseline: %s\n(see sockwatch baseline --help)\n", msg.c_str());
  return 2;
}

int failure(const std::string& msg) {
  std::fprintf(stderr, "sockwatch baseline: %s\n", msg.c_str());
  return g_trouble;
}

std::string esc(std::string_view s) {
  std::string out;
  append_escaped(out, s);
  return out;
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 128) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '@' || c == ':';
  });
}

int parse_args(const std::vector<std::string>& args, BaselineArgs& a) {
  auto on = [&](int c, const std::string& name, const char* optarg) -> int {
    switch (c) {
      case 'h':
        std::fputs(subcommand_help(*find_subcommand("baseline")).c_str(), stdout);
        return 0;
      case 'j':
        a.json = true;
        return -1;
      default:
        break;
    }
    if (name == "db") {
      a.db = optarg;
    } else if (name == "this-netns") {
      a.this_netns = true;
    } else if (name == "replay") {
      a.replay = optarg;
    } else if (name == "inbound-peers") {
      a.diff.inbound_peers = true;
    } else if (name == "gone-talkers") {
      a.diff.gone_talkers = true;
    } else if (name == "id") {
      a.ids.emplace_back(optarg);
    } else {
      return usage_error("unhandled option (internal)");
    }
    return -1;
  };
  std::vector<std::string> operands;
  std::string err;
  int st = parse_subcommand_args(*find_subcommand("baseline"), args, on, operands, err);
  if (!err.empty()) return usage_error(err);
  if (st >= 0) return st;
  if (operands.empty()) return usage_error("which action? save, diff, list, show, delete, accept");
  a.action = operands[0];
  static const std::set<std::string> kActions = {"save", "diff",   "list",
                                                 "show", "delete", "accept"};
  if (!kActions.count(a.action))
    return usage_error("'" + esc(a.action) +
                       "' is not an action (save, diff, list, show, delete, accept)");
  if (operands.size() > 2) return usage_error("too many operands after '" + a.action + "'");
  if (operands.size() == 2) {
    a.name = operands[1];
    a.name_given = true;
  }
  if (a.action == "list" && a.name_given) return usage_error("list takes no name");
  if ((a.action == "show" || a.action == "delete") && !a.name_given)
    return usage_error(a.action + " needs the name of a baseline");
  if (!valid_name(a.name))
    return usage_error("'" + esc(a.name) +
                       "' is not a baseline name (letters, digits and - _ . @ :, at most 128)");
  bool collects = a.action == "save" || a.action == "diff" || a.action == "accept";
  if (!collects && (a.this_netns || !a.replay.empty()))
    return usage_error(a.action + " reads the database only (no --this-netns or --replay)");
  if (!a.replay.empty() && a.this_netns)
    return usage_error("--this-netns looks at this host; --replay reads a recording");
  if (!a.ids.empty() && a.action != "accept") return usage_error("--id is for accept");
  if ((a.diff.inbound_peers || a.diff.gone_talkers) && a.action != "diff" && a.action != "accept")
    return usage_error("--inbound-peers and --gone-talkers are for diff and accept");
  return -1;
}

Expected<std::unique_ptr<Store>> open_store(const BaselineArgs& a) {
  std::string path = a.db.empty() ? default_db_path() : a.db;
  return Store::open(path);
}

Expected<Evidence> look(const BaselineArgs& a) {
  LookOptions o;
  o.this_netns = a.this_netns;
  o.replay = a.replay;
  return look_at_host(o);
}

void json_listener(JsonWriter& w, const Listener& l) {
  w.begin_object();
  w.text("netns", l.netns);
  w.field("proto", l.proto);
  w.field("family", l.family == 10 ? "inet6" : "inet");
  w.field("address", l.address);
  w.field("port", static_cast<uint32_t>(l.port));
  w.field("exposure", exposure_name(l.exposure));
  if (!l.device.empty()) w.text("device", l.device);
  w.text("exe", l.exe);
  if (l.uid) w.field("uid", *l.uid);
  if (!l.user.empty()) w.text("user", l.user);
  if (!l.container.empty()) w.text("container", l.container);
  w.end_object();
}

void json_talker(JsonWriter& w, const Talker& t) {
  w.begin_object();
  w.text("netns", t.netns);
  w.field("proto", t.proto);
  w.text("exe", t.exe);
  if (t.uid) w.field("uid", *t.uid);
  if (!t.container.empty()) w.text("container", t.container);
  w.field("direction", t.inbound ? "inbound" : "outbound");
  w.field("peer", t.peer);
  w.key("port");
  if (t.port)
    w.value(static_cast<uint32_t>(t.port));
  else
    w.value("ephemeral");
  w.end_object();
}

void print(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

std::string time_text(int64_t us) { return us ? rfc3339_us(us) : std::string("-"); }

int do_save(const BaselineArgs& a, Store& store) {
  auto ev = look(a);
  if (!ev) return failure(ev.error().message);
  report_visibility(*ev, "baseline");
  Baseline b;
  b.name = a.name;
  b.inventory = make_inventory(*ev);
  b.created_us = b.updated_us = ev->host.taken_us;
  if (auto r = store.save_baseline(b); !r) return failure(r.error().message);
  if (a.json) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.field("schema", kBaselineSchema);
    w.field("saved", a.name);
    w.field("database", store.path());
    w.field("listeners", static_cast<uint64_t>(b.inventory.listeners.size()));
    w.field("talkers", static_cast<uint64_t>(b.inventory.talkers.size()));
    json_host(w, b.inventory.host);
    json_visibility(w, ev->visibility);
    w.end_object();
    out += '\n';
    print(out);
  } else {
    print(fmt::format("saved baseline '{}': {} listeners, {} talkers ({})\n", a.name,
                      b.inventory.listeners.size(), b.inventory.talkers.size(), esc(store.path())));
  }
  return 0;
}

Expected<Baseline> load(Store& store, const std::string& name) {
  auto b = store.load_baseline(name);
  if (!b) return b.error();
  if (!*b)
    return Error{"no baseline named '" + esc(name) + "' in " + store.path() +
                 " (sockwatch baseline save " + name + " makes one)"};
  return std::move(**b);
}

void json_change(JsonWriter& w, const InventoryChange& c) {
  w.begin_object();
  w.field("id", c.id);
  w.field("kind", change_kind_name(c.kind));
  w.text("line", describe(c));
  if (c.listener_before) {
    w.key("before");
    json_listener(w, *c.listener_before);
  }
  if (c.listener_now) {
    w.key("now");
    json_listener(w, *c.listener_now);
  }
  if (c.talker_before) {
    w.key("before");
    json_talker(w, *c.talker_before);
  }
  if (c.talker_now) {
    w.key("now");
    json_talker(w, *c.talker_now);
  }
  w.end_object();
}

int do_diff(const BaselineArgs& a, Store& store) {
  auto base = load(store, a.name);
  if (!base) return failure(base.error().message);
  auto ev = look(a);
  if (!ev) return failure(ev.error().message);
  report_visibility(*ev, "baseline");
  auto changes = diff_inventory(base->inventory, make_inventory(*ev), a.diff);
  if (a.json) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.field("schema", kDiffSchema);
    w.field("baseline", a.name);
    w.field("baseline_created", time_text(base->created_us));
    w.field("equal", changes.empty());
    json_host(w, ev->host);
    w.key("changes");
    w.begin_array();
    for (const auto& c : changes) json_change(w, c);
    w.end_array();
    json_visibility(w, ev->visibility);
    w.end_object();
    out += '\n';
    print(out);
  } else {
    std::string out;
    for (const auto& c : changes) {
      append_escaped(out, describe(c));
      out += fmt::format("  [{}]\n", c.id);
    }
    print(out);
  }
  return changes.empty() ? 0 : 1;
}

int do_accept(const BaselineArgs& a, Store& store) {
  auto base = load(store, a.name);
  if (!base) return failure(base.error().message);
  auto ev = look(a);
  if (!ev) return failure(ev.error().message);
  report_visibility(*ev, "baseline");
  auto changes = diff_inventory(base->inventory, make_inventory(*ev), a.diff);
  std::vector<InventoryChange> taken;
  std::set<std::string> wanted(a.ids.begin(), a.ids.end());
  for (const auto& c : changes)
    if (wanted.empty() || wanted.erase(c.id)) taken.push_back(c);
  if (!wanted.empty())
    return failure("no such difference now: " + esc(*wanted.begin()) +
                   " (see sockwatch baseline diff " + a.name + ")");
  if (!taken.empty()) {
    Baseline b = std::move(*base);
    b.inventory = apply_changes(b.inventory, taken, a.diff);
    b.updated_us = ev->host.taken_us;
    if (auto r = store.save_baseline(b); !r) return failure(r.error().message);
  }
  std::string out;
  if (a.json) {
    JsonWriter w(out);
    w.begin_object();
    w.field("schema", kDiffSchema);
    w.field("baseline", a.name);
    w.key("accepted");
    w.begin_array();
    for (const auto& c : taken) json_change(w, c);
    w.end_array();
    w.end_object();
    out += '\n';
  } else {
    for (const auto& c : taken) {
      out += "accepted: ";
      append_escaped(out, describe(c));
      out += '\n';
    }
    if (taken.empty()) out += fmt::format("baseline '{}' already matches\n", a.name);
  }
  print(out);
  return 0;
}

int do_list(const BaselineArgs& a, Store& store) {
  auto all = store.list_baselines();
  if (!all) return failure(all.error().message);
  std::string out;
  if (a.json) {
    JsonWriter w(out);
    w.begin_object();
    w.field("schema", kBaselineSchema);
    w.field("database", store.path());
    w.key("baselines");
    w.begin_array();
    for (const auto& s : *all) {
      w.begin_object();
      w.field("name", s.name);
      w.field("created", time_text(s.created_us));
      w.field("updated", time_text(s.updated_us));
      w.text("hostname", s.hostname);
      w.text("machine_id", s.machine_id);
      w.text("boot_id", s.boot_id);
      w.field("listeners", s.listeners);
      w.field("talkers", s.talkers);
      w.end_object();
    }
    w.end_array();
    w.end_object();
    out += '\n';
  } else {
    out += fmt::format("{:<20} {:<27} {:<27} {:<20} {:>9} {:>8}\n", "Name", "Created", "Updated",
                       "Host", "Listeners", "Talkers");
    for (const auto& s : *all)
      out +=
          fmt::format("{:<20} {:<27} {:<27} {:<20} {:>9} {:>8}\n", s.name, time_text(s.created_us),
                      time_text(s.updated_us), esc(s.hostname), s.listeners, s.talkers);
  }
  print(out);
  return 0;
}

int do_show(const BaselineArgs& a, Store& store) {
  auto b = load(store, a.name);
  if (!b) return failure(b.error().message);
  const Inventory& inv = b->inventory;
  std::string out;
  if (a.json) {
    JsonWriter w(out);
    w.begin_object();
    w.field("schema", kBaselineSchema);
    w.field("name", b->name);
    w.field("created", time_text(b->created_us));
    w.field("updated", time_text(b->updated_us));
    json_host(w, inv.host);
    w.key("listeners");
    w.begin_array();
    for (const auto& l : inv.listeners) json_listener(w, l);
    w.end_array();
    w.key("talkers");
    w.begin_array();
    for (const auto& t : inv.talkers) json_talker(w, t);
    w.end_array();
    w.end_object();
    out += '\n';
  } else {
    out += fmt::format("baseline '{}' of {} (machine {}), created {}, updated {}\n", b->name,
                       esc(inv.host.hostname), esc(inv.host.machine_id), time_text(b->created_us),
                       time_text(b->updated_us));
    out += fmt::format("listeners ({}):\n", inv.listeners.size());
    for (const auto& l : inv.listeners) {
      InventoryChange c{InventoryChange::Kind::NewListener, std::nullopt, l, {}, {}, {}};
      std::string line = describe(c);  // "+ listen ... — new, <exposure>"
      auto cut = line.find(" — new, ");
      out += "  ";
      append_escaped(out, line.substr(2, cut - 2));
      out += fmt::format(" ({})\n", exposure_name(l.exposure));
    }
    out += fmt::format("talkers ({}):\n", inv.talkers.size());
    for (const auto& t : inv.talkers) {
      InventoryChange c{InventoryChange::Kind::NewTalker, {}, {}, {}, t, {}};
      std::string line = describe(c);
      auto cut = line.find(" — ");
      out += "  ";
      append_escaped(out, line.substr(2, cut - 2));
      out += '\n';
    }
  }
  print(out);
  return 0;
}

}  // namespace

int run_baseline(const std::vector<std::string>& args) {
  BaselineArgs a;
  if (int st = parse_args(args, a); st >= 0) return st;
  g_trouble = a.action == "diff" ? 2 : 1;
  auto store = open_store(a);
  if (!store) return failure(store.error().message);
  Store& s = **store;
  if (a.action == "save") return do_save(a, s);
  if (a.action == "diff") return do_diff(a, s);
  if (a.action == "accept") return do_accept(a, s);
  if (a.action == "list") return do_list(a, s);
  if (a.action == "show") return do_show(a, s);
  auto gone = s.delete_baseline(a.name);
  if (!gone) return failure(gone.error().message);
  if (!*gone) return failure("no baseline named '" + esc(a.name) + "' in " + esc(s.path()));
  print(fmt::format("deleted baseline '{}'\n", a.name));
  return 0;
}

}  // namespace sw
