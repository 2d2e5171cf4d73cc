// A reference model of the kernel side of INET_DIAG_REQ_BYTECODE
// (net/ipv4/inet_diag.c: inet_diag_bc_run and inet_diag_bc_audit), written
// from the kernel's documented semantics so tests can check compiled
// programs without a kernel: they must pass the audit and accept what the
// evaluator accepts.
#include <linux/inet_diag.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "filter/filter.hpp"
#include "filter/filter_ast.hpp"

namespace sw {

namespace {

inet_diag_bc_op op_at(const std::string& bc, size_t off) {
  inet_diag_bc_op op{};
  if (off + sizeof op <= bc.size()) std::memcpy(&op, bc.data() + off, sizeof op);
  return op;
}

// valid_cc: a jump target `cc` bytes before the end lands on an op boundary.
bool valid_cc(const std::string& bc, long cc) {
  long len = static_cast<long>(bc.size());
  size_t off = 0;
  while (len >= 0) {
    if (cc > len) return false;
    if (cc == len) return true;
    inet_diag_bc_op op = op_at(bc, off);
    if (op.yes < 4 || op.yes & 3) return false;
    len -= op.yes;
    off += op.yes;
  }
  return false;
}

}  // namespace

bool run_bytecode(const std::string& bc, const SocketRecord& r, bool userlocks_bindport) {
  long len = static_cast<long>(bc.size());
  size_t off = 0;
  uint32_t sp = r.lport, dp = r.rport;
  while (len > 0) {
    inet_diag_bc_op op = op_at(bc, off);
    bool yes = true;
    switch (op.code) {
      case INET_DIAG_BC_NOP:
        break;
      case INET_DIAG_BC_JMP:
        yes = false;
        break;
      case INET_DIAG_BC_S_EQ:
        yes = sp == op_at(bc, off + 4).no;
        break;
      case INET_DIAG_BC_D_EQ:
        yes = dp == op_at(bc, off + 4).no;
        break;
      case INET_DIAG_BC_S_GE:
        yes = sp >= op_at(bc, off + 4).no;
        break;
      case INET_DIAG_BC_S_LE:
        yes = sp <= op_at(bc, off + 4).no;
        break;
      case INET_DIAG_BC_D_GE:
        yes = dp >= op_at(bc, off + 4).no;
        break;
      case INET_DIAG_BC_D_LE:
        yes = dp <= op_at(bc, off + 4).no;
        break;
      case INET_DIAG_BC_S_COND:
      case INET_DIAG_BC_D_COND: {
        inet_diag_hostcond hc;
        std::memcpy(&hc, bc.data() + off + 4, sizeof hc);
        const auto* caddr = reinterpret_cast<const uint8_t*>(bc.data()) + off + 4 + sizeof hc;
        bool src = op.code == INET_DIAG_BC_S_COND;
        if (hc.port != -1 && hc.port != static_cast<int>(src ? sp : dp)) {
          yes = false;
          break;
        }
        const uint8_t* addr = src ? r.local.bytes.data() : r.peer.bytes.data();
        if (hc.family != AF_UNSPEC && hc.family != r.family) {
          static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
          yes = r.family == AF_INET6 && hc.family == AF_INET && !std::memcmp(addr, kMapped, 12) &&
                prefix_bits_equal(addr + 12, caddr, hc.prefix_len);
          break;
        }
        if (hc.prefix_len == 0) break;
        yes = prefix_bits_equal(addr, caddr, hc.prefix_len);
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
      case INET_DIAG_BC_AUTO:
        yes = !userlocks_bindport;
        break;
      default:
        return false;
    }
    int step = yes ? op.yes : op.no;
    if (step <= 0) return false;
    len -= step;
    off += static_cast<size_t>(step);
  }
  return len == 0;
}

Expected<void> audit_bytecode(const std::string& bc, bool net_admin) {
  auto inval = [](const char* why) {
    return Error{std::string("bytecode rejected by the kernel audit: ") + why, EINVAL};
  };
  if (bc.size() % 4) return inval("length is not a multiple of 4");
  long len = static_cast<long>(bc.size());
  size_t off = 0;
  while (len > 0) {
    if (len < 4) return inval("truncated op");
    inet_diag_bc_op op = op_at(bc, off);
    long min_len = sizeof(inet_diag_bc_op);
    switch (op.code) {
      case INET_DIAG_BC_S_COND:
      case INET_DIAG_BC_D_COND: {
        if (len < static_cast<long>(4 + sizeof(inet_diag_hostcond))) return inval("short hostcond");
        inet_diag_hostcond hc;
        std::memcpy(&hc, bc.data() + off + 4, sizeof hc);
        long alen = hc.family == AF_UNSPEC  ? 0
                    : hc.family == AF_INET  ? 4
                    : hc.family == AF_INET6 ? 16
                                            : -1;
        if (alen < 0) return inval("hostcond family");
        min_len += static_cast<long>(sizeof hc) + alen;
        if (len < min_len) return inval("short hostcond address");
        if (hc.prefix_len > 8 * alen) return inval("hostcond prefix length");
        break;
      }
      case INET_DIAG_BC_DEV_COND:
        min_len += 4;
        break;
      case INET_DIAG_BC_MARK_COND:
        if (!net_admin) return Error{"bytecode: MARK_COND needs CAP_NET_ADMIN", EPERM};
        min_len += sizeof(inet_diag_markcond);
        break;
      case INET_DIAG_BC_CGROUP_COND:
        min_len += 8;
        break;
      case INET_DIAG_BC_S_EQ:
      case INET_DIAG_BC_S_GE:
      case INET_DIAG_BC_S_LE:
      case INET_DIAG_BC_D_EQ:
      case INET_DIAG_BC_D_GE:
      case INET_DIAG_BC_D_LE:
        min_len += sizeof(inet_diag_bc_op);
        break;
      case INET_DIAG_BC_AUTO:
      case INET_DIAG_BC_JMP:
      case INET_DIAG_BC_NOP:
        break;
      default:
        return inval("unknown op code");
    }
    if (len < min_len) return inval("op runs past the end");
    if (op.code != INET_DIAG_BC_NOP) {
      if (op.no < min_len || op.no > len + 4 || op.no & 3) return inval("bad 'no' jump");
      if (op.no < len && !valid_cc(bc, len - op.no)) return inval("'no' jump off an op boundary");
    }
    if (op.yes < min_len || op.yes > len + 4 || op.yes & 3) return inval("bad 'yes' jump");
    off += op.yes;
    len -= op.yes;
  }
  if (len != 0) return inval("program does not end on an op boundary");
  return {};
}

}  // namespace sw
