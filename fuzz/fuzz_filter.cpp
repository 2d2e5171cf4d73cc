// Fuzzes the filter lexer/parser, then evaluates and compiles what parsed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "filter/filter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> words(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n' || data[i] == 0)
      words.emplace_back();
    else
      words.back().push_back(static_cast<char>(data[i]));
  }
  sw::FilterContext ctx;
  ctx.resolve_names = false;  // no resolver round trips: keeps the fuzzer in-process
  ctx.ifindex_of = [](const std::string& n) -> uint32_t { return n == "lo" ? 1 : 0; };
  ctx.cgroup_id_of = [](const std::string&) -> sw::Expected<uint64_t> { return uint64_t{7}; };
  auto r = sw::parse_filter(words, {}, ctx);
  if (r.filter) {
    sw::SocketRecord rec;
    rec.family = 2;
    rec.local.family = rec.peer.family = 2;
    rec.lport = 80;
    (void)r.filter->matches(rec);
    std::string bc = r.filter->bytecode();
    (void)sw::run_bytecode(bc, rec);
    // The superset program must pass the kernel's audit and accept what the
    // evaluator accepts; describe() walks the whole tree (deep inputs).
    auto sup = r.filter->compile_bytecode(2);
    // (The audit model, like the kernel's, is quadratic in the op count: the
    // full-size regressions would time out under the sanitizers.)
    if (!sup.code.empty() && sup.code.size() <= 4096 && !sw::audit_bytecode(sup.code))
      __builtin_trap();
    if (r.filter->matches(rec) && !sw::run_bytecode(sup.code, rec)) __builtin_trap();
    (void)r.filter->describe();
    rec.family = 1;
    rec.ensure_unix().has_name = true;
    rec.unix_ext->path = "/run/x.sock";
    (void)r.filter->matches(rec);
  }
  return 0;
}
