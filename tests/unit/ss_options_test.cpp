#include "ss_options.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "core/tables.hpp"

namespace sw {
namespace {

ParseOutcome parse(std::vector<std::string> args) {
  args.insert(args.begin(), "sockwatch");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return parse_ss_command_line(static_cast<int>(args.size()), argv.data());
}

uint64_t fam(int af) { return uint64_t{1} << af; }

TEST(SsOptions, NoOptionsIsAllTablesConnectedStates) {
  auto r = parse({});
  ASSERT_TRUE(r.options);
  EXPECT_EQ(r.options->states, kConnStates);
  EXPECT_TRUE(r.options->dbs & table_bit(Table::Netlink));
  EXPECT_TRUE(r.options->dbs & table_bit(Table::Tcp));
  EXPECT_FALSE(r.options->dbs & table_bit(Table::Tipc));  // "all" leaves TIPC out
}

TEST(SsOptions, UdpDefaultsToEstablishedOnly) {
  auto r = parse({"-u"});
  ASSERT_TRUE(r.options);
  EXPECT_EQ(r.options->states, state_bit(kEstablished));
  EXPECT_EQ(r.options->dbs, table_bit(Table::Udp));
  EXPECT_EQ(r.options->families, fam(AF_INET) | fam(AF_INET6));
}

TEST(SsOptions, UnixOptionIsTheUnixFamily) {
  auto r = parse({"-x"});
  ASSERT_TRUE(r.options);
  EXPECT_EQ(r.options->families, fam(AF_UNIX));
  EXPECT_EQ(r.options->states, kConnStates);
  EXPECT_EQ(r.options->dbs,
            table_bit(Table::UnixStream) | table_bit(Table::UnixDgram) | table_bit(Table::UnixSeq));
}

TEST(SsOptions, TableAndFamilyMerge) {
  auto r = parse({"-x", "-t"});  // unix and TCP v4+v6
  ASSERT_TRUE(r.options);
  EXPECT_EQ(r.options->families, fam(AF_UNIX) | fam(AF_INET) | fam(AF_INET6));
  auto v4 = parse({"-4"});  // every inet table, v4 only
  ASSERT_TRUE(v4.options);
  EXPECT_EQ(v4.options->families, fam(AF_INET));
  EXPECT_TRUE(v4.options->dbs & table_bit(Table::Raw));
  EXPECT_TRUE(v4.options->dbs & table_bit(Table::Sctp));
}

TEST(SsOptions, LastOfFourAndSixIsPreferred) {
  EXPECT_EQ(parse({"-4", "-6"}).options->preferred_family, AF_INET6);
  EXPECT_EQ(parse({"-6", "-4"}).options->preferred_family, AF_INET);
}

TEST(SsOptions, QueryResetsTablesAndExcludes) {
  auto r = parse({"-A", "all,!tcp"});
  ASSERT_TRUE(r.options);
  EXPECT_FALSE(r.options->dbs & table_bit(Table::Tcp));
  EXPECT_TRUE(r.options->dbs & table_bit(Table::Udp));
  EXPECT_EQ(r.options->states, kConnStates);
}

TEST(SsOptions, StateWordsReplaceAndExcludeMask) {
  auto r = parse({"-t", "state", "established", "state", "listening"});
  ASSERT_TRUE(r.options);
  EXPECT_EQ(r.options->states, state_bit(kEstablished) | state_bit(kListen));
  auto e = parse({"-t", "exclude", "listening"});
  EXPECT_EQ(e.options->states, kAllStates & ~state_bit(kListen));
  auto g = parse({"state", "bucket"});
  EXPECT_EQ(g.options->states, state_bit(kSynRecv) | state_bit(kTimeWait));
  auto rest = parse({"-t", "state", "connected", "dport", "=", ":22"});
  EXPECT_EQ(rest.options->filter_words, (std::vector<std::string>{"dport", "=", ":22"}));
}

TEST(SsOptions, ErrorsMatchSs) {
  auto f = parse({"-f", "bogus"});
  EXPECT_FALSE(f.options);
  EXPECT_EQ(f.exit_code, 255);
  EXPECT_EQ(f.err.rfind("ss: \"bogus\" is invalid family\nUsage: ss [ OPTIONS ]\n", 0), 0u);
  auto a = parse({"-A", "tcp,nope"});
  EXPECT_EQ(a.exit_code, 255);
  EXPECT_EQ(a.err.rfind("ss: \"nope\" is illegal socket table id\n", 0), 0u);
  auto s = parse({"state", "nope"});
  EXPECT_EQ(s.exit_code, 255);
  EXPECT_EQ(s.err, "ss: wrong state name: nope\n");
  auto incomplete = parse({"state"});
  EXPECT_EQ(incomplete.exit_code, 255);
  auto h = parse({"-h"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_EQ(h.out.rfind("Usage: ss [ OPTIONS ]\n", 0), 0u);
}

TEST(SsOptions, ExtendedImpliesOptionsAndThreadsImplyUsers) {
  auto r = parse({"-e", "-T"});
  ASSERT_TRUE(r.options);
  EXPECT_TRUE(r.options->render.show_options);
  EXPECT_TRUE(r.options->render.show_details);
  EXPECT_TRUE(r.options->render.show_users);
  EXPECT_TRUE(r.options->render.show_threads);
}

TEST(SsOptions, AllNetnsCombinesWithListingsAndEventsNotWithOneNamespaceOrRawDumps) {
  auto ok = parse({"--all-netns", "-tlnp"});
  ASSERT_TRUE(ok.options);
  EXPECT_TRUE(ok.options->all_netns);
  EXPECT_TRUE(parse({"--all-netns", "-tE"}).options);
  EXPECT_TRUE(parse({"--all-netns", "-s", "-j"}).options);
  for (std::vector<std::string> bad : {std::vector<std::string>{"--all-netns", "-N", "x"},
                                       {"--all-netns", "-D", "/tmp/x"},
                                       {"--all-netns", "--replay", "/tmp/x"},
                                       {"--record", "/tmp/x", "--all-netns"}}) {
    auto r = parse(bad);
    EXPECT_FALSE(r.options) << bad[1];
    EXPECT_EQ(r.exit_code, 255);
    EXPECT_EQ(r.err.rfind("sockwatch: --all-netns cannot be combined with ", 0), 0u) << r.err;
  }
}

}  // namespace
}  // namespace sw

namespace sw {
namespace {

// Issue 12: options that would act on live sockets, read live state or drop
// the recording are refused with --replay/--record (usage status 255).
TEST(SsOptions, ReplayAndRecordRefuseCombinationsThatWouldLie) {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  const Case cases[] = {
      {{"--replay", "f", "-tK"}, "-K"},
      {{"--replay", "f", "-tT"}, "-T"},
      {{"--replay", "f", "-tZ"}, "-Z"},
      {{"--replay", "f", "-D", "x"}, "-D"},
      {{"--replay", "f", "-tE"}, "-E"},
      {{"--replay", "f", "-s"}, "-s"},
      {{"--replay", "f", "--record", "g"}, "--record"},
      {{"--record", "g", "-D", "x"}, "-D"},
      {{"--record", "g", "-tE"}, "-E"},
      {{"--record", "g", "-s"}, "-s alone"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.args);
    EXPECT_FALSE(r.options) << c.args[2];
    EXPECT_EQ(r.exit_code, 255);
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(r.err.rfind("sockwatch: ", 0), 0u) << r.err;
  }
  EXPECT_TRUE(parse({"--replay", "f", "-tan"}).options);
  // -p is answered from an evidence recording's processes (checked on open).
  EXPECT_TRUE(parse({"--replay", "f", "-tanp"}).options);
  EXPECT_TRUE(parse({"--record", "g", "-s", "-ta"}).options);
  EXPECT_TRUE(parse({"--record", "g", "-tK"}).options);  // live sockets: works as it says
}

}  // namespace
}  // namespace sw
