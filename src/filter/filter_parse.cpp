// Lexer and parser of the ss filter language (iproute2 6.1's ssfilter.y and
// parse_hostcond, re-implemented as recursive descent with source positions).
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "filter/filter.hpp"
#include "filter/filter_ast.hpp"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

namespace sw {

namespace {

enum class Tok {
  End,
  Not,
  And,
  Or,
  LParen,
  RParen,
  Dst,
  Src,
  Dport,
  Sport,
  Dev,
  Fwmark,
  Cgroup,
  Geq,
  Leq,
  Neq,
  Eq,
  Gt,
  Lt,
  Autobound,
  Word,
};

struct Token {
  Tok kind = Tok::End;
  std::string text;
  size_t pos = 0;  // offset in the joined expression
  bool juxtaposed_and = false;
};

// ss's get_token_from_line: split on blanks/tabs; a backslash escapes the next
// character (and is removed).
void split_words(const std::string& s, size_t base, std::vector<Token>& out) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i >= s.size()) break;
    Token t;
    t.pos = base + i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') {
      if (s[i] == '\\') {
        ++i;
        if (i >= s.size()) break;
      }
      t.text.push_back(s[i++]);
    }
    out.push_back(std::move(t));
  }
}

Tok classify(const std::string& w) {
  if (w == "!" || w == "not") return Tok::Not;
  if (w == "&" || w == "&&" || w == "and") return Tok::And;
  if (w == "|" || w == "||" || w == "or") return Tok::Or;
  if (w == "(") return Tok::LParen;
  if (w == ")") return Tok::RParen;
  if (w == "dst") return Tok::Dst;
  if (w == "src") return Tok::Src;
  if (w == "dport") return Tok::Dport;
  if (w == "sport") return Tok::Sport;
  if (w == "dev") return Tok::Dev;
  if (w == "fwmark") return Tok::Fwmark;
  if (w == "cgroup") return Tok::Cgroup;
  if (w == ">=" || w == "ge" || w == "geq") return Tok::Geq;
  if (w == "<=" || w == "le" || w == "leq") return Tok::Leq;
  if (w == "!=" || w == "ne" || w == "neq") return Tok::Neq;
  if (w == "=" || w == "==" || w == "eq") return Tok::Eq;
  if (w == ">" || w == "gt") return Tok::Gt;
  if (w == "<" || w == "lt") return Tok::Lt;
  if (w == "autobound") return Tok::Autobound;
  return Tok::Word;
}

// iproute2's get_integer(..., base 0): strtol semantics, whole string, fits int.
bool get_integer(const std::string& s, int& out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 0);
  if (*end || errno || v > INT_MAX || v < INT_MIN) return false;
  out = static_cast<int>(v);
  return true;
}

bool get_u32(const std::string& s, uint32_t& out) {
  if (s.empty() || s[0] == '-') return false;
  errno = 0;
  char* end = nullptr;
  unsigned long v = std::strtoul(s.c_str(), &end, 0);
  if (*end || errno || v > 0xffffffffUL) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

// iproute2's get_addr_ipv4: 1 to 4 dotted decimal parts ("10.1" = 10.1.0.0).
bool parse_ipv4(const std::string& s, std::array<uint8_t, 16>& out) {
  out.fill(0);
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    unsigned v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + static_cast<unsigned>(s[i++] - '0');
      if (v > 255) return false;
    }
    out[static_cast<size_t>(part)] = static_cast<uint8_t>(v);
    if (i == s.size()) return true;
    if (s[i++] != '.') return false;
  }
  return false;
}

// iproute2's get_prefix_1: ADDR[/PLEN] for `family` (AF_UNSPEC: by content).
bool get_prefix(const std::string& arg, int family, Prefix& p) {
  auto slash = arg.find('/');
  std::string addr = arg.substr(0, slash);
  if (addr == "default" || addr == "any" || addr == "all") {
    p.family = family;  // AF_UNSPEC stays unspecified: matches both families
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
    if (!get_u32(arg.substr(slash + 1), plen) || static_cast<int>(plen) > p.bitlen) return false;
    p.bitlen = static_cast<int>(plen);
  }
  return true;
}

// ss's get_dns_host: every A (and AAAA when no family was chosen) record.
bool resolve_host(const std::string& name, int family, std::vector<Prefix>& out) {
  auto add = [&](int af) {
    hostent* he = gethostbyname2(name.c_str(), af);
    if (!he || (he->h_addrtype != AF_INET && he->h_addrtype != AF_INET6)) return;
    size_t len = he->h_addrtype == AF_INET ? 4 : 16;
    for (char** p = he->h_addr_list; *p; ++p) {
      Prefix x;
      x.family = he->h_addrtype;
      std::memcpy(x.bytes.data(), *p, len);
      x.bitlen = static_cast<int>(len * 8);
      out.push_back(x);
    }
  };
  add(family == AF_UNSPEC ? AF_INET : family);
  if (family == AF_UNSPEC) add(AF_INET6);
  return !out.empty();
}

// A few link-layer protocol names ss accepts in "link:PROTO" (ll_proto_a2n).
bool ll_proto(const std::string& s, uint32_t& out) {
  static const std::pair<const char*, uint32_t> kNames[] = {
      {"all", 0x0003}, {"ip", 0x0800}, {"arp", 0x0806}, {"ipv6", 0x86DD},
      {"802.1Q", 0x8100}, {"lldp", 0x88CC}, {"rarp", 0x8035}, {"loop", 0x0060}};
  for (const auto& [n, v] : kNames)
    if (strcasecmp(n, s.c_str()) == 0) {
      out = v;
      return true;
    }
  return get_u32(s, out);
}

}  // namespace

struct FilterParser {
  FilterContext& ctx;
  std::vector<Token> toks;
  std::string expr;
  size_t next = 0;
  int tok_type = -1;  // last keyword that gives operands their meaning (ss's tok_type)
  Filter result;
  std::optional<FilterError> error;

  FilterError make_error(int status, std::string ss_msg, std::string why, const Token& at) {
    FilterError e;
    e.status = status;
    e.ss_message = std::move(ss_msg);
    e.explanation = std::move(why);
    e.expression = expr;
    e.caret_at = at.pos;
    e.caret_len = std::max<size_t>(1, at.kind == Tok::End ? 1 : at.text.size());
    return e;
  }

  const Token& peek() { return toks[next]; }
  Token take() {
    const Token& t = toks[next++];
    switch (t.kind) {
      case Tok::Dst:
      case Tok::Src:
      case Tok::Dport:
      case Tok::Sport:
      case Tok::Dev:
      case Tok::Fwmark:
      case Tok::Cgroup:
      case Tok::Autobound: tok_type = static_cast<int>(t.kind); break;
      default: break;
    }
    return t;
  }

  // ss converts every operand word while lexing, before the grammar sees it:
  // an unexpected word first gets the conversion the last keyword implies,
  // and a bad operand is reported (status 1) ahead of the syntax error.
  FilterError unexpected(const Token& t, const std::string& expected) {
    if (t.kind == Tok::Word) {
      auto kind = static_cast<Tok>(tok_type);
      bool converted = true;
      if (tok_type < 0 || kind == Tok::Dst || kind == Tok::Src || kind == Tok::Dport ||
          kind == Tok::Sport || kind == Tok::Autobound) {
        HostCond hc;
        int saved_pref = ctx.preferred_family;
        auto saved_override = result.family_override;
        converted = parse_hostcond(t, kind == Tok::Dport || kind == Tok::Sport, t.text, hc);
        ctx.preferred_family = saved_pref;
        result.family_override = saved_override;
      } else if (kind == Tok::Dev) {
        uint32_t idx = ctx.ifindex_of ? ctx.ifindex_of(t.text) : 0;
        if (!idx && !get_u32(t.text, idx)) {
          error = make_error(1, "Cannot parse device.\n", "no network interface named '" + t.text + "'", t);
          converted = false;
        }
      }
      if (!converted) {
        FilterError e = *error;
        error.reset();
        return e;
      }
    }
    return syntax(t, expected);
  }

  FilterError syntax(const Token& at, const std::string& expected) {
    std::string got = at.kind == Tok::End ? "the end of the expression" : "'" + at.text + "'";
    return make_error(255, "ss: bison bellows (while parsing filter): \"syntax error!\" Sorry.\n",
                      fmt::format("expected {}, got {}", expected, got), at);
  }

  // The operand of sport/dport without its family prefix: the whole word is the port.
  static std::string addr_for_port(const std::string& word) {
    for (const char* px : {"unix:", "link:", "netlink:", "vsock:", "inet:", "inet6:"})
      if (word.rfind(px, 0) == 0) return word.substr(std::strlen(px));
    return word;
  }

  // ss's parse_hostcond. Returns false and sets `error` on a bad operand.
  bool parse_hostcond(const Token& t, bool is_port, const std::string& after, HostCond& hc) {
    std::string addr = t.text;
    int fam = ctx.preferred_family;
    struct {
      const char* p;
      int f;
    } static const kPrefixes[] = {{"unix:", AF_UNIX},       {"link:", AF_PACKET},
                                  {"netlink:", AF_NETLINK}, {"vsock:", AF_VSOCK},
                                  {"inet:", AF_INET},       {"inet6:", AF_INET6}};
    for (const auto& px : kPrefixes) {
      if (addr.rfind(px.p, 0) == 0) {
        fam = px.f;
        addr = addr.substr(std::strlen(px.p));
        break;
      }
    }
    auto bad_addr = [&](const std::string& ss_lines, const std::string& why) {
      error = make_error(1, ss_lines + "Cannot parse dst/src address.\n", why, t);
      return false;
    };
    hc.family = fam;
    auto find_port = [&](std::string& a) -> std::optional<std::string> {
      if (is_port) {
        std::string p = a;
        if (!p.empty() && p[0] == ':') p = p.substr(1);
        return p;
      }
      auto c = a.find(':');
      if (c == std::string::npos) return std::nullopt;
      std::string p = a.substr(c + 1);
      a = a.substr(0, c);
      return p;
    };
    if (fam == AF_UNIX) {
      hc.is_unix = true;
      hc.unix_pattern = addr;
      apply_family(fam);
      return true;
    }
    if (fam == AF_PACKET || fam == AF_NETLINK || fam == AF_VSOCK) {
      auto port = find_port(addr);
      if (port && !port->empty() && *port != "*") {
        int v;
        uint32_t u;
        if (fam == AF_VSOCK) {
          if (!get_u32(*port, u)) return bad_addr("", "expected a vsock port after '" + after + "'");
          hc.port = static_cast<int>(u);
        } else if (get_integer(*port, v)) {
          hc.port = v;
        } else if (fam == AF_NETLINK && *port == "kernel") {
          hc.port = 0;
        } else if (fam == AF_PACKET && ctx.ifindex_of && (v = static_cast<int>(ctx.ifindex_of(*port))) > 0) {
          hc.port = v;
        } else {
          return bad_addr("", fmt::format("'{}' is not a port, pid or interface", *port));
        }
      }
      if (!is_port && !addr.empty() && addr != "*") {
        Prefix p;
        p.family = fam;
        p.bitlen = 32;
        uint32_t proto = 0;
        if (fam == AF_PACKET) {
          if (!ll_proto(addr, proto)) return bad_addr("", "unknown link-layer protocol '" + addr + "'");
        } else if (fam == AF_NETLINK) {
          static const char* const kNl[] = {"rtnl",     "unused",   "usersock",  "fw",
                                            "tcpdiag",  "nflog",    "xfrm",      "selinux",
                                            "iscsi",    "audit",    "fiblookup", "connector",
                                            "nft",      "ip6fw",    "dec-rt",    "uevent",
                                            "genl",     "",         "scsi-trans", "ecryptfs",
                                            "rdma",     "crypto"};
          bool found = get_u32(addr, proto);
          for (uint32_t i = 0; !found && i < std::size(kNl); ++i)
            if (addr == kNl[i]) {
              proto = i;
              found = true;
            }
          if (!found) return bad_addr("", "unknown netlink protocol '" + addr + "'");
        } else if (!get_u32(addr, proto)) {
          return bad_addr("", "expected a vsock CID, got '" + addr + "'");
        }
        std::memcpy(p.bytes.data(), &proto, 4);
        hc.addrs.push_back(p);
      }
      apply_family(fam);
      return true;
    }
    // inet / inet6 / unspecified: ss's pointer games on the operand, in order.
    std::optional<std::string> port;
    if (!addr.empty() && addr[0] == '[') {
      auto close = addr.find(']');
      if (close == std::string::npos)
        return bad_addr("", "unterminated '[' in '" + t.text + "'");
      port = addr.substr(close + 1);
      addr = addr.substr(1, close - 1);
    } else if (!addr.empty() && addr[0] == '*') {
      port = addr.substr(1);
      addr = "*";
    } else {
      auto slash = addr.find('/');
      auto colon = addr.rfind(':');
      if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
        port = addr.substr(colon);
        addr = addr.substr(0, colon);  // ss writes a NUL over the ':'
      }
    }
    if (is_port) port = addr_for_port(t.text);
    if (port && !port->empty()) {
      std::string p = *port;
      if (p[0] == ':') p = p.substr(1);
      if (!p.empty() && p[0] != '*') {
        int v;
        if (get_integer(p, v)) {
          hc.port = v;
        } else {
          servent* udp = ctx.has_udp ? getservbyname(p.c_str(), "udp") : nullptr;
          int udp_port = udp ? ntohs(static_cast<uint16_t>(udp->s_port)) : -1;
          servent* tcp = ctx.has_tcp ? getservbyname(p.c_str(), "tcp") : nullptr;
          int tcp_port = tcp ? ntohs(static_cast<uint16_t>(tcp->s_port)) : -1;
          if (udp_port >= 0 && tcp_port >= 0 && udp_port != tcp_port)
            return bad_addr(fmt::format("Error: ambiguous port \"{}\".\n", p),
                            fmt::format("service '{}' is udp port {} but tcp port {}", p,
                                        udp_port, tcp_port));
          int found = udp_port >= 0 ? udp_port : tcp_port;
          if (found < 0)
            return bad_addr(fmt::format("Error: \"{}\" does not look like a port.\n", p),
                            fmt::format("expected a port after '{}', got '{}'", after, p));
          hc.port = found;
        }
      }
    }
    if (!is_port && !addr.empty() && addr[0] != '*') {
      Prefix px;
      if (get_prefix(addr, fam, px)) {
        hc.addrs.push_back(px);
      } else if (!ctx.resolve_names || !resolve_host(addr, fam, hc.addrs)) {
        return bad_addr(
            fmt::format("Error: an inet prefix is expected rather than \"{}\".\n", addr),
            fmt::format("expected an address, prefix or host name after '{}', got '{}'", after,
                        addr));
      }
    }
    if (fam != AF_UNSPEC) apply_family(fam);
    return true;
  }

  // ss: a family-prefixed (or -f/-4/-6 preset) operand replaces the family set
  // and becomes the preferred family for the operands that follow.
  void apply_family(int fam) {
    result.family_override = fam;
    ctx.preferred_family = fam;
  }

  std::unique_ptr<FilterNode> node(NodeKind k) {
    auto n = std::make_unique<FilterNode>();
    n->kind = k;
    return n;
  }

  std::unique_ptr<FilterNode> negate(std::unique_ptr<FilterNode> n) {
    auto x = node(NodeKind::Not);
    x->a = std::move(n);
    return x;
  }

  std::unique_ptr<FilterNode> parse_expr() {
    Token t = take();
    switch (t.kind) {
      case Tok::LParen: {
        auto inner = parse_list(true);
        if (!inner) return nullptr;
        if (peek().kind != Tok::RParen) {
          error = unexpected(peek(), "')'");
          return nullptr;
        }
        take();
        inner->paren = true;
        return inner;
      }
      case Tok::Not: {
        auto e = parse_expr();
        return e ? negate(std::move(e)) : nullptr;
      }
      case Tok::Autobound: return node(NodeKind::Autobound);
      case Tok::Dst:
      case Tok::Src: {
        bool dst = t.kind == Tok::Dst;
        if (peek().kind == Tok::Eq) take();
        const Token& op = peek();
        if (op.kind != Tok::Word) {
          error = syntax(op, std::string("an address after '") + (dst ? "dst" : "src") + "'");
          return nullptr;
        }
        auto n = node(dst ? NodeKind::DstCond : NodeKind::SrcCond);
        if (!parse_hostcond(take(), false, dst ? "dst" : "src", n->host)) return nullptr;
        return n;
      }
      case Tok::Dport:
      case Tok::Sport: {
        bool d = t.kind == Tok::Dport;
        std::string kw = d ? "dport" : "sport";
        Tok op = Tok::Eq;
        std::string op_text;
        if (peek().kind == Tok::Eq || peek().kind == Tok::Neq || peek().kind == Tok::Geq ||
            peek().kind == Tok::Leq || peek().kind == Tok::Gt || peek().kind == Tok::Lt) {
          op = peek().kind;
          op_text = " " + peek().text;
          take();
        }
        const Token& w = peek();
        if (w.kind != Tok::Word) {
          error = syntax(w, "a port after '" + kw + op_text + "'");
          return nullptr;
        }
        HostCond hc;
        if (!parse_hostcond(take(), true, kw + op_text, hc)) return nullptr;
        NodeKind eq = d ? NodeKind::DstCond : NodeKind::SrcCond;
        NodeKind ge = d ? NodeKind::DstGe : NodeKind::SrcGe;
        NodeKind le = d ? NodeKind::DstLe : NodeKind::SrcLe;
        std::unique_ptr<FilterNode> n;
        switch (op) {
          case Tok::Geq: n = node(ge); break;
          case Tok::Leq: n = node(le); break;
          case Tok::Gt: n = node(le); break;  // > is NOT <=
          case Tok::Lt: n = node(ge); break;  // < is NOT >=
          default: n = node(eq); break;
        }
        n->host = hc;
        if (op == Tok::Gt || op == Tok::Lt || op == Tok::Neq) return negate(std::move(n));
        return n;
      }
      case Tok::Dev:
      case Tok::Fwmark:
      case Tok::Cgroup: {
        bool neg = false;
        if (peek().kind == Tok::Eq) take();
        else if (peek().kind == Tok::Neq) {
          take();
          neg = true;
        }
        const Token& w = peek();
        std::string kw = t.text;
        if (w.kind != Tok::Word) {
          error = syntax(w, "an operand after '" + kw + "'");
          return nullptr;
        }
        Token v = take();
        std::unique_ptr<FilterNode> n;
        if (t.kind == Tok::Dev) {
          n = node(NodeKind::Dev);
          uint32_t idx = ctx.ifindex_of ? ctx.ifindex_of(v.text) : 0;
          if (!idx && !get_u32(v.text, idx)) {
            error = make_error(1, "Cannot parse device.\n",
                               "no network interface named '" + v.text + "'", v);
            return nullptr;
          }
          n->ifindex = idx;
        } else if (t.kind == Tok::Fwmark) {
          n = node(NodeKind::Mark);
          unsigned mark = 0, mask = 0xffffffff;
          char extra;
          bool ok = v.text.find('/') != std::string::npos
                        ? std::sscanf(v.text.c_str(), "%i/%i%c", reinterpret_cast<int*>(&mark),
                                      reinterpret_cast<int*>(&mask), &extra) == 2
                        : std::sscanf(v.text.c_str(), "%i", reinterpret_cast<int*>(&mark)) == 1;
          if (!ok) {
            error = make_error(1, fmt::format("Cannot parse mark {}.\n", v.text),
                               "expected MARK or MARK/MASK after 'fwmark', got '" + v.text + "'",
                               v);
            return nullptr;
          }
          n->mark = mark;
          n->mask = mask;
        } else {
          n = node(NodeKind::Cgroup);
          Expected<uint64_t> id = ctx.cgroup_id_of
                                      ? ctx.cgroup_id_of(v.text)
                                      : Expected<uint64_t>(Error{"no cgroup resolver", 0});
          if (!id) {
            error = make_error(
                1, fmt::format("{}\nCannot parse cgroup {}.\n", id.error().message, v.text),
                "cannot resolve cgroup '" + v.text + "': " + id.error().message, v);
            return nullptr;
          }
          n->cgroup_id = *id;
        }
        return neg ? negate(std::move(n)) : std::move(n);
      }
      default:
        --next;
        error = unexpected(t, "a condition (src, dst, sport, dport, dev, fwmark, cgroup, "
                              "autobound, '!' or '(')");
        return nullptr;
    }
  }

  static bool starts_expr(Tok k) {
    switch (k) {
      case Tok::LParen:
      case Tok::Not:
      case Tok::Dst:
      case Tok::Src:
      case Tok::Dport:
      case Tok::Sport:
      case Tok::Dev:
      case Tok::Fwmark:
      case Tok::Cgroup:
      case Tok::Autobound: return true;
      default: return false;
    }
  }

  // exprlist: expr { ('|' | '&' | <juxtaposition>) expr }, all left-assoc and
  // equal precedence, exactly as ss's grammar reduces it.
  std::unique_ptr<FilterNode> parse_list(bool in_paren) {
    auto left = parse_expr();
    if (!left) return nullptr;
    bool saw_or = false;
    for (;;) {
      Tok k = peek().kind;
      NodeKind op;
      size_t op_pos = peek().pos;
      if (k == Tok::Or) {
        take();
        op = NodeKind::Or;
      } else if (k == Tok::And) {
        take();
        op = NodeKind::And;
      } else if (starts_expr(k)) {
        op = NodeKind::And;
      } else if (k == Tok::End || (k == Tok::RParen && in_paren)) {
        return left;
      } else {
        error = unexpected(peek(), "'and', 'or', a condition or the end of the expression");
        return nullptr;
      }
      if (op == NodeKind::And && saw_or)
        result.warnings.push_back(fmt::format(
            "filter: 'and' at offset {} applies to everything before it: ss gives 'and' and "
            "'or' equal precedence, left to right (A or B and C means (A or B) and C); "
            "add parentheses to make the grouping explicit",
            op_pos));
      if (op == NodeKind::Or) saw_or = true;
      auto right = parse_expr();
      if (!right) return nullptr;
      auto n = node(op);
      n->a = std::move(left);
      n->b = std::move(right);
      left = std::move(n);
    }
  }

  void run() {
    result.ephemeral_ = ctx.ephemeral;
    if (toks.size() == 1) return;  // only End: no filter (ss's "null" rule)
    auto root = parse_list(false);
    if (error) return;
    result.root_ = std::move(root);
  }
};

FilterParseResult parse_filter(const std::vector<std::string>& words,
                               const std::vector<std::string>& file_lines, FilterContext& ctx) {
  FilterParser p{ctx, {}, {}, 0, -1, Filter(), std::nullopt};
  auto add = [&](const std::string& chunk) {
    if (!p.expr.empty()) p.expr.push_back(' ');
    size_t base = p.expr.size();
    p.expr += chunk;
    split_words(chunk, base, p.toks);
  };
  for (const auto& w : words) add(w);
  for (const auto& l : file_lines) add(l);
  for (auto& t : p.toks) t.kind = classify(t.text);
  Token end;
  end.kind = Tok::End;
  end.pos = p.expr.size();
  p.toks.push_back(end);
  p.run();
  FilterParseResult r;
  if (p.error) r.error = std::move(p.error);
  else r.filter = std::move(p.result);
  return r;
}

FilterFileResult read_filter_file(const std::string& path) {
  FilterFileResult r;
  std::istream* in = &std::cin;
  std::ifstream f;
  if (path != "-") {
    f.open(path);
    if (!f) {
      r.error = fmt::format("{}: {}", path, std::strerror(errno));
      return r;
    }
    in = &f;
  }
  for (std::string line; std::getline(*in, line);) {
    if (line.size() >= 1023) {
      r.error = "Too long line in filter";
      return r;
    }
    // ss skips comment lines, and (a quirk kept for compatibility) lines
    // starting with the digit 0.
    if (!line.empty() && (line[0] == '#' || line[0] == '0')) continue;
    r.lines.push_back(line);
  }
  return r;
}

}  // namespace sw
