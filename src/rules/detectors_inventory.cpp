// The detectors that compare with what was seen before: listeners on all
// interfaces that the baseline does not have, and programs talking to peers
// that neither the baseline nor the log store has seen them talk to. Both
// work on the Inventory (ir/inventory.hpp) so they judge identities the way
// `baseline diff` does: executable, port, exposure, user; never pid or inode.
#include <fmt/format.h>

#include <algorithm>

#include "ir/baseline_diff.hpp"
#include "rules/detectors.hpp"

namespace sw {

namespace {

const std::vector<std::string> kNone;

bool proto_is(const SocketRecord& r, const std::string& proto) {
  return std::string(table_netid(r.table)) == proto;
}

// The socket behind an inventory line, best effort (the inventory keeps no inode).
const SocketRecord* find_socket(const Evidence& ev, const std::string& netns,
                                const std::string& proto, uint16_t port, bool listening,
                                bool inbound, const std::string& peer, const std::string& exe,
                                const NamespaceEvidence** ns_out) {
  for (const auto& ns : ev.namespaces) {
    if (ns.name != netns) continue;
    for (const auto& r : ns.sockets) {
      if (!r.is_inet() || !proto_is(r, proto)) continue;
      if (listening) {
        if (r.lport != port || !(r.state == kListen || r.rport == 0)) continue;
      } else {
        // The talker's service port is the peer's for an outbound
        // conversation, ours for an inbound one (0: an ephemeral one).
        uint16_t service = inbound ? r.lport : r.rport;
        if (ip_text(r.peer) != peer || (port && service != port)) continue;
      }
      auto h = ev.holders(r.inode);
      if (!exe.empty() &&
          std::none_of(h.begin(), h.end(), [&](const auto& x) { return x.process->exe == exe; }))
        continue;
      *ns_out = &ns;
      return &r;
    }
  }
  return nullptr;
}

const ProcessEvidence* holder_with_exe(const Evidence& ev, const SocketRecord* r,
                                       const std::string& exe) {
  if (!r) return nullptr;
  for (const auto& h : ev.holders(r->inode))
    if (exe.empty() || h.process->exe == exe) return h.process;
  return nullptr;
}

}  // namespace

void run_new_listener(const Evidence& ev, const EvidenceIndex&, const Rule& rule,
                      const CheckContext& ctx, DetectorOutput& out) {
  if (!ctx.baseline) {
    out.not_run.push_back(ctx.baseline_missing_why.empty() ? "no baseline to compare with"
                                                           : ctx.baseline_missing_why);
    return;
  }
  static const std::vector<std::string> kWildcard = {"wildcard"};
  const auto& exposures = rule.param("exposure", kWildcard);
  Inventory now = make_inventory(ev);
  for (const auto& c : diff_inventory(*ctx.baseline, now)) {
    if (c.kind != InventoryChange::Kind::NewListener &&
        c.kind != InventoryChange::Kind::ListenerExposure &&
        c.kind != InventoryChange::Kind::ListenerOwner)
      continue;
    if (!c.listener_now) continue;
    const Listener& l = *c.listener_now;
    if (std::find(exposures.begin(), exposures.end(), exposure_name(l.exposure)) == exposures.end())
      continue;
    const NamespaceEvidence* ns = nullptr;
    const SocketRecord* r = find_socket(ev, l.netns, l.proto, l.port, true, false, "", l.exe, &ns);
    Finding f = make_finding(rule, ev, holder_with_exe(ev, r, l.exe), r, ns, ctx);
    f.details.emplace_back("change", change_kind_name(c.kind));
    f.details.emplace_back("change_id", c.id);
    f.details.emplace_back("baseline", ctx.baseline_name);
    f.explanation = describe(c);
    out.findings.push_back(std::move(f));
  }
}

void run_new_peer(const Evidence& ev, const EvidenceIndex&, const Rule& rule,
                  const CheckContext& ctx, DetectorOutput& out) {
  if (!ctx.baseline && !ctx.has_talked) {
    std::string b = ctx.baseline_missing_why.empty() ? "no baseline" : ctx.baseline_missing_why;
    std::string s = ctx.store_missing_why.empty() ? "no store" : ctx.store_missing_why;
    out.not_run.push_back(fmt::format("neither a baseline nor a log store to compare with ({})",
                                      b == s ? b : b + "; " + s));
    return;
  }
  static const std::vector<std::string> kOut = {"outbound"};
  static const std::vector<std::string> kNo = {"no"};
  const auto& dirs = rule.param("direction", kOut);
  bool loopback = rule.param("loopback", kNo).front() == "yes";
  auto dir_ok = [&](bool inbound) {
    return std::find(dirs.begin(), dirs.end(), inbound ? "inbound" : "outbound") != dirs.end();
  };
  auto is_loopback = [](const std::string& a) {
    return a.rfind("127.", 0) == 0 || a == "::1" || a.rfind("::ffff:127.", 0) == 0;
  };
  Inventory now = make_inventory(ev);
  std::vector<std::pair<Talker, std::string>> candidates;  // talker, change id
  if (ctx.baseline) {
    for (const auto& c : diff_inventory(*ctx.baseline, now))
      if ((c.kind == InventoryChange::Kind::NewTalker ||
           c.kind == InventoryChange::Kind::NewPeer) &&
          c.talker_now)
        candidates.emplace_back(*c.talker_now, c.id);
  } else {
    for (const auto& t : now.talkers) candidates.emplace_back(t, "");
  }
  bool store_failed = false;
  for (auto& [t, id] : candidates) {
    if (!dir_ok(t.inbound) || (!loopback && is_loopback(t.peer)) || t.exe.empty()) continue;
    if (ctx.has_talked) {
      auto known = ctx.has_talked(t.exe, t.peer, t.port);
      if (!known) {
        if (!store_failed)
          out.not_run.push_back(fmt::format("log store: {}", known.error().message));
        store_failed = true;
      } else if (*known) {
        continue;
      }
    }
    const NamespaceEvidence* ns = nullptr;
    const SocketRecord* r =
        find_socket(ev, t.netns, t.proto, t.port, false, t.inbound, t.peer, t.exe, &ns);
    Finding f = make_finding(rule, ev, holder_with_exe(ev, r, t.exe), r, ns, ctx);
    if (!id.empty()) f.details.emplace_back("change_id", id);
    std::string where = ctx.baseline && ctx.has_talked ? "the baseline or the log store"
                        : ctx.baseline                 ? "the baseline"
                                                       : "the log store";
    f.explanation = fmt::format("{} talks {} {} port {} ({}), a peer it never had in {}", t.exe,
                                t.inbound ? "from" : "to", t.peer, t.port, t.proto, where);
    out.findings.push_back(std::move(f));
  }
}

}  // namespace sw
