// Evaluation of a parsed filter on a SocketRecord: ss's run_ssfilter, with
// its quirks (v4 patterns match v4-mapped sockets, address prefixes compare
// raw bytes whatever the socket family, unix dst compares an empty name).
#include <arpa/inet.h>
#include <fmt/format.h>
#include <fnmatch.h>
#include <sys/socket.h>

#include <cstring>

#include "filter/filter.hpp"
#include "filter/filter_ast.hpp"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

namespace sw {

Filter::Filter() = default;
Filter::~Filter() = default;
Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;

namespace {

// The socket as ss's run_ssfilter sees it (struct sockstat).
struct View {
  int family;
  const uint8_t* local;                  // 16 bytes
  const uint8_t* remote;                 // 16 bytes
  std::array<uint8_t, 16> proto_word{};  // packet/netlink: local.data[0] = protocol
  int64_t lport, rport;
  uint32_t ifindex, mark;
  uint64_t cgroup;
  const std::string* unix_name;  // nullptr: unnamed
};

View view_of(const SocketRecord& r) {
  static const std::array<uint8_t, 16> kZero{};
  View v{};
  v.family = r.family;
  v.local = r.local.bytes.data();
  v.remote = r.peer.bytes.data();
  v.lport = r.lport;
  v.rport = r.rport;
  v.ifindex = r.ifindex;
  v.mark = r.mark.value_or(0);
  v.cgroup = r.cgroup_id.value_or(0);
  v.unix_name = nullptr;
  if (r.family == AF_UNIX) {
    v.local = v.remote = kZero.data();
    v.lport = static_cast<int64_t>(r.inode);
    v.rport = r.unix_ext ? r.unix_ext->peer_inode : 0;
    if (r.unix_ext && r.unix_ext->has_name) v.unix_name = &r.unix_ext->path;
  } else if (r.family == AF_NETLINK) {
    uint32_t proto = r.netlink_ext ? r.netlink_ext->protocol : 0;
    std::memcpy(v.proto_word.data(), &proto, 4);
    v.local = v.proto_word.data();
    v.remote = kZero.data();
    v.lport = r.netlink_ext ? static_cast<int32_t>(r.netlink_ext->portid) : 0;
    v.rport = -1;
  } else if (r.family == AF_PACKET) {
    uint32_t proto = r.packet_ext ? r.packet_ext->protocol : 0;
    std::memcpy(v.proto_word.data(), &proto, 4);
    v.local = v.proto_word.data();
    v.remote = kZero.data();
    v.lport = r.packet_ext && r.packet_ext->info ? r.packet_ext->info->pdi_index : 0;
    v.rport = 0;
  } else if (r.family == AF_VSOCK && r.vsock_ext) {
    // ss's sockstat ports are ints: a 32-bit vsock port past INT_MAX
    // (VMADDR_PORT_ANY) compares as negative. The CID is in local/peer bytes.
    v.lport = static_cast<int32_t>(r.vsock_ext->src_port);
    v.rport = static_cast<int32_t>(r.vsock_ext->dst_port);
  } else if (r.family == AF_XDP) {
    // xdp_show_sock: lport is the queue id, iface the ifindex, no address.
    v.local = v.remote = kZero.data();
    v.lport = r.xdp_ext && r.xdp_ext->info ? static_cast<int32_t>(r.xdp_ext->info->queue_id) : 0;
    v.rport = 0;
  }
  return v;
}

// ss's inet2_addr_match: a v4 pattern also matches v4-mapped v6 sockets.
bool addr_match(const View& s, const uint8_t* addr, const Prefix& p) {
  if (prefix_bits_equal(addr, p.bytes.data(), p.bitlen)) return true;
  if (p.family == AF_INET && s.family == AF_INET6) {
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(addr, kMapped, 12) == 0)
      return prefix_bits_equal(addr + 12, p.bytes.data(), p.bitlen);
  }
  return false;
}

bool host_match(const View& s, const HostCond& h, bool dst) {
  if (h.is_unix) {
    // Over netlink ss never knows a unix peer's name: dst compares with "".
    const char* name = !dst && s.unix_name ? s.unix_name->c_str() : "";
    return fnmatch(h.unix_pattern.c_str(), name, FNM_CASEFOLD) == 0;
  }
  int64_t port = dst ? s.rport : s.lport;
  if (h.port != -1 && h.port != port) return false;
  if (h.addrs.empty() || h.addrs[0].bitlen == 0) return true;
  const uint8_t* addr = dst ? s.remote : s.local;
  for (const auto& p : h.addrs)
    if (addr_match(s, addr, p)) return true;
  return false;
}

// One condition (a leaf of the tree).
bool test(const FilterNode& n, const View& s, const PortRange& eph) {
  switch (n.kind) {
    case NodeKind::And:
    case NodeKind::Or:
    case NodeKind::Not:
      return false;  // never a step of the program
    case NodeKind::SrcCond:
      return host_match(s, n.host, false);
    case NodeKind::DstCond:
      return host_match(s, n.host, true);
    case NodeKind::SrcGe:
      return s.lport >= n.host.port;
    case NodeKind::SrcLe:
      return s.lport <= n.host.port;
    case NodeKind::DstGe:
      return s.rport >= n.host.port;
    case NodeKind::DstLe:
      return s.rport <= n.host.port;
    case NodeKind::Dev:
      return s.ifindex == n.ifindex;
    case NodeKind::Mark:
      return (s.mark & n.mask) == n.mark;
    case NodeKind::Cgroup:
      return s.cgroup == n.cgroup_id;
    case NodeKind::Autobound:
      if (s.family == AF_UNIX) {
        if (!s.unix_name) return true;
        const std::string& p = *s.unix_name;
        return p.size() == 6 && p[0] == '@' &&
               p.find_first_not_of("0123456789abcdef", 1) == std::string::npos;
      }
      if (s.family == AF_PACKET) return s.lport == 0 && s.local[0] == 0;
      if (s.family == AF_NETLINK) return s.lport < 0;
      if (s.family == AF_VSOCK) return s.lport > 1023;
      return eph.contains(static_cast<int>(s.lport));
  }
  return false;
}

std::string describe_host(const HostCond& h) {
  if (h.is_unix) return "unix:" + h.unix_pattern;
  std::string s;
  if (h.addrs.empty()) s = "*";
  for (size_t i = 0; i < h.addrs.size(); ++i) {
    const Prefix& p = h.addrs[i];
    char buf[INET6_ADDRSTRLEN] = "any";
    if (p.family == AF_INET || p.family == AF_INET6)
      inet_ntop(p.family, p.bytes.data(), buf, sizeof buf);
    s += (i ? "|" : "") + fmt::format("{}/{}", buf, p.bitlen);
  }
  return s + (h.port == -1 ? ":*" : fmt::format(":{}", h.port));
}

std::string describe_leaf(const FilterNode& n) {
  switch (n.kind) {
    case NodeKind::And:
    case NodeKind::Or:
    case NodeKind::Not:
      return "?";
    case NodeKind::SrcCond:
      return "src " + describe_host(n.host);
    case NodeKind::DstCond:
      return "dst " + describe_host(n.host);
    case NodeKind::SrcGe:
      return fmt::format("sport>={}", n.host.port);
    case NodeKind::SrcLe:
      return fmt::format("sport<={}", n.host.port);
    case NodeKind::DstGe:
      return fmt::format("dport>={}", n.host.port);
    case NodeKind::DstLe:
      return fmt::format("dport<={}", n.host.port);
    case NodeKind::Dev:
      return fmt::format("dev {}", n.ifindex);
    case NodeKind::Mark:
      return fmt::format("fwmark {:#x}/{:#x}", n.mark, n.mask);
    case NodeKind::Cgroup:
      return fmt::format("cgroup {}", n.cgroup_id);
    case NodeKind::Autobound:
      return "autobound";
  }
  return "?";
}

// "(A and B)", "(A or B)", "!A", with an explicit stack of what is still to
// be written (a node, or literal text), so depth costs heap, not stack.
std::string describe(const FilterNode& root) {
  struct Item {
    const FilterNode* n;
    const char* text;
  };
  std::string out;
  std::vector<Item> todo{{&root, nullptr}};
  while (!todo.empty()) {
    Item it = todo.back();
    todo.pop_back();
    if (it.text) {
      out += it.text;
      continue;
    }
    const FilterNode& n = *it.n;
    if (n.kind == NodeKind::Not) {
      out += '!';
      todo.push_back({n.a.get(), nullptr});
    } else if (n.kind == NodeKind::And || n.kind == NodeKind::Or) {
      out += '(';
      todo.push_back({nullptr, ")"});
      todo.push_back({n.b.get(), nullptr});
      todo.push_back({nullptr, n.kind == NodeKind::And ? " and " : " or "});
      todo.push_back({n.a.get(), nullptr});
    } else {
      out += describe_leaf(n);
    }
  }
  return out;
}

}  // namespace

// Short-circuit jumps, as a compiler lays out `&&`/`||`: a condition of
// A and B goes on to B's first condition when it holds and to the false
// target otherwise; A or B the other way round; !A swaps the targets. The
// conditions are numbered left to right, so B's first condition is A's first
// plus A's count, and every jump goes forward.
void Filter::build_program() {
  program_.clear();
  if (!root_) return;
  // Condition counts, in post-order (explicit stack: a node is counted after
  // its children).
  std::vector<std::pair<FilterNode*, bool>> st{{root_.get(), false}};
  while (!st.empty()) {
    auto [n, children_done] = st.back();
    st.pop_back();
    if (is_leaf(*n)) {
      n->leaves = 1;
    } else if (children_done) {
      n->leaves = n->a->leaves + (n->b ? n->b->leaves : 0);
    } else {
      st.push_back({n, true});
      st.push_back({n->a.get(), false});
      if (n->b) st.push_back({n->b.get(), false});
    }
  }
  program_.resize(root_->leaves);
  struct Todo {
    const FilterNode* n;
    int32_t first, yes, no;
  };
  std::vector<Todo> todo{{root_.get(), 0, EvalStep::kAccept, EvalStep::kReject}};
  while (!todo.empty()) {
    Todo t = todo.back();
    todo.pop_back();
    const FilterNode& n = *t.n;
    switch (n.kind) {
      case NodeKind::And: {
        auto mid = static_cast<int32_t>(t.first + static_cast<int32_t>(n.a->leaves));
        todo.push_back({n.b.get(), mid, t.yes, t.no});
        todo.push_back({n.a.get(), t.first, mid, t.no});
        break;
      }
      case NodeKind::Or: {
        auto mid = static_cast<int32_t>(t.first + static_cast<int32_t>(n.a->leaves));
        todo.push_back({n.b.get(), mid, t.yes, t.no});
        todo.push_back({n.a.get(), t.first, t.yes, mid});
        break;
      }
      case NodeKind::Not:
        todo.push_back({n.a.get(), t.first, t.no, t.yes});
        break;
      default:
        program_[static_cast<size_t>(t.first)] = {&n, t.yes, t.no};
        break;
    }
  }
}

bool Filter::matches(const SocketRecord& r) const {
  if (program_.empty()) return true;
  const View v = view_of(r);
  int32_t pc = 0;
  while (pc >= 0) {
    const EvalStep& s = program_[static_cast<size_t>(pc)];
    pc = test(*s.cond, v, ephemeral_) ? s.yes : s.no;
  }
  return pc == EvalStep::kAccept;
}

std::string Filter::describe() const { return root_ ? sw::describe(*root_) : ""; }

}  // namespace sw
