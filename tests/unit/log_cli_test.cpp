// The `log` row of the subcommand registry: its options table is what the
// parser will be built from (getopt_spec) and what --help, the man page and
// the completions document (tests/packaging/docs_test.sh checks those).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "subcommands.hpp"

namespace sw {
namespace {

TEST(LogCli, RegistryRow) {
  const Subcommand* log = find_subcommand("log");
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->usage, "[ OPTIONS ] [ FILTER ]");
  std::vector<std::string> longs;
  for (const auto& o : log->options) longs.emplace_back(o.long_name);
  EXPECT_EQ(longs,
            (std::vector<std::string>{"tcp", "udp", "raw", "unix", "ipv4", "ipv6", "query",
                                      "all-netns", "output", "rotate-size", "rotate-keep", "ecs",
                                      "db", "interval", "health-interval", "no-ebpf", "help"}));
  GetoptSpec g = getopt_spec(log->options);
  EXPECT_EQ(g.short_opts, "tuwx46A:o:h");
}

TEST(LogCli, HelpFitsTheTerminal) {
  std::string h = subcommand_help(*find_subcommand("log"));
  EXPECT_EQ(h.rfind("Usage: sockwatch log [ OPTIONS ] [ FILTER ]\n", 0), 0u) << h;
  EXPECT_NE(h.find("   -o, --output=FILE"), std::string::npos) << h;
  EXPECT_NE(h.find("       --rotate-size=SIZE"), std::string::npos) << h;
  std::istringstream in(h);
  for (std::string line; std::getline(in, line);) EXPECT_LE(line.size(), 100u) << line;
}

}  // namespace
}  // namespace sw
