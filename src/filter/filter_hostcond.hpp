// Internal: operand conversion for the ss filter language — ss's
// parse_hostcond (host/port words for src, dst, sport, dport), and the number
// forms of dev and fwmark. Resolves host and service names through the C
// library (getservbyname, gethostbyname2) unless the context turns names off.
#pragma once

#include <cstdint>
#include <string>

#include "filter/filter.hpp"
#include "filter/filter_ast.hpp"

namespace sw {

struct OperandError {
  std::string ss_lines;  // what ss prints before its "Cannot parse ..." line
  std::string why;       // our explanation
};

// Converts `word` (the raw token text). `is_port`: the word follows
// sport/dport. `after`: the keyword text for messages ("dport =").
// `preferred_family` is the family in effect (AF_UNSPEC: any inet); on
// success `applied_family` is the family that replaces the family set, or
// AF_UNSPEC when the set is kept.
bool parse_hostcond(const std::string& word, bool is_port, const std::string& after,
                    const FilterContext& ctx, int preferred_family, HostCond& out,
                    int& applied_family, OperandError& err);

// strtoul(base 0) over the whole string, <= UINT32_MAX (iproute2's get_u32).
bool parse_u32(const std::string& s, uint32_t& out);

// fwmark operand: sscanf "%i/%i" or "%i" as ss (trailing text is ignored).
bool parse_markmask(const std::string& s, uint32_t& mark, uint32_t& mask);

}  // namespace sw
