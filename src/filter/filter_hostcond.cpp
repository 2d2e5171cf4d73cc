// ss's parse_hostcond, get_prefix_1 and get_dns_host, rewritten over
// std::string while keeping the order in which ss cuts the word apart.
#include "filter/filter_hostcond.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <strings.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

namespace sw {

namespace {

// iproute2's get_integer(..., base 0): strtol over the whole string, fits int.
bool get_integer(const std::string& s, int& out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 0);
  if (*end || errno || v > INT_MAX || v < INT_MIN) return false;
  out = static_cast<int>(v);
  return true;
}

// iproute2's get_addr_ipv4: 1 to 4 parts, each strtoul(base 0) <= 255, so
// "10.1" is 10.1.0.0 and "010.0.0.1" is 8.0.0.1.
bool parse_ipv4(const std::string& s, std::array<uint8_t, 16>& out) {
  out.fill(0);
  const char* cp = s.c_str();
  for (int i = 0; i < 4; ++i) {
    char* end = nullptr;
    unsigned long n = std::strtoul(cp, &end, 0);
    if (n > 255 || end == cp) return false;
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(n);
    if (*end == '\0') return true;
    if (i == 3 || *end != '.') return false;
    cp = end + 1;
  }
  return true;
}

// iproute2's get_netmask: a prefix length, or a contiguous dotted v4 mask.
bool parse_netmask(const std::string& s, uint32_t& plen) {
  if (parse_u32(s, plen)) return true;
  std::array<uint8_t, 16> m{};
  if (s.find(':') != std::string::npos || !parse_ipv4(s, m)) return false;
  uint32_t mask = (uint32_t{m[0]} << 24) | (uint32_t{m[1]} << 16) | (uint32_t{m[2]} << 8) | m[3];
  uint32_t bits = 0;
  while (bits < 32 && (mask & (0x80000000u >> bits))) ++bits;
  if (bits < 32 && (mask << bits)) return false;  // not contiguous
  plen = bits;
  return true;
}

// iproute2's get_prefix_1: ADDR[/PLEN] for `family` (AF_UNSPEC: by content).
bool get_prefix(const std::string& arg, int family, Prefix& p) {
  auto slash = arg.find('/');
  std::string addr = arg.substr(0, slash);
  if (addr == "default" || addr == "any" || addr == "all") {
    // Any address (bitlen 0); a length after it is an error.
    p.family = family;
    p.bitlen = 0;
    return slash == std::string::npos;
  }
  if (addr.find(':') != std::string::npos) {
    if (family != AF_UNSPEC && family != AF_INET6) return false;
    if (inet_pton(AF_INET6, addr.c_str(), p.bytes.data()) != 1) return false;
    p.family = AF_INET6;
    p.bitlen = 128;
  } else {
    if (family != AF_UNSPEC && family != AF_INET) return false;
    if (!parse_ipv4(addr, p.bytes)) return false;
    p.family = AF_INET;
    p.bitlen = 32;
  }
  if (slash != std::string::npos) {
    uint32_t plen;
    if (!parse_netmask(arg.substr(slash + 1), plen) || plen > static_cast<uint32_t>(p.bitlen))
      return false;
    p.bitlen = static_cast<int>(plen);
  }
  return true;
}

// ss's get_dns_host: A records (and AAAA when no family is chosen); every
// address is one alternative. ss keeps the first one at the head of its list.
bool resolve_host(const std::string& name, int family, std::vector<Prefix>& out) {
  auto add = [&](int af) {
    hostent* he = gethostbyname2(name.c_str(), af);
    if (!he || (he->h_addrtype != AF_INET && he->h_addrtype != AF_INET6)) return;
    size_t len = he->h_addrtype == AF_INET ? 4 : 16;
    for (char** a = he->h_addr_list; *a; ++a) {
      Prefix x;
      x.family = he->h_addrtype;
      std::memcpy(x.bytes.data(), *a, len);
      x.bitlen = static_cast<int>(len * 8);
      out.push_back(x);
    }
  };
  add(family == AF_UNSPEC ? AF_INET : family);
  if (family == AF_UNSPEC) add(AF_INET6);
  return !out.empty();
}

// The link-layer protocol names "link:PROTO" accepts (a subset of ll_proto_a2n).
bool ll_proto(const std::string& s, uint32_t& out) {
  static const std::pair<const char*, uint32_t> kNames[] = {
      {"all", 0x0003},    {"ip", 0x0800},   {"arp", 0x0806},  {"ipv6", 0x86DD},
      {"802.1Q", 0x8100}, {"lldp", 0x88CC}, {"rarp", 0x8035}, {"loop", 0x0060}};
  for (const auto& [n, v] : kNames)
    if (strcasecmp(n, s.c_str()) == 0) {
      out = v;
      return true;
    }
  return parse_u32(s, out);
}

bool nl_proto(const std::string& s, uint32_t& out) {
  static const char* const kNl[] = {
      "rtnl",  "unused", "usersock",   "fw",        "tcpdiag", "nflog", "xfrm",   "selinux",
      "iscsi", "audit",  "fiblookup",  "connector", "nft",     "ip6fw", "dec-rt", "uevent",
      "genl",  "",       "scsi-trans", "ecryptfs",  "rdma",    "crypto"};
  if (parse_u32(s, out)) return true;
  for (uint32_t i = 0; i < std::size(kNl); ++i)
    if (*kNl[i] && s == kNl[i]) {
      out = i;
      return true;
    }
  return false;
}

// ss's find_port for link/netlink/vsock: the whole word for sport/dport,
// else what follows the first ':' (the word is cut there).
std::optional<std::string> find_port(std::string& addr, bool is_port) {
  std::string port;
  if (is_port) {
    port = addr;
    if (!port.empty() && port[0] == ':') {
      port.erase(0, 1);
      addr.clear();
    }
    return port;
  }
  auto c = addr.find(':');
  if (c == std::string::npos) return std::nullopt;
  port = addr.substr(c + 1);
  addr.resize(c);
  return port;
}

bool non_inet(int fam, std::string addr, bool is_port, const FilterContext& ctx, HostCond& hc,
              OperandError& err) {
  auto fail = [&](std::string why) {
    err.why = std::move(why);
    return false;
  };
  auto port = find_port(addr, is_port);
  if (fam == AF_VSOCK) {
    if (port && *port != "*") {
      uint32_t u;
      if (!parse_u32(*port, u)) return fail("expected a vsock port, got '" + *port + "'");
      hc.port = static_cast<int>(u);
    }
  } else if (port && !port->empty() && *port != "*") {
    int v;
    if (get_integer(*port, v)) {
      hc.port = v;
    } else if (fam == AF_NETLINK && *port == "kernel") {
      hc.port = 0;
    } else if (fam == AF_PACKET && ctx.ifindex_of &&
               (v = static_cast<int>(ctx.ifindex_of(*port))) > 0) {
      hc.port = v;
    } else {
      return fail(
          fmt::format("'{}' is not {}", *port,
                      fam == AF_NETLINK ? "a port id or 'kernel'" : "an interface name or index"));
    }
  }
  if (!is_port && !addr.empty() && addr != "*") {
    Prefix p;
    p.family = fam;
    p.bitlen = 32;
    uint32_t v = 0;
    if (fam == AF_PACKET && !ll_proto(addr, v))
      return fail("unknown link-layer protocol '" + addr + "'");
    if (fam == AF_NETLINK && !nl_proto(addr, v))
      return fail("unknown netlink protocol '" + addr + "'");
    if (fam == AF_VSOCK && !parse_u32(addr, v))
      return fail("expected a vsock CID, got '" + addr + "'");
    std::memcpy(p.bytes.data(), &v, 4);
    // ss's vsock_set_inet_prefix() rebuilds the prefix after setting bitlen
    // 32, so the CID is parsed and checked but never compared (still so
    // upstream): `src vsock:3` matches any CID. We keep that.
    if (fam == AF_VSOCK) p.bitlen = 0;
    hc.addrs.push_back(p);
  }
  return true;
}

}  // namespace

bool parse_u32(const std::string& s, uint32_t& out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long v = std::strtoul(s.c_str(), &end, 0);
  if (*end || errno || v > 0xffffffffUL) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

bool parse_markmask(const std::string& s, uint32_t& mark, uint32_t& mask) {
  int m = 0, k = -1;
  if (s.find('/') != std::string::npos) {
    if (std::sscanf(s.c_str(), "%i/%i", &m, &k) != 2) return false;
  } else if (std::sscanf(s.c_str(), "%i", &m) != 1) {
    return false;
  }
  mark = static_cast<uint32_t>(m);
  mask = static_cast<uint32_t>(k);
  return true;
}

bool parse_hostcond(const std::string& word, bool is_port, const std::string& after,
                    const FilterContext& ctx, int preferred_family, HostCond& hc,
                    int& applied_family, OperandError& err) {
  struct Px {
    const char* text;
    int family;
  };
  static const Px kPrefixes[] = {{"unix:", AF_UNIX},       {"link:", AF_PACKET},
                                 {"netlink:", AF_NETLINK}, {"vsock:", AF_VSOCK},
                                 {"inet:", AF_INET},       {"inet6:", AF_INET6}};
  std::string addr = word;
  int fam = preferred_family;
  for (const auto& px : kPrefixes) {
    if (addr.rfind(px.text, 0) == 0) {
      fam = px.family;
      addr.erase(0, std::strlen(px.text));
      break;
    }
  }
  hc = HostCond{};
  hc.family = fam;
  applied_family = fam;
  err = OperandError{};
  if (fam == AF_UNIX) {
    hc.is_unix = true;
    hc.unix_pattern = addr;
    return true;
  }
  if (fam == AF_PACKET || fam == AF_NETLINK || fam == AF_VSOCK)
    return non_inet(fam, addr, is_port, ctx, hc, err);

  // inet, inet6 or any: "[V6]:PORT", "*:PORT", or ADDR[/PLEN][:PORT] where
  // the port separator is the last ':' after any '/'.
  std::optional<std::string> port;
  if (!addr.empty() && addr[0] == '[') {
    auto close = addr.find(']');
    if (close == std::string::npos) {
      err.why = "unterminated '[' in '" + word + "'";
      return false;
    }
    port = addr.substr(close + 1);
    addr = addr.substr(1, close - 1);
  } else if (!addr.empty() && addr[0] == '*') {
    port = addr.substr(1);
  } else {
    auto slash = addr.find('/');
    auto colon = addr.rfind(':');
    // (for sport/dport ss never cuts the word: the whole of it is the port)
    if (!is_port && colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
      port = addr.substr(colon);
      addr.resize(colon);
    }
  }
  if (is_port) port = addr;  // ss: the whole (remaining) word is the port
  if (port && !port->empty()) {
    std::string p = (*port)[0] == ':' ? port->substr(1) : *port;
    if (!p.empty() && p[0] != '*') {
      int v;
      if (get_integer(p, v)) {
        hc.port = v;
      } else {
        servent* udp = ctx.has_udp ? getservbyname(p.c_str(), "udp") : nullptr;
        int udp_port = udp ? ntohs(static_cast<uint16_t>(udp->s_port)) : -1;
        servent* tcp = ctx.has_tcp ? getservbyname(p.c_str(), "tcp") : nullptr;
        int tcp_port = tcp ? ntohs(static_cast<uint16_t>(tcp->s_port)) : -1;
        if (udp_port >= 0 && tcp_port >= 0 && udp_port != tcp_port) {
          err.ss_lines = fmt::format("Error: ambiguous port \"{}\".\n", p);
          err.why =
              fmt::format("service '{}' is udp port {} but tcp port {}", p, udp_port, tcp_port);
          return false;
        }
        int found = udp_port >= 0 ? udp_port : tcp_port;
        if (found < 0) {
          err.ss_lines = fmt::format("Error: \"{}\" does not look like a port.\n", p);
          err.why = fmt::format("expected a port after '{}', got '{}'", after, p);
          return false;
        }
        hc.port = found;
      }
    }
  }
  if (!is_port && !addr.empty() && addr[0] != '*') {
    Prefix px;
    if (get_prefix(addr, fam, px)) {
      hc.addrs.push_back(px);
    } else if (!ctx.resolve_names || !resolve_host(addr, fam, hc.addrs)) {
      err.ss_lines = fmt::format("Error: an inet prefix is expected rather than \"{}\".\n", addr);
      err.why =
          fmt::format("expected an address, prefix or host name after '{}', got '{}'", after, addr);
      return false;
    }
  }
  return true;
}

}  // namespace sw
