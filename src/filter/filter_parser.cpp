// Parser of the ss filter language: recursive descent over the lexer's
// tokens, reproducing how ss's bison grammar (misc/ssfilter.y) really reduces
// expressions, and in which order ss reports errors.
#include <fmt/format.h>
#include <sys/socket.h>

#include "filter/filter.hpp"
#include "filter/filter_ast.hpp"
#include "filter/filter_hostcond.hpp"
#include "filter/filter_lexer.hpp"

namespace sw {

namespace {

constexpr const char* kBison =
    "ss: bison bellows (while parsing filter): \"syntax error!\" Sorry.\n";
constexpr const char* kBisonExhausted =
    "ss: bison bellows (while parsing filter): \"memory exhausted!\" Sorry.\n";

// A token quoted in an explanation: a 1 MB word is named by its start.
std::string shorten(const std::string& s) {
  constexpr size_t kMax = 64;
  if (s.size() <= kMax) return s;
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;  // UTF-8
  return s.substr(0, cut) + "...";
}

bool is_operand_keyword(Tok k) {
  switch (k) {
    case Tok::Dst:
    case Tok::Src:
    case Tok::Dport:
    case Tok::Sport:
    case Tok::Dev:
    case Tok::Fwmark:
    case Tok::Cgroup:
    case Tok::Autobound:
      return true;
    default:
      return false;
  }
}

bool starts_expr(Tok k) { return k == Tok::LParen || k == Tok::Not || is_operand_keyword(k); }

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

}  // namespace

struct FilterParser {
  const FilterContext& ctx;
  TokenStream ts;
  size_t next = 0;
  // The last operand keyword lexed (ss's tok_type): it decides how a word is
  // converted, even a word the grammar then rejects.
  Tok tok_type = Tok::End;
  int preferred_family = 0;
  Filter result;
  std::optional<FilterError> error;
  size_t slots = 0;           // bison stack slots in use (see parse_list)
  size_t mixed_warnings = 0;  // 'and' after 'or' without parentheses

  FilterError make_error(int status, std::string ss_msg, std::string why, const Token& at) {
    FilterError e;
    e.status = status;
    e.ss_message = std::move(ss_msg);
    e.explanation = std::move(why);
    e.expression = ts.expr;
    e.caret_at = at.pos;
    e.caret_len = std::max<size_t>(1, at.len);
    return e;
  }

  const Token& peek() const { return ts.toks[next]; }
  const Token& take() {
    const Token& t = ts.toks[next++];
    if (is_operand_keyword(t.kind)) tok_type = t.kind;
    return t;
  }

  FilterError syntax(const Token& at, const std::string& expected) {
    std::string got =
        at.kind == Tok::End ? "the end of the expression" : "'" + shorten(at.text) + "'";
    return make_error(255, kBison, fmt::format("expected {}, got {}", expected, got), at);
  }

  // ss converts each operand word as it is lexed, before the grammar looks
  // at it, so a word in the wrong place is still converted the way the last
  // operand keyword implies, and a bad one is reported (exit 1) instead of
  // the syntax error.
  FilterError unexpected(const Token& t, const std::string& expected) {
    if (t.kind == Tok::Word) {
      int fam_before = preferred_family;
      auto override_before = result.family_override;
      std::string after = tok_type == Tok::End ? t.text : keyword_text(tok_type);
      std::unique_ptr<FilterNode> n = convert(t, tok_type, after);
      preferred_family = fam_before;
      result.family_override = override_before;
      if (!n) {
        FilterError e = *error;
        error.reset();
        if (t.text == "state" || t.text == "exclude" || t.text == "excl")
          e.explanation += "; state and exclude words must come before the expression";
        else
          e.explanation +=
              fmt::format(" ('{}' is misplaced: {} is expected here)", shorten(t.text), expected);
        return e;
      }
    }
    return syntax(t, expected);
  }

  static std::string keyword_text(Tok k) {
    switch (k) {
      case Tok::Dst:
        return "dst";
      case Tok::Src:
        return "src";
      case Tok::Dport:
        return "dport";
      case Tok::Sport:
        return "sport";
      case Tok::Dev:
        return "dev";
      case Tok::Fwmark:
        return "fwmark";
      case Tok::Cgroup:
        return "cgroup";
      default:
        return "";
    }
  }

  // Converts an operand word as ss's lexer would after keyword `kw`. Returns
  // the leaf (Src/Dst cond for host words) or nullptr with `error` set.
  std::unique_ptr<FilterNode> convert(const Token& w, Tok kw, const std::string& after) {
    if (kw == Tok::Dev) {
      auto n = node(NodeKind::Dev);
      uint32_t idx = ctx.ifindex_of ? ctx.ifindex_of(w.text) : 0;
      if (!idx && !parse_u32(w.text, idx)) {
        error = make_error(1, "Cannot parse device.\n",
                           "no network interface named '" + shorten(w.text) + "'", w);
        return nullptr;
      }
      n->ifindex = idx;
      return n;
    }
    if (kw == Tok::Fwmark) {
      auto n = node(NodeKind::Mark);
      if (!parse_markmask(w.text, n->mark, n->mask)) {
        error = make_error(
            1, fmt::format("Cannot parse mark {}.\n", w.text),
            "expected MARK or MARK/MASK after 'fwmark', got '" + shorten(w.text) + "'", w);
        return nullptr;
      }
      return n;
    }
    if (kw == Tok::Cgroup) {
      auto n = node(NodeKind::Cgroup);
      Expected<uint64_t> id = ctx.cgroup_id_of ? ctx.cgroup_id_of(w.text)
                                               : Expected<uint64_t>(Error{"no cgroup resolver", 0});
      if (!id) {
        error =
            make_error(1, fmt::format("{}\nCannot parse cgroup {}.\n", id.error().message, w.text),
                       "cannot resolve cgroup '" + shorten(w.text) + "': " + id.error().message, w);
        return nullptr;
      }
      n->cgroup_id = *id;
      return n;
    }
    auto n = node(kw == Tok::Dst || kw == Tok::Dport ? NodeKind::DstCond : NodeKind::SrcCond);
    int applied = 0;
    OperandError oe;
    if (!parse_hostcond(w.text, kw == Tok::Dport || kw == Tok::Sport, after, ctx, preferred_family,
                        n->host, applied, oe)) {
      error = make_error(1, oe.ss_lines + "Cannot parse dst/src address.\n", oe.why, w);
      return nullptr;
    }
    // A family-prefixed (or -f/-4/-6 preset) operand replaces the family set
    // and becomes the preferred family for the operands that follow.
    if (applied != 0) {
      result.family_override = applied;
      preferred_family = applied;
    }
    return n;
  }

  // One condition after its keyword `t` (already taken): ss's leaf rules.
  std::unique_ptr<FilterNode> parse_leaf(const Token& t) {
    switch (t.kind) {
      case Tok::Autobound:
        return node(NodeKind::Autobound);
      case Tok::Dst:
      case Tok::Src: {
        if (peek().kind == Tok::Eq) take();
        if (peek().kind != Tok::Word) {
          error = syntax(peek(), "an address after '" + shorten(t.text) + "'");
          return nullptr;
        }
        return convert(take(), t.kind, t.text);
      }
      case Tok::Dport:
      case Tok::Sport:
        return parse_port(t);
      case Tok::Dev:
      case Tok::Fwmark:
      case Tok::Cgroup: {
        bool neg = false;
        if (peek().kind == Tok::Eq) {
          take();
        } else if (peek().kind == Tok::Neq) {
          take();
          neg = true;
        }
        if (peek().kind != Tok::Word) {
          error = syntax(peek(), "an operand after '" + shorten(t.text) + "'");
          return nullptr;
        }
        auto n = convert(take(), t.kind, t.text);
        if (!n) return nullptr;
        return neg ? negate(std::move(n)) : std::move(n);
      }
      default:
        return nullptr;
    }
  }

  std::unique_ptr<FilterNode> parse_port(const Token& t) {
    bool d = t.kind == Tok::Dport;
    Tok op = Tok::Eq;
    std::string after = t.text;
    switch (peek().kind) {
      case Tok::Eq:
      case Tok::Neq:
      case Tok::Geq:
      case Tok::Leq:
      case Tok::Gt:
      case Tok::Lt:
        op = peek().kind;
        after += " " + peek().text;
        take();
        break;
      default:
        break;
    }
    if (peek().kind != Tok::Word) {
      error = syntax(peek(), "a port after '" + after + "'");
      return nullptr;
    }
    auto leaf = convert(take(), t.kind, after);
    if (!leaf) return nullptr;
    NodeKind ge = d ? NodeKind::DstGe : NodeKind::SrcGe;
    NodeKind le = d ? NodeKind::DstLe : NodeKind::SrcLe;
    // ss: `>` is NOT `<=`, `<` is NOT `>=`, `!=` is NOT `=`.
    switch (op) {
      case Tok::Geq:
        leaf->kind = ge;
        break;
      case Tok::Leq:
        leaf->kind = le;
        break;
      case Tok::Gt:
        leaf->kind = le;
        break;
      case Tok::Lt:
        leaf->kind = ge;
        break;
      default:
        break;
    }
    if (op == Tok::Gt || op == Tok::Lt || op == Tok::Neq) return negate(std::move(leaf));
    return leaf;
  }

  // The grammar, without recursion (a hostile expression nests as deep as it
  // likes; the stack here is a vector):
  //   exprlist: expr { ('|' | '&' | <juxtaposition>) expr }
  //   expr:     '(' exprlist ')' | '!' expr | condition
  // Every operator has the same precedence and groups to the left, which is
  // how ss's grammar reduces (its %left declarations never apply: the right
  // operand is always a single expr).
  //
  // Nesting is bounded as ss's bison parser bounds it (YYMAXDEPTH, 10,000
  // stack slots): an open '(' or '!' holds one slot, a left operand waiting
  // for its right one holds two (one with juxtaposition); past kMaxFilterNesting
  // slots ss fails with "memory exhausted", and so do we.
  struct Frame {
    bool is_not = false;  // a pending '!' (else an exprlist)
    bool in_paren = false;
    bool saw_or = false;
    bool explicit_op = false;  // the pending operator was written (not juxtaposition)
    NodeKind op = NodeKind::And;
    std::unique_ptr<FilterNode> left;
  };

  bool push_slots(size_t n, const Token& at) {
    slots += n;
    if (slots <= kMaxFilterNesting) return true;
    error = make_error(
        255, kBisonExhausted,
        fmt::format("the expression nests too deeply: more than {} open parentheses, '!'s and "
                    "pending operators at once (the depth limit of ss's parser)",
                    kMaxFilterNesting),
        at);
    return false;
  }

  std::unique_ptr<FilterNode> parse_list() {
    std::vector<Frame> stack(1);
    std::unique_ptr<FilterNode> e;
    for (;;) {
      // Wanted: an expr. Opening tokens only push.
      if (!e) {
        const Token& t = take();
        if (t.kind == Tok::LParen || t.kind == Tok::Not) {
          Frame f;
          f.is_not = t.kind == Tok::Not;
          f.in_paren = t.kind == Tok::LParen;
          stack.push_back(std::move(f));
          if (!push_slots(1, t)) return nullptr;
          continue;
        }
        if (!is_operand_keyword(t.kind)) {
          --next;
          error = unexpected(t,
                             "a condition (src, dst, sport, dport, dev, fwmark, cgroup, "
                             "autobound, '!' or '(')");
          return nullptr;
        }
        e = parse_leaf(t);
        if (!e) return nullptr;
      }
      // An expr is complete: apply the pending '!'s, then join it to its list.
      while (stack.back().is_not) {
        e = negate(std::move(e));
        stack.pop_back();
        --slots;
      }
      Frame& l = stack.back();
      if (l.left) {
        auto n = node(l.op);
        n->a = std::move(l.left);
        n->b = std::move(e);
        l.left = std::move(n);
        slots -= l.explicit_op ? 2 : 1;
      } else {
        l.left = std::move(e);
      }
      e.reset();
      const Token& op_tok = peek();
      Tok k = op_tok.kind;
      NodeKind op;
      if (k == Tok::Or) {
        take();
        op = NodeKind::Or;
      } else if (k == Tok::And) {
        take();
        op = NodeKind::And;
      } else if (starts_expr(k)) {
        op = NodeKind::And;
      } else if (k == Tok::End || (k == Tok::RParen && l.in_paren)) {
        if (!l.in_paren) return std::move(l.left);
        if (k != Tok::RParen) {
          error = unexpected(peek(), "')'");
          return nullptr;
        }
        take();
        e = std::move(l.left);
        e->paren = true;
        stack.pop_back();
        --slots;
        continue;  // the parenthesised list is an expr of the enclosing one
      } else {
        error = unexpected(peek(), "'and', 'or', a condition or the end of the expression");
        return nullptr;
      }
      // `A and B or C` means what it says; `A or B and C` does not.
      if (op == NodeKind::And && l.saw_or) warn_mixed(op_tok, k);
      if (op == NodeKind::Or) l.saw_or = true;
      l.op = op;
      l.explicit_op = k == Tok::Or || k == Tok::And;
      if (!push_slots(l.explicit_op ? 2 : 1, op_tok)) return nullptr;
    }
  }

  // One warning per place, but a blocklist of thousands of terms gets a few
  // and a count, not thousands of lines.
  void warn_mixed(const Token& op_tok, Tok k) {
    constexpr size_t kMaxWarnings = 4;
    if (++mixed_warnings > kMaxWarnings) return;
    result.warnings.push_back(
        fmt::format("filter: '{}' at offset {} applies to everything before it: ss gives 'and' and "
                    "'or' equal precedence, left to right (A or B and C means (A or B) and C); "
                    "add parentheses to make the grouping explicit",
                    k == Tok::And ? op_tok.text : "and (juxtaposition)", op_tok.pos));
  }

  void run() {
    result.ephemeral_ = ctx.ephemeral;
    if (ts.toks.size() == 1) return;  // nothing but End: no filter
    auto root = parse_list();
    if (error) return;
    if (mixed_warnings > 4)
      result.warnings.push_back(fmt::format(
          "filter: {} more places like the above ('and' after 'or' without parentheses)",
          mixed_warnings - 4));
    result.root_ = std::move(root);
    result.build_program();
  }
};

FilterParseResult parse_filter(const std::vector<std::string>& words,
                               const std::vector<std::string>& file_lines, FilterContext& ctx) {
  FilterParser p{ctx,         lex_filter(words, file_lines), 0,
                 Tok::End,    ctx.preferred_family,          Filter(),
                 std::nullopt};
  p.run();
  FilterParseResult r;
  if (p.error) {
    r.error = std::move(p.error);
  } else {
    ctx.preferred_family = p.preferred_family;
    r.filter = std::move(p.result);
  }
  return r;
}

}  // namespace sw
