// The bytecode compilers against a reference model of the kernel
// (run_bytecode / audit_bytecode, from net/ipv4/inet_diag.c): for every
// corpus expression, on thousands of synthetic sockets, the kernel program
// must pass the audit, never drop a socket the evaluator accepts, and agree
// with it exactly when it claims to be exact.
#include <gtest/gtest.h>
#include <linux/inet_diag.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "filter_test_util.hpp"

namespace sw {
namespace {

using filter_test::inet;
using filter_test::parse;

std::vector<SocketRecord> synthetic(int af, int n, unsigned seed) {
  static const char* const kV4[] = {"127.0.0.1", "127.0.0.2", "10.0.0.1", "0.0.0.0", "192.168.1.1"};
  static const char* const kV6[] = {"::1",     "::",         "::ffff:127.0.0.1", "::ffff:10.0.0.1",
                                    "fe80::1", "2001:db8::1"};
  static const uint16_t kPorts[] = {0,    1,    22,   53,    80,    443,   5353,  7777,
                                    8080, 8443, 9999, 32768, 40000, 40123, 60999, 65535};
  std::mt19937 rng(seed);
  auto pick = [&](auto& arr) { return arr[rng() % std::size(arr)]; };
  std::vector<SocketRecord> out;
  for (int i = 0; i < n; ++i) {
    SocketRecord r = af == AF_INET ? inet(af, pick(kV4), pick(kPorts), pick(kV4), pick(kPorts))
                                   : inet(af, pick(kV6), pick(kPorts), pick(kV6), pick(kPorts));
    r.ifindex = static_cast<uint32_t>(rng() % 3);
    static const uint32_t kMarks[] = {0, 1, 8, 0x10, 0x35};
    if (rng() % 4) r.mark = pick(kMarks);
    if (rng() % 4) r.cgroup_id = rng() % 4;
    out.push_back(std::move(r));
  }
  return out;
}

TEST(FilterBytecode, CorpusProgramsAreSoundAndAuditClean) {
  auto corpus = filter_test::load_corpus();
  ASSERT_GE(corpus.size(), 200u);
  const auto v4 = synthetic(AF_INET, 1500, 1), v6 = synthetic(AF_INET6, 1500, 2);
  size_t parsed = 0, exact_programs = 0;
  for (const auto& c : corpus) {
    auto ctx = filter_test::ctx_for_flags(c.flags);
    auto p = parse_filter(filter_test::split_blanks(c.expr), {}, ctx);
    if (!p.filter || p.filter->empty()) continue;
    ++parsed;
    const Filter& f = *p.filter;
    std::string ss_bc = f.bytecode();
    if (!ss_bc.empty()) {
      auto audit = audit_bytecode(ss_bc);
      EXPECT_TRUE(audit) << c.expr << ": " << audit.error().message;
    }
    for (int af : {AF_INET, AF_INET6}) {
      Filter::Bytecode bc = f.compile_bytecode(af);
      if (bc.code.empty()) continue;
      auto audit = audit_bytecode(bc.code);
      ASSERT_TRUE(audit) << c.expr << ": " << audit.error().message;
      exact_programs += bc.exact;
      for (const auto& r : af == AF_INET ? v4 : v6) {
        bool user = f.matches(r), kernel = run_bytecode(bc.code, r);
        if (user) {
          ASSERT_TRUE(kernel) << c.expr << " (family " << af << ") dropped a match";
        }
        if (bc.exact) {
          ASSERT_EQ(user, kernel) << c.expr << " (family " << af << ")";
        }
      }
    }
  }
  EXPECT_GE(parsed, 150u);
  EXPECT_GE(exact_programs, 200u);
}

// ss's own program: where ss's kernel and user-space checks agree (no
// autobound, no host names, no cross-family raw matches), it selects
// exactly what the evaluator selects.
TEST(FilterBytecode, SsProgramAgreesWithEvaluatorOnSameFamilyPatterns) {
  const char* exprs[] = {
      "sport = :80",
      "dport != :22",
      "sport > :1024 and dport < :2000",
      "src 127.0.0.0/8",
      "dst 10.0.0.1 or dport = :53",
      "! ( sport = :1 or dport = :443 )",
      "src 127.0.0.1 or src 10.0.0.1 and dport = :80",
      "fwmark 0x10/0xf0 or cgroup /",
      "( src 10.0.0.0/8 or src 127.0.0.1 ) and not sport = :22",
      "sport >= :100 sport <= :9000 ! dst 127.0.0.2",
      "src *:80 or dst *:22",
  };
  const auto v4 = synthetic(AF_INET, 3000, 3);
  for (const char* e : exprs) {
    auto p = parse(e);
    ASSERT_TRUE(p.filter) << e;
    ASSERT_TRUE(p.filter->bytecode_is_exact()) << e;
    std::string bc = p.filter->bytecode();
    ASSERT_TRUE(audit_bytecode(bc)) << e;
    size_t hits = 0;
    for (const auto& r : v4) {
      bool user = p.filter->matches(r);
      ASSERT_EQ(user, run_bytecode(bc, r)) << e;
      hits += user;
    }
    EXPECT_GT(hits, 0u) << e << ": the test sockets should exercise both outcomes";
    EXPECT_LT(hits, v4.size()) << e;
  }
}

TEST(FilterBytecode, SsProgramLayout) {
  // sport = :80 -> one S_COND {family 0, prefix 0, port 80} + 4 address bytes.
  std::string bc = parse("sport = :80").filter->bytecode();
  ASSERT_EQ(bc.size(), 4 + sizeof(inet_diag_hostcond) + 4);
  inet_diag_bc_op op;
  std::memcpy(&op, bc.data(), sizeof op);
  EXPECT_EQ(op.code, INET_DIAG_BC_S_COND);
  EXPECT_EQ(op.yes, bc.size());
  EXPECT_EQ(op.no, bc.size() + 4);
  // ! X appends {JMP, 4, 8}.
  std::string nbc = parse("! sport = :80").filter->bytecode();
  ASSERT_EQ(nbc.size(), bc.size() + 4);
  std::memcpy(&op, nbc.data() + bc.size(), sizeof op);
  EXPECT_EQ(op.code, INET_DIAG_BC_JMP);
  EXPECT_EQ(op.yes, 4);
  EXPECT_EQ(op.no, 8);
  // autobound -> AUTO, which the kernel decides from SOCK_BINDPORT_LOCK.
  std::string ab = parse("autobound").filter->bytecode();
  ASSERT_EQ(ab.size(), 4u);
  auto r = inet(AF_INET, "127.0.0.1", 80, "127.0.0.1", 1);
  EXPECT_TRUE(run_bytecode(ab, r, false));
  EXPECT_FALSE(run_bytecode(ab, r, true));
}

TEST(FilterBytecode, DevNoLongerDisablesKernelFiltering) {
  auto p = parse("dev lo and src 127.0.0.1 and sport = :80");
  std::string bc = p.filter->bytecode();
  EXPECT_FALSE(bc.empty());  // ss sends nothing here
  EXPECT_FALSE(p.filter->bytecode_is_exact());
  auto v4 = p.filter->compile_bytecode(AF_INET);
  EXPECT_TRUE(v4.exact);  // for one family the address test compiles too
  auto v6 = p.filter->compile_bytecode(AF_INET6);
  EXPECT_FALSE(v6.exact);  // a v4 pattern on v6 sockets stays in user space
  EXPECT_FALSE(v6.code.empty());
  auto r = inet(AF_INET, "127.0.0.1", 80, "127.0.0.1", 1);
  r.ifindex = 1;
  EXPECT_TRUE(run_bytecode(v4.code, r));
  r.ifindex = 2;
  EXPECT_FALSE(run_bytecode(v4.code, r));
}

TEST(FilterBytecode, UncompilableSubtreesWeakenSoundly) {
  // OR with an uncompilable side: nothing can be sent.
  EXPECT_TRUE(parse("autobound or sport = :80").filter->compile_bytecode(AF_INET).code.empty());
  // AND keeps its compilable side.
  auto a = parse("autobound and sport = :80").filter->compile_bytecode(AF_INET);
  EXPECT_FALSE(a.code.empty());
  EXPECT_FALSE(a.exact);
  // NOT of a weakened subtree is given up.
  EXPECT_TRUE(
      parse("! ( autobound and sport = :80 )").filter->compile_bytecode(AF_INET).code.empty());
  // fwmark needs CAP_NET_ADMIN in the kernel's audit.
  auto mk = parse("fwmark 1 and sport = :80").filter->compile_bytecode(AF_INET, false);
  EXPECT_FALSE(mk.exact);
  EXPECT_TRUE(audit_bytecode(mk.code, false));
  auto with_mark = parse("fwmark 1").filter->compile_bytecode(AF_INET, true);
  EXPECT_EQ(audit_bytecode(with_mark.code, false).error().code, EPERM);
  // Unix patterns are never sent to the inet kernel filter.
  EXPECT_TRUE(parse("src unix:/x*").filter->bytecode().empty());
  // Ports beyond 16 bits: ss truncates, the superset compiler declines.
  EXPECT_TRUE(parse("sport > 70000").filter->compile_bytecode(AF_INET).code.empty());
}

TEST(FilterBytecode, HostNameAlternativesEachCompileInFamilyMode) {
  // ss compiles every alternative from the first address; per family we
  // compile each address of that family.
  auto ctx = filter_test::fake_ctx();
  auto p = parse_filter({"src", "localhost"}, {}, ctx);
  ASSERT_TRUE(p.filter);
  auto v6 = p.filter->compile_bytecode(AF_INET6);
  auto r = inet(AF_INET6, "::1", 1, "::1", 2);
  if (p.filter->matches(r)) {  // localhost has an AAAA record here
    EXPECT_TRUE(run_bytecode(v6.code, r) || v6.code.empty());
  }
}

TEST(FilterBytecode, AuditRejectsMalformedPrograms) {
  EXPECT_FALSE(audit_bytecode(std::string("\x01\x02", 2)));
  std::string bad(4, '\0');
  inet_diag_bc_op op{INET_DIAG_BC_JMP, 4, 6};  // 'no' not a multiple of 4
  std::memcpy(bad.data(), &op, 4);
  EXPECT_FALSE(audit_bytecode(bad));
  op = {INET_DIAG_BC_S_GE, 4, 8};  // the port operand is missing
  std::memcpy(bad.data(), &op, 4);
  EXPECT_FALSE(audit_bytecode(bad));
  op = {99, 4, 8};
  std::memcpy(bad.data(), &op, 4);
  EXPECT_FALSE(audit_bytecode(bad));
}

}  // namespace
}  // namespace sw
