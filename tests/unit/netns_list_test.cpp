// NetnsList on a fake /proc tree: one entry per distinct namespace, the lowest
// pid kept, our own first, unreadable links counted, junk links ignored.
#include "procfs/netns_list.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "fake_proc.hpp"

namespace sw {
namespace {

namespace fs = std::filesystem;

void ns_link(FakeProc& p, int pid, const std::string& target) {
  fs::create_directories(p.root() + "/" + std::to_string(pid) + "/ns");
  fs::create_symlink(target, p.root() + "/" + std::to_string(pid) + "/ns/net");
}

TEST(NetnsList, OneEntryPerNamespaceWithItsLowestPidOwnFirst) {
  FakeProc p;
  ns_link(p, 300, "net:[4026532500]");
  ns_link(p, 12, "net:[4026532400]");
  ns_link(p, 7, "net:[4026531840]");
  ns_link(p, 40, "net:[4026532400]");
  ns_link(p, 9, "net:[4026532500]");
  fs::create_directories(p.root() + "/self/ns");
  fs::create_symlink("net:[4026532500]", p.root() + "/self/ns/net");
  auto list = NetnsList::scan(p.root(), p.root() + "/no-run-netns");
  const auto& e = list.entries();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].inode, 4026532500u);  // ours first
  EXPECT_TRUE(e[0].is_self);
  EXPECT_EQ(e[0].pid, 9);
  EXPECT_EQ(e[1].inode, 4026531840u);  // then by inode
  EXPECT_EQ(e[1].pid, 7);
  EXPECT_EQ(e[2].inode, 4026532400u);
  EXPECT_EQ(e[2].pid, 12);
  EXPECT_FALSE(e[1].is_self);
  EXPECT_EQ(list.stats().processes, 5u);
  // Every pid seen in a namespace is remembered for open(); ours needs none.
  EXPECT_EQ(e[2].pids, (std::vector<int32_t>{12, 40}));
  EXPECT_TRUE(e[0].pids.empty());
  // A fake link cannot be opened: open() says why instead of failing.
  int err = 0;
  EXPECT_EQ(list.open(e[1], err), -1);
  EXPECT_NE(err, 0);
}

TEST(NetnsList, JunkLinksAndVanishedProcessesAreSkipped) {
  FakeProc p;
  ns_link(p, 5, "mnt:[4026531841]");
  ns_link(p, 6, "net:[]");
  ns_link(p, 8, "net:[12x]");
  fs::create_directories(p.root() + "/10");  // exited: no ns dir
  ns_link(p, 11, "net:[4026531999]");
  auto list = NetnsList::scan(p.root(), "/nonexistent");
  ASSERT_EQ(list.entries().size(), 1u);
  EXPECT_EQ(list.entries()[0].inode, 4026531999u);
  EXPECT_EQ(list.stats().unreadable, 0u);
}

TEST(NetnsList, PlainFilesInRunNetnsAreNotNamespaces) {
  FakeProc p;
  fs::create_directories(p.root() + "/run");
  std::ofstream(p.root() + "/run/leftover");  // a failed `ip netns add`
  auto list = NetnsList::scan(p.root(), p.root() + "/run");
  EXPECT_TRUE(list.entries().empty());
}

TEST(NetnsList, ParsesOnlyNetLinks) {
  EXPECT_EQ(parse_netns_link("net:[4026531840]"), 4026531840u);
  EXPECT_EQ(parse_netns_link("net:[0]"), 0u);
  EXPECT_EQ(parse_netns_link("uts:[4026531838]"), 0u);
  EXPECT_EQ(parse_netns_link("net:[4026531840"), 0u);
  EXPECT_EQ(parse_netns_link(""), 0u);
}

}  // namespace
}  // namespace sw
