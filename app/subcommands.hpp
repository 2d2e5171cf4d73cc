// The subcommand registry: every subcommand's name, one-line summary and
// options table, and sockwatch's own ss-mode options. `--help`, the
// "did you mean" suggestion, `SUBCOMMAND --help` and the documentation drift
// test (tests/packaging) all read these tables, so a subcommand lands by adding
// its row here (plus its man page and completion entries, which the drift test
// then demands). A subcommand's parser must be built from its options table
// (getopt_spec()) so that what it accepts and what is documented cannot part.
//
// A subcommand word is recognised as the first non-option argument under ss's
// option grammar (DESIGN.md); everything else is ss mode.
#pragma once

#include <getopt.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sw {

// One documented option. Rows with the same `group` print together; a blank
// line separates groups, as in ss's usage text.
struct OptionDoc {
  char short_name = 0;         // 0: long only
  std::string_view long_name;  // empty: short only
  std::string_view arg;        // empty: takes no argument; else its placeholder ("FILE")
  std::string_view help;       // one line
  int group = 0;
};

struct Subcommand {
  std::string_view name;
  std::string_view summary;  // one line, for `sockwatch --help`
  std::string_view usage;    // after "sockwatch NAME ", e.g. "[ OPTIONS ] [ FILTER ]"
  std::span<const OptionDoc> options;
  // `args`: every argument except argv[0] and the subcommand word, in order
  // (options written before the word come first: `sockwatch -n top` is
  // `sockwatch top -n`). Returns the exit status (0 ok, 1 runtime failure,
  // 2 usage error, 3 internal error). nullptr: planned, not in this version.
  int (*run)(const std::vector<std::string>& args) = nullptr;
  // More text after the options in `NAME --help` (top: its key bindings).
  std::string (*help_epilog)() = nullptr;
};

// Every subcommand, implemented or planned, in the order `--help` lists them.
std::span<const Subcommand> subcommands();
const Subcommand* find_subcommand(std::string_view name);

// sockwatch's own ss-mode options (ss rejects them), for --help and the docs.
std::span<const OptionDoc> ss_mode_extensions();

// Parses a subcommand's arguments with getopt_long built from its options
// table: `on(c, long_name, optarg)` sees each option (c is the short letter,
// or >= 256 for a long-only one, whose name is then given) and returns -1 to
// go on or an exit status to stop with. Operands are appended to `operands`.
// getopt's own complaints (unknown option, missing argument) stop with 2 and
// the message in `error`. Returns -1 when everything was parsed.
int parse_subcommand_args(const Subcommand& sub, const std::vector<std::string>& args,
                          const std::function<int(int, const std::string&, const char*)>& on,
                          std::vector<std::string>& operands, std::string& error);

// The closest subcommand name to a mistyped word: optimal string alignment
// distance 1 for names of up to 4 letters, 2 for longer ones.
std::optional<std::string_view> suggest_subcommand(std::string_view word);

// What `sockwatch --help` prints after ss's usage text: a marked section of
// sockwatch's options and the subcommands.
std::string help_appendix();
// `sockwatch NAME --help`, grouped like ss's usage.
std::string subcommand_help(const Subcommand& sub);

// getopt_long tables built from an options table (what subcommand parsers use).
struct GetoptSpec {
  std::string short_opts;          // leading '+' (stop at the first operand) is up to the caller
  std::vector<option> longs;       // ends with the all-zero row; `val` is the short name or
                                   // 256 + the row index for long-only options
  std::vector<std::string> names;  // storage behind longs[].name
};
GetoptSpec getopt_spec(std::span<const OptionDoc> opts);

// Index in argv of the subcommand word, or -1 when this is an ss command line.
int find_subcommand_word(int argc, char** argv);
// Runs the subcommand named by argv[word] (see find_subcommand_word) and
// returns its exit status; a planned one says so and exits 2.
int run_subcommand(int argc, char** argv, int word);
// For an ss command line that parsed: when its first non-option argument is
// near a subcommand name and, alone, is not a valid filter term (ss would fail
// with "an inet prefix is expected"), the message to print instead of ss's
// filter error. ss's exit status for that command line (1) stays.
// `resolve_names` false keeps the resolver out of it (tests).
std::optional<std::string> typo_hint(int argc, char** argv, bool resolve_names = true);

}  // namespace sw
