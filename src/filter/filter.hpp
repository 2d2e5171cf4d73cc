// The ss filter language: parse an expression (argv words, then -F file lines)
// into a Filter, evaluate it on SocketRecords (the truth), and compile what the
// kernel can evaluate into INET_DIAG_REQ_BYTECODE so it sends only matching
// inet sockets. Semantics are iproute2 6.1's, including its traps: `and` and
// `or` bind equally, left to right; juxtaposition is `and`; a v4 pattern also
// matches v4-mapped v6 sockets; a family-prefixed condition (unix:, inet6:...)
// replaces the family set. See docs/filter-language.md.
//
// Never prints or exits: errors come back as FilterError with ss's exit
// status, ss's own message, and a caret explanation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "core/socket_record.hpp"
#include "enrich/services.hpp"

namespace sw {

struct FilterContext {
  int preferred_family = 0;   // AF_UNSPEC, or the last -4/-6/-f family (updated by prefixes)
  bool has_tcp = true;        // TCP table selected (service names looked up as tcp)
  bool has_udp = true;        // UDP table selected
  PortRange ephemeral;        // for `autobound`
  bool resolve_names = true;  // host names via the resolver (fuzzing turns this off)
  // Interface name -> index (0 when unknown); cgroup path -> id, or the line
  // ss prints when it cannot resolve it.
  std::function<uint32_t(const std::string&)> ifindex_of;
  std::function<Expected<uint64_t>(const std::string&)> cgroup_id_of;
};

struct FilterError {
  int status = 1;           // 1: bad term (ss exits 1); 255: syntax error (ss prints usage)
  std::string ss_message;   // exactly what ss 6.1 prints on stderr (without usage)
  std::string explanation;  // "expected a port after 'dport =', got 'foo'"
  std::string expression;   // the words joined by blanks
  size_t caret_at = 0;      // offset of the offending token in `expression`
  size_t caret_len = 1;
};

struct FilterNode;

// ss's parser (bison, YYMAXDEPTH 10,000) fails with "memory exhausted" when
// an expression nests deeper than this many stack slots: one per open '(' or
// '!', two per left operand waiting for its right one. Measured on ss 6.1:
// 9,995 nested '(' or '!' parse, 9,996 do not.
constexpr size_t kMaxFilterNesting = 9995;

// The evaluator runs a flat program, not the tree: each condition with where
// to go when it holds and when it does not (forward jumps, like the kernel's
// bytecode), so evaluation needs no recursion however deep the expression.
struct EvalStep {
  static constexpr int32_t kAccept = -1;
  static constexpr int32_t kReject = -2;
  const FilterNode* cond = nullptr;
  int32_t yes = kAccept;
  int32_t no = kReject;
};

class Filter {
 public:
  Filter();
  ~Filter();
  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;

  bool empty() const { return !root_; }
  bool matches(const SocketRecord& r) const;
  // Kernel bytecode. When ss itself would compile the whole expression (no
  // `dev` term) this is ss's program; otherwise the compilable part (dev,
  // fwmark, cgroup, port terms) as a sound superset. Empty: filter in user space.
  std::string bytecode() const;
  // True when bytecode() encodes the whole expression (nothing dropped).
  bool bytecode_is_exact() const;
  // A sound prefilter for one dump family (AF_INET or AF_INET6): the kernel
  // never drops a socket matches() accepts. Compiles src/dst (alternatives
  // of that family only), port comparisons, dev, fwmark (only when
  // `net_admin`: the kernel refuses MARK_COND otherwise) and cgroup; an AND
  // keeps its compilable side; an OR or NOT with an uncompilable part is
  // given up. `exact`: the program is the whole expression.
  struct Bytecode {
    std::string code;  // empty: nothing to send
    bool exact = false;
  };
  Bytecode compile_bytecode(int family, bool net_admin = true) const;
  // The family the last prefixed condition selected (ss replaces the family set).
  std::optional<int> family_override;
  std::vector<std::string> warnings;  // e.g. mixed and/or without parentheses
  std::string describe() const;       // normalised expression, for tests and logs

 private:
  friend struct FilterParser;
  void build_program();
  std::unique_ptr<FilterNode> root_;
  std::vector<EvalStep> program_;  // points into root_'s nodes
  PortRange ephemeral_;            // what `autobound` tests (ss's is_ephemeral)
};

struct FilterParseResult {
  std::optional<Filter> filter;
  std::optional<FilterError> error;
};

// `words`: the argv words after options and state words; `file_lines`: the
// lines of -F FILE (comment and '0' lines are skipped as ss does).
FilterParseResult parse_filter(const std::vector<std::string>& words,
                               const std::vector<std::string>& file_lines, FilterContext& ctx);

// Reads -F FILE ("-" = stdin) into lines; the error names the file. Lines are
// read as ss reads them (fgets into 1,024 bytes: a longer line is ss's "Too
// long line in filter"), and the whole file is bounded by kMaxFilterFileBytes,
// checked while reading (a FIFO fed by `yes` ends with an error, not with
// all memory).
// The error's message is the line ss prints.
constexpr uint64_t kMaxFilterFileBytes = uint64_t{16} << 20;
Expected<std::vector<std::string>> read_filter_lines(const std::string& path);
// The same as a lines-or-message pair: kept only for app/ss_mode.cpp until it
// calls read_filter_lines (then this goes).
struct FilterFileResult {
  std::vector<std::string> lines;
  std::optional<std::string> error;
};
FilterFileResult read_filter_file(const std::string& path);

// Reference model of the kernel (net/ipv4/inet_diag.c), for tests and
// fuzzing. run_bytecode: inet_diag_bc_run on the record's fields (AUTO reads
// `userlocks_bindport`, which records do not carry). audit_bytecode:
// inet_diag_bc_audit, the checks that make the kernel refuse a program
// (EINVAL, or EPERM for MARK_COND without CAP_NET_ADMIN).
bool run_bytecode(const std::string& bc, const SocketRecord& r, bool userlocks_bindport = false);
Expected<void> audit_bytecode(const std::string& bc, bool net_admin = true);

}  // namespace sw
