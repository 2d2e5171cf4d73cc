// SsOptions: the command line of ss mode, parsed exactly as ss 6.1 parses it
// (getopt_long with ss's option string, then `state`/`exclude` words), and the
// table/family/state merge rules of ss's filter_merge_defaults().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "render/render_options.hpp"

namespace sw {

struct SsOptions {
  RenderOptions render;
  uint32_t dbs = 0;                       // table bits (Table numbering)
  uint64_t families = 0;                  // 1 << AF_*
  uint32_t states = 0;                    // TcpState bits after merging
  int preferred_family = 0;               // AF_UNSPEC, or the last -4/-6/-f family
  bool summary = false;                   // -s
  bool events = false;                    // -E
  bool kill = false;                      // -K
  bool json = false;                      // -j/--json (sockwatch extension)
  bool ndjson = false;                    // --ndjson: one object per line
  bool all_netns = false;                 // --all-netns: every network namespace
  bool show_bpf = false;                  // -b
  bool proc_ctx = false;                  // -Z
  bool sock_ctx = false;                  // -z
  bool tipcinfo = false;                  // --tipcinfo
  bool do_default = true;                 // no table/family option given
  bool any_words = false;                 // anything after the options (state words or filter)
  std::string dump_file;                  // -D
  std::string filter_file;                // -F
  std::string netns;                      // -N
  bool netns_given = false;               // -N seen: -N '' is an error, not "no -N"
  std::string replay_file;                // --replay
  std::string record_file;                // --record
  std::vector<std::string> filter_words;  // the expression after state words
};

// Outcome of parsing: either options to run, or an immediate exit (help,
// version, usage error) with what to print.
struct ParseOutcome {
  std::optional<SsOptions> options;
  int exit_code = 0;
  std::string out;  // to stdout
  std::string err;  // to stderr
};

ParseOutcome parse_ss_command_line(int argc, char** argv);

// Every option spelling the parser accepts ("-t", "--tcp", ...), for the
// documentation drift test.
std::vector<std::string> ss_option_spellings();
// Index in argv of the first non-option argument under ss's option grammar
// (option arguments such as `-N NAME` are not operands), or -1.
int first_operand_index(int argc, char** argv);

}  // namespace sw
