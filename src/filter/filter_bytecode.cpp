// Kernel bytecode (INET_DIAG_REQ_BYTECODE) from a parsed filter.
//
// Two compilers share this file:
//  * ss mode (Filter::bytecode): byte for byte the program ss's
//    ssfilter_bytecompile sends, quirks included, so that the kernel
//    prefilters exactly as it does for ss. ss cannot compile `dev` and then
//    sends nothing; we fall back to the superset compiler instead.
//  * superset mode (Filter::compile_bytecode): a program that never rejects a
//    socket the user-space evaluator accepts, for one dump family, including
//    dev, fwmark and cgroup. What cannot be compiled exactly is weakened
//    soundly (AND keeps its compilable side) or given up (OR, NOT).
#include <linux/inet_diag.h>
#include <sys/socket.h>

#include <cstring>

#include "filter/filter.hpp"
#include "filter/filter_ast.hpp"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

namespace sw {

namespace {

using Bytes = std::string;

// The longest program the kernel can be sent: it travels in one netlink
// attribute (16-bit nla_len, 4 of it the header), and a "no" jump of the
// first op may point 4 bytes past the end (16-bit `no`). Rounded down to a
// whole op (4 bytes).
constexpr size_t kMaxBytecode = 65528;

void put_op(Bytes& b, uint8_t code, uint8_t yes, uint16_t no) {
  inet_diag_bc_op op{code, yes, no};
  b.append(reinterpret_cast<const char*>(&op), sizeof op);
}

// ss's ssfilter_patch: in the first `len` bytes of `b` (a complete
// sub-program), retarget the "reject" jumps (to len + 4) by `reloc` bytes so
// they still land past the end once `reloc` bytes follow.
void patch(Bytes& b, size_t len, size_t reloc) {
  size_t off = 0;
  while (off < len) {
    inet_diag_bc_op op;
    std::memcpy(&op, b.data() + off, sizeof op);
    if (op.no == len - off + 4) {
      op.no = static_cast<uint16_t>(op.no + reloc);
      std::memcpy(b.data() + off, &op, sizeof op);
    }
    if (!op.yes) break;
    off += op.yes;
  }
}

// `ok`: something was compiled; `exact`: it encodes the subtree exactly,
// otherwise it accepts a superset of it.
struct Compiled {
  Bytes code;
  bool ok = false;
  bool exact = false;
};

bool other_family(const HostCond& h) {
  return h.is_unix || h.family == AF_PACKET || h.family == AF_NETLINK || h.family == AF_VSOCK;
}

struct Compiler {
  bool ss_mode;
  int family;      // superset mode: the dump family (0: compile no address)
  bool net_admin;  // superset mode: MARK_COND allowed

  static void host_op(Bytes& out, uint8_t code, int fam, int bitlen, int port,
                      const uint8_t* addr) {
    size_t alen = fam == AF_INET6 ? 16 : 4;
    size_t oplen = 4 + sizeof(inet_diag_hostcond) + alen;
    put_op(out, code, static_cast<uint8_t>(oplen), static_cast<uint16_t>(oplen + 4));
    inet_diag_hostcond hc{};
    hc.family = static_cast<uint8_t>(fam);
    hc.prefix_len = static_cast<uint8_t>(bitlen);
    hc.port = port;
    out.append(reinterpret_cast<const char*>(&hc), sizeof hc);
    static const uint8_t kZero[16] = {};
    out.append(reinterpret_cast<const char*>(addr ? addr : kZero), alen);
  }

  // Alternatives: each test falls through to a JMP to the end when it passes,
  // and skips that JMP to the next alternative when it fails.
  static Compiled chain(const std::vector<Bytes>& alts) {
    Compiled c;
    size_t total = 0;
    for (const auto& a : alts) total += a.size();
    total += (alts.size() - 1) * 4;
    for (size_t i = 0; i < alts.size(); ++i) {
      c.code += alts[i];
      if (i + 1 < alts.size())
        put_op(c.code, INET_DIAG_BC_JMP, 4, static_cast<uint16_t>(total - c.code.size()));
    }
    c.ok = c.exact = true;
    return c;
  }

  Compiled hostcond(const HostCond& h, uint8_t code) const {
    if (other_family(h)) return {};
    bool has_addr = !h.addrs.empty() && h.addrs[0].bitlen != 0;
    std::vector<Bytes> alts;
    if (ss_mode) {
      // ss fills every alternative from the FIRST address (it writes `a`, not
      // `b`): a host name with several addresses is prefiltered on its first.
      Prefix first = h.addrs.empty() ? Prefix{} : h.addrs[0];
      int fam = h.addrs.empty() ? 0 : first.family;
      for (size_t i = 0; i < std::max<size_t>(1, h.addrs.size()); ++i) {
        alts.emplace_back();
        host_op(alts.back(), code, fam, first.bitlen, h.port, first.bytes.data());
      }
      return chain(alts);
    }
    bool addrs_ok = has_addr && family != 0;
    for (const auto& p : h.addrs) addrs_ok = addrs_ok && p.family == family;
    if (!has_addr || addrs_ok) {
      if (!has_addr) {
        alts.emplace_back();
        host_op(alts.back(), code, 0, 0, h.port, nullptr);
      }
      for (size_t i = 0; has_addr && i < h.addrs.size(); ++i) {
        alts.emplace_back();
        host_op(alts.back(), code, family, h.addrs[i].bitlen, h.port, h.addrs[i].bytes.data());
      }
      return chain(alts);
    }
    // The user-space match compares raw bytes across families (and v4
    // patterns match v4-mapped v6 sockets), the kernel does not: keep only
    // the port test.
    if (h.port == -1) return {};
    alts.emplace_back();
    host_op(alts.back(), code, 0, 0, h.port, nullptr);
    Compiled c = chain(alts);
    c.exact = false;
    return c;
  }

  Compiled port_cmp(uint8_t code, int port) const {
    // The kernel compares with a u16; ss truncates, we give up instead.
    if (!ss_mode && (port < 0 || port > 0xffff)) return {};
    Compiled c;
    put_op(c.code, code, 8, 12);
    put_op(c.code, 0, 0, static_cast<uint16_t>(port));
    c.ok = c.exact = true;
    return c;
  }

  Compiled fixed(uint8_t code, const void* arg, size_t len) const {
    Compiled c;
    put_op(c.code, code, static_cast<uint8_t>(4 + len), static_cast<uint16_t>(8 + len));
    if (len) c.code.append(static_cast<const char*>(arg), len);
    c.ok = c.exact = true;
    return c;
  }

  Compiled leaf(const FilterNode& n) const {
    switch (n.kind) {
      case NodeKind::SrcCond:
        return hostcond(n.host, INET_DIAG_BC_S_COND);
      case NodeKind::DstCond:
        return hostcond(n.host, INET_DIAG_BC_D_COND);
      case NodeKind::SrcGe:
        return port_cmp(INET_DIAG_BC_S_GE, n.host.port);
      case NodeKind::SrcLe:
        return port_cmp(INET_DIAG_BC_S_LE, n.host.port);
      case NodeKind::DstGe:
        return port_cmp(INET_DIAG_BC_D_GE, n.host.port);
      case NodeKind::DstLe:
        return port_cmp(INET_DIAG_BC_D_LE, n.host.port);
      case NodeKind::Autobound:
        // The kernel tests SOCK_BINDPORT_LOCK, the evaluator (as ss's user
        // space) the ephemeral range: only ss's own program sends it.
        if (!ss_mode) return {};
        return fixed(INET_DIAG_BC_AUTO, nullptr, 0);
      case NodeKind::Dev:
        return fixed(INET_DIAG_BC_DEV_COND, &n.ifindex, 4);
      case NodeKind::Mark: {
        if (!ss_mode && !net_admin) return {};
        inet_diag_markcond m{n.mark, n.mask};
        return fixed(INET_DIAG_BC_MARK_COND, &m, sizeof m);
      }
      case NodeKind::Cgroup:
        return fixed(INET_DIAG_BC_CGROUP_COND, &n.cgroup_id, 8);
      case NodeKind::And:
      case NodeKind::Or:
      case NodeKind::Not:
        break;
    }
    return {};
  }

  // A program past kMaxBytecode cannot be sent: it is given up (`ok` false,
  // which the superset rules already treat soundly) as soon as it grows past
  // the bound, so a 40,000-term blocklist costs no more than the bound.
  static Compiled bounded(Compiled c) {
    if (c.code.size() > kMaxBytecode) return {};
    return c;
  }

  static Compiled combine(const FilterNode& n, Compiled l, Compiled r) {
    switch (n.kind) {
      case NodeKind::And: {
        if (l.ok && r.ok) {
          if (l.code.size() + r.code.size() > kMaxBytecode) return {};
          Compiled c;
          size_t left = l.code.size();
          c.code = std::move(l.code);
          c.code += r.code;
          patch(c.code, left, r.code.size());
          c.ok = true;
          c.exact = l.exact && r.exact;
          return c;
        }
        // A and B lies within A (and within B): keep what the kernel can check.
        Compiled one = l.ok ? std::move(l) : std::move(r);
        one.exact = false;
        return one;
      }
      case NodeKind::Or: {
        if (!l.ok || !r.ok) return {};  // the only superset is "everything"
        if (l.code.size() + 4 + r.code.size() > kMaxBytecode) return {};
        Compiled c;
        c.code = std::move(l.code);
        put_op(c.code, INET_DIAG_BC_JMP, 4, static_cast<uint16_t>(r.code.size() + 4));
        c.code += r.code;
        c.ok = true;
        c.exact = l.exact && r.exact;
        return c;
      }
      case NodeKind::Not: {
        if (!l.ok || !l.exact) return {};  // NOT of a superset is no superset
        Compiled c;
        c.code = std::move(l.code);
        put_op(c.code, INET_DIAG_BC_JMP, 4, 8);
        c.ok = c.exact = true;
        return bounded(std::move(c));
      }
      default:
        return {};
    }
  }

  // Post-order over the tree with explicit stacks (of nodes to visit and of
  // compiled subtrees), so a deep expression costs heap, not stack.
  Compiled compile(const FilterNode& root) const {
    std::vector<std::pair<const FilterNode*, bool>> todo{{&root, false}};
    std::vector<Compiled> done;
    while (!todo.empty()) {
      auto [n, children_done] = todo.back();
      todo.pop_back();
      if (is_leaf(*n)) {
        done.push_back(bounded(leaf(*n)));
      } else if (!children_done) {
        todo.push_back({n, true});
        if (n->b) todo.push_back({n->b.get(), false});
        todo.push_back({n->a.get(), false});
      } else {
        Compiled r;
        if (n->b) {
          r = std::move(done.back());
          done.pop_back();
        }
        Compiled l = std::move(done.back());
        done.pop_back();
        done.push_back(combine(*n, std::move(l), std::move(r)));
      }
    }
    return std::move(done.back());
  }
};

// True when some node satisfies `pred` (explicit stack, as above).
bool any_node(const FilterNode& root, bool (*pred)(const FilterNode&)) {
  std::vector<const FilterNode*> todo{&root};
  while (!todo.empty()) {
    const FilterNode* n = todo.back();
    todo.pop_back();
    if (pred(*n)) return true;
    if (n->a) todo.push_back(n->a.get());
    if (n->b) todo.push_back(n->b.get());
  }
  return false;
}

bool is_dev(const FilterNode& n) { return n.kind == NodeKind::Dev; }
bool is_foreign_host(const FilterNode& n) {
  return (n.kind == NodeKind::SrcCond || n.kind == NodeKind::DstCond) && other_family(n.host);
}

Compiled checked(Compiled c) {
  if (c.code.size() > kMaxBytecode) return {};
  return c;
}

Compiled compile_ss(const FilterNode& root) {
  // ss compiles everything or, when a term cannot be, nothing. With a dev
  // term (which ss never compiles) the superset compiler replaces "nothing".
  if (any_node(root, is_dev)) return checked(Compiler{false, 0, true}.compile(root));
  if (any_node(root, is_foreign_host)) return {};
  Compiled c = Compiler{true, 0, true}.compile(root);
  if (!c.exact) return {};
  return checked(c);
}

}  // namespace

std::string Filter::bytecode() const {
  if (!root_) return {};
  return compile_ss(*root_).code;
}

bool Filter::bytecode_is_exact() const {
  if (!root_) return true;
  Compiled c = compile_ss(*root_);
  return c.ok && c.exact;
}

Filter::Bytecode Filter::compile_bytecode(int family, bool net_admin) const {
  if (!root_) return {{}, true};
  Compiled c = checked(Compiler{false, family, net_admin}.compile(*root_));
  return {c.code, c.ok && c.exact};
}

}  // namespace sw
