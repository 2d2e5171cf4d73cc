#include "ir/baseline_diff.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

#include <algorithm>
#include <tuple>

namespace sw {

const char* change_kind_name(InventoryChange::Kind k) {
  using K = InventoryChange::Kind;
  switch (k) {
    case K::NewListener:
      return "new-listener";
    case K::GoneListener:
      return "gone-listener";
    case K::ListenerOwner:
      return "listener-owner";
    case K::ListenerExposure:
      return "listener-exposure";
    case K::NewTalker:
      return "new-talker";
    case K::NewPeer:
      return "new-peer";
    case K::GoneTalker:
      return "gone-talker";
  }
  return "?";
}

namespace {

using K = InventoryChange::Kind;

// Identities. A listener's slot is where it listens; its identity adds who
// (executable and uid). The user name and container label are shown, never
// compared: a recreated container gets a new id for the same service.
auto slot(const Listener& l) { return std::tie(l.netns, l.proto, l.family, l.address, l.port); }
auto identity(const Listener& l) {
  return std::tie(l.netns, l.proto, l.family, l.address, l.port, l.device, l.exe, l.uid);
}
auto service(const Listener& l) { return std::tie(l.netns, l.proto, l.port, l.exe); }

struct TalkerId {
  const Talker* t;
  bool with_peer;
  auto tie() const {
    static const std::string kNone;
    return std::tie(t->netns, t->proto, t->exe, t->inbound, with_peer ? t->peer : kNone, t->port,
                    t->uid);
  }
  bool operator==(const TalkerId& o) const { return tie() == o.tie(); }
};

bool peer_counts(const Talker& t, const DiffOptions& opt) {
  return !t.inbound || opt.inbound_peers;
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string uid_text(const std::optional<uint32_t>& uid) {
  return uid ? fmt::format("uid {}", *uid) : std::string("uid ?");
}

std::string endpoint(const Listener& l) {
  std::string a = l.family == AF_INET6 ? "[" + l.address + "]" : l.address;
  if (l.exposure == Exposure::Device && !l.device.empty()) a += "%" + l.device;
  return fmt::format("{}:{}", a, l.port);
}

std::string owner_text(const std::string& exe, const std::optional<uint32_t>& uid) {
  return fmt::format("{} ({})", exe.empty() ? std::string("an unknown program") : exe,
                     uid_text(uid));
}

std::string exposure_words(Exposure e) {
  switch (e) {
    case Exposure::Wildcard:
      return "exposed on all interfaces";
    case Exposure::Loopback:
      return "loopback only";
    case Exposure::Specific:
      return "on one address";
    case Exposure::Device:
      return "on one device";
  }
  return "";
}

std::string ns_prefix(const std::string& netns) {
  return netns.empty() ? std::string() : fmt::format("[netns {}] ", netns);
}

std::string listener_text(const Listener& l) {
  return fmt::format("{}listen {} {} by {}", ns_prefix(l.netns), l.proto, endpoint(l),
                     owner_text(l.exe, l.uid));
}

std::string peer_text(const Talker& t, bool with_peer) {
  std::string port = t.port ? std::to_string(t.port) : std::string("ephemeral");
  if (t.inbound)
    return with_peer ? fmt::format("<- {} on :{}/{}", t.peer, port, t.proto)
                     : fmt::format("<- clients on :{}/{}", port, t.proto);
  std::string peer = t.peer.find(':') != std::string::npos ? "[" + t.peer + "]" : t.peer;
  return fmt::format("-> {}:{}/{}", peer, port, t.proto);
}

std::string talker_text(const Talker& t, bool with_peer) {
  return fmt::format("{}talk {} {}", ns_prefix(t.netns), owner_text(t.exe, t.uid),
                     peer_text(t, with_peer));
}

std::string make_id(K kind, const std::string& what) {
  return fmt::format(
      "{:08x}", static_cast<uint32_t>(fnv1a(fmt::format("{}|{}", change_kind_name(kind), what))));
}

}  // namespace

std::vector<InventoryChange> diff_inventory(const Inventory& before, const Inventory& now,
                                            const DiffOptions& opt) {
  std::vector<InventoryChange> out;
  // Listeners: exact identities first, then the same slot with another owner,
  // then the same service (program and port) at another address or scope.
  std::vector<const Listener*> b, n;
  for (const auto& l : before.listeners) b.push_back(&l);
  for (const auto& l : now.listeners) {
    auto it = std::find_if(b.begin(), b.end(),
                           [&](const Listener* x) { return x && identity(*x) == identity(l); });
    if (it != b.end())
      *it = nullptr;
    else
      n.push_back(&l);
  }
  auto add = [&](K kind, const Listener* was, const Listener* is) {
    InventoryChange c{kind, {}, {}, {}, {}, {}};
    if (was) c.listener_before = *was;
    if (is) c.listener_now = *is;
    c.id = make_id(kind, (was ? listener_text(*was) : "") + "|" + (is ? listener_text(*is) : ""));
    out.push_back(std::move(c));
  };
  for (auto& l : n) {
    auto it = std::find_if(b.begin(), b.end(),
                           [&](const Listener* x) { return x && slot(*x) == slot(*l); });
    if (it != b.end()) {
      add(K::ListenerOwner, *it, l);
      *it = nullptr;
      l = nullptr;
    }
  }
  for (auto& l : n) {
    if (!l) continue;
    auto it = std::find_if(b.begin(), b.end(),
                           [&](const Listener* x) { return x && service(*x) == service(*l); });
    if (it != b.end()) {
      add(K::ListenerExposure, *it, l);
      *it = nullptr;
    } else {
      add(K::NewListener, nullptr, l);
    }
  }
  for (const Listener* l : b)
    if (l) add(K::GoneListener, l, nullptr);

  // Talkers: a conversation is new when no baseline talker has its identity;
  // it is a new talker when the program talked to no one (in that direction
  // and namespace) before.
  auto tid = [&](const Talker& t) { return TalkerId{&t, peer_counts(t, opt)}; };
  std::vector<TalkerId> seen;
  auto note_talker = [&](K kind, const Talker* was, const Talker* is) {
    InventoryChange c{kind, {}, {}, {}, {}, {}};
    if (was) c.talker_before = *was;
    if (is) c.talker_now = *is;
    const Talker& t = is ? *is : *was;
    c.id = make_id(kind, talker_text(t, peer_counts(t, opt)));
    out.push_back(std::move(c));
  };
  for (const auto& t : now.talkers) {
    TalkerId id = tid(t);
    if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
    seen.push_back(id);
    bool known = std::any_of(before.talkers.begin(), before.talkers.end(),
                             [&](const Talker& x) { return tid(x) == id; });
    if (known) continue;
    bool program_known =
        std::any_of(before.talkers.begin(), before.talkers.end(), [&](const Talker& x) {
          return x.netns == t.netns && x.exe == t.exe && x.inbound == t.inbound;
        });
    note_talker(program_known ? K::NewPeer : K::NewTalker, nullptr, &t);
  }
  if (opt.gone_talkers) {
    std::vector<TalkerId> gone;
    for (const auto& t : before.talkers) {
      TalkerId id = tid(t);
      if (std::find(gone.begin(), gone.end(), id) != gone.end()) continue;
      gone.push_back(id);
      bool still = std::any_of(now.talkers.begin(), now.talkers.end(),
                               [&](const Talker& x) { return tid(x) == id; });
      if (!still) note_talker(K::GoneTalker, &t, nullptr);
    }
  }

  auto order = [](const InventoryChange& c) {
    bool listener = c.listener_now || c.listener_before;
    const Listener* l =
        c.listener_now ? &*c.listener_now : (c.listener_before ? &*c.listener_before : nullptr);
    const Talker* t =
        c.talker_now ? &*c.talker_now : (c.talker_before ? &*c.talker_before : nullptr);
    static const std::string kEmpty;
    return std::make_tuple(listener ? 0 : 1, l ? l->netns : t->netns, l ? l->proto : t->proto,
                           l ? l->port : uint16_t{0}, t ? t->exe : kEmpty, t ? t->peer : kEmpty,
                           t ? t->port : uint16_t{0}, static_cast<int>(c.kind));
  };
  std::stable_sort(out.begin(), out.end(), [&](const InventoryChange& a, const InventoryChange& c) {
    return order(a) < order(c);
  });
  return out;
}

std::string describe(const InventoryChange& c) {
  switch (c.kind) {
    case K::NewListener: {
      const Listener& l = *c.listener_now;
      return fmt::format("+ {} — new, {}", listener_text(l), exposure_words(l.exposure));
    }
    case K::GoneListener:
      return fmt::format("- {} — gone", listener_text(*c.listener_before));
    case K::ListenerOwner: {
      const Listener& was = *c.listener_before;
      return fmt::format("~ {} — owner changed, was {}", listener_text(*c.listener_now),
                         owner_text(was.exe, was.uid));
    }
    case K::ListenerExposure: {
      const Listener& was = *c.listener_before;
      const Listener& is = *c.listener_now;
      return fmt::format("~ {} — exposure changed from {} ({}) to {}, {}", listener_text(is),
                         exposure_name(was.exposure), endpoint(was), exposure_name(is.exposure),
                         exposure_words(is.exposure));
    }
    case K::NewTalker:
    case K::NewPeer: {
      const Talker& t = *c.talker_now;
      return fmt::format("+ {} — {}", talker_text(t, true),
                         c.kind == K::NewTalker ? "new talker" : "new peer");
    }
    case K::GoneTalker:
      return fmt::format("- {} — not seen now", talker_text(*c.talker_before, true));
  }
  return "?";
}

Inventory apply_changes(const Inventory& before, const std::vector<InventoryChange>& changes,
                        const DiffOptions& opt) {
  Inventory out = before;
  for (const auto& c : changes) {
    if (c.listener_before) {
      auto it = std::find_if(out.listeners.begin(), out.listeners.end(), [&](const Listener& l) {
        return identity(l) == identity(*c.listener_before);
      });
      if (it != out.listeners.end()) out.listeners.erase(it);
    }
    if (c.listener_now) out.listeners.push_back(*c.listener_now);
    if (c.talker_before) {
      TalkerId id{&*c.talker_before, peer_counts(*c.talker_before, opt)};
      std::erase_if(out.talkers, [&](const Talker& t) {
        return TalkerId{&t, peer_counts(t, opt)} == id;
      });
    }
    if (c.talker_now) out.talkers.push_back(*c.talker_now);
  }
  std::sort(out.listeners.begin(), out.listeners.end(),
            [](const Listener& a, const Listener& b) { return identity(a) < identity(b); });
  std::sort(out.talkers.begin(), out.talkers.end(), [](const Talker& a, const Talker& b) {
    return std::tie(a.netns, a.proto, a.exe, a.inbound, a.peer, a.port, a.uid) <
           std::tie(b.netns, b.proto, b.exe, b.inbound, b.peer, b.port, b.uid);
  });
  return out;
}

}  // namespace sw
