#include "subcommands.hpp"

#include <getopt.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace sw {
namespace {

struct Argv {
  std::vector<std::string> words;
  std::vector<char*> ptrs;
  explicit Argv(std::vector<std::string> w) : words(std::move(w)) {
    words.insert(words.begin(), "sockwatch");
    for (auto& s : words) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(words.size()); }
  char** argv() { return ptrs.data(); }
};

int word_of(std::vector<std::string> w) {
  Argv a(std::move(w));
  return find_subcommand_word(a.argc(), a.argv());
}

TEST(Subcommands, WordIsTheFirstNonOptionArgument) {
  EXPECT_EQ(word_of({"top"}), 1);
  EXPECT_EQ(word_of({"-n", "top"}), 2);
  EXPECT_EQ(word_of({"top", "-t", "dport", "=", ":22"}), 1);
  EXPECT_EQ(word_of({"-N", "x", "top"}), 3);
  EXPECT_EQ(word_of({"-tn", "--", "log"}), 3);
  // Option arguments are not operands, in every spelling getopt accepts.
  EXPECT_EQ(word_of({"-N", "top"}), -1);
  EXPECT_EQ(word_of({"-Ntop"}), -1);
  EXPECT_EQ(word_of({"--net=top", "-t"}), -1);
  EXPECT_EQ(word_of({"--ne", "top"}), -1);  // abbreviated --net
  EXPECT_EQ(word_of({"-F", "check"}), -1);
  EXPECT_EQ(word_of({"--replay", "log", "-t"}), -1);
  // A host named like a subcommand stays reachable in a filter.
  EXPECT_EQ(word_of({"-tn", "dst", "top"}), -1);
  EXPECT_EQ(word_of({"state", "established", "top"}), -1);
  EXPECT_EQ(word_of({"-tan"}), -1);
  EXPECT_EQ(word_of({"tops"}), -1);
}

TEST(Subcommands, PlannedOnesExitTwo) {
  for (const auto& s : subcommands()) {
    if (s.run) continue;
    Argv a({std::string(s.name), "--help"});
    testing::internal::CaptureStderr();
    EXPECT_EQ(run_subcommand(a.argc(), a.argv(), 1), 2) << s.name;
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(err, "sockwatch: " + std::string(s.name) + ": not implemented in this version\n");
  }
}

TEST(Subcommands, CheckAndMetricsAreImplementedAndNothingIsPlanned) {
  for (const char* name : {"log", "top", "baseline", "check", "metrics"}) {
    ASSERT_NE(find_subcommand(name), nullptr) << name;
    EXPECT_NE(find_subcommand(name)->run, nullptr) << name;
    EXPECT_FALSE(find_subcommand(name)->options.empty()) << name;
  }
  std::string help = help_appendix();
  EXPECT_EQ(help.find("planned subcommands"), std::string::npos) << help;
  EXPECT_NE(help.find("   check "), std::string::npos);
  EXPECT_NE(help.find("   metrics "), std::string::npos);
}

TEST(Subcommands, SuggestsNearMisses) {
  EXPECT_EQ(suggest_subcommand("tpo"), "top");
  EXPECT_EQ(suggest_subcommand("lgo"), "log");
  EXPECT_EQ(suggest_subcommand("baselin"), "baseline");
  EXPECT_EQ(suggest_subcommand("basline"), "baseline");
  EXPECT_EQ(suggest_subcommand("chekc"), "check");
  EXPECT_EQ(suggest_subcommand("metric"), "metrics");
  EXPECT_FALSE(suggest_subcommand("top"));  // exact: not a typo
  EXPECT_FALSE(suggest_subcommand("dot"));  // two edits from a three-letter name
  EXPECT_FALSE(suggest_subcommand("dst"));
  EXPECT_FALSE(suggest_subcommand("localhost"));
}

std::optional<std::string> hint(std::vector<std::string> w) {
  Argv a(std::move(w));
  return typo_hint(a.argc(), a.argv(), /*resolve_names=*/false);
}

TEST(Subcommands, TypoHintOnlyWhereSsWouldFailOnTheWord) {
  auto h = hint({"tpo"});
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, "sockwatch: \"tpo\" is neither a subcommand nor a host; did you mean top?\n");
  EXPECT_TRUE(hint({"-tn", "lgo", "dport", "=", ":22"}));
  EXPECT_FALSE(hint({"tcp"}));              // a table name: -A tcp was meant
  EXPECT_FALSE(hint({"10.0.0.1"}));         // a valid term
  EXPECT_FALSE(hint({"dst", "tpo"}));       // not where a subcommand could stand
  EXPECT_FALSE(hint({"-N", "tpo", "-t"}));  // an option's argument
  EXPECT_FALSE(hint({"state", "listening"}));
  auto esc = hint({"tp\x1bo"});  // untrusted bytes are escaped for the terminal
  if (esc) {
    EXPECT_EQ(esc->find('\x1b'), std::string::npos);
  }
}

TEST(Subcommands, HelpAppendixIsMarkedAndFitsTheTerminal) {
  std::string a = help_appendix();
  ASSERT_EQ(a.rfind("\nsockwatch: options that ss does not have\n", 0), 0u) << a;
  for (const auto& o : ss_mode_extensions()) {
    if (!o.long_name.empty()) {
      EXPECT_NE(a.find("--" + std::string(o.long_name)), std::string::npos) << o.long_name;
    }
    if (o.short_name) {
      EXPECT_NE(a.find(std::string("-") + o.short_name), std::string::npos) << o.short_name;
    }
  }
  for (const auto& s : subcommands())
    EXPECT_NE(a.find("   " + std::string(s.name) + " "), std::string::npos) << s.name;
  std::istringstream in(a);
  for (std::string line; std::getline(in, line);) EXPECT_LE(line.size(), 100u) << line;
}

const OptionDoc kFakeOptions[] = {
    {'i', "interval", "SECS", "seconds between refreshes", 0},
    {0, "no-color", "", "plain text", 0},
    {'1', "", "", "one frame, then exit", 1},
};

TEST(Subcommands, SubcommandHelpIsGroupedLikeSs) {
  Subcommand fake{"demo", "a demonstration", "[ OPTIONS ]", kFakeOptions, nullptr};
  EXPECT_EQ(subcommand_help(fake),
            "Usage: sockwatch demo [ OPTIONS ]\n"
            "   a demonstration\n"
            "\n"
            "   -i, --interval=SECS seconds between refreshes\n"
            "       --no-color      plain text\n"
            "\n"
            "   -1                  one frame, then exit\n");
}

TEST(Subcommands, GetoptSpecParsesWhatIsDocumented) {
  GetoptSpec g = getopt_spec(kFakeOptions);
  EXPECT_EQ(g.short_opts, "i:1");
  std::vector<std::string> words = {"demo", "--interval=3", "--no-color", "-1", "-i", "5"};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  optind = 0;
  opterr = 0;
  std::vector<int> seen;
  std::vector<std::string> args;
  int c;
  while ((c = getopt_long(static_cast<int>(words.size()), argv.data(), g.short_opts.c_str(),
                          g.longs.data(), nullptr)) != -1) {
    seen.push_back(c);
    if (optarg) args.emplace_back(optarg);
  }
  optind = 0;
  opterr = 1;
  EXPECT_EQ(seen, (std::vector<int>{'i', 256 + 1, '1', 'i'}));
  EXPECT_EQ(args, (std::vector<std::string>{"3", "5"}));
}

}  // namespace
}  // namespace sw
