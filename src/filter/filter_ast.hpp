// Internal: the filter expression tree shared by the parser, the evaluator and
// the bytecode compiler. Mirrors ss's ssfilter node types.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace sw {

// iproute2's inet_addr_match and the kernel's bitstring_match: the first
// `bits` bits of a and b are equal (no family check).
inline bool prefix_bits_equal(const uint8_t* a, const uint8_t* b, int bits) {
  int bytes = bits / 8;
  if (bytes && std::memcmp(a, b, static_cast<size_t>(bytes))) return false;
  int rem = bits % 8;
  if (rem) {
    auto mask = static_cast<uint8_t>(0xff << (8 - rem));
    if ((a[bytes] ^ b[bytes]) & mask) return false;
  }
  return true;
}

struct Prefix {
  int family = 0;  // AF_INET / AF_INET6 / AF_PACKET (protocol) / AF_NETLINK (protocol)
  std::array<uint8_t, 16> bytes{};
  int bitlen = 0;  // 0: any address
};

// One src/dst/sport/dport operand (ss's struct aafilter chain).
struct HostCond {
  int family = 0;             // family the operand was parsed for (prefix or preferred)
  int port = -1;              // -1: any
  std::vector<Prefix> addrs;  // alternatives (DNS may give several); empty: any
  std::string unix_pattern;   // AF_UNIX: fnmatch pattern
  bool is_unix = false;
};

enum class NodeKind {
  And,
  Or,
  Not,
  SrcCond,  // src HOST / sport = PORT
  DstCond,  // dst HOST / dport = PORT
  SrcGe,    // sport >= P
  SrcLe,    // sport <= P
  DstGe,
  DstLe,
  Dev,     // dev = IFINDEX
  Mark,    // fwmark = MARK/MASK
  Cgroup,  // cgroup = ID
  Autobound,
};

struct FilterNode {
  FilterNode() = default;
  FilterNode(const FilterNode&) = delete;
  FilterNode& operator=(const FilterNode&) = delete;
  // Children are freed with an explicit stack: the default destructor would
  // recurse once per level, and a 30,000-deep '!' chain overflows the stack.
  ~FilterNode() {
    std::vector<std::unique_ptr<FilterNode>> pending;
    if (a) pending.push_back(std::move(a));
    if (b) pending.push_back(std::move(b));
    while (!pending.empty()) {
      std::unique_ptr<FilterNode> n = std::move(pending.back());
      pending.pop_back();
      if (n->a) pending.push_back(std::move(n->a));
      if (n->b) pending.push_back(std::move(n->b));
    }  // n goes here with no children left
  }

  NodeKind kind = NodeKind::And;
  std::unique_ptr<FilterNode> a, b;  // children (And/Or: a, b; Not: a)
  HostCond host;                     // Src/Dst conds and Ge/Le (port only)
  uint32_t ifindex = 0;
  uint32_t mark = 0, mask = 0xffffffff;
  uint64_t cgroup_id = 0;
  bool paren = false;  // written in parentheses (for warnings/describe)
  size_t leaves = 0;   // conditions in this subtree (set by build_program)
};

inline bool is_leaf(const FilterNode& n) {
  return n.kind != NodeKind::And && n.kind != NodeKind::Or && n.kind != NodeKind::Not;
}

}  // namespace sw
