// The inet cross-view's logic on a fake /proc/net: a difference between
// sock_diag and /proc/net counts only when the second look confirms it, in
// both directions; sockets that came or went between the looks do not.
#include "engine/cross_view.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sw {
namespace {

namespace fs = std::filesystem;

std::string tcp_line(int sl, uint64_t inode) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%4d: 0100007F:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000     "
                "0        0 %llu 1 0000000000000000 100 0 0 10 0\n",
                sl, 1000 + sl, static_cast<unsigned long long>(inode));
  return buf;
}

class CrossViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sw_xview_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write_tcp(const std::vector<uint64_t>& inodes) {
    std::ofstream f(dir_ + "/tcp");
    f << "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
         "timeout inode\n";
    int sl = 0;
    for (auto i : inodes) f << tcp_line(sl++, i);
    for (const char* t : {"udp", "raw"}) std::ofstream(dir_ + "/" + t) << "  sl  local_address\n";
  }
  static SocketRecord tcp(uint64_t inode) {
    SocketRecord r;
    r.table = Table::Tcp;
    r.family = AF_INET;
    r.state = kListen;
    r.inode = inode;
    return r;
  }
  std::string dir_;
};

TEST_F(CrossViewTest, ConfirmedDifferencesStayChurnGoes) {
  // First look: diag {1,2,3,4}, /proc/net {1,2,5,6}.
  write_tcp({1, 2, 5, 6});
  NamespaceEvidence ns;
  for (uint64_t i : {1, 2, 3, 4}) ns.sockets.push_back(tcp(i));
  int redumps = 0;
  compare_inet_views(ns, dir_, [&]() -> Expected<InodeSet> {
    ++redumps;
    // Second look: 3 is still hidden from /proc/net, 4 closed meanwhile;
    // 5 is still hidden from sock_diag, 6 now shows in both (it was new).
    write_tcp({1, 2, 5, 6});
    return InodeSet{1, 2, 3, 6};
  });
  EXPECT_EQ(redumps, 1);
  EXPECT_TRUE(ns.cross_view.done);
  EXPECT_EQ(ns.cross_view.diag_only, (std::vector<uint64_t>{3}));
  EXPECT_EQ(ns.cross_view.proc_net_only, (std::vector<uint64_t>{5}));
}

TEST_F(CrossViewTest, AgreeingViewsNeedNoSecondLook) {
  write_tcp({1, 2});
  NamespaceEvidence ns;
  ns.sockets = {tcp(1), tcp(2), tcp(0)};  // inode 0 (TIME-WAIT) is in no comparison
  bool asked = false;
  compare_inet_views(ns, dir_, [&]() -> Expected<InodeSet> {
    asked = true;
    return InodeSet{};
  });
  EXPECT_FALSE(asked);
  EXPECT_TRUE(ns.cross_view.done);
  EXPECT_TRUE(ns.cross_view.diag_only.empty());
  EXPECT_TRUE(ns.cross_view.proc_net_only.empty());
}

TEST_F(CrossViewTest, AFailedSecondLookIsNotDoneAndSaysWhy) {
  write_tcp({1});
  NamespaceEvidence ns;
  ns.sockets = {tcp(2)};
  compare_inet_views(ns, dir_, [&]() -> Expected<InodeSet> {
    return Error{"sock_diag: EPERM", 1};
  });
  EXPECT_FALSE(ns.cross_view.done);
  EXPECT_NE(ns.cross_view.not_done_why.find("EPERM"), std::string::npos);
}

TEST_F(CrossViewTest, MissingOrUnreadableProcNetIsNotDone) {
  NamespaceEvidence ns;
  compare_inet_views(ns, dir_ + "/no-such-dir", [] { return Expected<InodeSet>(InodeSet{}); });
  EXPECT_FALSE(ns.cross_view.done) << "no v4 tables: not a /proc/net";
  fs::create_directory(dir_ + "/tcp");  // unreadable as a file: EISDIR
  NamespaceEvidence ns2;
  compare_inet_views(ns2, dir_, [] { return Expected<InodeSet>(InodeSet{}); });
  EXPECT_FALSE(ns2.cross_view.done);
  EXPECT_NE(ns2.cross_view.not_done_why.find("/proc/net"), std::string::npos);
}

TEST_F(CrossViewTest, NoIpv6TablesIsFine) {
  write_tcp({1});  // and udp, raw; no tcp6, udp6, raw6
  NamespaceEvidence ns;
  ns.sockets = {tcp(1)};
  compare_inet_views(ns, dir_, [] { return Expected<InodeSet>(InodeSet{1}); });
  EXPECT_TRUE(ns.cross_view.done) << ns.cross_view.not_done_why;
}

}  // namespace
}  // namespace sw
