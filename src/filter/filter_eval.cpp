// Evaluation (ss's run_ssfilter), kernel bytecode (ss's ssfilter_bytecompile,
// extended to dev), and a reference interpreter of the kernel's
// inet_diag_bc_run used by the tests to check both agree.
#include <arpa/inet.h>
#include <fnmatch.h>
#include <linux/inet_diag.h>
#include <sys/socket.h>

#include <cstring>

#include <fmt/format.h>

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
  const uint8_t* local;   // 16 bytes
  const uint8_t* remote;  // 16 bytes
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
  }
  return v;
}

// iproute2's inet_addr_match: the first `bits` bits equal (no family check).
bool prefix_equal(const uint8_t* a, const uint8_t* b, int bits) {
  int bytes = bits / 8;
  if (bytes && std::memcmp(a, b, static_cast<size_t>(bytes))) return false;
  int rem = bits % 8;
  if (rem) {
    uint8_t mask = static_cast<uint8_t>(0xff << (8 - rem));
    if ((a[bytes] ^ b[bytes]) & mask) return false;
  }
  return true;
}

// ss's inet2_addr_match: a v4 pattern also matches v4-mapped v6 sockets.
bool addr_match(const View& s, const uint8_t* addr, const Prefix& p) {
  if (prefix_equal(addr, p.bytes.data(), p.bitlen)) return true;
  if (p.family == AF_INET && s.family == AF_INET6) {
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(addr, kMapped, 12) == 0) return prefix_equal(addr + 12, p.bytes.data(), p.bitlen);
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

bool eval(const FilterNode& n, const View& s, const PortRange& eph) {
  switch (n.kind) {
    case NodeKind::And: return eval(*n.a, s, eph) && eval(*n.b, s, eph);
    case NodeKind::Or: return eval(*n.a, s, eph) || eval(*n.b, s, eph);
    case NodeKind::Not: return !eval(*n.a, s, eph);
    case NodeKind::SrcCond: return host_match(s, n.host, false);
    case NodeKind::DstCond: return host_match(s, n.host, true);
    case NodeKind::SrcGe: return s.lport >= n.host.port;
    case NodeKind::SrcLe: return s.lport <= n.host.port;
    case NodeKind::DstGe: return s.rport >= n.host.port;
    case NodeKind::DstLe: return s.rport <= n.host.port;
    case NodeKind::Dev: return s.ifindex == n.ifindex;
    case NodeKind::Mark: return (s.mark & n.mask) == n.mark;
    case NodeKind::Cgroup: return s.cgroup == n.cgroup_id;
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

// ---- bytecode -------------------------------------------------------------

using Bytes = std::string;

void put_op(Bytes& b, uint8_t code, uint8_t yes, uint16_t no) {
  inet_diag_bc_op op{code, yes, no};
  b.append(reinterpret_cast<const char*>(&op), sizeof op);
}

// ssfilter_patch: retarget "reject" jumps (to end+4) of a program of length
// len by reloc bytes.
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

// What a subtree compiles to: `exact` means it encodes the subtree exactly;
// otherwise it accepts a superset (AND dropped an uncompilable side).
struct Compiled {
  Bytes code;
  bool ok = false;     // something was compiled
  bool exact = false;
};

struct Compiler {
  bool ss_mode;  // compile like ss (no dev anywhere) vs. the dev-aware superset mode

  Compiled hostcond(const FilterNode& n, uint8_t code) {
    const HostCond& h = n.host;
    Compiled c;
    if (h.is_unix || h.family == AF_PACKET || h.family == AF_NETLINK || h.family == AF_VSOCK)
      return c;
    bool has_addr = !h.addrs.empty() && h.addrs[0].bitlen;
    // In the superset mode address tests are left to user space: the kernel
    // rejects family mismatches that ss's user-space match accepts.
    if (!ss_mode && has_addr) return c;
    // ss fills every alternative from the FIRST one (cond = a, not b): kept so
    // the kernel prefilter selects what ss's does.
    Prefix first = h.addrs.empty() ? Prefix{} : h.addrs[0];
    int fam = h.addrs.empty() ? 0 : first.family;
    size_t alen = fam == AF_INET6 ? 16 : 4;
    size_t n_alt = std::max<size_t>(1, h.addrs.size());
    size_t oplen = 4 + sizeof(inet_diag_hostcond) + alen;
    size_t total = n_alt * oplen + (n_alt - 1) * 4;
    for (size_t i = 0; i < n_alt; ++i) {
      put_op(c.code, code, static_cast<uint8_t>(oplen), static_cast<uint16_t>(oplen + 4));
      inet_diag_hostcond hc{};
      hc.family = static_cast<uint8_t>(fam);
      hc.prefix_len = static_cast<uint8_t>(first.bitlen);
      hc.port = h.port;
      c.code.append(reinterpret_cast<const char*>(&hc), sizeof hc);
      c.code.append(reinterpret_cast<const char*>(first.bytes.data()), alen);
      if (i + 1 < n_alt)
        put_op(c.code, INET_DIAG_BC_JMP, 4, static_cast<uint16_t>(total - c.code.size()));
    }
    c.ok = true;
    c.exact = true;
    return c;
  }

  Compiled port_cmp(uint8_t code, int port) {
    Compiled c;
    put_op(c.code, code, 8, 12);
    put_op(c.code, 0, 0, static_cast<uint16_t>(port));
    c.ok = c.exact = true;
    return c;
  }

  Compiled compile(const FilterNode& n) {
    Compiled c;
    switch (n.kind) {
      case NodeKind::SrcCond: return hostcond(n, INET_DIAG_BC_S_COND);
      case NodeKind::DstCond: return hostcond(n, INET_DIAG_BC_D_COND);
      case NodeKind::SrcGe: return port_cmp(INET_DIAG_BC_S_GE, n.host.port);
      case NodeKind::SrcLe: return port_cmp(INET_DIAG_BC_S_LE, n.host.port);
      case NodeKind::DstGe: return port_cmp(INET_DIAG_BC_D_GE, n.host.port);
      case NodeKind::DstLe: return port_cmp(INET_DIAG_BC_D_LE, n.host.port);
      case NodeKind::Autobound:
        // The kernel tests SOCK_BINDPORT_LOCK; ss's user space tests the
        // ephemeral range. Only ss's own mode sends it (as ss does).
        if (!ss_mode) return c;
        put_op(c.code, INET_DIAG_BC_AUTO, 4, 8);
        c.ok = c.exact = true;
        return c;
      case NodeKind::Dev: {
        put_op(c.code, INET_DIAG_BC_DEV_COND, 8, 12);
        c.code.append(reinterpret_cast<const char*>(&n.ifindex), 4);
        c.ok = c.exact = true;
        return c;
      }
      case NodeKind::Mark: {
        put_op(c.code, INET_DIAG_BC_MARK_COND, 12, 16);
        inet_diag_markcond m{n.mark, n.mask};
        c.code.append(reinterpret_cast<const char*>(&m), sizeof m);
        c.ok = c.exact = true;
        return c;
      }
      case NodeKind::Cgroup: {
        put_op(c.code, INET_DIAG_BC_CGROUP_COND, 12, 16);
        c.code.append(reinterpret_cast<const char*>(&n.cgroup_id), 8);
        c.ok = c.exact = true;
        return c;
      }
      case NodeKind::And: {
        Compiled l = compile(*n.a), r = compile(*n.b);
        if (l.ok && r.ok) {
          size_t l1 = l.code.size();
          c.code = l.code + r.code;
          patch(c.code, l1, r.code.size());
          c.ok = true;
          c.exact = l.exact && r.exact;
          return c;
        }
        // A AND B  is within  A  (or B): keep the part the kernel can check.
        Compiled& one = l.ok ? l : r;
        one.exact = false;
        return one;
      }
      case NodeKind::Or: {
        Compiled l = compile(*n.a), r = compile(*n.b);
        if (!l.ok || !r.ok) return c;  // the superset would be "everything"
        c.code = l.code;
        put_op(c.code, INET_DIAG_BC_JMP, 4, static_cast<uint16_t>(r.code.size() + 4));
        c.code += r.code;
        c.ok = true;
        c.exact = l.exact && r.exact;
        return c;
      }
      case NodeKind::Not: {
        Compiled x = compile(*n.a);
        if (!x.ok || !x.exact) return c;  // NOT of a superset is not a superset
        c.code = x.code;
        put_op(c.code, INET_DIAG_BC_JMP, 4, 8);
        c.ok = c.exact = true;
        return c;
      }
    }
    return c;
  }
};

bool has_dev(const FilterNode& n) {
  if (n.kind == NodeKind::Dev) return true;
  return (n.a && has_dev(*n.a)) || (n.b && has_dev(*n.b));
}

bool has_unix_or_other(const FilterNode& n) {
  if ((n.kind == NodeKind::SrcCond || n.kind == NodeKind::DstCond) &&
      (n.host.is_unix || n.host.family == AF_PACKET || n.host.family == AF_NETLINK ||
       n.host.family == AF_VSOCK))
    return true;
  return (n.a && has_unix_or_other(*n.a)) || (n.b && has_unix_or_other(*n.b));
}

Compiled compile_root(const FilterNode& root) {
  // ss's own rule: compile everything, or (if any term cannot be) nothing.
  // That is reproduced exactly when no dev term is present; with one, compile
  // the dev/mark/cgroup/port part as a superset instead of dropping it all.
  bool ss_mode = !has_dev(root);
  Compiler comp{ss_mode};
  if (ss_mode && has_unix_or_other(root)) return {};
  Compiled c = comp.compile(root);
  if (ss_mode && !c.exact) return {};
  return c;
}

std::string describe_host(const HostCond& h) {
  if (h.is_unix) return "unix:" + h.unix_pattern;
  std::string s;
  if (h.addrs.empty()) s = "*";
  for (size_t i = 0; i < h.addrs.size(); ++i) {
    const Prefix& p = h.addrs[i];
    char buf[INET6_ADDRSTRLEN] = "?";
    if (p.family == AF_INET || p.family == AF_INET6) inet_ntop(p.family, p.bytes.data(), buf, sizeof buf);
    s += (i ? "|" : "") + fmt::format("{}/{}", buf, p.bitlen);
  }
  return s + (h.port == -1 ? ":*" : fmt::format(":{}", h.port));
}

std::string describe(const FilterNode& n) {
  switch (n.kind) {
    case NodeKind::And: return "(" + describe(*n.a) + " and " + describe(*n.b) + ")";
    case NodeKind::Or: return "(" + describe(*n.a) + " or " + describe(*n.b) + ")";
    case NodeKind::Not: return "!" + describe(*n.a);
    case NodeKind::SrcCond: return "src " + describe_host(n.host);
    case NodeKind::DstCond: return "dst " + describe_host(n.host);
    case NodeKind::SrcGe: return fmt::format("sport>={}", n.host.port);
    case NodeKind::SrcLe: return fmt::format("sport<={}", n.host.port);
    case NodeKind::DstGe: return fmt::format("dport>={}", n.host.port);
    case NodeKind::DstLe: return fmt::format("dport<={}", n.host.port);
    case NodeKind::Dev: return fmt::format("dev {}", n.ifindex);
    case NodeKind::Mark: return fmt::format("fwmark {:#x}/{:#x}", n.mark, n.mask);
    case NodeKind::Cgroup: return fmt::format("cgroup {}", n.cgroup_id);
    case NodeKind::Autobound: return "autobound";
  }
  return "?";
}

}  // namespace

bool Filter::matches(const SocketRecord& r) const {
  if (!root_) return true;
  return eval(*root_, view_of(r), ephemeral_);
}

std::string Filter::bytecode() const {
  if (!root_) return {};
  return compile_root(*root_).code;
}

bool Filter::bytecode_is_exact() const {
  if (!root_) return true;
  Compiled c = compile_root(*root_);
  return c.ok && c.exact;
}

std::string Filter::describe() const { return root_ ? sw::describe(*root_) : ""; }

bool run_bytecode(const std::string& bc, const SocketRecord& r) {
  // net/ipv4/inet_diag.c inet_diag_bc_run, on the record's fields.
  int64_t len = static_cast<int64_t>(bc.size());
  size_t off = 0;
  uint32_t sp = r.lport, dp = r.rport;
  while (len > 0) {
    inet_diag_bc_op op;
    std::memcpy(&op, bc.data() + off, sizeof op);
    bool yes = true;
    switch (op.code) {
      case INET_DIAG_BC_NOP: break;
      case INET_DIAG_BC_JMP: yes = false; break;
      case INET_DIAG_BC_S_GE:
      case INET_DIAG_BC_S_LE:
      case INET_DIAG_BC_D_GE:
      case INET_DIAG_BC_D_LE: {
        inet_diag_bc_op arg;
        std::memcpy(&arg, bc.data() + off + 4, sizeof arg);
        uint32_t p = (op.code == INET_DIAG_BC_S_GE || op.code == INET_DIAG_BC_S_LE) ? sp : dp;
        yes = (op.code == INET_DIAG_BC_S_GE || op.code == INET_DIAG_BC_D_GE) ? p >= arg.no
                                                                            : p <= arg.no;
        break;
      }
      case INET_DIAG_BC_S_COND:
      case INET_DIAG_BC_D_COND: {
        inet_diag_hostcond hc;
        std::memcpy(&hc, bc.data() + off + 4, sizeof hc);
        const uint8_t* caddr = reinterpret_cast<const uint8_t*>(bc.data()) + off + 4 + sizeof hc;
        bool src = op.code == INET_DIAG_BC_S_COND;
        if (hc.port != -1 && static_cast<uint32_t>(hc.port) != (src ? sp : dp)) {
          yes = false;
          break;
        }
        const uint8_t* addr = src ? r.local.bytes.data() : r.peer.bytes.data();
        if (hc.family != AF_UNSPEC && hc.family != r.family) {
          static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
          if (r.family == AF_INET6 && hc.family == AF_INET && !std::memcmp(addr, kMapped, 12) &&
              prefix_equal(addr + 12, caddr, hc.prefix_len))
            break;
          yes = false;
          break;
        }
        if (hc.prefix_len == 0) break;
        yes = prefix_equal(addr, caddr, hc.prefix_len);
        break;
      }
      case INET_DIAG_BC_DEV_COND: {
        uint32_t idx;
        std::memcpy(&idx, bc.data() + off + 4, 4);
        yes = idx == r.ifindex;
        break;
      }
      case INET_DIAG_BC_MARK_COND: {
        inet_diag_markcond m;
        std::memcpy(&m, bc.data() + off + 4, sizeof m);
        yes = (r.mark.value_or(0) & m.mask) == m.mark;
        break;
      }
      case INET_DIAG_BC_CGROUP_COND: {
        uint64_t id;
        std::memcpy(&id, bc.data() + off + 4, 8);
        yes = id == r.cgroup_id.value_or(0);
        break;
      }
      case INET_DIAG_BC_AUTO: yes = false; break;  // userlocks are not in a record
      default: return false;
    }
    int step = yes ? op.yes : op.no;
    len -= step;
    off += static_cast<size_t>(step);
    if (step <= 0) return false;
  }
  return len == 0;
}

}  // namespace sw
